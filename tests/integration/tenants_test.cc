// Tenants against the real server and simulator: a policy file maps static
// tokens' principals to tenants and roles; tenant A cannot see, watch,
// list, look up or replay tenant B's compiles, request_ids are per tenant
// (across a restart too), roles and flows are enforced, and quotas answer
// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo.
#include <openssl/evp.h>

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), length));
}

// The callers: a token each, named NAME in the tokens file.
constexpr char kAlice[] = "tok-alice-payments-9f3e1c";  // payments: all roles
constexpr char kCarol[] = "tok-carol-payments-21ab7d";  // payments: watch
constexpr char kBob[] = "tok-bob-claims-6c0d44e1";      // claims: all roles
constexpr char kMallory[] = "tok-mallory-nobody-0e9a";  // in no tenant

// Writes the tokens file and a policy file (with `claims_quotas` for the
// claims tenant) into `dir` and returns the server flags for them.
std::vector<std::string> TenantFlags(const std::string& dir,
                                     const nlohmann::json& claims_quotas) {
  const std::string tokens = dir + "/tokens";
  std::ofstream(tokens) << "alice " << Sha256Hex(kAlice) << "\n"
                        << "carol " << Sha256Hex(kCarol) << "\n"
                        << "bob " << Sha256Hex(kBob) << "\n"
                        << "mallory " << Sha256Hex(kMallory) << "\n";
  nlohmann::json claims = {
      {"name", "claims"},
      {"flows", {"claims-*", "shared"}},
      {"members",
       {{{"principal", "token:bob"}, {"roles", {"start", "watch", "admin"}}}}}};
  if (!claims_quotas.is_null()) claims["quotas"] = claims_quotas;
  const nlohmann::json policy = {
      {"tenants",
       {{{"name", "payments"},
         {"flows", {"pay-*", "shared"}},
         {"members",
          {{{"principal", "token:alice"},
            {"roles", {"start", "watch", "admin"}}},
           {{"principal", "token:carol"}, {"roles", {"watch"}}}}}},
        claims}}};
  const std::string policy_file = dir + "/policy.json";
  std::ofstream(policy_file) << policy.dump(2);
  return {"--auth-tokens-file=" + tokens, "--policy-file=" + policy_file};
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
}

absl::StatusOr<v1::Compile> Start(testing::GatewayHarness& gateway,
                                  const std::string& token,
                                  const std::string& flow_id,
                                  const std::string& request_id = "") {
  grpc::ClientContext context;
  Authorize(context, token);
  v1::StartCompileRequest request;
  request.set_flow_id(flow_id);
  request.set_request_id(request_id);
  v1::Compile compile;
  const grpc::Status status =
      gateway.stub().StartCompile(&context, request, &compile);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return compile;
}

grpc::Status Get(testing::GatewayHarness& gateway, const std::string& token,
                 const std::string& name, v1::Compile* compile = nullptr) {
  grpc::ClientContext context;
  Authorize(context, token);
  v1::GetCompileRequest request;
  request.set_name(name);
  v1::Compile ignored;
  return gateway.stub().GetCompile(&context, request,
                                   compile == nullptr ? &ignored : compile);
}

grpc::Status Lookup(testing::GatewayHarness& gateway, const std::string& token,
                    const std::string& request_id, v1::Compile* compile) {
  grpc::ClientContext context;
  Authorize(context, token);
  v1::LookupCompileRequest request;
  request.set_request_id(request_id);
  return gateway.stub().LookupCompile(&context, request, compile);
}

std::vector<std::string> ListedNames(testing::GatewayHarness& gateway,
                                     const std::string& token) {
  grpc::ClientContext context;
  Authorize(context, token);
  v1::ListCompilesRequest request;
  request.set_page_size(1000);
  v1::ListCompilesResponse response;
  const grpc::Status status =
      gateway.stub().ListCompiles(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<std::string> names;
  for (const v1::Compile& compile : response.compiles()) {
    names.push_back(compile.name());
  }
  return names;
}

// A WatchCompile to its end: its events and final status.
testing::WatchResult Watch(testing::GatewayHarness& gateway,
                           const std::string& token,
                           v1::WatchCompileRequest request) {
  grpc::ClientContext context;
  Authorize(context, token);
  testing::WatchResult result;
  auto reader = gateway.stub().WatchCompile(&context, request);
  v1::CompileEvent event;
  while (reader->Read(&event)) result.events.push_back(event);
  result.status = reader->Finish();
  return result;
}

// The retry delay of `status`'s google.rpc.RetryInfo detail, read as raw
// protobuf fields (Debian has no C++ googleapis protos); -1 if none.
double RetryDelaySeconds(const grpc::Status& status) {
  google::protobuf::UnknownFieldSet rpc_status;
  if (!rpc_status.ParseFromString(status.error_details())) return -1;
  for (int i = 0; i < rpc_status.field_count(); ++i) {
    const auto& detail = rpc_status.field(i);
    if (detail.number() != 3) continue;  // details: Any
    google::protobuf::UnknownFieldSet any;
    if (!any.ParseFromString(detail.length_delimited())) continue;
    std::string type_url, value;
    for (int j = 0; j < any.field_count(); ++j) {
      if (any.field(j).number() == 1) type_url = any.field(j).length_delimited();
      if (any.field(j).number() == 2) value = any.field(j).length_delimited();
    }
    if (type_url != "type.googleapis.com/google.rpc.RetryInfo") continue;
    google::protobuf::UnknownFieldSet retry_info, duration;
    if (!retry_info.ParseFromString(value) || retry_info.field_count() != 1 ||
        !duration.ParseFromString(retry_info.field(0).length_delimited())) {
      return -1;
    }
    double seconds = 0;
    for (int j = 0; j < duration.field_count(); ++j) {
      if (duration.field(j).number() == 1) {
        seconds += static_cast<double>(duration.field(j).varint());
      }
      if (duration.field(j).number() == 2) {
        seconds += static_cast<double>(duration.field(j).varint()) / 1e9;
      }
    }
    return seconds;
  }
  return -1;
}

class TenantsTest : public ::testing::Test {
 protected:
  void StartGateway(const nlohmann::json& claims_quotas = nullptr,
                    std::vector<std::string> sim_args = {}) {
    testing::HarnessOptions options;
    for (std::string& flag : TenantFlags(dir_.path(), claims_quotas)) {
      options.server_args.push_back(std::move(flag));
    }
    if (!sim_args.empty()) options.sim_args = std::move(sim_args);
    auto gateway = testing::GatewayHarness::Start(options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }

  testing::ScopedTempDir dir_;
  std::unique_ptr<testing::GatewayHarness> gateway_;
};

TEST_F(TenantsTest, ATenantCannotSeeWatchListOrLookUpAnotherTenantsCompiles) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  testing::GatewayHarness& g = *gateway_;
  absl::StatusOr<v1::Compile> paying = Start(g, kAlice, "pay-checkout", "r1");
  ASSERT_TRUE(paying.ok()) << paying.status();
  EXPECT_EQ(paying->tenant(), "payments");
  absl::StatusOr<v1::Compile> claiming = Start(g, kBob, "claims-intake", "r1");
  ASSERT_TRUE(claiming.ok()) << claiming.status();
  EXPECT_EQ(claiming->tenant(), "claims");
  EXPECT_NE(paying->name(), claiming->name());

  // Another tenant's compile is answered exactly as one nobody knows.
  const grpc::Status foreign = Get(g, kBob, paying->name());
  const std::string unknown_name = "flows/pay-checkout/compiles/no-such-id";
  const grpc::Status unknown = Get(g, kBob, unknown_name);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(foreign.error_message(),
            absl::StrReplaceAll(unknown.error_message(),
                                {{unknown_name, paying->name()}}));
  EXPECT_TRUE(Get(g, kAlice, paying->name()).ok());
  EXPECT_TRUE(Get(g, kCarol, paying->name()).ok());  // same tenant, watch

  v1::WatchCompileRequest by_name;
  by_name.set_name(paying->name());
  EXPECT_EQ(Watch(g, kBob, by_name).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::WatchCompileRequest by_flow;
  by_flow.set_flow_id("pay-checkout");
  EXPECT_EQ(Watch(g, kBob, by_flow).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  const testing::WatchResult own = Watch(g, kAlice, by_name);
  EXPECT_TRUE(own.status.ok()) << own.status.error_message();
  EXPECT_FALSE(own.events.empty());

  // Each tenant lists its own compiles only.
  EXPECT_THAT(ListedNames(g, kBob), ::testing::ElementsAre(claiming->name()));
  EXPECT_THAT(ListedNames(g, kAlice), ::testing::ElementsAre(paying->name()));

  // The same request_id in two tenants is two keys.
  v1::Compile found;
  ASSERT_TRUE(Lookup(g, kBob, "r1", &found).ok());
  EXPECT_EQ(found.name(), claiming->name());
  ASSERT_TRUE(Lookup(g, kAlice, "r1", &found).ok());
  EXPECT_EQ(found.name(), paying->name());
  absl::StatusOr<v1::Compile> again = Start(g, kBob, "claims-intake", "r1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), claiming->name());

  // A collection watch from the start of history shows only the caller's
  // compiles.
  grpc::ClientContext context;
  Authorize(context, kBob);
  v1::WatchCompilesRequest all;
  all.set_after_revision(0);
  auto reader = g.stub().WatchCompiles(&context, all);
  std::vector<std::string> seen;
  v1::WatchCompilesResponse message;
  while (reader->Read(&message)) {
    if (message.has_compile()) seen.push_back(message.compile().name());
    if (message.compile().name() == claiming->name() &&
        message.compile().state() == v1::STATE_COMPLETED) {
      break;
    }
  }
  context.TryCancel();
  while (reader->Read(&message)) {
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_THAT(seen, ::testing::Each(claiming->name()));

  // Keys stay per tenant across a restart (the store keeps their tenant).
  ASSERT_TRUE(g.RestartServer().ok());
  ASSERT_TRUE(Lookup(g, kBob, "r1", &found).ok());
  EXPECT_EQ(found.name(), claiming->name());
  ASSERT_TRUE(Lookup(g, kAlice, "r1", &found).ok());
  EXPECT_EQ(found.name(), paying->name());
  EXPECT_EQ(Get(g, kBob, paying->name()).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // No token reaches a log line.
  const std::string logs = absl::StrJoin(g.AllLogLines(), "\n");
  for (const char* token : {kAlice, kBob, kCarol}) {
    EXPECT_FALSE(absl::StrContains(logs, token));
  }
}

TEST_F(TenantsTest, RolesFlowsAndMembershipAreEnforced) {
  ASSERT_NO_FATAL_FAILURE(StartGateway());
  testing::GatewayHarness& g = *gateway_;
  const absl::Status watcher_starts = Start(g, kCarol, "pay-refund").status();
  EXPECT_EQ(watcher_starts.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(watcher_starts.message(), HasSubstr("lacks the start role"));
  const absl::Status outsider = Start(g, kMallory, "pay-refund").status();
  EXPECT_EQ(outsider.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(outsider.message(), HasSubstr("not a member of any tenant"));
  EXPECT_EQ(Start(g, "tok-not-in-the-file", "pay-refund").status().code(),
            absl::StatusCode::kUnauthenticated);
  const absl::Status other_flow = Start(g, kAlice, "claims-intake").status();
  EXPECT_EQ(other_flow.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other_flow.message(), HasSubstr("may not compile flow"));
  // Dead letters need the admin role; there are no webhooks here at all.
  grpc::ClientContext context;
  Authorize(context, kCarol);
  auto webhooks = v1::WebhookService::NewStub(grpc::CreateChannel(
      g.gateway_address(), grpc::InsecureChannelCredentials()));
  v1::ListDeadLettersRequest list;
  v1::ListDeadLettersResponse letters;
  const grpc::Status listed =
      webhooks->ListDeadLetters(&context, list, &letters);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(listed.error_message(), HasSubstr("admin"));
}

TEST_F(TenantsTest, AFlowCompilingForOneTenantIsRefusedToAnotherUnnamed) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(
      nullptr, {"--queued-ms=300", "--in-progress-ms=4000"}));
  testing::GatewayHarness& g = *gateway_;
  absl::StatusOr<v1::Compile> first = Start(g, kAlice, "shared");
  ASSERT_TRUE(first.ok()) << first.status();
  const absl::Status second = Start(g, kBob, "shared").status();
  EXPECT_EQ(second.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(second.message(), HasSubstr("for another tenant"));
  EXPECT_THAT(std::string(second.message()),
              Not(HasSubstr(first->compile_id())));
  EXPECT_THAT(std::string(second.message()), Not(HasSubstr("payments")));
  // The same tenant's second start joins the running compile.
  absl::StatusOr<v1::Compile> joined = Start(g, kAlice, "shared");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->name(), first->name());
}

TEST_F(TenantsTest, QuotasAnswerResourceExhaustedWithARetryDelay) {
  ASSERT_NO_FATAL_FAILURE(StartGateway(
      {{"compiles_in_flight", 2}, {"starts_per_minute", 3},
       {"open_watches", 1}},
      {"--queued-ms=300", "--in-progress-ms=3000"}));
  testing::GatewayHarness& g = *gateway_;
  absl::StatusOr<v1::Compile> one = Start(g, kBob, "claims-1");
  absl::StatusOr<v1::Compile> two = Start(g, kBob, "claims-2");
  ASSERT_TRUE(one.ok()) << one.status();
  ASSERT_TRUE(two.ok()) << two.status();
  // A third while two are in flight.
  grpc::ClientContext context;
  Authorize(context, kBob);
  v1::StartCompileRequest request;
  request.set_flow_id("claims-3");
  v1::Compile ignored;
  const grpc::Status busy =
      g.stub().StartCompile(&context, request, &ignored);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(busy.error_message(), HasSubstr("compiles_in_flight 2"));
  EXPECT_GT(RetryDelaySeconds(busy), 0);
  // Another tenant is not held back by it.
  EXPECT_TRUE(Start(g, kAlice, "pay-1").ok());

  // One watch open; a second is refused until it closes.
  grpc::ClientContext first_watch;
  Authorize(first_watch, kBob);
  v1::WatchCompileRequest watch;
  watch.set_name(one->name());
  auto reader = g.stub().WatchCompile(&first_watch, watch);
  v1::CompileEvent event;
  ASSERT_TRUE(reader->Read(&event));
  v1::WatchCompileRequest other;
  other.set_name(two->name());
  const testing::WatchResult refused = Watch(g, kBob, other);
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.status.error_message(), HasSubstr("open_watches 1"));
  EXPECT_GT(RetryDelaySeconds(refused.status), 0);
  first_watch.TryCancel();
  while (reader->Read(&event)) {
  }
  (void)reader->Finish();
  EXPECT_TRUE(testing::WaitUntil([&] {
    return Watch(g, kBob, other).status.ok();
  }));

  // Once both finished (a watch ends with its compile) the third start
  // goes; then the per-minute quota (3) is used up, and the delay says
  // when the next is allowed.
  ASSERT_TRUE(Watch(g, kBob, watch).status.ok());
  ASSERT_TRUE(Watch(g, kBob, other).status.ok());
  ASSERT_TRUE(Start(g, kBob, "claims-3").ok());
  grpc::ClientContext fourth;
  Authorize(fourth, kBob);
  request.set_flow_id("claims-4");
  const grpc::Status per_minute =
      g.stub().StartCompile(&fourth, request, &ignored);
  EXPECT_EQ(per_minute.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(per_minute.error_message(), HasSubstr("starts_per_minute 3"));
  const double delay = RetryDelaySeconds(per_minute);
  EXPECT_GT(delay, 0);
  EXPECT_LE(delay, 20.001);  // a start every 20 s
}

TEST(TenantPolicyFile, ABadPolicyOrAnEndpointWithoutATenantFailsTheStart) {
  testing::ScopedTempDir dir;
  std::vector<std::string> flags = TenantFlags(dir.path(), nullptr);
  const std::string policy = dir.path() + "/bad.json";
  std::ofstream(policy) << R"({"tenants": [{"name": "Payments", "members": []}]})";
  testing::HarnessOptions options;
  options.server_args.push_back(flags[0]);
  options.server_args.push_back("--policy-file=" + policy);
  auto bad = testing::GatewayHarness::Start(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("tenants[0].name"));

  const std::string webhooks = dir.path() + "/webhooks.json";
  std::ofstream(webhooks) << R"({"allow_loopback": true, "endpoints": [{
      "name": "hook", "url": "http://127.0.0.1:9/x",
      "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]})";
  testing::HarnessOptions untenanted;
  untenanted.server_args.insert(untenanted.server_args.end(), flags.begin(),
                                flags.end());
  untenanted.server_args.push_back("--webhooks-config=" + webhooks);
  auto refused = testing::GatewayHarness::Start(untenanted);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("webhook endpoint \"hook\" names no tenant"));
}

TEST(TenantWebhooks, AnAdminSeesOnlyItsTenantsEndpoints) {
  testing::ScopedTempDir dir;
  std::vector<std::string> flags = TenantFlags(dir.path(), nullptr);
  const std::string webhooks = dir.path() + "/webhooks.json";
  std::ofstream(webhooks) << R"({"allow_loopback": true, "endpoints": [
      {"name": "payments-hook", "url": "http://127.0.0.1:9/x",
       "tenant": "payments",
       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
      {"name": "claims-hook", "url": "http://127.0.0.1:9/y",
       "tenant": "claims",
       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]})";
  testing::HarnessOptions options;
  options.server_args.insert(options.server_args.end(), flags.begin(),
                             flags.end());
  options.server_args.push_back("--webhooks-config=" + webhooks);
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto stub = v1::WebhookService::NewStub(grpc::CreateChannel(
      (*gateway)->gateway_address(), grpc::InsecureChannelCredentials()));
  auto list = [&](const std::string& token, const std::string& endpoint) {
    grpc::ClientContext context;
    Authorize(context, token);
    v1::ListDeadLettersRequest request;
    request.mutable_selector()->set_endpoint(endpoint);
    v1::ListDeadLettersResponse response;
    return stub->ListDeadLetters(&context, request, &response);
  };
  EXPECT_TRUE(list(kBob, "claims-hook").ok());
  EXPECT_TRUE(list(kBob, "").ok());
  const grpc::Status foreign = list(kBob, "payments-hook");
  const grpc::Status unknown = list(kBob, "no-such-hook");
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(foreign.error_message(),
            absl::StrReplaceAll(unknown.error_message(),
                                {{"no-such-hook", "payments-hook"}}));
  grpc::ClientContext context;
  Authorize(context, kBob);
  v1::ReplayDeadLettersRequest replay;
  replay.mutable_selector()->set_endpoint("payments-hook");
  replay.mutable_selector()->mutable_start_time()->set_seconds(1);
  v1::ReplayDeadLettersResponse replayed;
  EXPECT_EQ(stub->ReplayDeadLetters(&context, replay, &replayed).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace cxone

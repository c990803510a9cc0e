// Caller identity against the real server: static bearer tokens known by
// their SHA-256, JWTs verified against a JWKS, and the principal on every
// audit line. (mTLS identities: tls_test.cc.)
#include <openssl/evp.h>

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_jwt.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;

constexpr char kDeployerToken[] = "tok-deployer-5d1c9a0e7b3f4a21";
constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kAudience[] = "cxone-compile-gateway";

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<char*>(digest), length));
}

// ListCompiles with `authorization` metadata (none when empty).
grpc::Status List(testing::GatewayHarness& gateway,
                  const std::string& authorization) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  v1::ListCompilesRequest request;
  v1::ListCompilesResponse response;
  return gateway.stub().ListCompiles(&context, request, &response);
}

// The first status of a WatchCompiles stream with `authorization`.
grpc::Status WatchAll(testing::GatewayHarness& gateway,
                      const std::string& authorization) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  if (!authorization.empty()) context.AddMetadata("authorization", authorization);
  v1::WatchCompilesRequest request;
  auto reader = gateway.stub().WatchCompiles(&context, request);
  v1::WatchCompilesResponse message;
  if (reader->Read(&message)) {
    context.TryCancel();
    while (reader->Read(&message)) {
    }
    return grpc::Status::OK;  // it streamed
  }
  return reader->Finish();
}

// The audit lines of `method`, parsed.
std::vector<nlohmann::json> AuditLines(testing::GatewayHarness& gateway,
                                       const std::string& method) {
  std::vector<nlohmann::json> found;
  for (const std::string& line : gateway.AllLogLines()) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_object() && json.value("audit", "") == "rpc" &&
        json.value("method", "") == method) {
      found.push_back(json);
    }
  }
  return found;
}

TEST(StaticTokens, OnlyAKnownTokenGetsInAndTheAuditNamesItsCaller) {
  testing::ScopedTempDir dir;
  const std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "# who may call\n"
                        << "deployer " << Sha256Hex(kDeployerToken) << "\n"
                        << "auditor  " << Sha256Hex("tok-auditor-77aa0c19e2")
                        << "  # read-only, later\n";
  testing::HarnessOptions options;
  options.server_args.push_back("--auth-tokens-file=" + tokens);
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  testing::GatewayHarness& g = **gateway;

  const grpc::Status none = List(g, "");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("Bearer TOKEN"));
  EXPECT_EQ(List(g, "Bearer tok-not-known-0000000").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(List(g, std::string("Basic ") + kDeployerToken).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(List(g, std::string("Bearer ") + kDeployerToken).ok());
  EXPECT_EQ(WatchAll(g, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(WatchAll(g, std::string("Bearer ") + kDeployerToken).ok());

  const std::string method = "/cxone.compile.v1.CompileService/ListCompiles";
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(testing::WaitUntil([&] {
    lines = AuditLines(g, method);
    return lines.size() >= 4;
  }));
  EXPECT_EQ(lines[0]["principal"], "-");
  EXPECT_EQ(lines[0]["code"], "UNAUTHENTICATED");
  EXPECT_EQ(lines[3]["principal"], "token:deployer");
  EXPECT_EQ(lines[3]["code"], "OK");
  std::vector<nlohmann::json> watches;
  ASSERT_TRUE(testing::WaitUntil([&] {
    watches = AuditLines(g, "/cxone.compile.v1.CompileService/WatchCompiles");
    return watches.size() >= 2;
  }));
  EXPECT_EQ(watches[0]["code"], "UNAUTHENTICATED");
  EXPECT_EQ(watches[1]["principal"], "token:deployer");
  // A token never reaches a log line.
  EXPECT_FALSE(absl::StrContains(absl::StrJoin(g.AllLogLines(), "\n"),
                                 kDeployerToken));
  EXPECT_FALSE(absl::StrContains(absl::StrJoin(g.AllLogLines(), "\n"),
                                 "tok-not-known"));
}

TEST(StaticTokens, TheCliSendsTheTokenOfItsTokenFile) {
  testing::ScopedTempDir dir;
  const std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "deployer " << Sha256Hex(kDeployerToken) << "\n";
  const std::string token_file = dir.path() + "/my-token";
  std::ofstream(token_file) << kDeployerToken << "\n";
  testing::HarnessOptions options;
  options.server_args.push_back("--auth-tokens-file=" + tokens);
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto cli = [&](std::vector<std::string> args,
                 std::vector<std::pair<std::string, std::string>> env = {}) {
    args.insert(args.begin(), {"--server", (*gateway)->gateway_address()});
    auto run = testing::ChildProcess::Run(CXONE_CLI_BINARY, args, env,
                                          absl::Seconds(30));
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(testing::ChildProcess::Outcome{});
  };
  auto with_flag = cli({"--token-file", token_file, "list"});
  EXPECT_EQ(with_flag.exit_code, 0) << with_flag.Text();
  auto with_variable = cli({"gate", "main-menu", "--run-id", "tok"},
                           {{"CXONE_TOKEN_FILE", token_file}});
  EXPECT_EQ(with_variable.exit_code, 0) << with_variable.Text();
  auto without = cli({"list"});
  EXPECT_EQ(without.exit_code, 3) << without.Text();
  EXPECT_THAT(without.Text(), HasSubstr("UNAUTHENTICATED"));
  EXPECT_FALSE(absl::StrContains(with_flag.Text() + without.Text(),
                                 kDeployerToken));
}

TEST(StaticTokens, ABadTokensFileFailsTheStartNamingTheLine) {
  testing::ScopedTempDir dir;
  const std::string tokens = dir.path() + "/tokens";
  std::ofstream(tokens) << "deployer " << Sha256Hex(kDeployerToken) << "\n"
                        << "cleartext " << kDeployerToken << "\n";
  testing::HarnessOptions options;
  options.server_args.push_back("--auth-tokens-file=" + tokens);
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_FALSE(gateway.ok());
  EXPECT_THAT(std::string(gateway.status().message()),
              HasSubstr("line 2: the digest is 64 hexadecimal digits"));
}

class JwtAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string jwks = dir_.path() + "/jwks.json";
    std::ofstream(jwks) << nlohmann::json{{"keys", {rsa_.Jwk(), ec_.Jwk()}}}.dump();
    testing::HarnessOptions options;
    options.server_args.insert(
        options.server_args.end(),
        {"--auth-jwks-file=" + jwks, std::string("--auth-jwt-issuer=") + kIssuer,
         std::string("--auth-jwt-audience=") + kAudience});
    auto gateway = testing::GatewayHarness::Start(options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
  }
  testing::ScopedTempDir dir_;
  testing::TestIssuer rsa_{testing::TestIssuer::Algorithm::kRs256, "rsa-2026"};
  testing::TestIssuer ec_{testing::TestIssuer::Algorithm::kEs256, "ec-2026"};
  std::unique_ptr<testing::GatewayHarness> gateway_;
};

TEST_F(JwtAuthTest, AValidJwtGetsInAndEveryBadOneIsRefused) {
  auto bearer = [](const std::string& token) { return "Bearer " + token; };
  const auto claims = [](const std::string& sub) {
    return testing::TestIssuer::Claims(kIssuer, kAudience, sub);
  };
  EXPECT_TRUE(List(*gateway_, bearer(rsa_.Sign(claims("ci-bot")))).ok());
  EXPECT_TRUE(List(*gateway_, bearer(ec_.Sign(claims("release-bot")))).ok());

  const testing::TestIssuer forger(testing::TestIssuer::Algorithm::kEs256,
                                   "ec-2026");
  struct Case {
    const char* what;
    std::string token;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"expired",
            ec_.Sign(testing::TestIssuer::Claims(kIssuer, kAudience, "x",
                                                 -absl::Minutes(10))),
            "has expired"},
           {"forged", forger.Sign(claims("x")), "does not verify"},
           {"wrong audience",
            ec_.Sign(testing::TestIssuer::Claims(kIssuer, "other-service", "x")),
            "not for this audience"},
           {"wrong issuer",
            ec_.Sign(testing::TestIssuer::Claims("https://evil", kAudience, "x")),
            "wrong issuer"},
           {"alg none",
            testing::TestIssuer::Encode(R"({"alg":"none"})") + "." +
                testing::TestIssuer::Encode(claims("x").dump()) + ".",
            "only RS256 and ES256"},
       }) {
    const grpc::Status status = List(*gateway_, bearer(c.token));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << c.what;
    EXPECT_THAT(status.error_message(), HasSubstr(c.why)) << c.what;
  }
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(testing::WaitUntil([&] {
    lines = AuditLines(*gateway_, "/cxone.compile.v1.CompileService/ListCompiles");
    return lines.size() >= 7;
  }));
  EXPECT_EQ(lines[0]["principal"], "jwt:ci-bot");
  EXPECT_EQ(lines[1]["principal"], "jwt:release-bot");
  for (size_t i = 2; i < lines.size(); ++i) EXPECT_EQ(lines[i]["principal"], "-");
}

TEST(JwtAuthConfig, IssuerAndAudienceAreRequired) {
  testing::ScopedTempDir dir;
  testing::HarnessOptions options;
  options.server_args.push_back("--auth-jwks-file=" + dir.path() + "/jwks.json");
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_FALSE(gateway.ok());
  EXPECT_THAT(std::string(gateway.status().message()),
              HasSubstr("needs --auth-jwt-issuer and --auth-jwt-audience"));
}

TEST(Anonymous, WithoutAnyCredentialsConfiguredEveryCallerIsAnonymous) {
  auto gateway = testing::GatewayHarness::Start();
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_TRUE(List(**gateway, "").ok());
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(testing::WaitUntil([&] {
    lines = AuditLines(**gateway, "/cxone.compile.v1.CompileService/ListCompiles");
    return !lines.empty();
  }));
  EXPECT_EQ(lines[0]["principal"], "anonymous");
  EXPECT_THAT(absl::StrJoin((*gateway)->AllLogLines(), "\n"),
              HasSubstr("off: every caller is anonymous"));
}

}  // namespace
}  // namespace cxone

// TLS and mTLS on the gateway's gRPC port, against the real server: who
// gets through (the mTLS matrix), rotation without a restart, and the
// refusal of plaintext where other hosts can reach it.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;

// What a client presents: the CA it trusts, and its own certificate (none
// when empty).
struct ClientSide {
  std::string trusted_ca_file;
  testing::IssuedFiles identity;
};

// One ListCompiles through a fresh channel with `client`'s credentials (or
// plaintext when `plaintext`), within 5 s.
grpc::Status Call(const std::string& address, const ClientSide& client,
                  bool plaintext = false) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = testing::ReadWholeFile(client.trusted_ca_file);
    if (!client.identity.cert_file.empty()) {
      options.pem_cert_chain = testing::ReadWholeFile(client.identity.cert_file);
      options.pem_private_key = testing::ReadWholeFile(client.identity.key_file);
    }
    credentials = grpc::SslCredentials(options);
  }
  // A new subchannel for each call: a handshake each time.
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto stub = v1::CompileService::NewStub(
      grpc::CreateCustomChannel(address, credentials, arguments));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  v1::ListCompilesRequest request;
  v1::ListCompilesResponse response;
  return stub->ListCompiles(&context, request, &response);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto ca = pki_.MakeCa("ca");
    ASSERT_TRUE(ca.ok()) << ca.status();
    ca_ = *ca;
    auto server = pki_.Issue(ca_, testing::TestPki::Server("server"));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
    auto client = pki_.Issue(
        ca_, testing::TestPki::Client("client", "ci-runner",
                                      "spiffe://example.org/ci/runner"));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *client;
    // The client CA is a copy, so that a test can rotate it.
    client_ca_file_ = dir_.path() + "/client-ca.pem";
    std::filesystem::copy_file(ca_.cert_file, client_ca_file_);
  }

  // A gateway with TLS, and mTLS when `mtls`, re-reading its files every
  // second.
  std::unique_ptr<testing::GatewayHarness> StartGateway(bool mtls) {
    testing::HarnessOptions options;
    options.server_args.insert(
        options.server_args.end(),
        {"--tls-cert-file", server_.cert_file, "--tls-key-file",
         server_.key_file, "--tls-reload-interval", "1s"});
    if (mtls) {
      options.server_args.insert(options.server_args.end(),
                                 {"--tls-client-ca-file", client_ca_file_});
    }
    auto harness = testing::GatewayHarness::Start(options);
    EXPECT_TRUE(harness.ok()) << harness.status();
    return harness.ok() ? *std::move(harness) : nullptr;
  }

  testing::ScopedTempDir dir_;
  testing::TestPki pki_{dir_.path()};
  testing::IssuedFiles ca_;
  testing::IssuedFiles server_;
  testing::IssuedFiles client_;
  std::string client_ca_file_;
};

TEST_F(TlsTest, TlsAcceptsTrustingClientsAndRefusesPlaintext) {
  auto gateway = StartGateway(/*mtls=*/false);
  ASSERT_NE(gateway, nullptr);
  const std::string address = gateway->gateway_address();
  EXPECT_TRUE(Call(address, {ca_.cert_file, {}}).ok());
  EXPECT_EQ(Call(address, {}, /*plaintext=*/true).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // A client that trusts another CA does not trust the gateway.
  auto other = pki_.MakeCa("other-ca");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(Call(address, {other->cert_file, {}}).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MtlsLetsInOnlyAGoodClientCertificate) {
  auto gateway = StartGateway(/*mtls=*/true);
  ASSERT_NE(gateway, nullptr);
  const std::string address = gateway->gateway_address();
  auto other_ca = pki_.MakeCa("other-ca");
  ASSERT_TRUE(other_ca.ok());
  auto foreign =
      pki_.Issue(*other_ca, testing::TestPki::Client("foreign", "x"));
  ASSERT_TRUE(foreign.ok());
  testing::TestPki::Request old = testing::TestPki::Client("expired", "old");
  old.not_before = -absl::Hours(48);
  old.not_after = -absl::Hours(1);
  auto expired = pki_.Issue(ca_, old);
  ASSERT_TRUE(expired.ok());
  testing::TestPki::Request future =
      testing::TestPki::Client("not-yet", "future");
  future.not_before = absl::Hours(1);
  future.not_after = absl::Hours(48);
  auto not_yet = pki_.Issue(ca_, future);
  ASSERT_TRUE(not_yet.ok());

  struct Case {
    const char* what;
    testing::IssuedFiles identity;
    bool gets_in;
  };
  for (const Case& c : std::vector<Case>{
           {"no certificate", {}, false},
           {"signed by another CA", *foreign, false},
           {"expired", *expired, false},
           {"not valid yet", *not_yet, false},
           {"good", client_, true},
       }) {
    const grpc::Status status = Call(address, {ca_.cert_file, c.identity});
    if (c.gets_in) {
      EXPECT_TRUE(status.ok()) << c.what << ": " << status.error_message();
    } else {
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << c.what;
    }
  }
  EXPECT_EQ(Call(address, {}, /*plaintext=*/true).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, AClientCertificateNamesItsCallerOnTheAuditLine) {
  auto gateway = StartGateway(/*mtls=*/true);
  ASSERT_NE(gateway, nullptr);
  auto plain = pki_.Issue(ca_, testing::TestPki::Client("plain", "build-agent-7"));
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(Call(gateway->gateway_address(), {ca_.cert_file, client_}).ok());
  ASSERT_TRUE(Call(gateway->gateway_address(), {ca_.cert_file, *plain}).ok());
  std::vector<std::string> principals;
  ASSERT_TRUE(testing::WaitUntil([&] {
    principals.clear();
    for (const std::string& line : gateway->AllLogLines()) {
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (json.is_object() && json.value("audit", "") == "rpc") {
        principals.push_back(json.value("principal", ""));
      }
    }
    return principals.size() >= 2;
  }));
  // The SPIFFE id when the certificate has one, else its subject CN.
  EXPECT_EQ(principals[0], "spiffe://example.org/ci/runner");
  EXPECT_EQ(principals[1], "cn:build-agent-7");
}

TEST_F(TlsTest, RotatedFilesTakeEffectWithoutARestart) {
  auto gateway = StartGateway(/*mtls=*/true);
  ASSERT_NE(gateway, nullptr);
  const std::string address = gateway->gateway_address();
  ASSERT_TRUE(Call(address, {ca_.cert_file, client_}).ok());

  // A new CA for the clients, and a server certificate it signed: the old
  // client certificate is revoked by the rotation, the new one gets in,
  // and clients that trust only the new CA trust the gateway.
  auto next_ca = pki_.MakeCa("next-ca");
  ASSERT_TRUE(next_ca.ok());
  auto next_client = pki_.Issue(
      *next_ca, testing::TestPki::Client("next-client", "ci-runner-2"));
  ASSERT_TRUE(next_client.ok());
  auto next_server =
      pki_.Issue(*next_ca, testing::TestPki::Server("next-server"));
  ASSERT_TRUE(next_server.ok());
  std::filesystem::copy_file(next_ca->cert_file, client_ca_file_,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next_server->key_file, server_.key_file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(next_server->cert_file, server_.cert_file,
                             std::filesystem::copy_options::overwrite_existing);

  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        if (Call(address, {next_ca->cert_file, *next_client}).ok()) return true;
        absl::SleepFor(absl::Milliseconds(100));  // a handshake each time
        return false;
      },
      absl::Seconds(20)))
      << "the rotated files were not picked up";
  EXPECT_EQ(Call(address, {ca_.cert_file, client_}).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Call(address, {next_ca->cert_file, client_}).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // The same process all along: no restart.
  EXPECT_TRUE(absl::IsDeadlineExceeded(
      gateway->server().Wait(absl::Milliseconds(1)).status()));
}

TEST_F(TlsTest, TheCliReachesAnMtlsGatewayWithItsFlagsOrTheirVariables) {
  auto gateway = StartGateway(/*mtls=*/true);
  ASSERT_NE(gateway, nullptr);
  const std::string port =
      gateway->gateway_address().substr(gateway->gateway_address().rfind(':') + 1);
  auto cli = [](std::vector<std::string> args,
                std::vector<std::pair<std::string, std::string>> env = {}) {
    auto run = testing::ChildProcess::Run(CXONE_CLI_BINARY, args, env,
                                          absl::Seconds(30));
    EXPECT_TRUE(run.ok()) << run.status();
    return run.value_or(testing::ChildProcess::Outcome{});
  };
  auto listed = cli({"--server", "127.0.0.1:" + port, "--tls-ca", ca_.cert_file,
                     "--tls-cert", client_.cert_file, "--tls-key",
                     client_.key_file, "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.Text();
  EXPECT_THAT(listed.Text(), HasSubstr("0 compiles"));
  // https:// names an address the certificate was issued to (an IP SAN:
  // a name would need a resolver, which a minimal machine may lack); the
  // files come from the environment.
  auto by_env = cli({"--server", "https://127.0.0.1:" + port, "list"},
                    {{"CXONE_TLS_CA", ca_.cert_file},
                     {"CXONE_TLS_CERT", client_.cert_file},
                     {"CXONE_TLS_KEY", client_.key_file}});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.Text();
  // Without a client certificate the handshake fails: the gateway is
  // unreachable for this client (exit 3), nothing hangs.
  auto anonymous = cli({"--server", "127.0.0.1:" + port, "--tls-ca",
                        ca_.cert_file, "list", "--timeout", "10s"});
  EXPECT_EQ(anonymous.exit_code, 3) << anonymous.Text();
  EXPECT_THAT(anonymous.Text(), HasSubstr("UNAVAILABLE"));
  // Plaintext to a TLS port fails the same way.
  auto plaintext = cli({"--server", "127.0.0.1:" + port, "list", "--timeout",
                        "10s"});
  EXPECT_EQ(plaintext.exit_code, 3) << plaintext.Text();
}

// Starts the server alone with `args` (and what it needs to start) and
// returns its outcome or, when it keeps running, the lines it printed by
// then.
testing::ChildProcess::Outcome RunServer(std::vector<std::string> args) {
  testing::ScopedTempDir state;
  args.insert(args.end(), {"--cxone-base-url", "http://127.0.0.1:1",
                           "--client-id", "id", "--state-dir", state.path()});
  auto outcome = testing::ChildProcess::Run(
      CXONE_SERVER_BINARY, args,
      {{"CXONE_CLIENT_SECRET", testing::kHarnessClientSecret}},
      absl::Seconds(5));
  EXPECT_TRUE(outcome.ok() || absl::IsDeadlineExceeded(outcome.status()))
      << outcome.status();
  return outcome.value_or(testing::ChildProcess::Outcome{});
}

TEST(ListenSecurity, PlaintextWhereOtherHostsReachIsRefused) {
  auto run = RunServer({"--listen", "0.0.0.0:0"});
  EXPECT_EQ(run.exit_code, 2) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("--listen 0.0.0.0:0 is reachable from "
                                    "other hosts"));
  EXPECT_THAT(run.Text(), HasSubstr("--insecure-listen"));
  auto metrics = RunServer({"--metrics-listen", "[::]:0"});
  EXPECT_EQ(metrics.exit_code, 2) << metrics.Text();
  EXPECT_THAT(metrics.Text(), HasSubstr("--metrics-listen [::]:0 is reachable"));
}

TEST(ListenSecurity, InsecureListenStartsWithAWarning) {
  testing::HarnessOptions options;
  // A later --listen wins over the harness's loopback one.
  options.server_args.insert(options.server_args.end(),
                             {"--insecure-listen", "--listen=0.0.0.0:0"});
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  EXPECT_THAT(absl::StrJoin((*gateway)->AllLogLines(), "\n"),
              HasSubstr("plaintext gRPC on an address other hosts can reach"));
}

TEST(ListenSecurity, ABadTlsFileFailsTheStartNamingIt) {
  testing::ScopedTempDir dir;
  testing::TestPki pki(dir.path());
  auto ca = pki.MakeCa("ca");
  ASSERT_TRUE(ca.ok());
  auto server = pki.Issue(*ca, testing::TestPki::Server("s"));
  ASSERT_TRUE(server.ok());
  auto other = pki.Issue(*ca, testing::TestPki::Server("o"));
  ASSERT_TRUE(other.ok());
  auto mismatched = RunServer({"--tls-cert-file", server->cert_file,
                               "--tls-key-file", other->key_file});
  EXPECT_NE(mismatched.exit_code, 0);
  EXPECT_THAT(mismatched.Text(),
              HasSubstr("is not the private key of the certificate"));
  // The key's contents are never printed.
  const std::string key = testing::ReadWholeFile(other->key_file);
  EXPECT_FALSE(absl::StrContains(mismatched.Text(), key.substr(30, 40)));
  auto missing = RunServer({"--tls-cert-file", dir.path() + "/nope.pem",
                            "--tls-key-file", server->key_file});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.Text(), HasSubstr("nope.pem\": cannot read it"));
  auto half = RunServer({"--tls-cert-file", server->cert_file});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_THAT(half.Text(), HasSubstr("go together"));
}

}  // namespace
}  // namespace cxone

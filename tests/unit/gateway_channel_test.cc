// Where the CLI's gateway is and how it is reached: --server's forms and
// the --tls-* files.
#include "client/gateway_channel.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace cxone::client {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<GatewayEndpoint> Resolve(std::string server, std::string ca,
                                        std::string cert, std::string key,
                                        std::string token_file = "") {
  GatewayFlags flags;
  flags.server = std::move(server);
  flags.tls_ca = std::move(ca);
  flags.tls_cert = std::move(cert);
  flags.tls_key = std::move(key);
  flags.token_file = std::move(token_file);
  return ResolveGatewayEndpoint(flags);
}

TEST(GatewayEndpoint, HostPortIsPlaintextUnlessATlsFileIsGiven) {
  auto plain = Resolve("gw.internal:50051", "", "", "");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->target, "gw.internal:50051");
  EXPECT_FALSE(plain->tls);

  cxone::testing::ScopedTempDir dir;
  const std::string ca = dir.path() + "/ca.pem";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
  auto tls = Resolve("gw.internal:50051", ca, "", "");
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_TRUE(tls->tls);
  EXPECT_THAT(tls->ca_pem, HasSubstr("BEGIN CERTIFICATE"));
}

TEST(GatewayEndpoint, HttpsMeansTlsOnPort443UnlessOneIsGiven) {
  auto bare = Resolve("https://gw.example.com", "", "", "");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->target, "gw.example.com:443");
  EXPECT_TRUE(bare->tls);
  EXPECT_TRUE(bare->ca_pem.empty());  // the system's roots
  EXPECT_EQ(Resolve("https://gw:8443/", "", "", "")->target,
            "gw:8443");
  EXPECT_EQ(Resolve("https://[::1]", "", "", "")->target,
            "[::1]:443");
  EXPECT_EQ(Resolve("https://[::1]:9", "", "", "")->target,
            "[::1]:9");
}

TEST(GatewayEndpoint, DnsTargetsGoToGrpcAsTheyAre) {
  auto dns = Resolve("dns:///gw.internal:50051", "", "", "");
  ASSERT_TRUE(dns.ok()) << dns.status();
  EXPECT_EQ(dns->target, "dns:///gw.internal:50051");
  EXPECT_FALSE(dns->tls);
  EXPECT_FALSE(Resolve("dns:", "", "", "").ok());
}

TEST(GatewayEndpoint, MistakesAreNamed) {
  EXPECT_THAT(Resolve("http://gw:1", "", "", "").status().message(),
              HasSubstr("the only schemes are https:// and dns:"));
  EXPECT_THAT(Resolve("gw", "", "", "").status().message(),
              HasSubstr("--server \"gw\""));
  EXPECT_THAT(
      Resolve("gw:1", "", "c.pem", "").status().message(),
      HasSubstr("--tls-cert and --tls-key go together"));
  EXPECT_THAT(Resolve("gw:1", "/no/such.pem", "", "")
                  .status()
                  .message(),
              HasSubstr("--tls-ca \"/no/such.pem\": cannot read it"));
  cxone::testing::ScopedTempDir dir;
  const std::string not_pem = dir.path() + "/key.txt";
  std::ofstream(not_pem) << "secret-key-material";
  const std::string message(
      Resolve("gw:1", "", not_pem, not_pem).status().message());
  EXPECT_THAT(message, HasSubstr("not a PEM file"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("secret-key-material")));
}

TEST(GatewayEndpoint, TheTokenFileHoldsOneTokenAndIsNeverEchoed) {
  cxone::testing::ScopedTempDir dir;
  const std::string token = dir.path() + "/token";
  std::ofstream(token) << "  tok-abc.def_123  \n";
  auto endpoint = Resolve("gw:1", "", "", "", token);
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->bearer_token, "tok-abc.def_123");
  EXPECT_FALSE(endpoint->tls);
  const std::string spaced = dir.path() + "/spaced";
  std::ofstream(spaced) << "tok secret-part";
  const std::string message(Resolve("gw:1", "", "", "", spaced).status().message());
  EXPECT_THAT(message, HasSubstr("spaces or control characters"));
  EXPECT_THAT(message, ::testing::Not(HasSubstr("secret-part")));
  EXPECT_THAT(std::string(Resolve("gw:1", "", "", "", dir.path() + "/none")
                              .status()
                              .message()),
              HasSubstr("cannot read a token"));
}

}  // namespace
}  // namespace cxone::client

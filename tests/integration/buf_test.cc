// The contract passes `buf lint`, and `buf curl` — a client that knows
// nothing but what reflection tells it — lists and calls the server.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace cxone {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

// Runs buf with `args` to its end.
testing::ChildProcess::Outcome RunBuf(const std::vector<std::string>& args) {
  auto outcome = testing::ChildProcess::Run(CXONE_BUF_BINARY, args);
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.value_or(testing::ChildProcess::Outcome{});
}

class BufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(CXONE_BUF_BINARY).empty()) {
      // scripts/test fails in CI when buf cannot be installed, so this skip
      // only happens on a machine whose npm registry access is blocked.
      GTEST_SKIP() << "buf is not installed (scripts/test installs it into "
                      ".tools/ from npm)";
    }
  }
};

TEST_F(BufTest, ContractPassesBufLint) {
  auto lint = RunBuf({"lint", absl::StrCat(CXONE_SOURCE_DIR, "/proto")});
  EXPECT_EQ(lint.exit_code, 0) << lint.Text();
}

TEST_F(BufTest, BufCurlListsEveryMethodThroughReflection) {
  auto gateway = testing::GatewayHarness::Start();
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto list = RunBuf({"curl", "--protocol", "grpc", "--http2-prior-knowledge",
                      "--list-methods",
                      absl::StrCat("http://", (*gateway)->gateway_address())});
  ASSERT_EQ(list.exit_code, 0) << list.Text();
  for (const char* method : {"cxone.compile.v1.CompileService/StartCompile",
                             "cxone.compile.v1.CompileService/WatchCompile",
                             "cxone.compile.v1.CompileService/GetCompile",
                             "grpc.health.v1.Health/Check"}) {
    EXPECT_THAT(list.lines, Contains(method));
  }
}

TEST_F(BufTest, BufCurlStartsACompileFromJson) {
  auto gateway = testing::GatewayHarness::Start();
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  auto call =
      RunBuf({"curl", "--protocol", "grpc", "--http2-prior-knowledge", "-d",
              R"({"flow_id": "main-menu"})",
              absl::StrCat("http://", (*gateway)->gateway_address(),
                           "/cxone.compile.v1.CompileService/StartCompile")});
  ASSERT_EQ(call.exit_code, 0) << call.Text();
  EXPECT_THAT(call.Text(), HasSubstr("flows/main-menu/compiles/"));
}

}  // namespace
}  // namespace cxone

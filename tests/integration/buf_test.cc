// The contract passes `buf lint` and `buf breaking` against the released v1
// image, and `buf curl` — a client that knows nothing but what reflection
// tells it — lists and calls the server.
#include <filesystem>
#include <fstream>
#include <sstream>
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

// The image of the released contract, kept in the repo and replaced only
// on purpose (README, "The contract").
std::string ReleasedImage() {
  return absl::StrCat(CXONE_SOURCE_DIR, "/proto/released/v1.binpb");
}

TEST_F(BufTest, ContractHasNoBreakingChangeAgainstTheReleasedV1) {
  auto breaking = RunBuf({"breaking", absl::StrCat(CXONE_SOURCE_DIR, "/proto"),
                          "--against", ReleasedImage()});
  EXPECT_EQ(breaking.exit_code, 0) << breaking.Text();
}

// The check above can fail: a copy of the contract with a field renumbered
// is refused, naming the field.
TEST_F(BufTest, ARenumberedFieldIsABreakingChange) {
  namespace fs = std::filesystem;
  const fs::path copy = fs::path(::testing::TempDir()) / "breaking-proto";
  fs::remove_all(copy);
  fs::copy(fs::path(CXONE_SOURCE_DIR) / "proto", copy,
           fs::copy_options::recursive);
  const fs::path file = copy / "cxone/compile/v1/webhooks.proto";
  std::stringstream text;
  text << std::ifstream(file).rdbuf();
  std::string proto = text.str();
  const std::string field = "int32 attempts = 5;";
  const size_t at = proto.find(field);
  ASSERT_NE(at, std::string::npos) << "the test's field is gone";
  proto.replace(at, field.size(), "int32 attempts = 50;");
  std::ofstream(file, std::ios::trunc) << proto;
  auto breaking =
      RunBuf({"breaking", copy.string(), "--against", ReleasedImage()});
  EXPECT_NE(breaking.exit_code, 0) << breaking.Text();
  EXPECT_THAT(breaking.Text(), HasSubstr("attempts")) << breaking.Text();
  fs::remove_all(copy);
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

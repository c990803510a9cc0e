#include "client/command_line.h"

#include <sstream>

#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

using ::testing::HasSubstr;

EnvLookup NoEnv() {
  return [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
}

TEST(CommandLine, TheCommandIsTheFirstWordThatIsNoFlagValue) {
  EXPECT_EQ(CommandWordOf({"--server", "gw:1", "health"}), "health");
  EXPECT_EQ(CommandWordOf({"--server=gw:1", "--json", "health"}), "health");
  EXPECT_EQ(
      CommandWordOf({"--json", "--server", "gw:1", "webhooks", "dead-letters"}),
      "webhooks");
  // A subcommand's own flag before the word.
  EXPECT_EQ(CommandWordOf({"--endpoint", "ci", "webhooks", "replay"}),
            "webhooks");
  EXPECT_EQ(CommandWordOf({"--timeout", "5m", "start", "flow", "--wait"}),
            "start");
  EXPECT_EQ(CommandWordOf({"start", "health"}), "start");
  EXPECT_EQ(CommandWordOf({"--server", "gw:1"}), "");
}

// Every command's connector fails the test: a usage error or --help must
// never reach the gateway.
Connectors NeverConnect() {
  Connectors connect;
  connect.compile = [](const std::string&)
      -> std::unique_ptr<compile::v1::CompileService::StubInterface> {
    ADD_FAILURE() << "connected";
    return nullptr;
  };
  connect.health = [](const std::string&)
      -> std::unique_ptr<grpc::health::v1::Health::StubInterface> {
    ADD_FAILURE() << "connected";
    return nullptr;
  };
  connect.webhooks = [](const std::string&)
      -> std::unique_ptr<compile::v1::WebhookService::StubInterface> {
    ADD_FAILURE() << "connected";
    return nullptr;
  };
  return connect;
}

TEST(CommandLine, HelpOfEachCommandWithTheServerFlagFirst) {
  for (const auto& [command, expected] :
       std::vector<std::pair<std::string, std::string>>{
           {"health", "cxone-compile health: whether the gateway"},
           {"webhooks", "cxone-compile webhooks: the gateway's webhook"},
           {"start", "Reconnecting:"}}) {
    std::ostringstream out, err;
    EXPECT_EQ(RunCommandLine({"--server", "gw:1", command, "--help"}, NoEnv(),
                             NeverConnect(), out, err),
              kExitCompleted)
        << command << ": " << err.str();
    EXPECT_THAT(out.str(), HasSubstr(expected)) << command;
  }
}

TEST(CommandLine, ABadServerAddressIsAUsageErrorForEveryCommand) {
  for (const std::string command : {"health", "webhooks", "get"}) {
    std::ostringstream out, err;
    EXPECT_EQ(RunCommandLine({"--server", "gw:99999", command}, NoEnv(),
                             NeverConnect(), out, err),
              kExitUsage)
        << command;
    EXPECT_THAT(err.str(), HasSubstr("--server: port 99999 is out of range"))
        << command;
  }
}

}  // namespace
}  // namespace cxone::client

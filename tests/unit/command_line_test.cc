#include "client/command_line.h"

#include <map>
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

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

using Words = std::vector<std::string>;

// The address after --server is its value, never the command word (the
// hand-written argument walking once took it for one).
TEST(CommandLine, AFlagsValueIsNeverTheCommand) {
  auto parsed = ParseWholeCommandLine({"--server", "gw:1", "health"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, Words{"health"});
  EXPECT_EQ(parsed->health.gateway.target, "gw:1");

  parsed =
      ParseWholeCommandLine({"--server=gw:1", "--json", "health"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, Words{"health"});
  EXPECT_TRUE(parsed->health.json);

  parsed = ParseWholeCommandLine(
      {"--json", "--server", "gw:1", "webhooks", "dead-letters"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, (Words{"webhooks", "dead-letters"}));
  EXPECT_EQ(parsed->webhooks.gateway.target, "gw:1");
  EXPECT_TRUE(parsed->webhooks.json);

  parsed = ParseWholeCommandLine(
      {"--server", "start:1", "start", "flow", "--timeout", "5m", "--wait"},
      NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, Words{"start"});
  EXPECT_EQ(parsed->compile.gateway.target, "start:1");
  EXPECT_EQ(parsed->compile.argument, "flow");
  EXPECT_EQ(parsed->compile.timeout, absl::Minutes(5));
  EXPECT_TRUE(parsed->compile.wait);

  // A command word after the command is its argument.
  parsed = ParseWholeCommandLine({"start", "health"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, Words{"start"});
  EXPECT_EQ(parsed->compile.argument, "health");

  parsed = ParseWholeCommandLine({"--server", "gw:1"}, NoEnv());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "missing command: start, watch, get, list, wait, gate, health or "
            "webhooks");
}

TEST(CommandLine, GlobalFlagsMayComeAfterTheCommandToo) {
  auto parsed =
      ParseWholeCommandLine({"health", "--server", "gw:1", "--json"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->health.gateway.target, "gw:1");
  EXPECT_TRUE(parsed->health.json);

  parsed = ParseWholeCommandLine({"webhooks", "--server", "gw:2", "replay",
                                  "--compile", "flows/f/compiles/c", "--json"},
                                 NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, (Words{"webhooks", "replay"}));
  EXPECT_EQ(parsed->webhooks.gateway.target, "gw:2");
  EXPECT_EQ(parsed->webhooks.compile, "flows/f/compiles/c");
  EXPECT_TRUE(parsed->webhooks.json);
}

TEST(CommandLine, EachFlagOfTheCommandGivenIsReadFromItsVariable) {
  auto parsed =
      ParseWholeCommandLine({"webhooks", "dead-letters"},
                            Env({{"CXONE_SERVER", "gw:3"},
                                 {"CXONE_JSON", "true"},
                                 {"CXONE_LIMIT", "7"},
                                 {"CXONE_ENDPOINT", "ci"},
                                 // start's, watch's: not read by webhooks.
                                 {"CXONE_TIMEOUT", "soon"},
                                 {"CXONE_FLOW", "bad/flow"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->webhooks.gateway.target, "gw:3");
  EXPECT_TRUE(parsed->webhooks.json);
  EXPECT_EQ(parsed->webhooks.limit, 7);
  EXPECT_EQ(parsed->webhooks.endpoint, "ci");

  parsed = ParseWholeCommandLine({"start", "flow"},
                                 Env({{"CXONE_TIMEOUT", "90s"},
                                      {"CXONE_WAIT", "1"},
                                      {"CXONE_REQUEST_ID", "r-1"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->compile.timeout, absl::Seconds(90));
  EXPECT_TRUE(parsed->compile.wait);
  EXPECT_EQ(parsed->compile.request_id, "r-1");

  // A repeatable flag's variable is a comma-separated list.
  parsed = ParseWholeCommandLine(
      {"start", "flow"}, Env({{"CXONE_LABEL", "pipeline=checkout,tier="}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->compile.labels, (Words{"pipeline=checkout", "tier="}));

  parsed = ParseWholeCommandLine(
      {"list"}, Env({{"CXONE_FLOW", "a,b"},
                     {"CXONE_STATE", "failed,TIMED_OUT"},
                     {"CXONE_LABEL_SELECTOR", "pipeline in (x,y)"},
                     {"CXONE_PAGE_SIZE", "7"},
                     // start's: not read by list.
                     {"CXONE_LABEL", "Bad Label"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->compile.flows, (Words{"a", "b"}));
  EXPECT_EQ(parsed->compile.states, (Words{"failed", "TIMED_OUT"}));
  EXPECT_EQ(parsed->compile.label_selector, "pipeline in (x,y)");
  EXPECT_EQ(parsed->compile.page_size, 7);
  EXPECT_TRUE(parsed->compile.labels.empty());

  parsed = ParseWholeCommandLine({"get", "flows/f/compiles/c"},
                                 Env({{"CXONE_TIMEOUT", "soon"}}));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("$CXONE_TIMEOUT (--timeout): expected a duration"));
}

TEST(CommandLine, AnUnknownCommandOrFlagIsNamed) {
  struct Case {
    Words args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"compile", "flow"},
            "unknown command \"compile\"; expected start, watch, get, wait, "
            "list, gate, health or webhooks"},
           {{"--server", "gw:1", "deploy"},
            "unknown command \"deploy\"; expected start, watch, get, wait, "
            "list, gate, health or webhooks"},
           {{"webhooks", "purge"},
            "webhooks: unknown command \"purge\"; expected dead-letters or "
            "replay"},
           {{"webhooks"},
            "webhooks: expected one command: dead-letters or replay"},
           {{"health", "--verbose"}, "unknown flag --verbose (see --help)"},
           {{"health", "now"}, "unexpected argument \"now\" (see --help)"},
           {{"get", "flows/f/compiles/c", "--wait"},
            "--wait is a flag of start, not of get (see --help)"},
           {{"list", "--label", "a=b"},
            "--label is a flag of start or gate, not of list (see --help)"},
           {{"list", "main-menu"},
            "unexpected argument \"main-menu\" (see --help)"},
       }) {
    auto parsed = ParseWholeCommandLine(c.args, NoEnv());
    ASSERT_FALSE(parsed.ok()) << c.args[0];
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
    EXPECT_EQ(parsed.status().message(), c.expected) << c.args[0];
  }
}

// A command's own flag may come before its word too, as pipelines write it.
TEST(CommandLine, ACommandsFlagMayComeBeforeItsWord) {
  auto parsed = ParseWholeCommandLine(
      {"--endpoint", "ci", "--limit", "5", "webhooks", "dead-letters"},
      NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, (Words{"webhooks", "dead-letters"}));
  EXPECT_EQ(parsed->webhooks.endpoint, "ci");
  EXPECT_EQ(parsed->webhooks.limit, 5);
  parsed = ParseWholeCommandLine({"--timeout", "5m", "start", "flow", "--wait"},
                                 NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, Words{"start"});
  EXPECT_EQ(parsed->compile.argument, "flow");
  EXPECT_EQ(parsed->compile.timeout, absl::Minutes(5));
  EXPECT_TRUE(parsed->compile.wait);
  parsed = ParseWholeCommandLine({"--timeout", "5m"}, NoEnv());
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "--timeout is a flag of start, watch, get, wait, list or gate: "
            "give that command too (see --help)");
}

// Every command's connector fails the test: a usage error or --help must
// never reach the gateway.
Connectors NeverConnect() {
  Connectors connect;
  connect.compile = [](const GatewayEndpoint&)
      -> std::unique_ptr<compile::v1::CompileService::StubInterface> {
    ADD_FAILURE() << "connected";
    return nullptr;
  };
  connect.health = [](const GatewayEndpoint&)
      -> std::unique_ptr<grpc::health::v1::Health::StubInterface> {
    ADD_FAILURE() << "connected";
    return nullptr;
  };
  connect.webhooks = [](const GatewayEndpoint&)
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
    // The global flags, with their variables, in every command's help.
    EXPECT_THAT(out.str(), HasSubstr("--server  [$CXONE_SERVER]")) << command;
  }
}

TEST(CommandLine, TheProgramsHelpListsTheFlagsOfEveryCommand) {
  std::ostringstream out, err;
  EXPECT_EQ(RunCommandLine({"--help"}, NoEnv(), NeverConnect(), out, err),
            kExitCompleted);
  for (const char* expected :
       {"Flags of start (after its word):", "--request-id  [$CXONE_REQUEST_ID]",
        "Flags of watch (after its word):", "--flow  [$CXONE_FLOW]",
        "Flags of get (after its word):", "--key  [$CXONE_KEY]",
        "--label  [$CXONE_LABEL]  (repeatable)",
        "Flags of list (after its word):",
        "--state  [$CXONE_STATE]  (repeatable)",
        "--label-selector  [$CXONE_LABEL_SELECTOR]",
        "--page-size  [$CXONE_PAGE_SIZE]  (default: 100; 1 to 1000)",
        "Flags of webhooks dead-letters (after its word):",
        "--limit  [$CXONE_LIMIT]  (default: 100; 1 to 1000)",
        "--sequence  [$CXONE_SEQUENCE]  (default: -1; at least 1)",
        "Exit codes:"}) {
    EXPECT_THAT(out.str(), HasSubstr(expected));
  }
}

TEST(CommandLine, ABadServerAddressIsAUsageErrorForEveryCommand) {
  for (const std::string command : {"health", "webhooks", "get", "list"}) {
    std::ostringstream out, err;
    EXPECT_EQ(RunCommandLine({"--server", "gw:99999", command}, NoEnv(),
                             NeverConnect(), out, err),
              kExitUsage)
        << command;
    EXPECT_THAT(err.str(), HasSubstr("--server \"gw:99999\": port 99999 is out of range"))
        << command;
  }
}

}  // namespace
}  // namespace cxone::client

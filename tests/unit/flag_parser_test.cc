#include "common/flag_parser.h"

#include <fstream>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// A file under the test's temporary directory holding `text`.
std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

struct Settings {
  std::string listen = "127.0.0.1:50051";
  std::string base_url;
  absl::Duration poll = absl::Seconds(1);
  int64_t workers = 8;
  bool verbose = false;
  std::string start_flow;
  std::string wait_for;
};

void Register(FlagParser& flags, Settings& settings) {
  flags.AddAddress("listen", &settings.listen, PortUse::kListen,
                   "listen address");
  flags.AddString("cxone-base-url", &settings.base_url, "base URL");
  flags.AddDuration("poll-interval", &settings.poll,
                    {absl::Milliseconds(10), absl::Hours(1)}, "poll interval");
  flags.AddInt("workers", &settings.workers, {1, 64}, "workers");
  flags.AddBool("verbose", &settings.verbose, "verbose");
}

TEST(FlagParser, KeepsDefaultsWhenNothingIsGiven) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({}, FakeEnv({})).ok());
  EXPECT_EQ(settings.listen, "127.0.0.1:50051");
  EXPECT_EQ(settings.poll, absl::Seconds(1));
  EXPECT_EQ(flags.SourceOf("listen"), FlagSource::kDefault);
}

TEST(FlagParser, ReadsEnvironmentAndCommandLineWins) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  absl::Status parsed =
      flags.Parse({"--listen=0.0.0.0:1", "--poll-interval", "250ms"},
                  FakeEnv({{"CXONE_LISTEN", "10.0.0.1:2"},
                           {"CXONE_BASE_URL", "http://sim"},
                           {"CXONE_WORKERS", "3"}}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_EQ(settings.listen, "0.0.0.0:1");
  EXPECT_EQ(settings.base_url, "http://sim");
  EXPECT_EQ(settings.poll, absl::Milliseconds(250));
  EXPECT_EQ(settings.workers, 3);
  EXPECT_EQ(flags.SourceOf("listen"), FlagSource::kCommandLine);
  EXPECT_EQ(flags.SourceOf("workers"), FlagSource::kEnvironment);
}

// Every flag has its variable, not only those of a sample.
TEST(FlagParser, EveryFlagIsReadFromItsOwnVariable) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(flags
                  .Parse({}, FakeEnv({{"CXONE_LISTEN", "10.0.0.1:2"},
                                      {"CXONE_BASE_URL", "http://sim"},
                                      {"CXONE_POLL_INTERVAL", "2s"},
                                      {"CXONE_WORKERS", "3"},
                                      {"CXONE_VERBOSE", "1"}}))
                  .ok());
  EXPECT_EQ(settings.listen, "10.0.0.1:2");
  EXPECT_EQ(settings.base_url, "http://sim");
  EXPECT_EQ(settings.poll, absl::Seconds(2));
  EXPECT_EQ(settings.workers, 3);
  EXPECT_TRUE(settings.verbose);
}

TEST(FlagParser, AVariableSetEmptyIsAnEmptyValue) {
  std::string scopes = "flow:read";
  FlagParser flags("CXONE_", "usage");
  flags.AddString("scopes", &scopes, "scopes");
  ASSERT_TRUE(flags.Parse({}, FakeEnv({{"CXONE_SCOPES", ""}})).ok());
  EXPECT_EQ(scopes, "");
}

// CLI11 alone would take the next argument as the value of `--scopes=`.
TEST(FlagParser, AnEqualsSignWithNothingAfterItIsAnEmptyValue) {
  std::string scopes = "flow:read";
  bool json = false;
  FlagParser flags("CXONE_", "usage");
  flags.AddString("scopes", &scopes, "scopes");
  flags.AddBool("json", &json, "json");
  ASSERT_TRUE(flags.Parse({"--scopes=", "--json"}, FakeEnv({})).ok());
  EXPECT_EQ(scopes, "");
  EXPECT_TRUE(json);
}

TEST(FlagParser, DoesNotRepeatThePrefixWordInEnvNames) {
  FlagParser flags("CXONE_", "usage");
  EXPECT_EQ(flags.EnvName("cxone-base-url"), "CXONE_BASE_URL");
  EXPECT_EQ(flags.EnvName("poll-interval"), "CXONE_POLL_INTERVAL");
  FlagParser sim("CXONE_SIM_", "usage");
  EXPECT_EQ(sim.EnvName("client-id"), "CXONE_SIM_CLIENT_ID");
}

TEST(FlagParser, WithoutAPrefixNoVariableIsRead) {
  int64_t compiles = 100;
  FlagParser flags("", "usage");
  flags.AddInt("compiles", &compiles, {1, 1000}, "compiles");
  ASSERT_TRUE(flags.Parse({}, FakeEnv({{"COMPILES", "5"}})).ok());
  EXPECT_EQ(compiles, 100);
  EXPECT_EQ(flags.EnvName("compiles"), "");
  EXPECT_THAT(flags.Usage(), Not(HasSubstr("[$")));
}

TEST(FlagParser, ReadsDoublesAndRejectsNonNumbers) {
  for (const std::string bad : {"--rate=fast", "--rate=nan"}) {
    double rate = 10;
    FlagParser flags("CXONE_", "usage");
    flags.AddDouble("rate", &rate, {0.1, 1000}, "rate");
    absl::Status parsed = flags.Parse({bad}, FakeEnv({}));
    EXPECT_TRUE(absl::IsInvalidArgument(parsed)) << bad;
    EXPECT_THAT(parsed.message(), HasSubstr("--rate: expected a number"));
  }
  double rate = 10;
  FlagParser flags("CXONE_", "usage");
  flags.AddDouble("rate", &rate, {0.1, 1000}, "rate");
  ASSERT_TRUE(flags.Parse({"--rate=2.5"}, FakeEnv({})).ok());
  EXPECT_EQ(rate, 2.5);
}

TEST(FlagParser, KeepsEveryDigitOfADouble) {
  double rate = 10;
  FlagParser flags("CXONE_", "usage");
  flags.AddDouble("rate", &rate, {0, 1}, "rate");
  ASSERT_TRUE(flags.Parse({"--rate=0.123456789012"}, FakeEnv({})).ok());
  EXPECT_EQ(rate, 0.123456789012);
}

TEST(FlagParser, BoolFlagNeedsNoValueAndTakesOne) {
  for (const auto& [args, expected] :
       std::vector<std::pair<std::vector<std::string>, bool>>{
           {{"--verbose"}, true},
           {{"--verbose=false"}, false},
           {{"--verbose=true"}, true},
           {{"--verbose", "--verbose=0"}, false}}) {
    Settings settings;
    FlagParser flags("CXONE_", "usage");
    Register(flags, settings);
    ASSERT_TRUE(flags.Parse(args, FakeEnv({})).ok()) << args[0];
    EXPECT_EQ(settings.verbose, expected) << args.back();
  }
}

TEST(FlagParser, ABoolFlagRefusesAValueThatIsNoTruthValue) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  EXPECT_EQ(flags.Parse({"--verbose=maybe"}, FakeEnv({})).message(),
            "--verbose: expected true or false, got \"maybe\"");
  FlagParser from_env("CXONE_", "usage");
  Register(from_env, settings);
  EXPECT_EQ(from_env.Parse({}, FakeEnv({{"CXONE_VERBOSE", ""}})).message(),
            "$CXONE_VERBOSE (--verbose): expected true or false, got \"\"");
}

TEST(FlagParser, RejectsUnknownFlagByName) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  absl::Status parsed = flags.Parse({"--lisen=x"}, FakeEnv({}));
  EXPECT_TRUE(absl::IsInvalidArgument(parsed));
  EXPECT_EQ(parsed.message(), "unknown flag --lisen (see --help)");
}

TEST(FlagParser, RejectsAStrayArgumentByName) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  EXPECT_EQ(flags.Parse({"--workers=2", "stray"}, FakeEnv({})).message(),
            "unexpected argument \"stray\" (see --help)");
  FlagParser negative("CXONE_", "usage");
  Register(negative, settings);
  EXPECT_EQ(negative.Parse({"-5"}, FakeEnv({})).message(),
            "unexpected argument \"-5\" (see --help)");
}

TEST(FlagParser, RejectsMalformedDurationNamingTheVariable) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  absl::Status parsed =
      flags.Parse({}, FakeEnv({{"CXONE_POLL_INTERVAL", "soon"}}));
  EXPECT_EQ(parsed.message(),
            "$CXONE_POLL_INTERVAL (--poll-interval): expected a duration such "
            "as 500ms, 30s or 5m (10ms to 1h), got \"soon\"");
}

TEST(FlagParser, RejectsAMalformedDurationOnTheCommandLine) {
  for (const std::string bad : {"soon", "5", "1hour", ""}) {
    Settings settings;
    FlagParser flags("CXONE_", "usage");
    Register(flags, settings);
    absl::Status parsed =
        flags.Parse({absl::StrCat("--poll-interval=", bad)}, FakeEnv({}));
    EXPECT_THAT(parsed.message(),
                HasSubstr(absl::StrCat("--poll-interval: expected a duration "
                                       "such as 500ms, 30s or 5m (10ms to "
                                       "1h), got \"",
                                       bad, "\"")))
        << bad;
  }
}

TEST(FlagParser, RejectsFlagWithoutValue) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  EXPECT_EQ(flags.Parse({"--listen"}, FakeEnv({})).message(),
            "--listen needs a value");
}

TEST(FlagParser, HelpListsEveryFlagWithItsVariable) {
  Settings settings;
  FlagParser flags("CXONE_", "usage header");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({"--help"}, FakeEnv({})).ok());
  EXPECT_TRUE(flags.help_requested());
  const std::string usage = flags.Usage();
  EXPECT_THAT(usage, HasSubstr("usage header"));
  EXPECT_THAT(usage, HasSubstr("--poll-interval"));
  EXPECT_THAT(usage, HasSubstr("$CXONE_POLL_INTERVAL"));
  EXPECT_THAT(usage, HasSubstr("--cxone-base-url  [$CXONE_BASE_URL]"));
  EXPECT_THAT(usage, HasSubstr("\n      workers\n"));
}

TEST(FlagParser, ShortHelpToo) {
  Settings settings;
  FlagParser flags("CXONE_", "usage header");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({"-h"}, FakeEnv({})).ok());
  EXPECT_TRUE(flags.help_requested());
}

TEST(FlagParser, SecretValuesAreNeverEchoed) {
  std::string secret = "default-secret";
  std::string listen = "127.0.0.1:1";
  FlagParser flags("SIM_", "usage");
  flags.AddString("client-secret", &secret, "the secret");
  flags.MarkSecret("client-secret");
  ASSERT_TRUE(flags.Parse({"--client-secret=hunter2"}, FakeEnv({})).ok());
  EXPECT_EQ(secret, "hunter2");
  EXPECT_EQ(flags.EffectiveConfig()["client-secret"], "[REDACTED]");
  EXPECT_THAT(flags.Usage(), Not(HasSubstr("default-secret")));

  // Not in an error about its own value either.
  FlagParser checked("SIM_", "usage");
  checked.AddAddress("listen", &listen, PortUse::kListen, "address");
  checked.MarkSecret("listen");
  absl::Status parsed =
      checked.Parse({}, FakeEnv({{"SIM_LISTEN", "secret-host"}}));
  EXPECT_EQ(parsed.message(),
            "$SIM_LISTEN (--listen): expected HOST:PORT, got \"[REDACTED]\"");

  // Nor when the command line gives it, in either spelling.
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--listen=secret-host"},
                                             {"--listen", "secret-host"}}) {
    FlagParser given("SIM_", "usage");
    given.AddAddress("listen", &listen, PortUse::kListen, "address");
    given.MarkSecret("listen");
    absl::Status refused = given.Parse(args, FakeEnv({}));
    EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
    EXPECT_THAT(refused.message(), HasSubstr("--listen")) << refused;
    EXPECT_THAT(refused.message(), HasSubstr("[REDACTED]")) << refused;
    EXPECT_THAT(refused.message(), Not(HasSubstr("secret-host"))) << refused;
  }
}

TEST(FlagParser, RejectsAValueOutOfRangeNamingFlagValueAndRange) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"--poll-interval=1ns"},
            "--poll-interval: 1ns is out of range: expected 10ms to 1h"},
           {{"--poll-interval=0s"},
            "--poll-interval: 0s is out of range: expected 10ms to 1h"},
           {{"--poll-interval=-5s"},
            "--poll-interval: -5s is out of range: expected 10ms to 1h"},
           {{"--poll-interval=inf"},
            "--poll-interval: inf is out of range: expected 10ms to 1h"},
           {{"--poll-interval=2h"},
            "--poll-interval: 2h is out of range: expected 10ms to 1h"},
           {{"--workers", "0"},
            "--workers: 0 is out of range: expected 1 to 64"},
           {{"--workers=65"},
            "--workers: 65 is out of range: expected 1 to 64"},
           {{"--workers", "-1"},
            "--workers: -1 is out of range: expected 1 to 64"},
           {{"--workers=99999999999999999999"},
            "--workers: expected an integer (1 to 64), got "
            "\"99999999999999999999\""},
       }) {
    Settings settings;
    FlagParser flags("CXONE_", "usage");
    Register(flags, settings);
    absl::Status parsed = flags.Parse(c.args, FakeEnv({}));
    EXPECT_TRUE(absl::IsInvalidArgument(parsed)) << c.args[0];
    EXPECT_EQ(parsed.message(), c.expected);
  }
}

TEST(FlagParser, AValueFromTheEnvironmentIsCheckedTooNamingVariableAndFlag) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  absl::Status parsed = flags.Parse({}, FakeEnv({{"CXONE_WORKERS", "100"}}));
  EXPECT_EQ(parsed.message(),
            "$CXONE_WORKERS (--workers): 100 is out of range: expected 1 to "
            "64");
}

TEST(FlagParser, TheRangeIncludesBothEnds) {
  for (const auto& [args, workers, poll] : std::vector<
           std::tuple<std::vector<std::string>, int64_t, absl::Duration>>{
           {{"--workers=64", "--poll-interval=10ms"},
            64,
            absl::Milliseconds(10)},
           {{"--workers=1", "--poll-interval=1h"}, 1, absl::Hours(1)}}) {
    Settings settings;
    FlagParser flags("CXONE_", "usage");
    Register(flags, settings);
    ASSERT_TRUE(flags.Parse(args, FakeEnv({})).ok()) << args[0];
    EXPECT_EQ(settings.workers, workers);
    EXPECT_EQ(settings.poll, poll);
  }
}

TEST(FlagParser, DoublesOutOfRangeAreRefused) {
  double rate = 10;
  FlagParser flags("CXONE_", "usage");
  flags.AddDouble("rate", &rate, {0.1, 1000}, "rate");
  EXPECT_EQ(flags.Parse({"--rate=0"}, FakeEnv({})).message(),
            "--rate: 0 is out of range: expected 0.1 to 1000");
  EXPECT_EQ(rate, 10);
}

TEST(FlagParser, AnAddressPortMustFitSixteenBitsAndNeverWraps) {
  struct Case {
    std::string value;
    std::string expected;  // "" when accepted
  };
  for (const Case& c : std::vector<Case>{
           {"127.0.0.1:99999",
            "--listen: port 99999 is out of range: expected port 0 to 65535"},
           {"127.0.0.1:65536",
            "--listen: port 65536 is out of range: expected port 0 to 65535"},
           {"127.0.0.1:18446744073709551617",
            "--listen: port 18446744073709551617 is out of range: expected "
            "port 0 to 65535"},
           {"127.0.0.1:-1",
            "--listen: expected HOST:PORT, got \"127.0.0.1:-1\""},
           {"127.0.0.1:http",
            "--listen: expected HOST:PORT, got \"127.0.0.1:http\""},
           {"127.0.0.1", "--listen: expected HOST:PORT, got \"127.0.0.1\""},
           {":50051", "--listen: expected HOST:PORT, got \":50051\""},
           {"127.0.0.1:", "--listen: expected HOST:PORT, got \"127.0.0.1:\""},
           {"127.0.0.1:65535", ""},
           {"0.0.0.0:0", ""},
           {"[::1]:50051", ""},
           {"gateway.internal:443", ""},
       }) {
    Settings settings;
    FlagParser flags("CXONE_", "usage");
    Register(flags, settings);
    absl::Status parsed = flags.Parse({"--listen", c.value}, FakeEnv({}));
    if (c.expected.empty()) {
      EXPECT_TRUE(parsed.ok()) << c.value << ": " << parsed;
      EXPECT_EQ(settings.listen, c.value);
    } else {
      EXPECT_EQ(parsed.message(), c.expected);
      EXPECT_EQ(settings.listen, "127.0.0.1:50051");
    }
  }
}

TEST(FlagParser, AnAddressToConnectToNeedsAPort) {
  std::string server = "127.0.0.1:50051";
  FlagParser flags("CXONE_", "usage");
  flags.AddAddress("server", &server, PortUse::kConnect, "gateway");
  EXPECT_EQ(flags.Parse({"--server=gw:0"}, FakeEnv({})).message(),
            "--server: port 0 is out of range: expected port 1 to 65535");
}

TEST(FlagParser, AChoiceMustBeOneOfItsValues) {
  std::string store = "sqlite";
  FlagParser flags("CXONE_", "usage");
  flags.AddChoice("store", &store, {"sqlite", "memory"}, "store");
  EXPECT_EQ(flags.Parse({"--store=disk"}, FakeEnv({})).message(),
            "--store: expected sqlite or memory, got \"disk\"");
  EXPECT_THAT(flags.Usage(),
              HasSubstr("--store  [$CXONE_STORE]  (default: sqlite; sqlite or "
                        "memory)"));
}

TEST(FlagParser, ADefaultOutsideTheRangeMarksNotGiven) {
  int64_t sequence = -1;
  FlagParser flags("CXONE_", "usage");
  flags.AddInt("sequence", &sequence, {1, std::numeric_limits<int64_t>::max()},
               "sequence");
  ASSERT_TRUE(flags.Parse({}, FakeEnv({})).ok());
  EXPECT_EQ(sequence, -1);
  EXPECT_THAT(flags.Usage(), HasSubstr("(default: -1; at least 1)"));
  FlagParser again("CXONE_", "usage");
  again.AddInt("sequence", &sequence, {1, std::numeric_limits<int64_t>::max()},
               "sequence");
  EXPECT_FALSE(again.Parse({"--sequence=0"}, FakeEnv({})).ok());
}

TEST(FlagParser, HelpShowsEachRange) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  const std::string usage = flags.Usage();
  EXPECT_THAT(usage, HasSubstr("--poll-interval  [$CXONE_POLL_INTERVAL]  "
                               "(default: 1s; 10ms to 1h)"));
  EXPECT_THAT(usage,
              HasSubstr("--workers  [$CXONE_WORKERS]  (default: 8; 1 to 64)"));
  EXPECT_THAT(usage, HasSubstr("--listen  [$CXONE_LISTEN]  (default: "
                               "127.0.0.1:50051; port 0 to 65535)"));
}

TEST(FlagParser, AFlagGivenTwiceTakesTheLastValue) {
  Settings settings;
  FlagParser flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({"--workers=2", "--workers", "3"}, FakeEnv({})).ok());
  EXPECT_EQ(settings.workers, 3);
}

TEST(FlagParser, ARepeatableFlagKeepsEveryValueInOrder) {
  std::vector<std::string> labels = {"default=1"};
  std::string flow;
  FlagParser flags("CXONE_", "usage");
  FlagCommand& start = flags.AddCommand("start", "");
  start.AddArgument("FLOW", &flow);
  start.AddStrings("label", &labels, "a label");
  // One value per --label: the word after it is the argument again.
  ASSERT_TRUE(flags
                  .Parse({"start", "--label", "a=1", "--label=b=2", "--label",
                          "a=3", "main"},
                         FakeEnv({}))
                  .ok());
  EXPECT_EQ(labels, (std::vector<std::string>{"a=1", "b=2", "a=3"}));
  EXPECT_EQ(flow, "main");
}

TEST(FlagParser, ARepeatableFlagKeepsItsDefaultWhenNotGiven) {
  for (const std::map<std::string, std::string>& env :
       std::vector<std::map<std::string, std::string>>{{},
                                                       {{"CXONE_LABEL", ""}}}) {
    std::vector<std::string> labels = {"default=1"};
    FlagParser flags("CXONE_", "usage");
    flags.AddStrings("label", &labels, "a label");
    ASSERT_TRUE(flags.Parse({}, FakeEnv(env)).ok());
    EXPECT_EQ(labels, std::vector<std::string>{"default=1"});
  }
}

TEST(FlagParser, ARepeatableFlagReadsACommaSeparatedVariable) {
  std::vector<std::string> labels;
  FlagParser flags("CXONE_", "usage");
  flags.AddStrings("label", &labels, "a label");
  ASSERT_TRUE(flags.Parse({}, FakeEnv({{"CXONE_LABEL", "a=1,,b=2,"}})).ok());
  EXPECT_EQ(labels, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(flags.SourceOf("label"), FlagSource::kEnvironment);
  EXPECT_THAT(flags.Usage(),
              HasSubstr("--label  [$CXONE_LABEL]  (repeatable)"));

  // The command line wins, whole.
  std::vector<std::string> given;
  FlagParser again("CXONE_", "usage");
  again.AddStrings("label", &given, "a label");
  ASSERT_TRUE(
      again.Parse({"--label", "c=3"}, FakeEnv({{"CXONE_LABEL", "a=1"}})).ok());
  EXPECT_EQ(given, std::vector<std::string>{"c=3"});
}

// --- commands ---

// A program with commands: `tool [--server ADDR] start FLOW [--wait]` and
// `tool [--server ADDR] hooks (list [--limit N] | replay)`.
struct Tool {
  std::string server = "127.0.0.1:50051";
  std::string flow;
  bool wait = false;
  int64_t limit = 100;
  std::string endpoint;
};

void RegisterTool(FlagParser& flags, Tool& tool) {
  flags.AddAddress("server", &tool.server, PortUse::kConnect, "gateway");
  FlagCommand& start = flags.AddCommand("start", "");
  start.AddArgument("FLOW", &tool.flow);
  start.AddBool("wait", &tool.wait, "follow it");
  FlagCommand& hooks = flags.AddCommand("hooks", "tool hooks: the hooks");
  FlagCommand& list = hooks.AddCommand("list", "");
  list.AddInt("limit", &tool.limit, {1, 1000}, "at most N");
  list.AddString("endpoint", &tool.endpoint, "only this endpoint");
  FlagCommand& replay = hooks.AddCommand("replay", "");
  replay.AddString("endpoint", &tool.endpoint, "only this endpoint");
}

TEST(FlagParser, AGlobalFlagMayComeBeforeOrAfterTheCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"--server", "gw:1", "start", "main", "--wait"},
           {"start", "main", "--wait", "--server", "gw:1"},
           {"start", "--server=gw:1", "main", "--wait"}}) {
    Tool tool;
    FlagParser flags("CXONE_", "tool");
    RegisterTool(flags, tool);
    absl::Status parsed = flags.Parse(args, FakeEnv({}));
    ASSERT_TRUE(parsed.ok()) << parsed;
    EXPECT_EQ(flags.command(), std::vector<std::string>{"start"});
    EXPECT_EQ(tool.server, "gw:1");
    EXPECT_EQ(tool.flow, "main");
    EXPECT_TRUE(tool.wait);
  }
}

TEST(FlagParser, AGlobalFlagAfterANestedCommand) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  absl::Status parsed = flags.Parse(
      {"hooks", "--server", "gw:2", "list", "--limit", "5", "--server=gw:3"},
      FakeEnv({}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_EQ(flags.command(), (std::vector<std::string>{"hooks", "list"}));
  EXPECT_EQ(tool.server, "gw:3");
  EXPECT_EQ(tool.limit, 5);
}

// The address after --server is its value, never the command (how
// `--server X health` once broke).
TEST(FlagParser, AFlagValueIsNeverTakenForTheCommand) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  absl::Status parsed =
      flags.Parse({"--server", "start:1", "hooks", "replay"}, FakeEnv({}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_EQ(flags.command(), (std::vector<std::string>{"hooks", "replay"}));
  EXPECT_EQ(tool.server, "start:1");
}

TEST(FlagParser, OnlyTheVariablesOfTheCommandGivenAreRead) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  // $CXONE_LIMIT is list's: broken, but replay does not read it.
  ASSERT_TRUE(
      flags
          .Parse({"hooks", "replay"}, FakeEnv({{"CXONE_LIMIT", "many"},
                                               {"CXONE_ENDPOINT", "ci"},
                                               {"CXONE_SERVER", "gw:4"}}))
          .ok());
  EXPECT_EQ(tool.endpoint, "ci");
  EXPECT_EQ(tool.server, "gw:4");
  EXPECT_EQ(tool.limit, 100);
}

TEST(FlagParser, AnUnknownCommandIsNamedWithTheChoices) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(flags.Parse({"--server", "gw:1", "compile"}, FakeEnv({})).message(),
            "unknown command \"compile\"; expected start or hooks");
  FlagParser nested("CXONE_", "tool");
  RegisterTool(nested, tool);
  EXPECT_EQ(nested.Parse({"hooks", "erase"}, FakeEnv({})).message(),
            "hooks: unknown command \"erase\"; expected list or replay");
}

TEST(FlagParser, AnUnknownFlagAfterACommandIsNamed) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(flags.Parse({"start", "main", "--no-such"}, FakeEnv({})).message(),
            "unknown flag --no-such (see --help)");
}

TEST(FlagParser, AnotherCommandsFlagIsNamedAsSuch) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(
      flags.Parse({"hooks", "replay", "--limit=3"}, FakeEnv({})).message(),
      "--limit is a flag of hooks list, not of hooks replay (see --help)");
}

TEST(FlagParser, AnArgumentTooManyIsNamed) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(flags.Parse({"start", "main", "extra"}, FakeEnv({})).message(),
            "unexpected argument \"extra\" (see --help)");
}

TEST(FlagParser, OnlyOneCommandAtATime) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(flags.Parse({"start", "main", "hooks"}, FakeEnv({})).message(),
            "unexpected argument \"hooks\" (see --help)");
}

// A command's own flag may come before its word, as pipelines write it:
// it applies to the command given, even when two commands share its name.
TEST(FlagParser, ACommandsFlagMayComeBeforeItsWord) {
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool");
    RegisterTool(flags, tool);
    absl::Status parsed = flags.Parse(
        {"--limit", "5", "--server", "gw:1", "hooks", "list"}, FakeEnv({}));
    ASSERT_TRUE(parsed.ok()) << parsed;
    EXPECT_EQ(flags.command(), (std::vector<std::string>{"hooks", "list"}));
    EXPECT_EQ(tool.limit, 5);
    EXPECT_EQ(tool.server, "gw:1");
  }
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool");
    RegisterTool(flags, tool);
    absl::Status parsed = flags.Parse(
        {"--endpoint=ci", "--wait", "hooks", "replay"}, FakeEnv({}));
    EXPECT_EQ(parsed.message(),
              "--wait is a flag of start, not of hooks replay (see --help)");
  }
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool");
    RegisterTool(flags, tool);
    absl::Status parsed =
        flags.Parse({"--endpoint=ci", "hooks", "replay"}, FakeEnv({}));
    ASSERT_TRUE(parsed.ok()) << parsed;
    EXPECT_EQ(flags.command(), (std::vector<std::string>{"hooks", "replay"}));
    EXPECT_EQ(tool.endpoint, "ci");
  }
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool");
    RegisterTool(flags, tool);
    absl::Status parsed = flags.Parse({"--wait", "start", "main"}, FakeEnv({}));
    ASSERT_TRUE(parsed.ok()) << parsed;
    EXPECT_TRUE(tool.wait);
    EXPECT_EQ(tool.flow, "main");
  }
}

// Before a command that does not have it, or with no command at all, the
// flag is refused naming the commands that have it.
TEST(FlagParser, ACommandsFlagWithoutItsCommandNamesItsCommands) {
  Tool tool;
  FlagParser flags("CXONE_", "tool");
  RegisterTool(flags, tool);
  EXPECT_EQ(
      flags.Parse({"--limit", "5", "hooks", "replay"}, FakeEnv({})).message(),
      "--limit is a flag of hooks list, not of hooks replay (see --help)");
  FlagParser none("CXONE_", "tool");
  RegisterTool(none, tool);
  EXPECT_THAT(none.Parse({"--endpoint=ci"}, FakeEnv({})).message(),
              HasSubstr("--endpoint is a flag of hooks list or hooks replay: "
                        "give that command"));
}

TEST(FlagParser, TheHelpOfACommandIsItsOwnOrItsParents) {
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool: the program");
    RegisterTool(flags, tool);
    ASSERT_TRUE(flags.Parse({"hooks", "list", "--help"}, FakeEnv({})).ok());
    EXPECT_TRUE(flags.help_requested());
    const std::string usage = flags.Usage();
    EXPECT_THAT(usage, HasSubstr("tool hooks: the hooks"));
    EXPECT_THAT(usage, HasSubstr("Flags of hooks list (after its word):\n"
                                 "  --limit  [$CXONE_LIMIT]  (default: 100; 1 "
                                 "to 1000)\n      at most N\n"));
    EXPECT_THAT(usage, HasSubstr("Global flags (before or after the command "
                                 "word):\n  --server  [$CXONE_SERVER]"));
    EXPECT_THAT(usage, Not(HasSubstr("--wait")));
  }
  {
    Tool tool;
    FlagParser flags("CXONE_", "tool: the program");
    RegisterTool(flags, tool);
    ASSERT_TRUE(
        flags.Parse({"--server=gw:1", "start", "-h"}, FakeEnv({})).ok());
    const std::string usage = flags.Usage();
    // start has no header of its own: the program's, with every flag.
    EXPECT_THAT(usage, HasSubstr("tool: the program"));
    EXPECT_THAT(usage, HasSubstr("Flags of start (after its word):\n"
                                 "  --wait  [$CXONE_WAIT]  (default: false)"));
    EXPECT_THAT(usage, HasSubstr("--limit"));
  }
}

// --- the config file ---

struct Served {
  std::string listen = "127.0.0.1:50051";
  absl::Duration poll = absl::Seconds(1);
  int64_t workers = 8;
  bool sync = false;
  std::string scopes = "flow:read";
  std::string secret;
};

void RegisterServed(FlagParser& flags, Served& served) {
  flags.AddConfigFile("settings file");
  flags.AddAddress("listen", &served.listen, PortUse::kListen, "address");
  flags.AddDuration("poll-interval", &served.poll,
                    {absl::Milliseconds(10), absl::Hours(1)}, "poll");
  flags.AddInt("workers", &served.workers, {1, 64}, "workers");
  flags.AddBool("sync", &served.sync, "sync");
  flags.AddString("scopes", &served.scopes, "scopes");
  flags.AddConfigFileSecret("client-secret", &served.secret, "the secret");
}

TEST(FlagParserConfigFile, FillsWhatNeitherTheCommandLineNorTheEnvironmentSet) {
  const std::string path = WriteFile("layers.toml",
                                     "# every layer\n"
                                     "listen = \"10.0.0.1:7\"\n"
                                     "poll-interval = \"250ms\"\n"
                                     "workers = 4\n"
                                     "sync = true\n"
                                     "scopes = \"a b\"\n");
  Served served;
  FlagParser flags("CXONE_", "usage");
  RegisterServed(flags, served);
  absl::Status parsed = flags.Parse({"--config", path, "--listen=127.0.0.1:9"},
                                    FakeEnv({{"CXONE_POLL_INTERVAL", "2s"}}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  // The command line beats the file...
  EXPECT_EQ(served.listen, "127.0.0.1:9");
  EXPECT_EQ(flags.SourceOf("listen"), FlagSource::kCommandLine);
  // ...the environment beats the file...
  EXPECT_EQ(served.poll, absl::Seconds(2));
  EXPECT_EQ(flags.SourceOf("poll-interval"), FlagSource::kEnvironment);
  // ...and the file beats the default.
  EXPECT_EQ(served.workers, 4);
  EXPECT_EQ(flags.SourceOf("workers"), FlagSource::kConfigFile);
  EXPECT_TRUE(served.sync);
  EXPECT_EQ(served.scopes, "a b");
  EXPECT_EQ(flags.config_file(), path);
}

TEST(FlagParserConfigFile, IsNamedByItsVariableToo) {
  const std::string path = WriteFile("by-env.toml", "workers = 5\n");
  Served served;
  FlagParser flags("CXONE_", "usage");
  RegisterServed(flags, served);
  ASSERT_TRUE(flags.Parse({}, FakeEnv({{"CXONE_CONFIG", path}})).ok());
  EXPECT_EQ(served.workers, 5);
}

TEST(FlagParserConfigFile, ReadsIniStyleAndUnderscoredKeys) {
  const std::string path = WriteFile("ini-style.ini",
                                     "; INI comment\n"
                                     "poll_interval=30s\n"
                                     "sync\n");
  Served served;
  FlagParser flags("CXONE_", "usage");
  RegisterServed(flags, served);
  absl::Status parsed = flags.Parse({"--config", path}, FakeEnv({}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_EQ(served.poll, absl::Seconds(30));
  EXPECT_TRUE(served.sync);
}

TEST(FlagParserConfigFile, ABadFileIsAnErrorNamingTheFileAndTheKey) {
  struct Case {
    std::string text;
    std::string expected;  // after `config file "PATH"`
  };
  for (const Case& c : std::vector<Case>{
           {"workers = 0\n",
            ", key workers: 0 is out of range: expected 1 to 64"},
           {"poll-interval = \"soon\"\n",
            ", key poll-interval: expected a duration such as 500ms, 30s or "
            "5m (10ms to 1h), got \"soon\""},
           {"wrokers = 3\n",
            ", key wrokers: unknown key (the keys are the flags of --help, "
            "without the dashes)"},
           {"sync = maybe\n",
            ", key sync: expected true or false, got \"maybe\""},
           {"workers = 3\nworkers_x = 1\n", ", key workers_x: unknown key"},
           {"workers = 3\nlisten = \"a:1\"\nworkers = 4\n",
            ", key workers: given twice"},
           {"scopes = a b\n",
            ", key scopes: expected one value; quote a value with spaces or "
            "commas"},
           {"config = \"other.toml\"\n",
            ", key config: a config file cannot name another"},
           {"[server]\nworkers = 3\n",
            ": section [server]: the file has no sections"},
       }) {
    const std::string path = WriteFile("bad.toml", c.text);
    Served served;
    FlagParser flags("CXONE_", "usage");
    RegisterServed(flags, served);
    absl::Status parsed = flags.Parse({"--config", path}, FakeEnv({}));
    EXPECT_TRUE(absl::IsInvalidArgument(parsed)) << c.text;
    EXPECT_THAT(parsed.message(), HasSubstr(absl::StrCat("config file \"", path,
                                                         "\"", c.expected)))
        << c.text;
  }
}

TEST(FlagParserConfigFile, AnUnreadableFileIsAnErrorNamingIt) {
  for (const std::string& path :
       {std::string("/nonexistent/cxone.toml"), ::testing::TempDir()}) {
    Served served;
    FlagParser flags("CXONE_", "usage");
    RegisterServed(flags, served);
    absl::Status parsed = flags.Parse({"--config", path}, FakeEnv({}));
    EXPECT_TRUE(absl::IsInvalidArgument(parsed));
    EXPECT_THAT(parsed.message(),
                HasSubstr(absl::StrCat("--config: cannot read config file \"",
                                       path, "\"")));
  }
}

TEST(FlagParserConfigFile, ASecretKeyIsReadButNeverEchoed) {
  const std::string path =
      WriteFile("secret.toml", "client-secret = \"s3cret-value\"\n");
  Served served;
  FlagParser flags("CXONE_", "usage");
  RegisterServed(flags, served);
  ASSERT_TRUE(flags.Parse({"--config", path}, FakeEnv({})).ok());
  EXPECT_EQ(served.secret, "s3cret-value");
  EXPECT_THAT(flags.EffectiveConfig().dump(), Not(HasSubstr("s3cret")));
  EXPECT_THAT(flags.Usage(), HasSubstr("client-secret"));

  // A '#' in it would cut it short: refused, without the value.
  const std::string cut =
      WriteFile("cut.toml", "client-secret = \"s3cret#value\"\n");
  Served again;
  FlagParser refused("CXONE_", "usage");
  RegisterServed(refused, again);
  absl::Status parsed = refused.Parse({"--config", cut}, FakeEnv({}));
  EXPECT_THAT(parsed.message(),
              HasSubstr("key client-secret: the quoted value has no closing "
                        "quote"));
  EXPECT_THAT(parsed.message(), Not(HasSubstr("s3cret")));
}

TEST(FlagParserConfigFile, HelpDoesNotReadIt) {
  Served served;
  FlagParser flags("CXONE_", "usage");
  RegisterServed(flags, served);
  ASSERT_TRUE(
      flags
          .Parse({"--config", "/nonexistent/cxone.toml", "--help"}, FakeEnv({}))
          .ok());
  EXPECT_TRUE(flags.help_requested());
  EXPECT_THAT(flags.Usage(),
              HasSubstr("--config  [$CXONE_CONFIG]\n      settings file"));
}

TEST(FlagParser, ArgumentsTakeEveryRemainingWordAroundTheFlags) {
  std::vector<std::string> flows;
  bool wait = false;
  FlagParser flags("CXONE_", "tool");
  FlagCommand& gate = flags.AddCommand("gate", "");
  gate.AddArguments("FLOW_ID", &flows);
  gate.AddBool("wait", &wait, "Wait.");
  absl::Status parsed =
      flags.Parse({"gate", "a", "--wait", "b", "c"}, FakeEnv({}));
  ASSERT_TRUE(parsed.ok()) << parsed;
  EXPECT_EQ(flows, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(wait);

  std::vector<std::string> none;
  FlagParser empty("CXONE_", "tool");
  empty.AddCommand("gate", "").AddArguments("FLOW_ID", &none);
  ASSERT_TRUE(empty.Parse({"gate"}, FakeEnv({})).ok());
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace cxone

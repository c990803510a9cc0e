#include "common/flag_set.h"

#include <limits>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

struct Settings {
  std::string listen = "127.0.0.1:50051";
  std::string base_url;
  absl::Duration poll = absl::Seconds(1);
  int64_t workers = 8;
  bool verbose = false;
};

void Register(FlagSet& flags, Settings& settings) {
  flags.AddAddress("listen", &settings.listen, PortUse::kListen,
                   "listen address");
  flags.AddString("cxone-base-url", &settings.base_url, "base URL");
  flags.AddDuration("poll-interval", &settings.poll,
                    {absl::Milliseconds(10), absl::Hours(1)}, "poll interval");
  flags.AddInt("workers", &settings.workers, {1, 64}, "workers");
  flags.AddBool("verbose", &settings.verbose, "verbose");
}

TEST(FlagSet, KeepsDefaultsWhenNothingIsGiven) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({}, FakeEnv({})).ok());
  EXPECT_EQ(settings.listen, "127.0.0.1:50051");
  EXPECT_EQ(settings.poll, absl::Seconds(1));
}

TEST(FlagSet, ReadsEnvironmentAndCommandLineWins) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  auto positional = flags.Parse(
      {"start", "--listen=0.0.0.0:1", "--poll-interval", "250ms", "flow"},
      FakeEnv({{"CXONE_LISTEN", "10.0.0.1:2"},
               {"CXONE_BASE_URL", "http://sim"},
               {"CXONE_WORKERS", "3"}}));
  ASSERT_TRUE(positional.ok()) << positional.status();
  EXPECT_THAT(*positional, ElementsAre("start", "flow"));
  EXPECT_EQ(settings.listen, "0.0.0.0:1");
  EXPECT_EQ(settings.base_url, "http://sim");
  EXPECT_EQ(settings.poll, absl::Milliseconds(250));
  EXPECT_EQ(settings.workers, 3);
}

TEST(FlagSet, DoesNotRepeatThePrefixWordInEnvNames) {
  FlagSet flags("CXONE_", "usage");
  EXPECT_EQ(flags.EnvName("cxone-base-url"), "CXONE_BASE_URL");
  EXPECT_EQ(flags.EnvName("poll-interval"), "CXONE_POLL_INTERVAL");
}

TEST(FlagSet, ReadsDoublesAndRejectsNonNumbers) {
  double rate = 10;
  FlagSet flags("CXONE_", "usage");
  flags.AddDouble("rate", &rate, {0.1, 1000}, "rate");
  ASSERT_TRUE(flags.Parse({"--rate=2.5"}, FakeEnv({})).ok());
  EXPECT_EQ(rate, 2.5);
  EXPECT_FALSE(flags.Parse({"--rate=fast"}, FakeEnv({})).ok());
  EXPECT_FALSE(flags.Parse({"--rate=nan"}, FakeEnv({})).ok());
}

TEST(FlagSet, BoolFlagNeedsNoValue) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({"--verbose"}, FakeEnv({})).ok());
  EXPECT_TRUE(settings.verbose);
}

TEST(FlagSet, RejectsUnknownFlagByName) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  auto result = flags.Parse({"--lisen=x"}, FakeEnv({}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("--lisen"));
}

TEST(FlagSet, RejectsMalformedDurationNamingTheVariable) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  auto result = flags.Parse({}, FakeEnv({{"CXONE_POLL_INTERVAL", "soon"}}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("$CXONE_POLL_INTERVAL"));
}

TEST(FlagSet, RejectsFlagWithoutValue) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  auto result = flags.Parse({"--listen"}, FakeEnv({}));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("needs a value"));
}

TEST(FlagSet, HelpListsEveryFlagWithItsVariable) {
  Settings settings;
  FlagSet flags("CXONE_", "usage header");
  Register(flags, settings);
  ASSERT_TRUE(flags.Parse({"--help"}, FakeEnv({})).ok());
  EXPECT_TRUE(flags.help_requested());
  const std::string usage = flags.Usage();
  EXPECT_THAT(usage, HasSubstr("usage header"));
  EXPECT_THAT(usage, HasSubstr("--poll-interval"));
  EXPECT_THAT(usage, HasSubstr("$CXONE_POLL_INTERVAL"));
  EXPECT_THAT(usage, HasSubstr("--cxone-base-url  [$CXONE_BASE_URL]"));
}

TEST(FlagSet, SecretValuesAreNeverEchoed) {
  std::string secret = "default-secret";
  FlagSet flags("SIM_", "usage");
  flags.AddString("client-secret", &secret, "the secret");
  flags.MarkSecret("client-secret");
  ASSERT_TRUE(flags.Parse({"--client-secret=hunter2"}, FakeEnv({})).ok());
  EXPECT_EQ(secret, "hunter2");
  EXPECT_EQ(flags.EffectiveConfig()["client-secret"], "[REDACTED]");
  EXPECT_THAT(flags.Usage(), ::testing::Not(HasSubstr("default-secret")));
}

TEST(FlagSet, RejectsAValueOutOfRangeNamingFlagValueAndRange) {
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
           {{"--workers=99999999999999999999"},
            "--workers: expected an integer (1 to 64), got "
            "\"99999999999999999999\""},
       }) {
    Settings settings;
    FlagSet flags("CXONE_", "usage");
    Register(flags, settings);
    auto result = flags.Parse(c.args, FakeEnv({}));
    ASSERT_FALSE(result.ok()) << c.args[0];
    EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
    EXPECT_EQ(result.status().message(), c.expected);
  }
}

TEST(FlagSet, AValueFromTheEnvironmentIsCheckedTooNamingVariableAndFlag) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  auto result = flags.Parse({}, FakeEnv({{"CXONE_WORKERS", "100"}}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "$CXONE_WORKERS (--workers): 100 is out of range: expected 1 to "
            "64");
}

TEST(FlagSet, TheRangeIncludesBothEnds) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  ASSERT_TRUE(
      flags.Parse({"--workers=64", "--poll-interval=10ms"}, FakeEnv({})).ok());
  EXPECT_EQ(settings.workers, 64);
  EXPECT_EQ(settings.poll, absl::Milliseconds(10));
  ASSERT_TRUE(
      flags.Parse({"--workers=1", "--poll-interval=1h"}, FakeEnv({})).ok());
  EXPECT_EQ(settings.workers, 1);
  EXPECT_EQ(settings.poll, absl::Hours(1));
}

TEST(FlagSet, DoublesOutOfRangeAreRefused) {
  double rate = 10;
  FlagSet flags("CXONE_", "usage");
  flags.AddDouble("rate", &rate, {0.1, 1000}, "rate");
  auto result = flags.Parse({"--rate=0"}, FakeEnv({}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "--rate: 0 is out of range: expected 0.1 to 1000");
  EXPECT_EQ(rate, 10);
}

TEST(FlagSet, AnAddressPortMustFitSixteenBitsAndNeverWraps) {
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
    FlagSet flags("CXONE_", "usage");
    Register(flags, settings);
    auto result = flags.Parse({"--listen", c.value}, FakeEnv({}));
    if (c.expected.empty()) {
      EXPECT_TRUE(result.ok()) << c.value << ": " << result.status();
      EXPECT_EQ(settings.listen, c.value);
    } else {
      ASSERT_FALSE(result.ok()) << c.value;
      EXPECT_EQ(result.status().message(), c.expected);
      EXPECT_EQ(settings.listen, "127.0.0.1:50051");
    }
  }
}

TEST(FlagSet, AnAddressToConnectToNeedsAPort) {
  std::string server = "127.0.0.1:50051";
  FlagSet flags("CXONE_", "usage");
  flags.AddAddress("server", &server, PortUse::kConnect, "gateway");
  auto result = flags.Parse({"--server=gw:0"}, FakeEnv({}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "--server: port 0 is out of range: expected port 1 to 65535");
}

TEST(FlagSet, ADefaultOutsideTheRangeMarksNotGiven) {
  int64_t sequence = -1;
  FlagSet flags("CXONE_", "usage");
  flags.AddInt("sequence", &sequence, {1, std::numeric_limits<int64_t>::max()},
               "sequence");
  ASSERT_TRUE(flags.Parse({}, FakeEnv({})).ok());
  EXPECT_EQ(sequence, -1);
  EXPECT_THAT(flags.Usage(), HasSubstr("(default: -1; at least 1)"));
  EXPECT_FALSE(flags.Parse({"--sequence=0"}, FakeEnv({})).ok());
}

TEST(FlagSet, HelpShowsEachRange) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  const std::string usage = flags.Usage();
  EXPECT_THAT(usage, HasSubstr("--poll-interval  [$CXONE_POLL_INTERVAL]  "
                               "(default: 1s; 10ms to 1h)"));
  EXPECT_THAT(usage,
              HasSubstr("--workers  [$CXONE_WORKERS]  (default: 8; 1 to 64)"));
  EXPECT_THAT(usage, HasSubstr("--listen  [$CXONE_LISTEN]  (default: "
                               "127.0.0.1:50051; port 0 to 65535)"));
}

TEST(FlagSet, FindsPositionalArgumentsAmongFlagsAndTheirValues) {
  Settings settings;
  FlagSet flags("CXONE_", "usage");
  Register(flags, settings);
  EXPECT_THAT(flags.PositionalIndices({"--listen", "gw:1", "health"}),
              ElementsAre(2));
  EXPECT_THAT(flags.PositionalIndices({"--verbose", "start", "--workers=3",
                                       "--poll-interval", "1s", "flow"}),
              ElementsAre(1, 5));
  EXPECT_THAT(flags.PositionalIndices({"--help", "health"}), ElementsAre(1));
  EXPECT_THAT(flags.PositionalIndices({"-h", "health"}), ElementsAre(1));
  EXPECT_THAT(flags.PositionalIndices({"--unknown=1", "x", "--", "--listen"}),
              ElementsAre(1, 3));
  // Nothing is assigned or checked.
  EXPECT_THAT(flags.PositionalIndices({"--workers", "0", "get"}),
              ElementsAre(2));
  EXPECT_EQ(settings.workers, 8);
}

}  // namespace
}  // namespace cxone

#include "common/flag_set.h"

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
  flags.AddString("listen", &settings.listen, "listen address");
  flags.AddString("cxone-base-url", &settings.base_url, "base URL");
  flags.AddDuration("poll-interval", &settings.poll, "poll interval");
  flags.AddInt("workers", &settings.workers, "workers");
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
  flags.AddDouble("rate", &rate, "rate");
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

}  // namespace
}  // namespace cxone

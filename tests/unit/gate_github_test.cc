// What the gate tells GitHub Actions: annotations and the step summary.
#include "client/gate_github.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gate_fixtures.h"

namespace cxone::client {
namespace {

using ::testing::HasSubstr;
using testing::Diagnostic;
using testing::MixedRun;
using testing::RunInfo;

std::vector<std::string> LinesOf(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(GateGithub, AnErrorIsAnAnnotationAtItsFileLineAndColumn) {
  const std::vector<std::string> lines =
      LinesOf(FormatGithubAnnotations(MixedRun()));
  EXPECT_THAT(lines,
              ::testing::Contains(
                  "::error file=flows/broken-refs.json,line=16,col=14,"
                  "title=broken-refs%3A reference error::node \"menu\": "
                  "transition \"3\" names node \"operator\", which does not "
                  "exist"));
  EXPECT_THAT(lines, ::testing::Contains(
                         "::warning file=flows/main-menu.json,title=main-menu%3A "
                         "warning::flow has no name"));
  // The TIMED_OUT flow and the one whose result is unknown.
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("title=stuck%3A TIMED_OUT::")));
  EXPECT_THAT(lines,
              ::testing::Contains(HasSubstr("title=lost%3A result unknown::")));
}

TEST(GateGithub, EscapesAsTheActionsToolkitDoes) {
  EXPECT_EQ(EscapeCommandData("100%\r\nnext"), "100%25%0D%0Anext");
  EXPECT_EQ(EscapeCommandProperty("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
}

TEST(GateGithub, MoreThanTenOfATypeAreSummarisedInTheTenth) {
  std::vector<v1::CompileError> errors;
  for (uint32_t i = 1; i <= 12; ++i) {
    errors.push_back(Diagnostic(v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR",
                                "problem " + std::to_string(i), i, 1));
  }
  GateResults results("r", {{"f", "f.json"}});
  results.Started(*results.FindByRequestId("gate/r/f"),
                  testing::CompileIn("f", v1::STATE_FAILED, 1, errors,
                                     {Diagnostic(v1::ERROR_CATEGORY_UNSPECIFIED,
                                                 "", "w", 0, 0)}));
  const std::vector<std::string> lines =
      LinesOf(FormatGithubAnnotations(results));
  int error_lines = 0;
  for (const std::string& line : lines) error_lines += absl::StartsWith(line, "::error ");
  EXPECT_EQ(error_lines, kMaxAnnotationsPerType);
  EXPECT_THAT(lines[8], HasSubstr("problem 9"));
  EXPECT_THAT(lines[9], HasSubstr("3 more errors are not annotated"));
  EXPECT_THAT(lines[10], ::testing::StartsWith("::warning "));
  EXPECT_EQ(lines.size(), 11u);
}

TEST(GateGithub, ExactlyTenAreAllShown) {
  std::vector<v1::CompileError> errors;
  for (uint32_t i = 1; i <= 10; ++i) {
    errors.push_back(Diagnostic(v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR",
                                "problem " + std::to_string(i), i, 1));
  }
  GateResults results("r", {{"f", "f.json"}});
  results.Started(*results.FindByRequestId("gate/r/f"),
                  testing::CompileIn("f", v1::STATE_FAILED, 1, errors));
  const std::vector<std::string> lines =
      LinesOf(FormatGithubAnnotations(results));
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_THAT(lines[9], HasSubstr("problem 10"));
}

TEST(GateGithub, TheSummaryOfATimedOutRunSaysSo) {
  GateResults results("r", {{"a", ""}, {"b", ""}});
  results.Started(*results.FindByRequestId("gate/r/a"),
                  testing::CompileIn("a", v1::STATE_TIMED_OUT, 1));
  results.Started(*results.FindByRequestId("gate/r/b"),
                  testing::CompileIn("b", v1::STATE_COMPLETED, 1));
  EXPECT_THAT(FormatStepSummary(results, RunInfo(4)),
              ::testing::StartsWith("### cxone-compile gate: 1 of 2 flows "
                                    "TIMED_OUT"));
}

TEST(GateGithub, AnUnknownResultIsNeverHiddenBehindCompileErrors) {
  std::vector<v1::CompileError> errors;
  for (uint32_t i = 1; i <= 12; ++i) {
    errors.push_back(Diagnostic(v1::ERROR_CATEGORY_SYNTAX, "SYNTAX_ERROR",
                                "e" + std::to_string(i), i, 1));
  }
  GateResults results("r", {{"f", "f.json"}, {"g", "g.json"}});
  results.Started(*results.FindByRequestId("gate/r/f"),
                  testing::CompileIn("f", v1::STATE_FAILED, 1, errors));
  results.StartFailed(*results.FindByRequestId("gate/r/g"), "could not start");
  const std::vector<std::string> lines =
      LinesOf(FormatGithubAnnotations(results));
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("title=g%3A result unknown::could not start"));
}

TEST(GateGithub, TheStepSummaryTablesEveryFlow) {
  const std::string summary = FormatStepSummary(MixedRun(), RunInfo(1));
  EXPECT_THAT(summary, ::testing::StartsWith(
                           "### cxone-compile gate: 1 of 4 flows FAILED\n"));
  EXPECT_THAT(summary, HasSubstr("| Flow | File | State |"));
  EXPECT_THAT(summary,
              HasSubstr("| broken-refs | `flows/broken-refs.json` | ❌ FAILED | 2 "
                        "| 0 | 3.0 s | flows/broken-refs.json:16:14: error: "
                        "reference: node \"menu\""));
  EXPECT_THAT(summary, HasSubstr("| lost | `flows/lost.json` | ⚠️ unknown | 0"));
  EXPECT_THAT(summary, HasSubstr("| main-menu | `flows/main-menu.json` | ✅ "
                                 "COMPLETED | 0 | 1 | 2.0 s |"));
}

}  // namespace
}  // namespace cxone::client

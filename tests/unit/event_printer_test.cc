// Specification of cxone-compile's output: the exact human lines (events,
// compiler-style diagnostics, summaries) and the JSON lines.
#include "client/event_printer.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

v1::CompileError MakeError(v1::ErrorCategory category, std::string message,
                           int line = 0, int column = 0) {
  v1::CompileError error;
  error.set_category(category);
  error.set_message(std::move(message));
  if (line > 0 || column > 0) {
    error.mutable_location()->set_line(line);
    error.mutable_location()->set_column(column);
  }
  return error;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(FormatDiagnostic, ErrorWithLineAndColumnReadsLikeACompiler) {
  EXPECT_EQ(FormatDiagnostic("main-menu",
                             MakeError(v1::ERROR_CATEGORY_SYNTAX,
                                       "unexpected token '}'", 12, 5),
                             Severity::kError),
            "main-menu:12:5: error: syntax: unexpected token '}'");
}

TEST(FormatDiagnostic, ColumnZeroLeavesOutTheColumn) {
  EXPECT_EQ(FormatDiagnostic("main-menu",
                             MakeError(v1::ERROR_CATEGORY_VALIDATION,
                                       "node 'start' has no prompt", 7, 0),
                             Severity::kError),
            "main-menu:7: error: validation: node 'start' has no prompt");
}

TEST(FormatDiagnostic, NoLocationLeavesOutLineAndColumn) {
  EXPECT_EQ(FormatDiagnostic("main-menu",
                             MakeError(v1::ERROR_CATEGORY_REFERENCE,
                                       "transition to 'x' names no node"),
                             Severity::kError),
            "main-menu: error: reference: transition to 'x' names no node");
}

TEST(FormatDiagnostic, LocationWithLineZeroCountsAsNoLocation) {
  v1::CompileError error = MakeError(v1::ERROR_CATEGORY_UNKNOWN, "odd");
  error.mutable_location()->set_line(0);
  error.mutable_location()->set_column(3);
  EXPECT_EQ(FormatDiagnostic("f", error, Severity::kError),
            "f: error: unknown: odd");
}

TEST(FormatDiagnostic, UnknownCategoryIsTheWordUnknownNotTheCode) {
  v1::CompileError error =
      MakeError(v1::ERROR_CATEGORY_UNKNOWN, "quota exceeded", 3, 1);
  error.set_code("QUOTA_ERROR");
  EXPECT_EQ(FormatDiagnostic("f", error, Severity::kError),
            "f:3:1: error: unknown: quota exceeded");
}

TEST(FormatDiagnostic, WarningWithCategoryAndLocation) {
  EXPECT_EQ(FormatDiagnostic("main-menu",
                             MakeError(v1::ERROR_CATEGORY_VALIDATION,
                                       "prompt is empty", 4, 2),
                             Severity::kWarning),
            "main-menu:4:2: warning: validation: prompt is empty");
}

TEST(FormatDiagnostic, PlainStringWarningHasNoCategory) {
  // CXone sends some warnings as bare strings: no code, no category.
  v1::CompileError warning;
  warning.set_message("action 'Play' is deprecated");
  EXPECT_EQ(FormatDiagnostic("main-menu", warning, Severity::kWarning),
            "main-menu: warning: action 'Play' is deprecated");
}

TEST(FormatDiagnostic, LineBreaksInTheMessageStayOnOneLine) {
  EXPECT_EQ(
      FormatDiagnostic(
          "f", MakeError(v1::ERROR_CATEGORY_SYNTAX, "bad\nthing\r\nhere", 1, 1),
          Severity::kError),
      "f:1:1: error: syntax: bad thing here");
}

TEST(FormatEventLine, StateChangedShowsPreviousAndNewState) {
  v1::CompileEvent event;
  event.set_name("flows/main-menu/compiles/c-1");
  event.set_sequence(2);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_previous_state(v1::STATE_QUEUED);
  event.set_state(v1::STATE_IN_PROGRESS);
  EXPECT_EQ(FormatEventLine(event),
            "flows/main-menu/compiles/c-1  #2  STATE_CHANGED  QUEUED -> "
            "IN_PROGRESS");
}

TEST(FormatEventLine, FirstStateChangeHasNoPreviousState) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(1);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_state(v1::STATE_QUEUED);
  EXPECT_EQ(FormatEventLine(event),
            "flows/f/compiles/c  #1  STATE_CHANGED  QUEUED");
}

TEST(FormatEventLine, Snapshot) {
  v1::CompileEvent event;
  event.set_name("flows/main-menu/compiles/c-1");
  event.set_sequence(3);
  event.set_type(v1::EVENT_TYPE_SNAPSHOT);
  event.set_state(v1::STATE_IN_PROGRESS);
  event.set_upstream_status("InProgress");
  EXPECT_EQ(FormatEventLine(event),
            "flows/main-menu/compiles/c-1  #3  SNAPSHOT  IN_PROGRESS");
}

TEST(FormatEventLine, StuckShowsDetailAndUpstreamStatus) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(4);
  event.set_type(v1::EVENT_TYPE_STUCK);
  event.set_state(v1::STATE_IN_PROGRESS);
  event.set_upstream_status("Running");
  event.set_detail("no change for 5m");
  EXPECT_EQ(FormatEventLine(event),
            "flows/f/compiles/c  #4  STUCK  IN_PROGRESS  no change for 5m "
            "(upstream: \"Running\")");
}

TEST(FormatEventLine, AnomalyAlwaysShowsTheRawStatusEvenWhenEmpty) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(5);
  event.set_type(v1::EVENT_TYPE_UPSTREAM_ANOMALY);
  event.set_state(v1::STATE_IN_PROGRESS);
  event.set_detail("status outside the four known");
  EXPECT_EQ(FormatEventLine(event),
            "flows/f/compiles/c  #5  UPSTREAM_ANOMALY  IN_PROGRESS  status "
            "outside the four known (upstream: \"\")");
}

TEST(FormatEventLine, UnknownEnumValuesFromANewerGatewayAreShownByNumber) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(6);
  event.set_type(static_cast<v1::EventType>(42));
  event.set_state(static_cast<v1::State>(9));
  EXPECT_EQ(FormatEventLine(event),
            "flows/f/compiles/c  #6  EVENT_TYPE(42)  STATE(9)");
}

TEST(FormatSummary, EachTerminalState) {
  EXPECT_EQ(FormatSummary("flows/x/compiles/y", v1::STATE_COMPLETED, 0, 0),
            "compile flows/x/compiles/y COMPLETED");
  EXPECT_EQ(FormatSummary("flows/x/compiles/y", v1::STATE_COMPLETED, 0, 2),
            "compile flows/x/compiles/y COMPLETED with 2 warnings");
  EXPECT_EQ(FormatSummary("flows/x/compiles/y", v1::STATE_FAILED, 3, 0),
            "compile flows/x/compiles/y FAILED with 3 errors");
  EXPECT_EQ(FormatSummary("flows/x/compiles/y", v1::STATE_FAILED, 1, 1),
            "compile flows/x/compiles/y FAILED with 1 error and 1 warning");
  EXPECT_EQ(FormatSummary("flows/x/compiles/y", v1::STATE_TIMED_OUT, 0, 0),
            "compile flows/x/compiles/y TIMED_OUT (the gateway gave up; "
            "CXone may still finish it)");
}

TEST(FormatCompileLine, LabelsFollowTheStateInKeyOrder) {
  v1::Compile compile;
  compile.set_name("flows/x/compiles/y");
  compile.set_state(v1::STATE_QUEUED);
  EXPECT_EQ(FormatCompileLine(compile), "flows/x/compiles/y  QUEUED");
  (*compile.mutable_labels())["tier"] = "";
  (*compile.mutable_labels())["example.com/team"] = "ivr";
  (*compile.mutable_labels())["pipeline"] = "checkout";
  EXPECT_EQ(FormatCompileLine(compile),
            "flows/x/compiles/y  QUEUED  "
            "example.com/team=ivr,pipeline=checkout,tier=");
}

TEST(EventPrinter, AListEndsWithItsCountForPeopleOnly) {
  std::ostringstream human, json;
  EventPrinter(OutputFormat::kHuman, human).PrintListSummary(1);
  EventPrinter(OutputFormat::kHuman, human).PrintListSummary(3);
  EventPrinter(OutputFormat::kJson, json).PrintListSummary(3);
  EXPECT_EQ(human.str(), "1 compile\n3 compiles\n");
  EXPECT_EQ(json.str(), "");
}

TEST(EventPrinter, FailedEventIsFollowedByItsErrorsThenWarnings) {
  v1::CompileEvent event;
  event.set_name("flows/main-menu/compiles/c-1");
  event.set_sequence(3);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_previous_state(v1::STATE_IN_PROGRESS);
  event.set_state(v1::STATE_FAILED);
  *event.add_errors() =
      MakeError(v1::ERROR_CATEGORY_SYNTAX, "unexpected '}'", 12, 5);
  *event.add_errors() = MakeError(v1::ERROR_CATEGORY_REFERENCE, "no node x");
  event.add_warnings()->set_message("deprecated action");

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kHuman, out);
  ASSERT_TRUE(printer.PrintEvent(event).ok());
  printer.PrintSummary(event.name(), event.state(), event.errors_size(),
                       event.warnings_size());

  EXPECT_THAT(
      Lines(out.str()),
      ElementsAre("flows/main-menu/compiles/c-1  #3  STATE_CHANGED  "
                  "IN_PROGRESS -> FAILED",
                  "main-menu:12:5: error: syntax: unexpected '}'",
                  "main-menu: error: reference: no node x",
                  "main-menu: warning: deprecated action",
                  "compile flows/main-menu/compiles/c-1 FAILED with 2 errors "
                  "and 1 warning"));
}

TEST(EventPrinter, DiagnosticsAreNotRepeatedOnNonTerminalEvents) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(2);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_previous_state(v1::STATE_QUEUED);
  event.set_state(v1::STATE_IN_PROGRESS);
  event.add_warnings()->set_message("early warning");

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kHuman, out);
  ASSERT_TRUE(printer.PrintEvent(event).ok());
  EXPECT_THAT(Lines(out.str()),
              ElementsAre("flows/f/compiles/c  #2  STATE_CHANGED  QUEUED -> "
                          "IN_PROGRESS"));
}

TEST(EventPrinter, FailedCompileUsesItsFlowIdForDiagnostics) {
  v1::Compile compile;
  compile.set_name("flows/billing/compiles/c-9");
  compile.set_flow_id("billing");
  compile.set_state(v1::STATE_FAILED);
  *compile.add_errors() =
      MakeError(v1::ERROR_CATEGORY_VALIDATION, "missing entry node", 1, 0);

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kHuman, out);
  ASSERT_TRUE(printer.PrintCompile(compile).ok());
  EXPECT_THAT(Lines(out.str()),
              ElementsAre("flows/billing/compiles/c-9  FAILED",
                          "billing:1: error: validation: missing entry node"));
}

TEST(EventPrinter, CompileWithoutDiagnosticsWhenAskedForNone) {
  v1::Compile compile;
  compile.set_name("flows/billing/compiles/c-9");
  compile.set_state(v1::STATE_FAILED);
  *compile.add_errors() = MakeError(v1::ERROR_CATEGORY_SYNTAX, "x", 1, 1);

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kHuman, out);
  ASSERT_TRUE(
      printer.PrintCompile(compile, EventPrinter::Diagnostics::kNone).ok());
  EXPECT_THAT(Lines(out.str()),
              ElementsAre("flows/billing/compiles/c-9  FAILED"));
}

TEST(EventPrinter, JsonModeWritesOneParsableObjectPerEventAndNothingElse) {
  v1::CompileEvent event;
  event.set_name("flows/f/compiles/c");
  event.set_sequence(3);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_previous_state(v1::STATE_IN_PROGRESS);
  event.set_state(v1::STATE_FAILED);
  *event.add_errors() = MakeError(v1::ERROR_CATEGORY_SYNTAX, "bad", 12, 5);

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kJson, out);
  ASSERT_TRUE(printer.PrintEvent(event).ok());
  printer.PrintSummary(event.name(), event.state(), 1, 0);

  std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_THAT(lines[0], HasSubstr("\"state\":\"STATE_FAILED\""));
  EXPECT_THAT(lines[0], HasSubstr("\"type\":\"EVENT_TYPE_STATE_CHANGED\""));
  EXPECT_THAT(lines[0], HasSubstr("\"category\":\"ERROR_CATEGORY_SYNTAX\""));
  // Fields left at their default are still present for scripts.
  EXPECT_THAT(lines[0], HasSubstr("\"warnings\":[]"));
  EXPECT_THAT(lines[0], Not(HasSubstr("error: syntax")));

  v1::CompileEvent parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[0], &parsed).ok());
  EXPECT_EQ(parsed.SerializeAsString(), event.SerializeAsString());
}

TEST(EventPrinter, JsonModeCompileIsOneLine) {
  v1::Compile compile;
  compile.set_name("flows/f/compiles/c");
  compile.set_flow_id("f");
  compile.set_compile_id("c");
  compile.set_state(v1::STATE_IN_PROGRESS);
  compile.set_upstream_status("InProgress");

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kJson, out);
  ASSERT_TRUE(printer.PrintCompile(compile).ok());
  std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"name\":\"flows/f/compiles/c\""));
  EXPECT_THAT(lines[0], HasSubstr("\"state\":\"STATE_IN_PROGRESS\""));
  EXPECT_THAT(lines[0], HasSubstr("\"upstreamStatus\":\"InProgress\""));
}

TEST(IsMarker, OnlySyncedAndHeartbeat) {
  EXPECT_TRUE(IsMarker(v1::EVENT_TYPE_SYNCED));
  EXPECT_TRUE(IsMarker(v1::EVENT_TYPE_HEARTBEAT));
  EXPECT_FALSE(IsMarker(v1::EVENT_TYPE_SNAPSHOT));
  EXPECT_FALSE(IsMarker(v1::EVENT_TYPE_STATE_CHANGED));
  EXPECT_FALSE(IsMarker(v1::EVENT_TYPE_THROTTLED));
  EXPECT_FALSE(IsMarker(v1::EVENT_TYPE_UNSPECIFIED));
}

TEST(EventPrinter, MarkersAreNotShownToPeople) {
  std::ostringstream out;
  EventPrinter printer(OutputFormat::kHuman, out);
  for (v1::EventType type : {v1::EVENT_TYPE_SYNCED, v1::EVENT_TYPE_HEARTBEAT}) {
    v1::CompileEvent marker;
    marker.set_name("flows/f/compiles/c");
    marker.set_type(type);
    marker.set_resume_after_sequence(4);
    ASSERT_TRUE(printer.PrintEvent(marker).ok());
  }
  EXPECT_EQ(out.str(), "");
}

TEST(EventPrinter, JsonModePrintsMarkersForScripts) {
  v1::CompileEvent marker;
  marker.set_name("flows/f/compiles/c");
  marker.set_type(v1::EVENT_TYPE_HEARTBEAT);
  marker.set_resume_after_sequence(4);
  marker.mutable_heartbeat_interval()->set_seconds(15);

  std::ostringstream out;
  EventPrinter printer(OutputFormat::kJson, out);
  ASSERT_TRUE(printer.PrintEvent(marker).ok());

  std::vector<std::string> lines = Lines(out.str());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"type\":\"EVENT_TYPE_HEARTBEAT\""));
  EXPECT_THAT(lines[0], HasSubstr("\"resumeAfterSequence\":\"4\""));
  EXPECT_THAT(lines[0], HasSubstr("\"heartbeatInterval\":\"15s\""));
}

TEST(FlowIdOfName, ParsesTheNameAndFallsBackToItWhole) {
  EXPECT_EQ(FlowIdOfName("flows/main-menu/compiles/c-1"), "main-menu");
  EXPECT_EQ(FlowIdOfName("garbage"), "garbage");
  EXPECT_THAT(FlowIdOfName(""), IsEmpty());
}

}  // namespace
}  // namespace cxone::client

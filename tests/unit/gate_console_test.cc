// What a person sees of a gate run: the console's three modes.
#include "client/gate_console.h"

#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gate_fixtures.h"

namespace cxone::client {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::CompileIn;
using testing::Diagnostic;
using testing::kRunStart;

std::vector<std::string> LinesOf(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

struct Console {
  explicit Console(ProgressMode mode, TerminalSize size = {80, 24},
                   std::vector<GateFlow> flows = {{"a", "flows/a.json"},
                                                  {"b", "flows/b.json"}})
      : size(size),
        results("r", flows),
        console(mode, out, [this] { return this->size; }, results,
                [this] { return kRunStart + absl::Seconds(now_seconds); }) {}
  void Start(const std::string& flow, v1::State state, double seconds,
             std::vector<v1::CompileError> errors = {}) {
    console.Change([&](GateResults& all) {
      all.Started(*all.FindByRequestId("gate/r/" + flow),
                  CompileIn(flow, state, seconds, errors));
    });
  }
  double now_seconds = 0;
  TerminalSize size;
  std::ostringstream out;
  GateResults results;
  GateConsole console;
};

TEST(GateConsole, PlainModeAppendsALinePerChangeAndEachResult) {
  Console c(ProgressMode::kPlain);
  c.console.Start("gate: run r");
  c.Start("a", v1::STATE_QUEUED, 0);
  c.now_seconds = 2;
  c.Start("a", v1::STATE_FAILED, 2,
          {Diagnostic(v1::ERROR_CATEGORY_SYNTAX, "SYNTAX_ERROR", "bad", 3, 4)});
  c.console.Finish("the summary");
  const std::vector<std::string> lines = LinesOf(c.out.str());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "gate: run r",
                       "[   0.0 s] a  QUEUED",
                       "[   2.0 s] a  QUEUED -> FAILED",
                       "flows/a.json: FAILED in 2.0 s with 1 error",
                       "flows/a.json:3:4: error: syntax: bad",
                       "the summary",
                   }));
  EXPECT_THAT(c.out.str(), Not(HasSubstr("\x1b[")));
}

TEST(GateConsole, NoneModeWritesOnlyResultsAndTheSummary) {
  Console c(ProgressMode::kNone);
  c.console.Start("gate: run r");
  c.Start("a", v1::STATE_QUEUED, 0);
  c.Start("b", v1::STATE_COMPLETED, 1);
  c.console.Finish("the summary");
  EXPECT_EQ(LinesOf(c.out.str()),
            (std::vector<std::string>{"gate: run r",
                                      "flows/b.json: COMPLETED in 1.0 s",
                                      "the summary"}));
}

TEST(GateConsole, TtyModeRedrawsTheBlockInPlaceAndLeavesItFinal) {
  Console c(ProgressMode::kTty);
  c.console.Start("gate: run r");
  c.now_seconds = 1;
  c.Start("a", v1::STATE_IN_PROGRESS, 0);
  c.now_seconds = 3;
  c.Start("b", v1::STATE_COMPLETED, 2);
  c.console.Finish("the summary");
  const std::string text = c.out.str();
  // Each redraw goes back up over the block (two flows and the footer).
  EXPECT_THAT(text, HasSubstr("\r\x1b[3A\x1b[J"));
  const std::vector<std::string> lines = LinesOf(text);
  EXPECT_THAT(lines, Contains(HasSubstr("flows/b.json: COMPLETED in 2.0 s")));
  // The last block, then the summary.
  ASSERT_GE(lines.size(), 4u);
  EXPECT_THAT(lines[lines.size() - 4], HasSubstr("  a  IN_PROGRESS     3.0 s"));
  EXPECT_THAT(lines[lines.size() - 3], HasSubstr("  b  COMPLETED       2.0 s"));
  EXPECT_THAT(lines[lines.size() - 2],
              HasSubstr("2 flows: 1 COMPLETED, 0 FAILED, 0 TIMED_OUT, 1 "
                        "running | 3.0 s | ETA soon"));
  EXPECT_EQ(lines.back(), "the summary");
}

TEST(GateConsole, TtyModeFitsTheTerminal) {
  std::vector<GateFlow> flows;
  for (int i = 0; i < 30; ++i) {
    flows.push_back({"flow-with-a-rather-long-name-" + std::to_string(i), ""});
  }
  Console c(ProgressMode::kTty, {40, 10}, flows);
  c.console.Start("gate");
  c.console.Finish("done");
  const std::vector<std::string> lines = LinesOf(c.out.str());
  // 10 rows: 7 flows, "... 23 more", the footer (and a row for the cursor).
  EXPECT_THAT(lines, Contains(HasSubstr("... 23 more flows (0 finished)")));
  for (const std::string& line : lines) {
    size_t code_points = 0;
    for (char ch : line) code_points += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    // Escape sequences are not columns; the longest drawn text fits in 39.
    if (!absl::StrContains(line, "\x1b")) {
      EXPECT_LE(code_points, 39u) << line;
    }
  }
}

TEST(GateConsoleSizes, AResizedTerminalIsFollowedAndATinyOneGetsTheFooter) {
  Console c(ProgressMode::kTty, {80, 24});
  c.console.Start("gate");
  c.size = {80, 3};
  c.Start("a", v1::STATE_QUEUED, 0);
  c.console.Finish("done");
  const std::vector<std::string> lines = LinesOf(c.out.str());
  // The last redraw, on 3 rows: the footer alone, then the summary.
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[lines.size() - 2], HasSubstr("2 flows: 0 COMPLETED"));
  EXPECT_THAT(lines[lines.size() - 3], Not(HasSubstr("  a  QUEUED")));
}

TEST(GateConsoleNotes, NotesGoAboveTheBlockAndNeverThroughIt) {
  Console c(ProgressMode::kTty);
  c.console.Start("gate");
  c.console.notes() << "cxone-compile: stream broke (UNAVAILABLE); reconnecting\n";
  c.console.Finish("done");
  const std::string text = c.out.str();
  // The block was erased before the note and drawn again after it.
  const size_t note = text.find("stream broke");
  ASSERT_NE(note, std::string::npos);
  EXPECT_NE(text.rfind("\x1b[J", note), std::string::npos);
  EXPECT_NE(text.find("2 flows:", note), std::string::npos);
}

}  // namespace
}  // namespace cxone::client

// GateResults: the one place a gate run's outcome is decided.
#include "client/gate_results.h"

#include "client/exit_codes.h"
#include "gtest/gtest.h"
#include "tests/support/gate_fixtures.h"

namespace cxone::client {
namespace {

using testing::CompileIn;
using testing::MixedRun;

GateResults TwoFlows() {
  return GateResults("r", {{"a", ""}, {"b", ""}});
}

TEST(GateResults, EveryFlowCompletedExitsZero) {
  GateResults results = TwoFlows();
  results.Started(*results.FindByRequestId("gate/r/a"),
                  CompileIn("a", v1::STATE_COMPLETED, 1));
  results.Started(*results.FindByRequestId("gate/r/b"),
                  CompileIn("b", v1::STATE_COMPLETED, 1));
  EXPECT_EQ(results.ExitCode(false), kExitCompleted);
}

TEST(GateResults, AFailedFlowOutranksUnknownTimedOutAndTimeout) {
  GateResults results = MixedRun();
  EXPECT_EQ(results.ExitCode(false), kExitCompileFailed);
  EXPECT_EQ(results.ExitCode(true), kExitCompileFailed);
}

TEST(GateResults, AnUnknownResultIsThreeOrTheTimeoutsCode) {
  GateResults results = TwoFlows();
  results.Started(*results.FindByRequestId("gate/r/a"),
                  CompileIn("a", v1::STATE_TIMED_OUT, 1));
  results.StartFailed(*results.FindByRequestId("gate/r/b"), "could not start");
  EXPECT_EQ(results.ExitCode(false), kExitGatewayError);
  EXPECT_EQ(results.ExitCode(true), kExitClientTimeout);
}

TEST(GateResults, TimedOutWithTheRestCompletedExitsFour) {
  GateResults results = TwoFlows();
  results.Started(*results.FindByRequestId("gate/r/a"),
                  CompileIn("a", v1::STATE_TIMED_OUT, 1));
  results.Started(*results.FindByRequestId("gate/r/b"),
                  CompileIn("b", v1::STATE_COMPLETED, 1));
  EXPECT_EQ(results.ExitCode(false), kExitGatewayTimedOut);
}

TEST(GateResults, AStillRunningFlowIsNeverSuccess) {
  GateResults results = TwoFlows();
  results.Started(*results.FindByRequestId("gate/r/a"),
                  CompileIn("a", v1::STATE_IN_PROGRESS, 1));
  results.Started(*results.FindByRequestId("gate/r/b"),
                  CompileIn("b", v1::STATE_COMPLETED, 1));
  EXPECT_EQ(results.ExitCode(false), kExitGatewayError);
  results.Abandon("the watch failed");
  EXPECT_EQ(results.Totals().unknown, 1);
  EXPECT_EQ(results.flows()[0].problem, "the watch failed");
  EXPECT_TRUE(results.flows()[1].problem.empty());
}

TEST(GateResults, ATerminalStateIsNeverUndoneByALateMessage) {
  GateResults results = TwoFlows();
  GateFlowResult& a = *results.FindByRequestId("gate/r/a");
  results.Started(a, CompileIn("a", v1::STATE_FAILED, 2));
  const v1::Compile older = CompileIn("a", v1::STATE_IN_PROGRESS, 1);
  ASSERT_NE(results.Update(older.name(), older.state(), older.errors(),
                           older.warnings(), std::nullopt),
            nullptr);
  EXPECT_EQ(a.state, v1::STATE_FAILED);
  EXPECT_EQ(a.Elapsed(absl::InfiniteFuture()), absl::Seconds(2));
}

TEST(GateResults, ACompileOfAnotherRunIsIgnored) {
  GateResults results = TwoFlows();
  const v1::Compile other = CompileIn("z", v1::STATE_FAILED, 1);
  EXPECT_EQ(results.Update(other.name(), other.state(), other.errors(),
                           other.warnings(), std::nullopt),
            nullptr);
  EXPECT_EQ(results.Totals().failed, 0);
}

TEST(GateResults, TotalsCountEachKindAndEveryDiagnostic) {
  const GateTotals totals = MixedRun().Totals();
  EXPECT_EQ(totals.flows, 4);
  EXPECT_EQ(totals.completed, 1);
  EXPECT_EQ(totals.failed, 1);
  EXPECT_EQ(totals.timed_out, 1);
  EXPECT_EQ(totals.unknown, 1);
  EXPECT_EQ(totals.running, 0);
  EXPECT_EQ(totals.errors, 2);
  EXPECT_EQ(totals.warnings, 1);
  EXPECT_EQ(FormatGateSummary(totals, absl::Seconds(65)),
            "gate: 4 flows: 1 COMPLETED, 1 FAILED, 1 TIMED_OUT, 1 unknown (2 "
            "errors, 1 warning) in 1 m 05 s");
}

TEST(GateResults, ElapsedIsForPeople) {
  EXPECT_EQ(FormatElapsed(absl::Milliseconds(3450)), "3.5 s");
  EXPECT_EQ(FormatElapsed(absl::Seconds(62)), "1 m 02 s");
  EXPECT_EQ(FormatElapsed(absl::Minutes(125)), "2 h 05 m");
}

}  // namespace
}  // namespace cxone::client

// `cxone-compile gate` against a fake gateway: what it sends, how it
// retries, and the exit code of many compiles.
#include "client/gate_command.h"

#include <fstream>

#include "absl/strings/match.h"
#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_gateway.h"
#include "tests/support/gate_fixtures.h"
#include "tests/support/temp_dir.h"

namespace cxone::client {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::CompileIn;
using testing::Diagnostic;

using GateCommandTest = FakeGatewayCliTest;

// Answers every item with its flow's compile in `state`, carrying the
// item's labels as the gateway's does (unless `foreign`: the flow was
// compiling already, for another run).
FakeGateway::BatchAnswer AllIn(v1::State state, bool foreign = false) {
  return [state, foreign](const v1::BatchStartCompilesRequest& request,
                          v1::BatchStartCompilesResponse* response) {
    for (const v1::StartCompileRequest& item : request.requests()) {
      v1::Compile* compile = response->add_results()->mutable_compile();
      *compile = CompileIn(item.flow_id(), state, 1);
      if (!foreign) *compile->mutable_labels() = item.labels();
    }
    return grpc::Status::OK;
  };
}

TEST_F(GateCommandTest, FlowsAreGivenOneWayOnceBeforeAnyCall) {
  EXPECT_EQ(RunWhole({"gate"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("missing FLOW_ID... or --flows-dir DIR"));
  EXPECT_EQ(RunWhole({"gate", "a", "--flows-dir", "/tmp"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("not both"));
  EXPECT_EQ(RunWhole({"gate", "a", "a"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("given twice"));
  EXPECT_EQ(RunWhole({"gate", "a", "--label", "cxone-compile/gate-run=x"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("the gate sets cxone-compile/gate-run"));
  EXPECT_EQ(RunWhole({"gate", "a", "--output", "xml"}), kExitUsage);
  EXPECT_EQ(gateway_.batch_requests().size(), 0u);
  EXPECT_EQ(gateway_.calls(), 0);
}

TEST_F(GateCommandTest, StartsEveryFlowWithItsRunKeyAndLabelInOneBatch) {
  gateway_.SetBatches({AllIn(v1::STATE_COMPLETED)});
  gateway_.SetList({CompileIn("a", v1::STATE_COMPLETED, 1),
                    CompileIn("b", v1::STATE_COMPLETED, 1)});
  EXPECT_EQ(RunWhole({"gate", "a", "b", "--label", "team=ivr", "--progress",
                      "none"},
                     [](const std::string& name) -> std::optional<std::string> {
                       if (name == "GITHUB_RUN_ID") return "777";
                       return std::nullopt;
                     }),
            kExitCompleted)
      << err_.str();
  const auto batches = gateway_.batch_requests();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].requests_size(), 2);
  EXPECT_EQ(batches[0].requests(1).request_id(), "gate/777/b");
  EXPECT_THAT(batches[0].requests(1).labels(),
              ::testing::UnorderedElementsAre(
                  Pair("cxone-compile/gate-run", "777"), Pair("team", "ivr")));
  const auto lists = gateway_.list_requests();
  ASSERT_FALSE(lists.empty());
  EXPECT_EQ(lists[0].filter().label_selector(), "cxone-compile/gate-run=777");
  EXPECT_THAT(lists[0].filter().flow_ids(),
              ::testing::UnorderedElementsAre("a", "b"));
  EXPECT_THAT(out_.str(), HasSubstr("gate: 2 flows: 2 COMPLETED, 0 FAILED"));
}

TEST_F(GateCommandTest, MoreThanAThousandFlowsGoInBatchesOfAThousand) {
  std::vector<std::string> args = {"gate", "--run-id", "big", "--progress",
                                   "none"};
  std::vector<v1::Compile> listed;
  for (int i = 0; i < 1001; ++i) {
    args.push_back("f" + std::to_string(i));
    listed.push_back(CompileIn("f" + std::to_string(i), v1::STATE_COMPLETED, 1));
  }
  gateway_.SetBatches({AllIn(v1::STATE_COMPLETED)});
  gateway_.SetList(listed);
  EXPECT_EQ(RunWhole(args), kExitCompleted) << err_.str();
  const auto batches = gateway_.batch_requests();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].requests_size(), 1000);
  EXPECT_EQ(batches[1].requests_size(), 1);
  EXPECT_EQ(batches[1].requests(0).request_id(), "gate/big/f1000");
  // Too many flows for CompileFilter.flow_ids (100): the run's label alone.
  const auto lists = gateway_.list_requests();
  ASSERT_FALSE(lists.empty());
  EXPECT_EQ(lists[0].filter().flow_ids_size(), 0);
  EXPECT_EQ(lists[0].filter().label_selector(), "cxone-compile/gate-run=big");
  EXPECT_THAT(out_.str(), HasSubstr("gate: 1001 flows: 1001 COMPLETED"));
}

TEST_F(GateCommandTest, ACompileOfAnotherRunIsFollowedWithoutTheRunsLabel) {
  // Regression: the run's stream selected its label, so a compile the
  // batch attached to from another run (the flow was compiling already)
  // was never seen to finish, and the gate waited for ever.
  gateway_.SetBatches({AllIn(v1::STATE_QUEUED, /*foreign=*/true)});
  gateway_.SetList({CompileIn("a", v1::STATE_COMPLETED, 2)});
  EXPECT_EQ(RunWhole({"gate", "a", "--run-id", "r2", "--progress", "none",
                      "--timeout", "20s"}),
            kExitCompleted)
      << err_.str();
  const auto lists = gateway_.list_requests();
  ASSERT_FALSE(lists.empty());
  EXPECT_EQ(lists[0].filter().label_selector(), "");
  EXPECT_THAT(lists[0].filter().flow_ids(), ::testing::ElementsAre("a"));
}

TEST_F(GateCommandTest, ACompileTheGatewayNoLongerKnowsIsUnknownNotAwaited) {
  gateway_.SetBatches({AllIn(v1::STATE_QUEUED)});
  gateway_.SetList({CompileIn("a", v1::STATE_COMPLETED, 1)});  // b is gone
  EXPECT_EQ(RunWhole({"gate", "a", "b", "--run-id", "r3", "--progress", "none",
                      "--timeout", "20s"}),
            kExitGatewayError)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("b: result unknown: the gateway no longer "
                                    "knows compile flows/b/compiles/c-b"));
  EXPECT_TRUE(gateway_.collection_requests().empty());
}

TEST_F(GateCommandTest, StartsFailingForNowRunOutOfReconnectsWithBackoff) {
  // Regression: every batch answer reset the reconnects in a row, so an
  // item that failed for now was sent again for ever.
  gateway_.SetBatches({[](const v1::BatchStartCompilesRequest& request,
                          v1::BatchStartCompilesResponse* response) {
    for (int i = 0; i < request.requests_size(); ++i) {
      v1::BatchStartResult* result = response->add_results();
      result->mutable_status()->set_code(
          static_cast<int>(grpc::StatusCode::UNAVAILABLE));
      result->mutable_status()->set_message("CXone answered 503");
    }
    return grpc::Status::OK;
  }});
  EXPECT_EQ(RunWhole({"gate", "a", "--run-id", "r4", "--progress", "none",
                      "--max-reconnects", "3", "--timeout", "30s"}),
            kExitGatewayError);
  EXPECT_EQ(gateway_.batch_requests().size(), 4u);  // the first and 3 more
  EXPECT_THAT(out_.str(), HasSubstr("a: result unknown: could not start"));
}

TEST_F(GateCommandTest, ABrokenBatchAndItemsThatFailedForNowAreSentAgain) {
  FakeGateway::BatchAnswer unavailable =
      [](const v1::BatchStartCompilesRequest&,
         v1::BatchStartCompilesResponse*) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining");
      };
  FakeGateway::BatchAnswer b_later =
      [](const v1::BatchStartCompilesRequest& request,
         v1::BatchStartCompilesResponse* response) {
        for (const v1::StartCompileRequest& item : request.requests()) {
          v1::BatchStartResult* result = response->add_results();
          if (item.flow_id() == "b") {
            result->mutable_status()->set_code(
                static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
            result->mutable_status()->set_message("budget");
          } else {
            *result->mutable_compile() =
                CompileIn(item.flow_id(), v1::STATE_COMPLETED, 1);
          }
        }
        return grpc::Status::OK;
      };
  gateway_.SetBatches({unavailable, b_later, AllIn(v1::STATE_COMPLETED)});
  gateway_.SetList({CompileIn("a", v1::STATE_COMPLETED, 1),
                    CompileIn("b", v1::STATE_COMPLETED, 1)});
  EXPECT_EQ(RunWhole({"gate", "a", "b", "--run-id", "r", "--progress", "none"}),
            kExitCompleted)
      << err_.str();
  const auto batches = gateway_.batch_requests();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[1].requests_size(), 2);
  ASSERT_EQ(batches[2].requests_size(), 1);
  EXPECT_EQ(batches[2].requests(0).request_id(), "gate/r/b");
  EXPECT_THAT(err_.str(), HasSubstr("BatchStartCompiles: UNAVAILABLE: draining"));
  EXPECT_THAT(err_.str(), HasSubstr("1 of the starts to send again"));
}

TEST_F(GateCommandTest, AnItemThatFailsForGoodLeavesItsResultUnknown) {
  gateway_.SetBatches({[](const v1::BatchStartCompilesRequest& request,
                          v1::BatchStartCompilesResponse* response) {
    for (const v1::StartCompileRequest& item : request.requests()) {
      v1::BatchStartResult* result = response->add_results();
      if (item.flow_id() == "gone") {
        result->mutable_status()->set_code(
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
        result->mutable_status()->set_message("CXone has no flow gone");
      } else {
        *result->mutable_compile() =
            CompileIn(item.flow_id(), v1::STATE_COMPLETED, 1);
      }
    }
    return grpc::Status::OK;
  }});
  gateway_.SetList({CompileIn("a", v1::STATE_COMPLETED, 1)});
  EXPECT_EQ(RunWhole({"gate", "a", "gone", "--run-id", "r", "--progress",
                      "none"}),
            kExitGatewayError);
  EXPECT_THAT(out_.str(), HasSubstr("gone: result unknown: could not start: "
                                    "NOT_FOUND: CXone has no flow gone"));
  EXPECT_THAT(out_.str(), HasSubstr("1 COMPLETED, 0 FAILED, 0 TIMED_OUT, 1 "
                                    "unknown"));
}

TEST_F(GateCommandTest, WhenNothingStartsThereIsNothingToWatch) {
  EXPECT_EQ(RunWhole({"gate", "a", "--run-id", "r", "--progress", "none"}),
            kExitGatewayError);
  EXPECT_TRUE(gateway_.list_requests().empty());
  EXPECT_TRUE(gateway_.collection_requests().empty());
}

TEST_F(GateCommandTest, FailedFlowsExitOneWithErrorsAtTheirFiles) {
  cxone::testing::ScopedTempDir dir;
  std::ofstream(dir.path() + "/bad.json") << "{";
  std::ofstream(dir.path() + "/good.json") << "{}";
  const v1::Compile bad = CompileIn(
      "bad", v1::STATE_FAILED, 1,
      {Diagnostic(v1::ERROR_CATEGORY_SYNTAX, "SYNTAX_ERROR", "unexpected end", 1, 2)});
  // Started while QUEUED; the watch then sees bad fail and good complete.
  gateway_.SetBatches({AllIn(v1::STATE_QUEUED)});
  gateway_.SetList({CompileIn("bad", v1::STATE_QUEUED, 0),
                    CompileIn("good", v1::STATE_QUEUED, 0)});
  v1::WatchCompilesResponse failed;
  *failed.mutable_event()->mutable_errors() = bad.errors();
  failed.mutable_event()->set_type(v1::EVENT_TYPE_STATE_CHANGED);
  failed.mutable_event()->set_name(bad.name());
  failed.mutable_event()->set_state(v1::STATE_FAILED);
  failed.mutable_event()->set_revision(50);
  v1::WatchCompilesResponse completed;
  completed.mutable_event()->set_type(v1::EVENT_TYPE_STATE_CHANGED);
  completed.mutable_event()->set_name("flows/good/compiles/c-good");
  completed.mutable_event()->set_state(v1::STATE_COMPLETED);
  completed.mutable_event()->set_revision(51);
  gateway_.SetCollectionWatches(
      {CollectionScript{{failed, completed}, grpc::Status::OK, true}});
  EXPECT_EQ(RunWhole({"gate", "--flows-dir", dir.path(), "--run-id", "r",
                      "--output", "json"}, NoEnv()),
            kExitCompileFailed)
      << err_.str();
  // The report alone on stdout; the progress and results on stderr.
  const nlohmann::json report = nlohmann::json::parse(out_.str());
  EXPECT_EQ(report["exitCode"], 1);
  EXPECT_EQ(report["flows"][0]["state"], "FAILED");
  EXPECT_EQ(report["flows"][0]["errors"][0]["location"],
            dir.path() + "/bad.json:1:2: error: syntax: unexpected end");
  EXPECT_THAT(ErrLines(),
              Contains(dir.path() + "/bad.json:1:2: error: syntax: unexpected end"));
  EXPECT_THAT(ErrLines(), Contains(HasSubstr("bad  QUEUED -> FAILED")));
  const auto watches = gateway_.collection_requests();
  ASSERT_EQ(watches.size(), 1u);
  EXPECT_EQ(watches[0].after_revision(), 42u);  // the list's revision
}

}  // namespace
}  // namespace cxone::client

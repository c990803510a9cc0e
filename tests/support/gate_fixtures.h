// Gate runs to report on, for the specifications of the gate's reports and
// console: flows with known results, built through GateResults' own calls.
#ifndef CXONE_TESTS_SUPPORT_GATE_FIXTURES_H_
#define CXONE_TESTS_SUPPORT_GATE_FIXTURES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/gate_report.h"
#include "client/gate_results.h"
#include "cxone/compile/v1/compile.pb.h"
#include "google/protobuf/util/time_util.h"

namespace cxone::client::testing {

namespace v1 = ::cxone::compile::v1;

inline const absl::Time kRunStart = absl::FromUnixSeconds(1796300000);

inline v1::CompileError Diagnostic(v1::ErrorCategory category,
                                   const std::string& code,
                                   const std::string& message, uint32_t line,
                                   uint32_t column) {
  v1::CompileError error;
  error.set_category(category);
  error.set_code(code);
  error.set_message(message);
  if (line > 0) {
    error.mutable_location()->set_line(line);
    error.mutable_location()->set_column(column);
  }
  return error;
}

// A compile of `flow_id` in `state`, created at kRunStart and last changed
// `seconds` later.
inline v1::Compile CompileIn(const std::string& flow_id, v1::State state,
                             double seconds,
                             const std::vector<v1::CompileError>& errors = {},
                             const std::vector<v1::CompileError>& warnings = {}) {
  v1::Compile compile;
  compile.set_name("flows/" + flow_id + "/compiles/c-" + flow_id);
  compile.set_flow_id(flow_id);
  compile.set_state(state);
  *compile.mutable_create_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(
          absl::ToUnixSeconds(kRunStart));
  *compile.mutable_update_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
          absl::ToUnixNanos(kRunStart + absl::Seconds(seconds)));
  for (const v1::CompileError& error : errors) *compile.add_errors() = error;
  for (const v1::CompileError& warning : warnings) {
    *compile.add_warnings() = warning;
  }
  return compile;
}

// The run "r1" over flows/main-menu.json (COMPLETED in 2 s, one warning),
// flows/broken-refs.json (FAILED in 3 s, two errors), flows/stuck.json
// (TIMED_OUT) and flows/lost.json (not started: unknown).
inline GateResults MixedRun() {
  GateResults results(
      "r1", {{"main-menu", "flows/main-menu.json"},
             {"broken-refs", "flows/broken-refs.json"},
             {"stuck", "flows/stuck.json"},
             {"lost", "flows/lost.json"}});
  results.Started(*results.FindByRequestId("gate/r1/main-menu"),
                  CompileIn("main-menu", v1::STATE_COMPLETED, 2, {},
                            {Diagnostic(v1::ERROR_CATEGORY_UNSPECIFIED, "",
                                        "flow has no name", 0, 0)}));
  results.Started(
      *results.FindByRequestId("gate/r1/broken-refs"),
      CompileIn("broken-refs", v1::STATE_FAILED, 3,
                {Diagnostic(v1::ERROR_CATEGORY_REFERENCE, "REFERENCE_ERROR",
                            "node \"menu\": transition \"3\" names node "
                            "\"operator\", which does not exist",
                            16, 14),
                 Diagnostic(v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR",
                            "node \"sales\" has no \"type\"", 19, 5)}));
  results.Started(*results.FindByRequestId("gate/r1/stuck"),
                  CompileIn("stuck", v1::STATE_TIMED_OUT, 300));
  results.StartFailed(*results.FindByRequestId("gate/r1/lost"),
                      "could not start: NOT_FOUND: flow lost does not exist");
  return results;
}

inline GateRunInfo RunInfo(int exit_code) {
  GateRunInfo run;
  run.started = kRunStart;
  run.ended = kRunStart + absl::Seconds(301);
  run.exit_code = exit_code;
  return run;
}

}  // namespace cxone::client::testing

#endif  // CXONE_TESTS_SUPPORT_GATE_FIXTURES_H_

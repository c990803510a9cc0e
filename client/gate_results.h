// GateResults: what a `cxone-compile gate` run knows about each of its
// flows — started or not, the compile's newest state, its errors — and the
// run's exit code. The progress display and every report (text, JSON,
// SARIF, GitHub, JUnit) read it; nothing else decides an outcome.
//
// The exit code of many compiles (kExitCodeDocs in exit_codes.h):
//   1    any flow FAILED (a known broken flow outranks everything: retrying
//        cannot fix it);
//   124  else, --timeout expired with some result unknown;
//   3    else, a gateway or upstream error left some result unknown (a flow
//        that could not be started, or a watch that gave up);
//   4    else, any TIMED_OUT;
//   0    every flow COMPLETED.
//
// Thread-compatible.
#ifndef CXONE_CLIENT_GATE_RESULTS_H_
#define CXONE_CLIENT_GATE_RESULTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/gate_flows.h"
#include "cxone/compile/v1/compile.pb.h"

namespace cxone::client {

// One flow of the run.
struct GateFlowResult {
  GateFlow flow;
  std::string request_id;
  // The compile's name once started (or attached to); empty before.
  std::string name;
  // The newest state seen; UNSPECIFIED before the start answered.
  compile::v1::State state = compile::v1::STATE_UNSPECIFIED;
  // The compile's errors and warnings as of `state`.
  std::vector<compile::v1::CompileError> errors;
  std::vector<compile::v1::CompileError> warnings;
  // When the gateway created the compile, and when it reached a terminal
  // state (gateway time); unset until known.
  std::optional<absl::Time> created;
  std::optional<absl::Time> finished;
  // Why its result is unknown: the start failed, or the watch ended before
  // it finished. Empty otherwise.
  std::string problem;

  bool terminal() const;
  // Where its diagnostics point: the file, else the flow id.
  const std::string& where() const {
    return flow.file.empty() ? flow.flow_id : flow.file;
  }
  // From creation to the end (or to `now` while running); zero if unknown.
  absl::Duration Elapsed(absl::Time now) const;
};

struct GateTotals {
  int flows = 0;
  int completed = 0;
  int failed = 0;
  int timed_out = 0;
  // Started and not finished, or not started yet.
  int running = 0;
  // Neither running nor finished: the result is unknown.
  int unknown = 0;
  int errors = 0;
  int warnings = 0;
};

class GateResults {
 public:
  GateResults(std::string run_id, const std::vector<GateFlow>& flows);

  const std::string& run_id() const { return run_id_; }
  const std::vector<GateFlowResult>& flows() const { return flows_; }

  // The flow whose request_id is `request_id`, or null.
  GateFlowResult* FindByRequestId(absl::string_view request_id);
  // The flow compile `name` belongs to, or null.
  GateFlowResult* FindByName(absl::string_view name);

  // The start of `flow` answered with `compile`.
  void Started(GateFlowResult& flow, const compile::v1::Compile& compile);
  // The start of `flow` failed for good with `problem`.
  void StartFailed(GateFlowResult& flow, std::string problem);
  // Compile `name` is in `state` with these errors and warnings (from an
  // event or a listed compile); `at` is when it changed. Returns the flow,
  // or null for a compile not of this run.
  GateFlowResult* Update(
      absl::string_view name, compile::v1::State state,
      const google::protobuf::RepeatedPtrField<compile::v1::CompileError>&
          errors,
      const google::protobuf::RepeatedPtrField<compile::v1::CompileError>&
          warnings,
      std::optional<absl::Time> at);
  // The watch ended with every compile not finished unknown: `problem`
  // says why (e.g. "--timeout 5m expired").
  void Abandon(const std::string& problem);

  GateTotals Totals() const;

  // The run's exit code (see the file comment); `client_timed_out` when
  // the unknown results are --timeout's.
  int ExitCode(bool client_timed_out) const;

 private:
  const std::string run_id_;
  std::vector<GateFlowResult> flows_;
  absl::flat_hash_map<std::string, size_t> by_request_id_;
  absl::flat_hash_map<std::string, size_t> by_name_;
};

// `timestamp` as an absl::Time.
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// "1 m 02 s", "3.4 s": a duration for people.
std::string FormatElapsed(absl::Duration duration);

// The closing line of a gate run, without newline:
//   gate: 3 flows: 1 COMPLETED, 1 FAILED, 0 TIMED_OUT, 1 unknown (4 errors,
//   1 warning) in 5.2 s
std::string FormatGateSummary(const GateTotals& totals, absl::Duration wall);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_RESULTS_H_

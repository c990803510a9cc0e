// The flows a `cxone-compile gate` run compiles, and the keys that make a
// retried run attach to its compiles instead of starting them again.
//
// Flows come as ids (`gate main-menu billing`) or as the files of a
// directory (`gate --flows-dir flows`): the simulator and CXone compile flow
// FLOW_ID from FLOW_ID.json, so a file's stem is its flow id, and the file —
// the path as the user gave the directory, relative if it was — is where
// the flow's errors are reported, so that editors and CI logs link to it.
//
// A run has an id: --run-id, else the CI system's ($GITHUB_RUN_ID,
// $CI_PIPELINE_ID), else a random one. A re-run of the same CI job keeps
// its run id, so the request_ids derived from it (GateRequestId) attach to
// the compiles the first attempt started (StartCompile is idempotent per
// request_id) instead of triggering CXone again. The run id is also the
// value of the label kGateRunLabel on every compile of the run, which the
// run's one WatchCompiles selects.
//
// Thread-safety: pure functions (RandomRunId reads std::random_device).
#ifndef CXONE_CLIENT_GATE_FLOWS_H_
#define CXONE_CLIENT_GATE_FLOWS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/env_lookup.h"

namespace cxone::client {

// The label every compile of a gate run carries, its value the run id.
inline constexpr char kGateRunLabel[] = "cxone-compile/gate-run";

struct GateFlow {
  std::string flow_id;
  // The flow's file as the user named its directory
  // ("flows/main-menu.json"); empty for a flow given by id.
  std::string file;
};

// `ids` as flows, in the order given. InvalidArgument for an invalid flow
// id or one given twice.
absl::StatusOr<std::vector<GateFlow>> FlowsFromIds(
    const std::vector<std::string>& ids);

// The regular files of `directory` (not its subdirectories) whose name
// matches `glob` (fnmatch(3), e.g. "*.json"), by name; each flow's id is
// its file name without the last extension. InvalidArgument when the
// directory cannot be read, nothing matches, or a file's stem is not a valid
// flow id (naming the file).
absl::StatusOr<std::vector<GateFlow>> FlowsInDirectory(
    const std::string& directory, const std::string& glob);

// The run id: `given` if not empty, else $GITHUB_RUN_ID, else
// $CI_PIPELINE_ID, else `random`. InvalidArgument naming where it came from
// when it is not a valid label value (1 to 63 of [A-Za-z0-9._-], starting
// and ending with a letter or digit).
absl::StatusOr<std::string> ResolveRunId(const std::string& given,
                                         const EnvLookup& env,
                                         absl::string_view random);

// 16 random hex digits.
std::string RandomRunId();

// The request_id of flow `flow_id` in run `run_id`: "gate/RUN/FLOW".
std::string GateRequestId(absl::string_view run_id, absl::string_view flow_id);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_FLOWS_H_

// `cxone-compile gate`: the deploy gate. Compiles a set of flows — given by
// id, or every matching file of --flows-dir — all at once, follows them
// over one stream, shows their progress, prints each result as it arrives
// with its errors at the flow's file, and ends with the exit code of the
// whole set (client/gate_results.h) and the reports CI systems read (JSON,
// SARIF, GitHub annotations and step summary, JUnit).
//
// How it runs, on the controller API:
// 1. BatchStartCompiles of every flow (1000 a call), each with request_id
//    "gate/RUN/FLOW" and the label cxone-compile/gate-run=RUN
//    (client/gate_flows.h): a retried CI job with the same run id attaches
//    to the compiles the first attempt started. A batch that fails
//    retryably (the gateway restarting, say) is sent again, and so is each
//    item that failed retryably; the keys make that safe. An item that
//    fails for good leaves its flow's result unknown (exit 3).
// 2. One WatchCompiles of the run's label (and the flows, when at most 100),
//    list-then-watch (CollectionWatch with `until_done` and the started
//    compiles' names), which resumes across broken streams and gateway
//    restarts by collection revision, until every compile has finished.
//
// Thread-compatible, like the other commands.
#ifndef CXONE_CLIENT_GATE_COMMAND_H_
#define CXONE_CLIENT_GATE_COMMAND_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/compile_commands.h"
#include "client/compile_connection.h"
#include "client/global_flags.h"
#include "common/env_lookup.h"
#include "common/flag_parser.h"

namespace cxone::client {

struct GateInvocation {
  // The global flags.
  GatewayEndpoint gateway;
  bool json = false;
  // FLOW_ID...: the flows, by id.
  std::vector<std::string> flow_ids;
  // --flows-dir and --glob: instead, the files of a directory.
  std::string flows_dir;
  // Empty: "*.json" (FinishGateInvocation sets it).
  std::string glob;
  // --run-id; after FinishGateInvocation, also from $GITHUB_RUN_ID or
  // $CI_PIPELINE_ID (still empty: a random one at run time).
  std::string run_id;
  // --label (repeatable) and --directives, for every flow's start.
  std::vector<std::string> labels;
  std::string directives;
  // --output: text, json, sarif, github or junit (empty: json with --json,
  // else text).
  std::string output;
  // Reports written to files besides --output.
  std::string sarif_file;
  std::string junit_file;
  std::string json_file;
  // --progress: auto, tty, plain or none.
  std::string progress = "auto";
  absl::Duration timeout = absl::ZeroDuration();
  int64_t max_reconnects = 50;
  // $GITHUB_STEP_SUMMARY: the file the Markdown table is appended to.
  std::string step_summary_file;
};

// Registers `gate` on `flags` over the fields of `invocation`.
void AddGateCommand(FlagParser& flags, GateInvocation& invocation);

// Completes `invocation` once `flags` has parsed: the global flags, the
// run id and step summary from `env`, and the checks that need several
// flags (FLOW_ID... or --flows-dir, not both nor neither). InvalidArgument
// explaining the mistake.
absl::Status FinishGateInvocation(const GlobalFlags& globals,
                                  const EnvLookup& env,
                                  GateInvocation& invocation);

// Runs the gate and returns the process exit code. The results and the
// progress go to `out` (to `err` when --output writes a report to `out`);
// errors to `err`.
int RunGate(const GateInvocation& invocation, CompileConnection& connection,
            std::ostream& out, std::ostream& err,
            const CommandOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_COMMAND_H_

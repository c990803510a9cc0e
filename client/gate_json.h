// The JSON report of a gate run: one object for scripts, e.g.
//   {"runId": "1234", "exitCode": 1, "startTime": "…", "endTime": "…",
//    "totals": {"flows": 3, "completed": 1, "failed": 1, "timedOut": 0,
//               "unknown": 1, "running": 0, "errors": 4, "warnings": 1},
//    "flows": [{"flowId": "broken-refs", "file": "flows/broken-refs.json",
//               "requestId": "gate/1234/broken-refs",
//               "compile": "flows/broken-refs/compiles/c-2",
//               "state": "FAILED", "durationSeconds": 2.1,
//               "errors": [{"severity": "error", "category": "reference",
//                           "code": "REFERENCE_ERROR", "message": "…",
//                           "line": 16, "column": 14,
//                           "location": "flows/broken-refs.json:16:14: …"}],
//               "warnings": […], "problem": ""}]}
// `state` is "UNKNOWN" for a flow whose result is unknown (with `problem`
// saying why) and "RUNNING" should the run end before it finished; `file`,
// `compile`, `durationSeconds`, `line` and `column` are left out when not
// known.
#ifndef CXONE_CLIENT_GATE_JSON_H_
#define CXONE_CLIENT_GATE_JSON_H_

#include <string>

#include "client/gate_report.h"
#include "client/gate_results.h"

namespace cxone::client {

// The report as JSON text (indented, ending in a newline).
std::string FormatGateJson(const GateResults& results, const GateRunInfo& run);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_JSON_H_

// GateRunInfo: what every report of a gate run states besides the flows'
// results — when it ran, how long, with which tool — and the helpers the
// report formats share.
#ifndef CXONE_CLIENT_GATE_REPORT_H_
#define CXONE_CLIENT_GATE_REPORT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/event_printer.h"
#include "client/gate_results.h"
#include "cxone/compile/v1/compile.pb.h"

namespace cxone::client {

struct GateRunInfo {
  absl::Time started;
  absl::Time ended;
  // The process exit code the run ends with.
  int exit_code = 0;
};

// The version of cxone-compile (the project's).
absl::string_view ToolVersion();

// "error" or "warning".
absl::string_view SeverityWord(Severity severity);

// A diagnostic's located text, as FormatDiagnostic prints it, at the flow's
// file (or flow id).
std::string LocatedDiagnostic(const GateFlowResult& flow,
                              const compile::v1::CompileError& error,
                              Severity severity);

// RFC 3339 in UTC with milliseconds ("2026-12-03T07:31:48.123Z").
std::string Rfc3339(absl::Time time);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_REPORT_H_

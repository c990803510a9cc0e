#include "client/gate_report.h"

#include "client/event_printer.h"

#ifndef CXONE_VERSION
#error "CXONE_VERSION must be defined by the build"
#endif

namespace cxone::client {

absl::string_view ToolVersion() { return CXONE_VERSION; }

absl::string_view SeverityWord(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

std::string LocatedDiagnostic(const GateFlowResult& flow,
                              const compile::v1::CompileError& error,
                              Severity severity) {
  return FormatDiagnostic(flow.where(), error, severity);
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

}  // namespace cxone::client

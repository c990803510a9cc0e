// The SARIF 2.1.0 log of a gate run, for code-scanning tools (GitHub code
// scanning, GitLab, IDE viewers).
//
// One run of tool "cxone-compile". Its rules are the error categories —
// syntax, validation, reference, unknown — and "warning" for warnings CXone
// gave no category; each error and warning is a result of its category's
// rule at the flow's file with a region of its line and column (columns
// count code points: columnKind unicodeCodePoints), or with only a logical
// location (the flow id) when the flow was given by id.
// partialFingerprints["cxoneDiagnostic/v1"] is a hash of the flow id, code,
// message and which occurrence of that message it is — not of the line — so
// that the same problem keeps its identity across runs even when lines
// above it move. Flows whose result is unknown, or that TIMED_OUT, are
// toolExecutionNotifications of the invocation, which is then not
// successful.
#ifndef CXONE_CLIENT_GATE_SARIF_H_
#define CXONE_CLIENT_GATE_SARIF_H_

#include <string>

#include "client/gate_report.h"
#include "client/gate_results.h"

namespace cxone::client {

// The SARIF log as JSON text (indented, ending in a newline).
std::string FormatSarif(const GateResults& results, const GateRunInfo& run);

// `path` as a SARIF artifact URI: a relative reference for a relative path,
// file:// for an absolute one, percent-encoding what a URI may not hold.
std::string ArtifactUri(absl::string_view path);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_SARIF_H_

// What a gate run tells GitHub Actions: workflow-command annotations on the
// diff, and a Markdown table for the job's step summary.
//
// Annotations: `::error file=F,line=L,col=C,title=T::MESSAGE` (and
// `::warning`), escaped as the Actions toolkit escapes them (data: % CR LF;
// properties also : and ,). GitHub shows at most 10 annotations of each
// type per step and drops the rest, so when a type has more than
// kMaxAnnotationsPerType, the first kMaxAnnotationsPerType - 1 are written
// and the last one says how many more there are and where to read them. A
// flow whose result is unknown or TIMED_OUT is an error annotation too.
#ifndef CXONE_CLIENT_GATE_GITHUB_H_
#define CXONE_CLIENT_GATE_GITHUB_H_

#include <string>

#include "absl/strings/string_view.h"
#include "client/gate_report.h"
#include "client/gate_results.h"

namespace cxone::client {

inline constexpr int kMaxAnnotationsPerType = 10;

// The annotation lines, each ending in a newline.
std::string FormatGithubAnnotations(const GateResults& results);

// The step summary: a heading with the outcome, then a table of every flow
// (flow, file, state, errors, warnings, time) and the first error of each
// flow that failed.
std::string FormatStepSummary(const GateResults& results,
                              const GateRunInfo& run);

// `text` escaped as a workflow command's message (% CR LF).
std::string EscapeCommandData(absl::string_view text);
// `text` escaped as a workflow command's property value (also : and ,).
std::string EscapeCommandProperty(absl::string_view text);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_GITHUB_H_

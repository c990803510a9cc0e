// The JUnit XML report of a gate run, for CI test-report views (GitLab's
// junit artifacts, Jenkins, the many GitHub Actions that render it).
//
// <testsuites> holding one <testsuite> (the run), a <testcase> per flow:
// classname "cxone-compile.gate", name the flow id, file the flow's file,
// time its compile's duration. A FAILED flow has a <failure> whose message
// counts its errors and whose text is its located diagnostics, one per
// line; a TIMED_OUT flow or one whose result is unknown has an <error>
// saying why. The warnings of every flow are in its <system-out>.
#ifndef CXONE_CLIENT_GATE_JUNIT_H_
#define CXONE_CLIENT_GATE_JUNIT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "client/gate_report.h"
#include "client/gate_results.h"

namespace cxone::client {

// The report as XML text, ending in a newline.
std::string FormatJunit(const GateResults& results, const GateRunInfo& run);

// `text` escaped for XML attribute values and text (& < > " '), with the
// characters XML 1.0 cannot hold (controls other than tab, LF, CR, and
// invalid UTF-8) replaced by U+FFFD.
std::string XmlEscape(absl::string_view text);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_JUNIT_H_

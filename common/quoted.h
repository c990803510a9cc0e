// Quoting untrusted text (ids, keys, names a caller sent) for error
// messages and log fields.
//
// Callers can send anything: newlines that forge log lines, bidirectional
// overrides (U+202E) that make a message read backwards, kilobytes of
// noise. Quoted() shows printable ASCII as it is, escapes every other byte
// as \xNN, and cuts the text short, so every message that names a caller's
// value names it the same safe way.
//
// Thread-safety: a pure function.
#ifndef CXONE_COMMON_QUOTED_H_
#define CXONE_COMMON_QUOTED_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace cxone {

// `text` in double quotes, non-printable and non-ASCII bytes as \xNN, at most
// `max_bytes` of it shown (then "…").
std::string Quoted(absl::string_view text, size_t max_bytes = 64);

}  // namespace cxone

#endif  // CXONE_COMMON_QUOTED_H_

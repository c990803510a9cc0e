// Labels: the key/value pairs a caller attaches to a compile so that it can
// find it again ("pipeline=nightly", "team.example.com/owner=ivr"), with
// Kubernetes' rules for what a key and a value may be, so that selectors,
// tooling and habits carry over from Kubernetes unchanged.
//
// A key is an optional prefix and '/', then a name:
//   name    1 to 63 characters of [A-Za-z0-9], '-', '_' and '.', starting and
//           ending with a letter or digit;
//   prefix  a lowercase DNS subdomain of at most 253 characters: dot-separated
//           parts of 1 to 63 characters of [a-z0-9] and '-', each starting
//           and ending with a letter or digit.
// A value is empty, or 1 to 63 characters with the same rule as a name.
//
// On top of those, the gateway bounds what one compile carries (kMaxLabels,
// kMaxLabelBytes), as every label is stored with the compile and sent to
// every watcher.
//
// Labels live in a std::map, not in the protobuf message's Map, so that
// common stays free of protobuf; the map's order also makes the first
// problem reported the same on every call.
//
// Thread-safety: pure functions.
#ifndef CXONE_COMMON_LABELS_H_
#define CXONE_COMMON_LABELS_H_

#include <cstddef>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace cxone {

// A compile's labels, key to value.
using Labels = std::map<std::string, std::string>;

// Kubernetes' limits on the parts of a key and on a value.
inline constexpr size_t kMaxLabelNameLength = 63;
inline constexpr size_t kMaxLabelPrefixLength = 253;
inline constexpr size_t kMaxLabelValueLength = 63;

// The gateway's limits on one compile's labels: how many, and the sum of the
// bytes of every key and every value.
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelBytes = 16 * 1024;

// OK, or InvalidArgument naming `key` and the rule it breaks, in the words of
// the request's labels field:
//   labels: key "Pipeline/x" has an invalid prefix "Pipeline": a prefix must
//   be a lowercase DNS subdomain (a-z, 0-9, '-', '.'); "P" at byte 0 is not
//   allowed
absl::Status ValidateLabelKey(absl::string_view key);

// OK, or InvalidArgument naming the label's `key`, its `value` and the rule
// the value breaks:
//   labels["commit"]: value "3f2a 9c" is invalid: a value must be empty or 1
//   to 63 characters of …; " " at byte 4 is not allowed
// Does not check `key` (see ValidateLabelKey).
absl::Status ValidateLabelValue(absl::string_view key, absl::string_view value);

// OK, or InvalidArgument naming the first problem: more than kMaxLabels
// labels, more than kMaxLabelBytes of keys and values together, then the
// first invalid key or value in key order (messages as above).
absl::Status ValidateLabels(const Labels& labels);

// The same rules as ValidateLabelKey and ValidateLabelValue, with messages
// that name the key or value but not where it came from
// (`key "Pipeline/x" has an invalid prefix …`, `value "3f2a 9c" is invalid:
// …`), for callers that say that themselves, such as LabelSelector::Parse.
absl::Status ValidateLabelKeySyntax(absl::string_view key);
absl::Status ValidateLabelValueSyntax(absl::string_view value);

}  // namespace cxone

#endif  // CXONE_COMMON_LABELS_H_

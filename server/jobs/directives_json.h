// DirectivesJson: a StartCompileRequest's `directives` (a
// google.protobuf.Struct) as the JSON object CXone receives — passed
// through unchanged, or refused.
//
// "Unchanged" is a promise only JSON can keep, so what JSON cannot carry
// is refused rather than altered: NaN and ±Infinity (JSON has no such
// numbers), a Value with no kind set (it has no JSON form at all), numbers
// beyond ±(2^53 - 1) (a Struct number is a double: beyond that it cannot
// hold every integer, so 2^63 - 1 would silently become
// 9223372036854775808 — pass such values as strings), strings that are not
// UTF-8, and nesting deeper than kMaxDirectivesDepth objects and arrays.
// Each refusal is InvalidArgument naming the path of the offending value,
// e.g. `directives.a.b[2]` or `directives["odd key"]`.
//
// Numbers that are whole are written as JSON integers (`3`, not `3.0`),
// others in the shortest form that reads back as the same double.
//
// Stateless; thread-safe.
#ifndef CXONE_SERVER_JOBS_DIRECTIVES_JSON_H_
#define CXONE_SERVER_JOBS_DIRECTIVES_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cxone/compile/v1/compile.pb.h"
#include "nlohmann/json.hpp"

namespace cxone {

namespace compilev1 = ::cxone::compile::v1;

// The deepest nesting of objects and arrays a request's Struct may have;
// `directives` itself is level 1. Chosen so that every Struct within it
// stays under protobuf's limit of 100 nested messages (a Struct level is
// three: Struct, map entry, Value).
inline constexpr int kMaxDirectivesDepth = 32;
// The most bytes the directives may take as JSON (the trigger's body is
// little more): CXone's compile directives are a handful of switches.
inline constexpr size_t kMaxDirectivesBytes = 64 * 1024;

// The largest integer a double holds together with all smaller ones.
inline constexpr double kMaxExactInteger = 9007199254740991.0;  // 2^53 - 1

// The request's directives as a JSON object; null JSON when the request
// has none. InvalidArgument naming the path when a value cannot be carried
// unchanged (see above).
absl::StatusOr<nlohmann::json> DirectivesJson(
    const compilev1::StartCompileRequest& request);

// Appends the object key `key` to the JSON path `path`: `.key` when the key
// is an identifier, else `["key"]` (JSON-escaped, non-ASCII as \u escapes,
// long keys cut).
void AppendJsonPathKey(std::string* path, absl::string_view key);

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_DIRECTIVES_JSON_H_

// Identifiers of the API: flow ids and compile resource names.
//
// A compile is named `flows/{flow_id}/compiles/{compile_id}`. Both ids must be
// 1 to 128 characters of [A-Za-z0-9._-], and neither `.` nor `..` (they would
// change the meaning of the upstream URL path they are put into).
#ifndef CXONE_COMMON_RESOURCE_NAME_H_
#define CXONE_COMMON_RESOURCE_NAME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxone {

// OK, or InvalidArgument naming `what` ("flow_id", "compileId", …) and saying
// what is wrong with `id`.
absl::Status ValidateId(absl::string_view what, absl::string_view id);

// OK, or InvalidArgument explaining what is wrong with the flow id.
inline absl::Status ValidateFlowId(absl::string_view flow_id) {
  return ValidateId("flow_id", flow_id);
}

struct CompileName {
  std::string flow_id;
  std::string compile_id;

  // `flows/{flow_id}/compiles/{compile_id}`.
  std::string ToString() const;

  // Parses a compile name; InvalidArgument naming the problem if it is not
  // of the form above or an id is invalid.
  static absl::StatusOr<CompileName> Parse(absl::string_view name);
};

}  // namespace cxone

#endif  // CXONE_COMMON_RESOURCE_NAME_H_

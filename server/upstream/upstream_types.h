// Plain values the CXone REST client returns: what a trigger and a status
// poll said, decoded and checked, in no wire format.
#ifndef CXONE_SERVER_UPSTREAM_UPSTREAM_TYPES_H_
#define CXONE_SERVER_UPSTREAM_UPSTREAM_TYPES_H_

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace cxone::upstream {

// An error or warning CXone reported for a flow.
struct Diagnostic {
  std::string code;  // verbatim, e.g. "SYNTAX_ERROR"; "" for a plain string
  std::string message;
  int line = 0;    // 1-based; 0 = no location
  int column = 0;  // 1-based; 0 = no column
};

// A decoded status poll (GET /api/v2/flows/{flowId}/compile/{compileId}).
struct CompileStatus {
  std::string flow_id;
  std::string compile_id;
  std::string status;  // verbatim; may be outside the four known values
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

// A decoded trigger (POST /api/v2/flows/{flowId}/compile).
struct TriggerResult {
  std::string compile_id;
  std::string status;  // verbatim; "QUEUED" when CXone sent none
  // True when CXone answered 409 naming a compile of this flow that was
  // already running: the caller attaches to it instead of a new one.
  bool already_running = false;
};

// A decoded token response.
struct AccessToken {
  std::string value;
  absl::Duration expires_in;
  std::string scope;
};

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_UPSTREAM_TYPES_H_

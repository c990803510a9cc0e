// The simulator's flow compiler: checks a flow definition the way CXone's
// compiler does and reports every problem with its position in the file.
//
// A flow file is JSON:
//   {"name": str, "start": nodeId,
//    "nodes": [{"id": str, "type": str, "next": nodeId?,
//               "transitions": {key: nodeId}?}, …]}
// Unknown fields are ignored.
//
// Diagnostics (codes as in the upstream API):
//   SYNTAX_ERROR      the text is not JSON; reported alone, at the token
//                     where parsing failed (see json_locator.h).
//   VALIDATION_ERROR  a value of the wrong JSON type, a required field
//                     missing (located at the object that lacks it), an
//                     empty id, a duplicate node id (at each later id).
//   REFERENCE_ERROR   "start", "next" or a transition naming no node.
//   warnings          "flow has no name" (a plain-text warning without a
//                     location); UNREACHABLE_NODE for a node that cannot be
//                     reached from the start node (at the node's '{'; only
//                     computed when "start" names an existing node).
// Errors and warnings are each sorted by position; a flow with warnings but
// no errors compiles.
//
// Thread-safety: CompileFlow() is a pure function.
#ifndef CXONE_SIMULATOR_FLOW_COMPILER_H_
#define CXONE_SIMULATOR_FLOW_COMPILER_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "simulator/json_locator.h"

namespace cxone::sim {

inline constexpr char kSyntaxError[] = "SYNTAX_ERROR";
inline constexpr char kValidationError[] = "VALIDATION_ERROR";
inline constexpr char kReferenceError[] = "REFERENCE_ERROR";
inline constexpr char kUnreachableNode[] = "UNREACHABLE_NODE";

// One error or warning.
struct Diagnostic {
  // Empty for a plain-text warning, which the API renders as a bare string.
  std::string code;
  std::string message;
  JsonLocation location;  // {0, 0} when there is none

  // {"code","message","location":{"line","column"}}, or the bare message
  // string when `code` is empty. A missing location is left out.
  nlohmann::json ToJson() const;

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
  // For test failure messages (GoogleTest finds it by name).
  friend void PrintTo(const Diagnostic& diagnostic, std::ostream* out);
};

struct FlowCompileResult {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  bool succeeded() const { return errors.empty(); }
};

// Compiles the flow definition `text`. Never throws; any input, however
// malformed, yields diagnostics.
FlowCompileResult CompileFlow(absl::string_view text);

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_FLOW_COMPILER_H_

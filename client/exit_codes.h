// Exit codes of cxone-compile: the contract scripts and CI jobs rely on.
//
// The only success is a compile the CLI saw reach STATE_COMPLETED (or, for
// `get` and a `start` without --wait, a call that answered). Anything the CLI
// could not confirm — a stream that ended without a terminal event, an error
// from the gateway — is a failure with its own code, so that a caller can
// tell "the flow is broken" (1) from "we do not know" (3) from "it took too
// long" (4, 124).
//
// --help prints kExitCodeDocs, so the table below and the help text cannot
// drift apart.
#ifndef CXONE_CLIENT_EXIT_CODES_H_
#define CXONE_CLIENT_EXIT_CODES_H_

#include "cxone/compile/v1/compile.pb.h"

namespace cxone::client {

enum ExitCode : int {
  // The compile reached STATE_COMPLETED (an event or snapshot said so). For
  // `get` (and `start` without --wait): the call succeeded and the compile
  // is completed or still running. For `list`: every page was printed.
  kExitCompleted = 0,
  // The compile reached STATE_FAILED; its errors were printed.
  kExitCompileFailed = 1,
  // The command line was wrong: unknown command, missing or extra
  // arguments, a bad flag, an invalid flow id or name, malformed
  // --directives, a bad --label, --state or --label-selector. Nothing was
  // sent to the gateway (for a bad name, flow id or label the gateway would
  // have refused it anyway).
  kExitUsage = 2,
  // The gateway or CXone behind it failed: a non-OK gRPC status that is not
  // worth retrying (NOT_FOUND, PERMISSION_DENIED, …) or, for a watch, a
  // broken stream after --max-reconnects reconnects in a row received
  // nothing, or a watch stream that ended without a terminal state. The
  // outcome of the compile is unknown.
  kExitGatewayError = 3,
  // The gateway gave up (STATE_TIMED_OUT): CXone reported no change for the
  // gateway's give-up timeout. The upstream job may still finish.
  kExitGatewayTimedOut = 4,
  // The CLI's own --timeout expired before the result arrived (the same
  // code as timeout(1)).
  kExitClientTimeout = 124,
};

// One row of the exit code table in --help.
struct ExitCodeDoc {
  int code;
  const char* meaning;
};

inline constexpr ExitCodeDoc kExitCodeDocs[] = {
    {kExitCompleted,
     "compile COMPLETED (get, or start without --wait: also still running; "
     "list: every page printed)"},
    {kExitCompileFailed,
     "compile FAILED (errors printed); gate: any flow FAILED"},
    {kExitUsage, "usage error (unknown command, bad arguments or flags)"},
    {kExitGatewayError,
     "gateway or upstream error, the stream ended without a result, or "
     "reconnecting gave up (--max-reconnects); gate: none FAILED and a "
     "result is unknown"},
    {kExitGatewayTimedOut,
     "the gateway gave up on the compile (STATE_TIMED_OUT); gate: any "
     "TIMED_OUT, every other flow COMPLETED"},
    {kExitClientTimeout, "--timeout expired before the result arrived"},
};

// The exit code of a compile in terminal state `state`: COMPLETED 0, FAILED
// 1, anything else (TIMED_OUT) 4. REQUIRES: `state` is terminal.
inline int ExitCodeOfTerminal(compile::v1::State state) {
  switch (state) {
    case compile::v1::STATE_COMPLETED:
      return kExitCompleted;
    case compile::v1::STATE_FAILED:
      return kExitCompileFailed;
    default:
      return kExitGatewayTimedOut;
  }
}

}  // namespace cxone::client

#endif  // CXONE_CLIENT_EXIT_CODES_H_

// How cxone-compile names the outcome of a gRPC call, and which outcomes of
// a WatchCompile stream it survives by reconnecting.
#ifndef CXONE_CLIENT_CALL_STATUS_H_
#define CXONE_CLIENT_CALL_STATUS_H_

#include <string>

#include "grpcpp/support/status.h"

namespace cxone::client {

// The canonical name of status code `code` ("UNAVAILABLE"), gRPC's or
// Abseil's (they share the numbering); "CODE_42" for a number outside the
// canonical set. An int, not a grpc::StatusCode: that enum has no fixed
// underlying type, so holding 42 in it is undefined behaviour (UBSan says
// so) before any name is looked up.
std::string CodeName(int code);

// "CODE_NAME: message", or just the code name when the message is empty.
std::string DescribeStatus(const grpc::Status& status);

// Whether a watch stream that ended with `code` may be resumed by
// reconnecting: the failures of a connection or of a gateway going away
// (UNAVAILABLE, including a draining gateway; INTERNAL and UNKNOWN, which is
// how gRPC reports a reset stream; CANCELLED that the CLI did not ask for,
// i.e. a gateway or proxy dropped the call; RESOURCE_EXHAUSTED) and a
// DEADLINE_EXCEEDED. The caller must first rule out a DEADLINE_EXCEEDED of
// its own --timeout, which is final. Everything else (NOT_FOUND,
// INVALID_ARGUMENT, PERMISSION_DENIED, FAILED_PRECONDITION, OUT_OF_RANGE, …)
// would fail the same way again. OK is not an error and returns false.
bool IsRetryableWatchError(grpc::StatusCode code);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_CALL_STATUS_H_

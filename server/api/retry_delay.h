// A retry delay on a Status — a google.rpc.RetryInfo, as gRPC clients read
// it from a status's details (the `grpc-status-details-bin` trailer): how
// long a caller refused for a quota should wait before trying again.
//
// The delay travels as a payload of the absl::Status, under RetryInfo's
// type URL, and becomes the grpc::Status's details at the edge
// (ToGrpcStatus, grpc_status.h). google.rpc.Status and RetryInfo are
// encoded here by hand, field by field: Debian ships no C++ build of the
// googleapis protos, and the two messages are three fields.
#ifndef CXONE_SERVER_API_RETRY_DELAY_H_
#define CXONE_SERVER_API_RETRY_DELAY_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cxone {

inline constexpr char kRetryInfoTypeUrl[] =
    "type.googleapis.com/google.rpc.RetryInfo";

// `status` carrying `delay` (rounded up to whole milliseconds, at least 1).
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// The delay WithRetryDelay put on `status`, if any.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

// A google.rpc.Status of `code` and `message` with one detail, a RetryInfo
// of `delay`, serialised.
std::string EncodeStatusWithRetryInfo(int code, absl::string_view message,
                                      absl::Duration delay);

}  // namespace cxone

#endif  // CXONE_SERVER_API_RETRY_DELAY_H_

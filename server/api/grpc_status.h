// The edge where absl::Status becomes grpc::Status. The canonical codes are
// the same numbers in both, so the code carries over; the message is passed
// through the Redactor one last time. A retry delay (retry_delay.h) becomes
// the status's details, a google.rpc.Status carrying a RetryInfo.
#ifndef CXONE_SERVER_API_GRPC_STATUS_H_
#define CXONE_SERVER_API_GRPC_STATUS_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "common/redactor.h"
#include "server/api/retry_delay.h"
#include "grpcpp/support/status.h"

namespace cxone {

inline grpc::Status ToGrpcStatus(const absl::Status& status,
                                 const Redactor& redactor) {
  if (status.ok()) return grpc::Status::OK;
  std::string message = redactor.Scrub(status.message());
  if (std::optional<absl::Duration> delay = RetryDelayOf(status)) {
    std::string details = EncodeStatusWithRetryInfo(
        static_cast<int>(status.code()), message, *delay);
    return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                        std::move(message), std::move(details));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::move(message));
}

}  // namespace cxone

#endif  // CXONE_SERVER_API_GRPC_STATUS_H_

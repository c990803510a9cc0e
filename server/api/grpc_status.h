// The edge where absl::Status becomes grpc::Status. The canonical codes are
// the same numbers in both, so the code carries over; the message is passed
// through the Redactor one last time.
#ifndef CXONE_SERVER_API_GRPC_STATUS_H_
#define CXONE_SERVER_API_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "common/redactor.h"
#include "grpcpp/support/status.h"

namespace cxone {

inline grpc::Status ToGrpcStatus(const absl::Status& status,
                                 const Redactor& redactor) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      redactor.Scrub(status.message()));
}

}  // namespace cxone

#endif  // CXONE_SERVER_API_GRPC_STATUS_H_

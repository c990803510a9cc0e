#include "client/call_status.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cxone::client {

std::string CodeName(int code) {
  // gRPC and Abseil both use the canonical google.rpc.Code numbering, so
  // Abseil's names are the gRPC code names.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  if (name.empty()) return absl::StrCat("CODE_", code);
  return name;
}

std::string DescribeStatus(const grpc::Status& status) {
  std::string text = CodeName(status.error_code());
  if (!status.error_message().empty()) {
    absl::StrAppend(&text, ": ", status.error_message());
  }
  return text;
}

bool IsRetryableWatchError(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

}  // namespace cxone::client

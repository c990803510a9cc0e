#include "client/health_command.h"

#include <chrono>

#include "client/call_status.h"
#include "client/exit_codes.h"
#include "google/protobuf/util/json_util.h"

namespace cxone::client {

void AddHealthCommand(FlagParser& flags) {
  flags.AddCommand(
      "health",
      "cxone-compile health: whether the gateway can do its job.\n\n"
      "Usage:\n  cxone-compile [--server HOST:PORT] [--json] health\n\n"
      "Prints SERVING or NOT_SERVING; exits 0 only when SERVING.\n");
}

int RunHealth(const HealthInvocation& invocation,
              const HealthStubFactory& connect, std::ostream& out,
              std::ostream& err) {
  std::unique_ptr<grpc::health::v1::Health::StubInterface> stub =
      connect(invocation.gateway);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    err << "cxone-compile: " << DescribeStatus(status) << "\n";
    return kExitGatewayError;
  }
  const bool serving =
      response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  if (invocation.json) {
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(response, &line);
    out << line << "\n";
  } else {
    out << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
               response.status())
        << "\n";
  }
  return serving ? kExitCompleted : kExitGatewayError;
}

}  // namespace cxone::client

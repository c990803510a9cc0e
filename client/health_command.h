// `cxone-compile health`: asks the gateway's grpc.health.v1 service whether
// it can do its job, prints SERVING or NOT_SERVING (with --json, the
// HealthCheckResponse as proto3 JSON), and exits 0 only when SERVING (3
// otherwise, or when the gateway cannot be reached) — usable as a readiness
// probe.
#ifndef CXONE_CLIENT_HEALTH_COMMAND_H_
#define CXONE_CLIENT_HEALTH_COMMAND_H_

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "client/gateway_channel.h"
#include "common/flag_parser.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace cxone::client {

using HealthStubFactory =
    std::function<std::unique_ptr<grpc::health::v1::Health::StubInterface>(
        const GatewayEndpoint& endpoint)>;

// What the command line asked of `health`: only the global flags
// (client/global_flags.h).
struct HealthInvocation {
  GatewayEndpoint gateway;
  bool json = false;
};

// Registers `health` as a command of `flags` (the program); it has no flags
// of its own.
void AddHealthCommand(FlagParser& flags);

// Asks the gateway at `invocation.gateway` (through `connect`) and prints the
// answer; returns the exit code.
int RunHealth(const HealthInvocation& invocation,
              const HealthStubFactory& connect, std::ostream& out,
              std::ostream& err);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_HEALTH_COMMAND_H_

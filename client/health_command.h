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
#include <vector>

#include "common/flag_set.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace cxone::client {

using HealthStubFactory =
    std::function<std::unique_ptr<grpc::health::v1::Health::StubInterface>(
        const std::string& server)>;

// What the command line asked of `health`.
struct HealthInvocation {
  std::string server = "127.0.0.1:50051";
  bool json = false;
};

// Registers the flags of `health` over the fields of `invocation`.
void AddHealthFlags(FlagSet& flags, HealthInvocation& invocation);

// Runs `args` (the command line without the word "health").
int RunHealthCli(const std::vector<std::string>& args, const EnvLookup& env,
                 const HealthStubFactory& connect, std::ostream& out,
                 std::ostream& err);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_HEALTH_COMMAND_H_

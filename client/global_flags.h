// The flags every cxone-compile command shares — where the gateway is, how
// to reach it, and how to print — given before or after the command word
// (`cxone-compile --server ADDR health`, `cxone-compile health --server
// ADDR`), each also from its CXONE_* variable.
#ifndef CXONE_CLIENT_GLOBAL_FLAGS_H_
#define CXONE_CLIENT_GLOBAL_FLAGS_H_

#include <string>

#include "absl/status/status.h"
#include "client/gateway_channel.h"
#include "common/flag_parser.h"

namespace cxone::client {

struct GlobalFlags {
  // --server and --tls-ca, --tls-cert, --tls-key.
  GatewayFlags gateway;
  // --json: proto3 JSON lines instead of text.
  bool json = false;
  // `gateway` resolved by FinishGlobalFlags().
  GatewayEndpoint endpoint;
};

// Registers the global flags on the program itself (flags' root command)
// over the fields of `globals`.
void AddGlobalFlags(FlagParser& flags, GlobalFlags& globals);

// Once parsed: resolves the endpoint (ResolveGatewayEndpoint). Its error
// is a usage error.
absl::Status FinishGlobalFlags(GlobalFlags& globals);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GLOBAL_FLAGS_H_

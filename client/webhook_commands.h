// `cxone-compile webhooks …`: the gateway's webhook dead letters, listed
// and replayed through its WebhookService.
//
//   cxone-compile webhooks dead-letters [--endpoint NAME] [--compile NAME
//       [--sequence N]] [--since TIME] [--until TIME] [--limit N]
//   cxone-compile webhooks replay [--endpoint NAME]
//       (--compile NAME [--sequence N] | --since TIME [--until TIME])
//
// TIME is RFC 3339 (2026-11-26T10:00:00Z). Exit codes as for the other
// commands (client/exit_codes.h): 0 done, 2 usage, 3 the gateway refused.
//
// Thread-compatible.
#ifndef CXONE_CLIENT_WEBHOOK_COMMANDS_H_
#define CXONE_CLIENT_WEBHOOK_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "client/gateway_channel.h"
#include "absl/status/status.h"
#include "client/global_flags.h"
#include "common/flag_parser.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"

namespace cxone::client {

using WebhookStubFactory =
    std::function<std::unique_ptr<compile::v1::WebhookService::StubInterface>(
        const GatewayEndpoint& endpoint)>;

// What the command line asked of `webhooks`.
struct WebhooksInvocation {
  // The global flags (client/global_flags.h).
  GatewayEndpoint gateway;
  bool json = false;
  std::string command;  // dead-letters or replay
  std::string endpoint;
  std::string compile;
  int64_t sequence = -1;  // -1: not given
  std::string since;
  std::string until;
  int64_t limit = 100;
};

// Registers `webhooks` and its commands dead-letters and replay on `flags`
// (the program), their flags over the fields of `invocation`.
void AddWebhooksCommands(FlagParser& flags, WebhooksInvocation& invocation);

// Completes `invocation` once `flags` has parsed: `command` is
// FlagParser::command() ({"webhooks", "replay"}), `globals` the global
// flags. InvalidArgument for a missing command, --sequence without
// --compile, a replay that names nothing, or a TIME that is not RFC 3339.
absl::Status FinishWebhooksInvocation(const std::vector<std::string>& command,
                                      const GlobalFlags& globals,
                                      WebhooksInvocation& invocation);

// Runs a finished `invocation` against the gateway at its server (through
// `connect`) and returns the exit code.
int RunWebhooks(const WebhooksInvocation& invocation,
                const WebhookStubFactory& connect, std::ostream& out,
                std::ostream& err);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_WEBHOOK_COMMANDS_H_

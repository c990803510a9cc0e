// `cxone-compile webhooks …`: the gateway's webhook dead letters, listed
// and replayed through its WebhookService.
//
//   cxone-compile webhooks dead-letters [--endpoint NAME] [--compile NAME]
//       [--since TIME] [--until TIME] [--limit N]
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

#include "common/flag_set.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"

namespace cxone::client {

using WebhookStubFactory =
    std::function<std::unique_ptr<compile::v1::WebhookService::StubInterface>(
        const std::string& server)>;

// What the command line asked of `webhooks`.
struct WebhooksInvocation {
  std::string server = "127.0.0.1:50051";
  bool json = false;
  std::string command;  // dead-letters or replay
  std::string endpoint;
  std::string compile;
  int64_t sequence = -1;  // -1: not given
  std::string since;
  std::string until;
  int64_t limit = 100;
};

// Registers the flags of `webhooks` over the fields of `invocation`.
void AddWebhooksFlags(FlagSet& flags, WebhooksInvocation& invocation);

// Runs `args` (the command line without the word "webhooks").
int RunWebhooksCli(const std::vector<std::string>& args, const EnvLookup& env,
                   const WebhookStubFactory& connect, std::ostream& out,
                   std::ostream& err);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_WEBHOOK_COMMANDS_H_

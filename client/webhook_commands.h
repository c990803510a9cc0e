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

// Runs `args` (what follows "webhooks" on the command line).
int RunWebhooksCli(const std::vector<std::string>& args, const EnvLookup& env,
                   const WebhookStubFactory& connect, std::ostream& out,
                   std::ostream& err);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_WEBHOOK_COMMANDS_H_

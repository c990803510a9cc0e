// The whole cxone-compile command line: which command it names, and running
// that command (start, watch and get in compile_commands.h; health in
// health_command.h; webhooks in webhook_commands.h).
//
// Flags may come anywhere, before the command word too
// (`cxone-compile --server ADDR health`): the command is the first argument
// that is neither a flag nor a flag's value, told apart with the flags of
// every command (FlagSet::PositionalIndices), so that the address after
// --server is never taken for the command.
//
// Thread-compatible, like the commands it runs.
#ifndef CXONE_CLIENT_COMMAND_LINE_H_
#define CXONE_CLIENT_COMMAND_LINE_H_

#include <ostream>
#include <string>
#include <vector>

#include "client/compile_commands.h"
#include "client/health_command.h"
#include "client/webhook_commands.h"
#include "common/flag_set.h"

namespace cxone::client {

// How each command connects to the gateway.
struct Connectors {
  StubFactory compile;
  HealthStubFactory health;
  WebhookStubFactory webhooks;
};

// The word of the command `args` (without the program name) names: "health",
// "webhooks", or whatever else comes first ("start", "watch", "get", or a
// mistake that RunCli reports); "" when there is none.
std::string CommandWordOf(const std::vector<std::string>& args);

// Runs the command `args` names and returns the process exit code
// (client/exit_codes.h).
int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env,
                   const Connectors& connect, std::ostream& out,
                   std::ostream& err, const CommandOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMMAND_LINE_H_

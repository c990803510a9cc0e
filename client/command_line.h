// The whole cxone-compile command line: its commands (start, watch, get,
// list and wait in compile_commands.h; gate in gate_command.h; health in health_command.h; webhooks dead-letters
// and replay in webhook_commands.h), parsed by one FlagParser, and running
// the one given.
//
// The commands are CLI11 subcommands: the global flags (--server, --json;
// global_flags.h) come before or after the command word, a command's own
// flags after it. CLI11 tells a flag's value from the command word, so the
// address after --server is never taken for the command.
//
// Thread-compatible, like the commands it runs.
#ifndef CXONE_CLIENT_COMMAND_LINE_H_
#define CXONE_CLIENT_COMMAND_LINE_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/compile_commands.h"
#include "client/gate_command.h"
#include "client/health_command.h"
#include "client/webhook_commands.h"
#include "common/flag_parser.h"

namespace cxone::client {

// How each command connects to the gateway.
struct Connectors {
  StubFactory compile;
  HealthStubFactory health;
  WebhookStubFactory webhooks;
};

// What the command line asked for.
struct ParsedCommandLine {
  // --help was given: print `usage` and do nothing else.
  bool help = false;
  std::string usage;
  // The command's words: {"start"}, {"health"}, {"webhooks", "replay"}.
  std::vector<std::string> command;
  // The invocation of that command (the others keep their defaults).
  Invocation compile;
  GateInvocation gate;
  HealthInvocation health;
  WebhooksInvocation webhooks;
};

// Parses `args` (without the program name), each flag also read from its
// CXONE_* variable through `env`. InvalidArgument explaining the mistake: a
// missing or unknown command, an unknown flag (or one given before its
// command's word), a malformed value, a missing or extra argument.
absl::StatusOr<ParsedCommandLine> ParseWholeCommandLine(
    const std::vector<std::string>& args, const EnvLookup& env);

// Runs the command `args` names and returns the process exit code
// (client/exit_codes.h): --help exits 0, a usage error 2 without
// connecting.
int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env,
                   const Connectors& connect, std::ostream& out,
                   std::ostream& err, const CommandOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMMAND_LINE_H_

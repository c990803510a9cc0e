#include "client/command_line.h"

#include <memory>

#include "client/exit_codes.h"
#include "client/global_flags.h"

namespace cxone::client {

absl::StatusOr<ParsedCommandLine> ParseWholeCommandLine(
    const std::vector<std::string>& args, const EnvLookup& env) {
  ParsedCommandLine parsed;
  GlobalFlags globals;
  FlagParser flags("CXONE_", UsageHeader());
  AddGlobalFlags(flags, globals);
  AddCompileCommands(flags, parsed.compile);
  AddGateCommand(flags, parsed.gate);
  AddHealthCommand(flags);
  AddWebhooksCommands(flags, parsed.webhooks);
  if (absl::Status status = flags.Parse(args, env); !status.ok()) {
    return status;
  }
  if (flags.help_requested()) {
    parsed.help = true;
    parsed.usage = WithExitCodes(flags.Usage());
    return parsed;
  }
  if (absl::Status finished = FinishGlobalFlags(globals); !finished.ok()) {
    return finished;
  }
  parsed.command = flags.command();
  if (parsed.command.empty()) {
    return absl::InvalidArgumentError(
        "missing command: start, watch, get, list, wait, gate, health or "
        "webhooks");
  }
  absl::Status finished;
  if (parsed.command.front() == "health") {
    parsed.health.gateway = globals.endpoint;
    parsed.health.json = globals.json;
  } else if (parsed.command.front() == "gate") {
    finished = FinishGateInvocation(globals, env, parsed.gate);
  } else if (parsed.command.front() == "webhooks") {
    finished =
        FinishWebhooksInvocation(parsed.command, globals, parsed.webhooks);
  } else {
    finished = FinishCompileInvocation(parsed.command, globals, parsed.compile);
  }
  if (!finished.ok()) return finished;
  return parsed;
}

int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env,
                   const Connectors& connect, std::ostream& out,
                   std::ostream& err, const CommandOptions& options) {
  absl::StatusOr<ParsedCommandLine> parsed = ParseWholeCommandLine(args, env);
  if (!parsed.ok()) {
    err << "cxone-compile: " << parsed.status().message()
        << "\nRun 'cxone-compile --help' for usage.\n";
    return kExitUsage;
  }
  if (parsed->help) {
    out << parsed->usage;
    out.flush();
    return kExitCompleted;
  }
  const std::string& command = parsed->command.front();
  if (command == "health") {
    return RunHealth(parsed->health, connect.health, out, err);
  }
  if (command == "webhooks") {
    return RunWebhooks(parsed->webhooks, connect.webhooks, out, err);
  }
  if (command == "gate") {
    CompileConnection connection(connect.compile, parsed->gate.gateway);
    return RunGate(parsed->gate, connection, out, err, options);
  }
  CompileConnection connection(connect.compile, parsed->compile.gateway);
  return RunCommand(parsed->compile, connection, out, err, options);
}

}  // namespace cxone::client

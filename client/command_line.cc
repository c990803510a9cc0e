#include "client/command_line.h"

#include <optional>

namespace cxone::client {
namespace {

// Where in `args` the command word is, if there is one.
std::optional<size_t> CommandIndex(const std::vector<std::string>& args) {
  // Every command's flags, over throwaway targets: only which flags take a
  // value matters here.
  Invocation compile;
  HealthInvocation health;
  WebhooksInvocation webhooks;
  FlagSet every("CXONE_", "");
  AddCompileFlags(every, compile);
  AddHealthFlags(every, health);
  AddWebhooksFlags(every, webhooks);
  const std::vector<size_t> positional = every.PositionalIndices(args);
  if (positional.empty()) return std::nullopt;
  return positional.front();
}

}  // namespace

std::string CommandWordOf(const std::vector<std::string>& args) {
  const std::optional<size_t> index = CommandIndex(args);
  return index.has_value() ? args[*index] : "";
}

int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env,
                   const Connectors& connect, std::ostream& out,
                   std::ostream& err, const CommandOptions& options) {
  const std::optional<size_t> index = CommandIndex(args);
  if (index.has_value() &&
      (args[*index] == "health" || args[*index] == "webhooks")) {
    std::vector<std::string> rest = args;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(*index));
    return args[*index] == "health"
               ? RunHealthCli(rest, env, connect.health, out, err)
               : RunWebhooksCli(rest, env, connect.webhooks, out, err);
  }
  // start, watch and get keep their word: RunCli parses it with the rest.
  return RunCli(args, env, connect.compile, out, err, options);
}

}  // namespace cxone::client

// The commands of cxone-compile (start, watch, get, list): parsing the
// command line and running one command against a CompileService stub.
//
// Everything but main() lives here so that tests can drive the whole CLI —
// flags, validation, calls, output and exit code — with an in-process fake
// gateway and string streams. The exit codes are in client/exit_codes.h;
// the output formats in client/event_printer.h.
//
// Thread-compatible: a command runs on the calling thread and blocks until
// it has its result; the stub may be shared with other threads (gRPC stubs
// are thread-safe), the streams may not.
#ifndef CXONE_CLIENT_COMPILE_COMMANDS_H_
#define CXONE_CLIENT_COMPILE_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/compile_connection.h"
#include "client/global_flags.h"
#include "client/reconnect_pacer.h"
#include "client/terminal.h"
#include "common/backoff.h"
#include "common/flag_parser.h"
#include "cxone/compile/v1/compile.grpc.pb.h"

namespace cxone::client {

// What the command line asked for.
struct Invocation {
  // --server (with --tls-*) and --json, the global flags
  // (client/global_flags.h).
  GatewayEndpoint gateway;
  bool json = false;
  // --help: print UsageText() and do nothing else.
  bool help = false;
  // "start", "watch", "get" or "list".
  std::string command;
  // The command's argument: FLOW_ID for start, NAME for watch and get;
  // empty for `watch --flow`, `get --key` and list.
  std::string argument;
  // --timeout: how long the whole command may take (start and the watch of
  // --wait together, reconnects included); zero means no limit.
  absl::Duration timeout = absl::ZeroDuration();
  // --max-reconnects: how many reconnects in a row that receive nothing a
  // watch (or start --wait) makes before giving up; 0 never reconnects.
  int64_t max_reconnects = 50;
  // watch only (a flag of watch alone, so $CXONE_FLOW does not reach start
  // or get):
  // --flow: watch the newest compile of this flow instead of NAME.
  std::string flow;
  // --after-sequence: replay NAME's events after this one instead of
  // starting with a snapshot; -1 when not given.
  int64_t after_sequence = -1;
  // --all: watch every compile (WatchCompiles) instead of NAME; so does
  // --label-selector (below), for the compiles it matches.
  bool all = false;
  // --after-revision: with --all or --label-selector, replay the matching
  // events after this collection revision first; -1 when not given.
  int64_t after_revision = -1;
  // --until-done: with --all or --label-selector, list the matching
  // compiles, then watch until none is running.
  bool until_done = false;
  // start only (flags of start alone, so that a CXONE_* variable set for
  // start does not break watch and get):
  // --wait: after starting, follow the compile like `watch`.
  bool wait = false;
  // --request-id: StartCompileRequest.request_id.
  std::string request_id;
  // --directives: a JSON object for StartCompileRequest.directives.
  std::string directives;
  // --label KEY=VALUE, repeatable: StartCompileRequest.labels, checked
  // with common/labels.h before the call.
  std::vector<std::string> labels;
  // get only: --key: instead of NAME, the compile a start with this
  // request_id started (LookupCompile).
  std::string key;
  // list, and watch --all / --label-selector (a CompileFilter; the page
  // size is list's):
  // --flow, repeatable: CompileFilter.flow_ids.
  std::vector<std::string> flows;
  // --state, repeatable: CompileFilter.states, by name (QUEUED, FAILED, …).
  std::vector<std::string> states;
  // --label-selector: CompileFilter.label_selector, checked with
  // common/label_selector.h before the call.
  std::string label_selector;
  // --page-size: ListCompilesRequest.page_size, for each page.
  int64_t page_size = 100;
};

// True when `invocation` is a watch of a collection (--all or
// --label-selector) rather than of one compile.
bool IsCollectionWatch(const Invocation& invocation);

// Registers start, watch, get and list as commands of `flags` (the program),
// with their flags and arguments over the fields of `invocation` (what holds
// their defaults). The global flags are AddGlobalFlags()'.
void AddCompileCommands(FlagParser& flags, Invocation& invocation);

// Completes `invocation` once `flags` has parsed: `command` is
// FlagParser::command() (its first word start, watch, get or list),
// `globals` the global flags. InvalidArgument for a missing command or
// argument, NAME and --flow both given to watch, or NAME and --key both
// given to get, or a collection watch's flags (--all, --label-selector,
// --state, --after-revision, --until-done) mixed with NAME or --flow, or
// with each other where they contradict.
absl::Status FinishCompileInvocation(const std::vector<std::string>& command,
                                     const GlobalFlags& globals,
                                     Invocation& invocation);

// Parses `args` (without the program name) as start, watch, get or list: the
// global flags before or after the command word, the command's own flags
// after it, each also read from its CXONE_* variable through `env`.
// InvalidArgument explaining the mistake for an unknown command or flag, a
// malformed flag value, or a missing or extra argument. `--help` returns an
// Invocation with `help` set.
absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const EnvLookup& env);

// The first part of `cxone-compile --help`: usage of every command, what
// they do, reconnecting and output formats.
std::string UsageHeader();

// `usage` (a FlagParser's) followed by the exit code table.
std::string WithExitCodes(std::string usage);

// The --help text of start, watch, get and list: UsageHeader(), the flags with
// their variables, defaults and ranges, and the exit code table.
std::string UsageText();

// What the command line does not set: main leaves these at their defaults;
// tests make reconnects fast and their jitter reproducible.
struct CommandOptions {
  // Delays between the reconnects of a watch.
  BackoffPolicy reconnect_backoff = {absl::Milliseconds(200),
                                     absl::Seconds(10)};
  // Seed of the reconnect jitter; unset draws one from std::random_device so
  // that CLIs disconnected together spread out.
  std::optional<uint64_t> jitter_seed;
  // The terminals standard output and standard error are (TerminalOf), or
  // nullopt for a pipe or a file: where `gate` draws live progress.
  std::optional<TerminalSize> out_terminal;
  std::optional<TerminalSize> err_terminal;
  // Their size at the moment of the call (a terminal is resized); unset:
  // the size above, always.
  std::function<std::optional<TerminalSize>()> out_terminal_now;
  std::function<std::optional<TerminalSize>()> err_terminal_now;
  // The random run id of a gate run that has none from its flags or CI
  // environment; unset draws one (RandomRunId).
  std::optional<std::string> random_run_id;
};

// How a watch of a command reconnects: `options`' backoff and jitter seed
// (a random seed when unset), and --max-reconnects.
WatchOptions ReconnectOptionsOf(const CommandOptions& options,
                                int64_t max_reconnects);

// Runs `invocation` (which must not have `help` set) against `stub` and
// returns the process exit code (an ExitCode). Results go to `out`; errors
// go to `err` as "cxone-compile: CODE_NAME: message", and so does one line
// per reconnect of a watch (see client/compile_watch.h). The flow ids,
// compile name, --directives, --label, --state and --label-selector are
// checked before any call (exit 2 if invalid). REQUIRES: `stub` is
// non-null.
int RunCommand(const Invocation& invocation,
               compile::v1::CompileService::StubInterface* stub,
               std::ostream& out, std::ostream& err,
               const CommandOptions& options = {});
// The same through `connection`, which a watch replaces after a silence.
int RunCommand(const Invocation& invocation, CompileConnection& connection,
               std::ostream& out, std::ostream& err,
               const CommandOptions& options = {});

// start, watch, get and list as a CLI: ParseCommandLine, then --help (exit 0)
// or a usage error (exit 2, nothing connected), else `connect` to --server and
// RunCommand. (The whole CLI, health and webhooks too, is command_line.h.)
int RunCli(const std::vector<std::string>& args, const EnvLookup& env,
           const StubFactory& connect, std::ostream& out, std::ostream& err,
           const CommandOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMPILE_COMMANDS_H_

#include "client/compile_commands.h"

#include <limits>
#include <optional>
#include <random>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "client/call_status.h"
#include "client/collection_watch.h"
#include "client/command_deadline.h"
#include "client/compile_watch.h"
#include "client/event_printer.h"
#include "client/exit_codes.h"
#include "client/reconnect_pacer.h"
#include "client/start_request_flags.h"
#include "common/label_selector.h"
#include "common/labels.h"
#include "common/resource_name.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace cxone::client {
namespace {

constexpr absl::string_view kProgram = "cxone-compile";

// How often `wait --key` asks again while no start with the key is
// recorded: soon at first (the start is usually a moment away), then at
// most every 5 s.
constexpr BackoffPolicy kNotStartedYetBackoff = {absl::Milliseconds(100),
                                                 absl::Seconds(5)};

constexpr absl::string_view kUsageHeader =
    R"(cxone-compile: start and follow NICE CXone flow compiles through
cxone-compile-gateway.

Usage:
  cxone-compile [--server HOST:PORT] [--json] start FLOW_ID [--wait]
                [--timeout DURATION] [--max-reconnects N] [--request-id ID]
                [--directives JSON] [--label KEY=VALUE]...
  cxone-compile [--server HOST:PORT] [--json] watch (NAME | --flow FLOW_ID)
                [--after-sequence N] [--timeout DURATION] [--max-reconnects N]
  cxone-compile [--server HOST:PORT] [--json] watch
                (--all | --label-selector SELECTOR) [--state STATE]...
                [--after-revision N | --until-done] [--timeout DURATION]
                [--max-reconnects N]
  cxone-compile [--server HOST:PORT] [--json] get (NAME | --key REQUEST_ID)
  cxone-compile [--server HOST:PORT] [--json] wait --key REQUEST_ID
                [--timeout DURATION] [--max-reconnects N]
  cxone-compile [--server HOST:PORT] gate (FLOW_ID... | --flows-dir DIR
                [--glob GLOB]) [--run-id ID] [--output FORMAT]
                [--sarif-file F] [--junit-file F] [--json-file F]
                [--progress MODE] [--timeout DURATION] ...
  cxone-compile [--server HOST:PORT] [--json] list [--flow FLOW_ID]...
                [--state STATE]... [--label-selector SELECTOR]
                [--page-size N] [--timeout DURATION]
  cxone-compile [--server HOST:PORT] [--json] webhooks (dead-letters | replay)
                ...   (see webhooks --help)
  cxone-compile [--server HOST:PORT] [--json] health
                SERVING or NOT_SERVING (exit 0 only when SERVING)

Commands:
  start FLOW_ID  Start compiling flow FLOW_ID and print the compile (name,
                 state and labels). With --wait, then follow it as `watch`
                 does. Each --label KEY=VALUE (Kubernetes label syntax, e.g.
                 pipeline=checkout) is the compile's for good.
  watch NAME     Print every event of compile NAME
                 (flows/FLOW_ID/compiles/COMPILE_ID) as it arrives, until the
                 compile finishes. With --after-sequence N, first every
                 event after N that the gateway keeps (0: all of them)
                 instead of a snapshot.
  watch --flow FLOW_ID
                 The same for the newest compile of flow FLOW_ID.
  watch --all    Print every event of every compile, compiles started later
                 included, over one stream, from now (with --after-revision
                 N: first every event after collection revision N that the
                 gateway keeps) until --timeout. With --label-selector
                 SELECTOR (as for list) instead of --all: of the compiles it
                 matches; --state narrows either. With --until-done: first
                 list the matching compiles, then watch until none is
                 running, then print the totals; exit 1 if any FAILED, else
                 4 if any TIMED_OUT, else 0.
  get NAME       Print the compile's current state.
  get --key REQUEST_ID
                 The same for the compile a start with --request-id
                 REQUEST_ID started: it finds that compile again without
                 starting another.
  wait --key REQUEST_ID
                 Wait for the compile a start with --request-id REQUEST_ID
                 started — even if that start has not happened yet: it asks
                 again with growing pauses until it has — then follow it as
                 `watch` does; the same exit codes.
  gate FLOW_ID...  The deploy gate: start every flow at once, follow them
                 all over one stream (live progress on a terminal), print
                 each result as it arrives, then the totals. With
                 --flows-dir DIR: the flow of every DIR/FLOW_ID.json
                 matching --glob (default *.json), errors printed at the
                 file (DIR/main-menu.json:16:14: error: ...). Exit 1 if any
                 FAILED, else 124 on --timeout or 3 if a result is unknown,
                 else 4 if any TIMED_OUT, else 0. --output json, sarif,
                 github or junit (and --sarif-file, --junit-file,
                 --json-file) write the reports CI systems read. The run id
                 (--run-id, $GITHUB_RUN_ID, $CI_PIPELINE_ID) makes a retried
                 job attach to its compiles instead of starting them again.
  list           Print every compile the gateway knows, newest first, one
                 line each (name, state, labels), then their count; all
                 pages. Only those of a --flow (repeatable), in a --state
                 (repeatable: QUEUED, IN_PROGRESS, COMPLETED, FAILED,
                 TIMED_OUT) and matching --label-selector (Kubernetes
                 syntax: pipeline=checkout,tier!=canary, team in (a,b),
                 !draft), when given.

Flags may come before or after the command word: --server and --json for
every command, a command's own flags for that command.

Reconnecting: a watch (and start --wait) survives a broken stream. When the
gateway drains or restarts, the connection resets, or nothing (not even a
heartbeat) arrives for twice the stream's heartbeat interval, it reconnects
after a random delay that grows from 200ms to at most 10s, resuming after the
last event received: no event is missed or printed twice. Each reconnect is
one line on stderr. If the gateway no longer has the missed events, the
compile is fetched and printed, and the watch goes on from its current state.
A watch gives up (exit 3) after --max-reconnects reconnects in a row that
received nothing, and at once on errors that would recur (NOT_FOUND,
PERMISSION_DENIED, ...). --timeout bounds it all. A watch --all resumes after
the last collection revision received; if the gateway no longer has the
events after it, it lists the compiles again, prints those that changed
meanwhile and goes on from the list's revision.

Output: one line per event, e.g.
  flows/main-menu/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS
then, for a finished compile, its errors and warnings, one per line:
  main-menu:12:5: error: syntax: unexpected token
and a summary line (`compile NAME COMPLETED`, `... FAILED with 3 errors`).
With --json: one proto3 JSON object per line and nothing else: each event,
including the SYNCED and HEARTBEAT markers (sequence 0) that the text output
leaves out; the compile for get and start, and when a watch had to fetch it;
each compile of a list; for watch --all, each WatchCompilesResponse (event,
compile and resumeAfterRevision), markers included.
Errors go to stderr as `cxone-compile: CODE: message`.
)";

}  // namespace

void AddCompileCommands(FlagParser& flags, Invocation& invocation) {
  // Each command's own copy of a flag they share, over one field.
  auto add_timeout = [&](FlagCommand& command) {
    command.AddDuration("timeout", &invocation.timeout,
                        {absl::ZeroDuration(), absl::Hours(24 * 30)},
                        "Give up after this long (e.g. 30s, 5m) with exit "
                        "code 124; 0 means no limit.");
  };
  auto add_max_reconnects = [&](FlagCommand& command) {
    command.AddInt("max-reconnects", &invocation.max_reconnects, {0, 1000000},
                   "Give up (exit 3) after this many reconnects in a row that "
                   "received nothing; 0 never reconnects.");
  };
  auto add_states = [&](FlagCommand& command) {
    command.AddStrings("state", &invocation.states,
                       "Only the compiles in this state (QUEUED, IN_PROGRESS, "
                       "COMPLETED, FAILED, TIMED_OUT); once per state.");
  };
  auto add_label_selector = [&](FlagCommand& command) {
    command.AddString("label-selector", &invocation.label_selector,
                      "Only the compiles whose labels match this Kubernetes "
                      "label selector, e.g. pipeline=checkout,tier!=canary.");
  };
  // Their --help is the program's: UsageHeader() describes all three.
  FlagCommand& start = flags.AddCommand("start", "");
  start.AddArgument("FLOW_ID", &invocation.argument);
  start.AddBool("wait", &invocation.wait,
                "Follow the new compile until it finishes.");
  add_timeout(start);
  add_max_reconnects(start);
  start.AddString("request-id", &invocation.request_id,
                  "Idempotency key; a retry with the same key never starts a "
                  "second compile.");
  start.AddString("directives", &invocation.directives,
                  "Compile directives, a JSON object passed to CXone "
                  "unchanged.");
  start.AddStrings("label", &invocation.labels,
                   "KEY=VALUE: a label of the new compile, to find it by "
                   "(list --label-selector); once per label (the variable: "
                   "comma-separated).");

  FlagCommand& watch = flags.AddCommand("watch", "");
  watch.AddArgument("NAME", &invocation.argument);
  watch.AddString("flow", &invocation.flow,
                  "Follow the newest compile of this flow instead of NAME.");
  watch.AddInt("after-sequence", &invocation.after_sequence,
               {0, std::numeric_limits<int64_t>::max()},
               "Replay every event of NAME after sequence N (0: from the "
               "first) instead of starting with a snapshot.");
  watch.AddBool("all", &invocation.all,
                "Follow every compile (WatchCompiles) instead of NAME.");
  add_label_selector(watch);
  add_states(watch);
  watch.AddInt("after-revision", &invocation.after_revision,
               {0, std::numeric_limits<int64_t>::max()},
               "With --all or --label-selector: replay every matching event "
               "after collection revision N first (e.g. a list's).");
  watch.AddBool("until-done", &invocation.until_done,
                "With --all or --label-selector: list the matching compiles, "
                "then watch until none is running.");
  add_timeout(watch);
  add_max_reconnects(watch);

  FlagCommand& get = flags.AddCommand("get", "");
  get.AddArgument("NAME", &invocation.argument);
  get.AddString("key", &invocation.key,
                "Instead of NAME: the compile a start with this --request-id "
                "started.");
  add_timeout(get);

  FlagCommand& wait = flags.AddCommand("wait", "");
  wait.AddString("key", &invocation.key,
                 "The --request-id of the start whose compile to wait for.");
  add_timeout(wait);
  add_max_reconnects(wait);

  FlagCommand& list = flags.AddCommand("list", "");
  list.AddStrings("flow", &invocation.flows,
                  "Only the compiles of this flow; once per flow (the "
                  "variable: comma-separated).");
  add_states(list);
  add_label_selector(list);
  list.AddInt("page-size", &invocation.page_size, {1, 1000},
              "Compiles asked for per call; every page is printed.");
  add_timeout(list);
}

bool IsCollectionWatch(const Invocation& invocation) {
  return invocation.command == "watch" &&
         (invocation.all || !invocation.label_selector.empty());
}

namespace {

// The checks of a watch's collection flags (--all, --label-selector,
// --state, --after-revision, --until-done) against each other and against
// NAME and --flow.
absl::Status CheckWatchFlags(const Invocation& invocation) {
  const bool collection = IsCollectionWatch(invocation);
  if (!collection) {
    const char* needs_collection = !invocation.states.empty() ? "--state"
                                   : invocation.after_revision >= 0
                                       ? "--after-revision"
                                   : invocation.until_done ? "--until-done"
                                                           : nullptr;
    if (needs_collection != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("watch: ", needs_collection,
                       " needs --all or --label-selector SELECTOR (it is a "
                       "flag of the watch of many compiles)"));
    }
    return absl::OkStatus();
  }
  const char* one = invocation.all ? "--all" : "--label-selector";
  if (invocation.all && !invocation.label_selector.empty()) {
    return absl::InvalidArgumentError(
        "watch: give --all (every compile) or --label-selector SELECTOR (the "
        "compiles it matches), not both");
  }
  if (!invocation.argument.empty() || !invocation.flow.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch: ", one,
                     " watches many compiles; give it, NAME or --flow "
                     "FLOW_ID, not several"));
  }
  if (invocation.after_sequence >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("watch: --after-sequence needs NAME; with ", one,
                     " resume with --after-revision N"));
  }
  if (invocation.until_done && invocation.after_revision >= 0) {
    return absl::InvalidArgumentError(
        "watch: --until-done lists the compiles and watches from the list's "
        "revision; it takes no --after-revision");
  }
  if (invocation.until_done && !invocation.states.empty()) {
    return absl::InvalidArgumentError(
        "watch: --until-done waits for compiles to finish, and --state would "
        "drop them before they do; select them with --label-selector");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FinishCompileInvocation(const std::vector<std::string>& command,
                                     const GlobalFlags& globals,
                                     Invocation& invocation) {
  invocation.gateway = globals.endpoint;
  invocation.json = globals.json;
  if (command.empty()) {
    return absl::InvalidArgumentError(
        "missing command: start, watch, get or list");
  }
  invocation.command = command.front();
  if (invocation.command == "list") return absl::OkStatus();
  if (invocation.command == "wait") {
    if (invocation.key.empty()) {
      return absl::InvalidArgumentError("wait: missing --key REQUEST_ID");
    }
    return absl::OkStatus();
  }
  if (invocation.command == "watch") {
    if (absl::Status checked = CheckWatchFlags(invocation); !checked.ok()) {
      return checked;
    }
    if (IsCollectionWatch(invocation)) return absl::OkStatus();
  }
  const char* what = invocation.command == "start" ? "FLOW_ID" : "NAME";
  if (invocation.command == "get" && !invocation.key.empty()) {
    if (!invocation.argument.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "get: give NAME or --key REQUEST_ID, not both (got \"",
          invocation.argument, "\" and --key ", invocation.key, ")"));
    }
  } else if (invocation.command == "watch" && !invocation.flow.empty()) {
    if (invocation.after_sequence >= 0) {
      return absl::InvalidArgumentError(
          "watch: --after-sequence needs NAME: sequences belong to one "
          "compile, and --flow may name a newer one");
    }
    if (!invocation.argument.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "watch: give NAME or --flow FLOW_ID, not both (got \"",
          invocation.argument, "\" and --flow ", invocation.flow, ")"));
    }
  } else if (invocation.argument.empty()) {
    const char* instead =
        invocation.command == "watch" ? " (or --flow FLOW_ID, --all or "
                                        "--label-selector SELECTOR)"
        : invocation.command == "get" ? " (or --key REQUEST_ID)"
                                      : "";
    return absl::InvalidArgumentError(
        absl::StrCat(invocation.command, ": missing ", what, instead));
  }
  return absl::OkStatus();
}

namespace {

// The CompileFilter of list's flags, each checked as the gateway would:
// flow ids, state names (any case), the label selector's syntax.
absl::Status ParseFilter(const Invocation& invocation,
                         v1::CompileFilter* filter) {
  for (const std::string& flow : invocation.flows) {
    if (absl::Status valid = ValidateFlowId(flow); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--flow: ", valid.message()));
    }
    filter->add_flow_ids(flow);
  }
  for (const std::string& name : invocation.states) {
    v1::State state = v1::STATE_UNSPECIFIED;
    if (!v1::State_Parse(absl::StrCat("STATE_", absl::AsciiStrToUpper(name)),
                         &state) ||
        state == v1::STATE_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("--state \"", name,
                       "\": expected QUEUED, IN_PROGRESS, COMPLETED, FAILED or "
                       "TIMED_OUT"));
    }
    filter->add_states(state);
  }
  if (absl::StatusOr<LabelSelector> selector =
          LabelSelector::Parse(invocation.label_selector);
      !selector.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--label-selector: ", selector.status().message()));
  }
  filter->set_label_selector(invocation.label_selector);
  return absl::OkStatus();
}

// Runs one command. Owns what the calls of one command share: the printer,
// the deadline and the error stream.
class CommandRunner {
 public:
  CommandRunner(const Invocation& invocation, CompileConnection& connection,
                std::ostream& out, std::ostream& err,
                const CommandOptions& options)
      : invocation_(invocation),
        options_(options),
        connection_(connection),
        printer_(invocation.json ? OutputFormat::kJson : OutputFormat::kHuman,
                 out),
        err_(err),
        deadline_(invocation.timeout) {}

  int Run() {
    if (invocation_.command == "start") return Start();
    if (IsCollectionWatch(invocation_)) return WatchCollection();
    if (invocation_.command == "watch") {
      if (invocation_.argument.empty()) {
        if (absl::Status valid = ValidateFlowId(invocation_.flow);
            !valid.ok()) {
          return Fail(kExitUsage, absl::StrCat("--flow: ", valid.message()));
        }
        return Watch(WatchTarget::Flow(invocation_.flow));
      }
      if (int code = CheckName(invocation_.argument); code != kExitCompleted) {
        return code;
      }
      WatchTarget target = WatchTarget::Name(invocation_.argument);
      if (invocation_.after_sequence >= 0) {
        target.after_sequence =
            static_cast<uint64_t>(invocation_.after_sequence);
      }
      return Watch(target);
    }
    if (invocation_.command == "get") return Get();
    if (invocation_.command == "list") return List();
    if (invocation_.command == "wait") return WaitForKey();
    return Fail(kExitUsage,
                absl::StrCat("unknown command \"", invocation_.command, "\""));
  }

 private:
  int Start() {
    if (absl::Status valid = ValidateFlowId(invocation_.argument);
        !valid.ok()) {
      return Fail(kExitUsage, valid.message());
    }
    v1::StartCompileRequest request;
    request.set_flow_id(invocation_.argument);
    request.set_request_id(invocation_.request_id);
    if (!invocation_.directives.empty()) {
      if (absl::Status parsed = ParseDirectives(invocation_.directives,
                                                request.mutable_directives());
          !parsed.ok()) {
        return Fail(kExitUsage, parsed.message());
      }
    }
    if (absl::Status parsed =
            ParseLabels(invocation_.labels, request.mutable_labels());
        !parsed.ok()) {
      return Fail(kExitUsage, parsed.message());
    }
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::Compile compile;
    grpc::Status status =
        connection_.stub()->StartCompile(&context, request, &compile);
    if (!status.ok()) return CallFailed(status, "the compile started");
    if (!invocation_.wait) return Report(compile);
    // The watch's snapshot repeats the state and carries the diagnostics;
    // printing them here too would show them twice.
    if (absl::Status printed =
            printer_.PrintCompile(compile, EventPrinter::Diagnostics::kNone);
        !printed.ok()) {
      return Fail(kExitGatewayError, printed.message());
    }
    return Watch(WatchTarget::Name(compile.name()));
  }

  int Get() {
    if (!invocation_.key.empty()) return Lookup();
    if (int code = CheckName(invocation_.argument); code != kExitCompleted) {
      return code;
    }
    v1::GetCompileRequest request;
    request.set_name(invocation_.argument);
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::Compile compile;
    grpc::Status status =
        connection_.stub()->GetCompile(&context, request, &compile);
    if (!status.ok()) return CallFailed(status, "the gateway answered");
    return Report(compile);
  }

  // get --key: LookupCompile. NOT_FOUND (no start with that key recorded
  // as done, yet) exits 3 as an unknown NAME does.
  int Lookup() {
    v1::LookupCompileRequest request;
    request.set_request_id(invocation_.key);
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::Compile compile;
    grpc::Status status =
        connection_.stub()->LookupCompile(&context, request, &compile);
    if (!status.ok()) return CallFailed(status, "the gateway answered");
    return Report(compile);
  }

  // wait --key: LookupCompile until the start with the key has been
  // recorded (NOT_FOUND until then: asked again after a backoff delay, a
  // line on stderr the first time), then a watch of its compile.
  int WaitForKey() {
    v1::LookupCompileRequest request;
    request.set_request_id(invocation_.key);
    WatchOptions reconnect = ReconnectOptions();
    ReconnectPacer pacer(err_, deadline_, reconnect);
    Backoff not_yet(kNotStartedYetBackoff, reconnect.jitter_seed);
    int waits = 0;
    while (true) {
      grpc::ClientContext context;
      deadline_.Apply(context);
      v1::Compile compile;
      grpc::Status status =
          connection_.stub()->LookupCompile(&context, request, &compile);
      if (status.ok()) {
        if (absl::Status printed = printer_.PrintCompile(
                compile, EventPrinter::Diagnostics::kNone);
            !printed.ok()) {
          return Fail(kExitGatewayError, printed.message());
        }
        return Watch(WatchTarget::Name(compile.name()));
      }
      const std::string awaited =
          absl::StrCat("a compile with request_id ", invocation_.key,
                       " was started");
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
        pacer.Delivered();
        if (waits == 0) {
          err_ << kProgram << ": no compile was started with request_id "
               << invocation_.key << " yet; waiting for one\n";
          err_.flush();
        }
        if (!deadline_.SleepFor(not_yet.Delay(waits++))) {
          return Fail(kExitClientTimeout, deadline_.ExpiredMessage(awaited));
        }
        continue;
      }
      switch (ClassifyCallFailure(status, deadline_)) {
        case CallFailure::kClientTimeout:
          return Fail(kExitClientTimeout, deadline_.ExpiredMessage(awaited));
        case CallFailure::kFinal:
          return Fail(kExitGatewayError, DescribeStatus(status));
        case CallFailure::kRetryable:
          break;
      }
      if (std::optional<int> code = pacer.BeforeReconnect(
              absl::StrCat("LookupCompile: ", DescribeStatus(status)), "");
          code.has_value()) {
        return *code == kExitClientTimeout
                   ? Fail(kExitClientTimeout, deadline_.ExpiredMessage(awaited))
                   : *code;
      }
    }
  }

  // Every page, each printed as it arrives (a long list starts at once);
  // the first call that fails ends the command, what was printed being the
  // newest part of the list.
  int List() {
    v1::ListCompilesRequest request;
    if (absl::Status parsed =
            ParseFilter(invocation_, request.mutable_filter());
        !parsed.ok()) {
      return Fail(kExitUsage, parsed.message());
    }
    request.set_page_size(static_cast<int32_t>(invocation_.page_size));
    int count = 0;
    do {
      grpc::ClientContext context;
      deadline_.Apply(context);
      v1::ListCompilesResponse page;
      grpc::Status status =
          connection_.stub()->ListCompiles(&context, request, &page);
      if (!status.ok()) return CallFailed(status, "the list was complete");
      for (const v1::Compile& compile : page.compiles()) {
        if (absl::Status printed = printer_.PrintCompile(
                compile, EventPrinter::Diagnostics::kNone);
            !printed.ok()) {
          return Fail(kExitGatewayError, printed.message());
        }
        ++count;
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    printer_.PrintListSummary(count);
    return kExitCompleted;
  }

  int Watch(const WatchTarget& target) {
    return CompileWatch(connection_, printer_, err_, deadline_,
                        ReconnectOptions())
        .Follow(target);
  }

  // watch --all / --label-selector.
  int WatchCollection() {
    CollectionTarget target;
    if (absl::Status parsed = ParseFilter(invocation_, &target.filter);
        !parsed.ok()) {
      return Fail(kExitUsage, parsed.message());
    }
    if (invocation_.after_revision >= 0) {
      target.after_revision = static_cast<uint64_t>(invocation_.after_revision);
    }
    target.until_done = invocation_.until_done;
    PrintingCollectionObserver observer(printer_);
    return CollectionWatch(connection_, observer, err_, deadline_,
                           ReconnectOptions())
        .Follow(target);
  }

  WatchOptions ReconnectOptions() const {
    return ReconnectOptionsOf(options_, invocation_.max_reconnects);
  }

  // Prints a compile from start or get; its exit code is its state's for a
  // terminal state, success while it is still running.
  int Report(const v1::Compile& compile) {
    if (absl::Status printed = printer_.PrintCompile(compile); !printed.ok()) {
      return Fail(kExitGatewayError, printed.message());
    }
    if (IsTerminal(compile.state())) return ExitCodeOfTerminal(compile.state());
    if (compile.state() == v1::STATE_QUEUED ||
        compile.state() == v1::STATE_IN_PROGRESS) {
      return kExitCompleted;
    }
    return Fail(kExitGatewayError,
                absl::StrCat("the gateway returned ", compile.name(),
                             " in state ", StateName(compile.state())));
  }

  int CheckName(const std::string& name) {
    absl::StatusOr<CompileName> parsed = CompileName::Parse(name);
    if (!parsed.ok()) return Fail(kExitUsage, parsed.status().message());
    return kExitCompleted;
  }

  // `awaited` completes "--timeout expired before …".
  int CallFailed(const grpc::Status& status, absl::string_view awaited) {
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
        deadline_.Expired()) {
      return Fail(kExitClientTimeout, deadline_.ExpiredMessage(awaited));
    }
    return Fail(kExitGatewayError, DescribeStatus(status));
  }

  int Fail(int exit_code, absl::string_view message) {
    err_ << kProgram << ": " << message << '\n';
    err_.flush();
    return exit_code;
  }

  const Invocation& invocation_;
  const CommandOptions& options_;
  CompileConnection& connection_;
  EventPrinter printer_;
  std::ostream& err_;
  const CommandDeadline deadline_;
};

}  // namespace

absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const EnvLookup& env) {
  GlobalFlags globals;
  Invocation invocation;
  FlagParser flags("CXONE_", std::string(kUsageHeader));
  AddGlobalFlags(flags, globals);
  AddCompileCommands(flags, invocation);
  if (absl::Status parsed = flags.Parse(args, env); !parsed.ok()) {
    return parsed;
  }
  if (flags.help_requested()) {
    invocation.help = true;
    return invocation;
  }
  if (absl::Status finished = FinishGlobalFlags(globals); !finished.ok()) {
    return finished;
  }
  if (absl::Status finished =
          FinishCompileInvocation(flags.command(), globals, invocation);
      !finished.ok()) {
    return finished;
  }
  return invocation;
}

std::string UsageHeader() { return std::string(kUsageHeader); }

WatchOptions ReconnectOptionsOf(const CommandOptions& options,
                                int64_t max_reconnects) {
  WatchOptions watch;
  watch.max_reconnects = static_cast<int>(max_reconnects);
  watch.backoff = options.reconnect_backoff;
  watch.jitter_seed = options.jitter_seed.has_value() ? *options.jitter_seed
                                                      : std::random_device()();
  return watch;
}

std::string WithExitCodes(std::string usage) {
  absl::StrAppend(&usage, "\nExit codes:\n");
  for (const ExitCodeDoc& doc : kExitCodeDocs) {
    absl::StrAppend(&usage,
                    absl::StrFormat("  %3d  %s\n", doc.code, doc.meaning));
  }
  return usage;
}

std::string UsageText() {
  GlobalFlags globals;
  Invocation defaults;
  FlagParser flags("CXONE_", std::string(kUsageHeader));
  AddGlobalFlags(flags, globals);
  AddCompileCommands(flags, defaults);
  return WithExitCodes(flags.Usage());
}

int RunCommand(const Invocation& invocation,
               compile::v1::CompileService::StubInterface* stub,
               std::ostream& out, std::ostream& err,
               const CommandOptions& options) {
  CompileConnection connection(stub);
  return RunCommand(invocation, connection, out, err, options);
}

int RunCommand(const Invocation& invocation, CompileConnection& connection,
               std::ostream& out, std::ostream& err,
               const CommandOptions& options) {
  return CommandRunner(invocation, connection, out, err, options).Run();
}

int RunCli(const std::vector<std::string>& args, const EnvLookup& env,
           const StubFactory& connect, std::ostream& out, std::ostream& err,
           const CommandOptions& options) {
  absl::StatusOr<Invocation> invocation = ParseCommandLine(args, env);
  if (!invocation.ok()) {
    err << kProgram << ": " << invocation.status().message() << "\nRun '"
        << kProgram << " --help' for usage.\n";
    return kExitUsage;
  }
  if (invocation->help) {
    out << UsageText();
    out.flush();
    return kExitCompleted;
  }
  CompileConnection connection(connect, invocation->gateway);
  return RunCommand(*invocation, connection, out, err, options);
}

}  // namespace cxone::client

#include "client/compile_commands.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "client/event_printer.h"
#include "client/exit_codes.h"
#include "common/resource_name.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/sync_stream.h"

namespace cxone::client {
namespace {

constexpr absl::string_view kProgram = "cxone-compile";

constexpr absl::string_view kUsageHeader =
    R"(cxone-compile: start and follow NICE CXone flow compiles through
cxone-compile-gateway.

Usage:
  cxone-compile [--server HOST:PORT] [--json] start FLOW_ID [--wait]
                [--timeout DURATION] [--request-id ID] [--directives JSON]
  cxone-compile [--server HOST:PORT] [--json] watch NAME [--timeout DURATION]
  cxone-compile [--server HOST:PORT] [--json] get NAME

Commands:
  start FLOW_ID  Start compiling flow FLOW_ID and print the compile (name and
                 state). With --wait, then follow it as `watch` does.
  watch NAME     Print every event of compile NAME
                 (flows/FLOW_ID/compiles/COMPILE_ID) as it arrives, until the
                 compile finishes.
  get NAME       Print the compile's current state.

Flags may appear anywhere on the command line.

Output: one line per event, e.g.
  flows/main-menu/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS
then, for a finished compile, its errors and warnings, one per line:
  main-menu:12:5: error: syntax: unexpected token
and a summary line (`compile NAME COMPLETED`, `... FAILED with 3 errors`).
With --json: one proto3 JSON object per line (each event; the compile for
get and start) and nothing else. Errors go to stderr as
`cxone-compile: CODE: message`.
)";

// Registers every flag of the CLI over the fields of `invocation`.
void AddFlags(FlagSet& flags, Invocation& invocation) {
  flags.AddString("server", &invocation.server,
                  "Address (HOST:PORT) of cxone-compile-gateway.");
  flags.AddBool("json", &invocation.json,
                "Print proto3 JSON, one object per line, instead of text.");
  flags.AddDuration("timeout", &invocation.timeout,
                    "Give up after this long (e.g. 30s, 5m) with exit code "
                    "124; 0 means no limit.");
  flags.AddBool("wait", &invocation.wait,
                "start: follow the new compile until it finishes.");
  flags.AddString("request-id", &invocation.request_id,
                  "start: idempotency key; a retry with the same key never "
                  "starts a second compile.");
  flags.AddString("directives", &invocation.directives,
                  "start: compile directives, a JSON object passed to CXone "
                  "unchanged.");
}

// gRPC and Abseil both use the canonical google.rpc.Code numbering, so
// Abseil's names are the gRPC code names.
std::string CodeName(grpc::StatusCode code) {
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  if (name.empty()) return absl::StrCat("CODE_", static_cast<int>(code));
  return name;
}

int ExitCodeOfTerminal(v1::State state) {
  switch (state) {
    case v1::STATE_COMPLETED:
      return kExitCompleted;
    case v1::STATE_FAILED:
      return kExitCompileFailed;
    default:
      return kExitGatewayTimedOut;
  }
}

// Parses --directives. Struct's JSON parser is the one the gateway's peers
// use, but the top-level check is ours: only an object makes sense as the
// `directives` object CXone expects.
absl::Status ParseDirectives(const std::string& json,
                             google::protobuf::Struct* directives) {
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(json);
  if (trimmed.empty() || trimmed.front() != '{') {
    return absl::InvalidArgumentError(
        "--directives: expected a JSON object such as {\"debug\": true}");
  }
  auto status = google::protobuf::util::JsonStringToMessage(json, directives);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--directives: not a valid JSON object: ",
                     status.message().ToString()));
  }
  return absl::OkStatus();
}

// The CLI's own --timeout, shared by every call of one command so that
// `start --wait` as a whole is bounded. Measured on the steady clock: gRPC
// enforces deadlines on its monotonic clock, and a wall-clock jump must not
// turn a gateway error into a timeout or the other way round. (This is not
// the injectable cxone::Clock: a fake clock could not drive gRPC's timer.)
class CommandDeadline {
 public:
  explicit CommandDeadline(absl::Duration timeout) {
    if (timeout > absl::ZeroDuration()) {
      deadline_ =
          std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    }
  }

  // Sets the remaining time as the deadline of a call about to start.
  void Apply(grpc::ClientContext& context) const {
    if (!deadline_.has_value()) return;
    auto remaining = *deadline_ - std::chrono::steady_clock::now();
    context.set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            remaining));
  }

  // Whether our deadline has passed, i.e. a DEADLINE_EXCEEDED is ours and
  // not the gateway's. The slack absorbs gRPC rounding the deadline to
  // milliseconds when converting it to its own clock.
  bool Expired() const {
    constexpr auto kSlack = std::chrono::milliseconds(10);
    return deadline_.has_value() &&
           std::chrono::steady_clock::now() + kSlack >= *deadline_;
  }

 private:
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// Runs one command. Owns what the calls of one command share: the printer,
// the deadline and the error stream.
class CommandRunner {
 public:
  CommandRunner(const Invocation& invocation,
                v1::CompileService::StubInterface* stub, std::ostream& out,
                std::ostream& err)
      : invocation_(invocation),
        stub_(stub),
        printer_(invocation.json ? OutputFormat::kJson : OutputFormat::kHuman,
                 out),
        err_(err),
        deadline_(invocation.timeout) {}

  int Run() {
    if (invocation_.command == "start") return Start();
    if (invocation_.command == "watch") {
      if (int code = CheckName(invocation_.argument); code != kExitCompleted) {
        return code;
      }
      return Watch(invocation_.argument);
    }
    if (invocation_.command == "get") return Get();
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
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::Compile compile;
    grpc::Status status = stub_->StartCompile(&context, request, &compile);
    if (!status.ok()) return CallFailed(status, "the compile started");
    if (!invocation_.wait) return Report(compile);
    // The watch's snapshot repeats the state and carries the diagnostics;
    // printing them here too would show them twice.
    if (absl::Status printed =
            printer_.PrintCompile(compile, EventPrinter::Diagnostics::kNone);
        !printed.ok()) {
      return Fail(kExitGatewayError, printed.message());
    }
    return Watch(compile.name());
  }

  int Get() {
    if (int code = CheckName(invocation_.argument); code != kExitCompleted) {
      return code;
    }
    v1::GetCompileRequest request;
    request.set_name(invocation_.argument);
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::Compile compile;
    grpc::Status status = stub_->GetCompile(&context, request, &compile);
    if (!status.ok()) return CallFailed(status, "the gateway answered");
    return Report(compile);
  }

  int Watch(const std::string& name) {
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::WatchCompileRequest request;
    request.set_name(name);
    std::unique_ptr<grpc::ClientReaderInterface<v1::CompileEvent>> stream =
        stub_->WatchCompile(&context, request);
    v1::CompileEvent event;
    while (stream->Read(&event)) {
      if (absl::Status printed = printer_.PrintEvent(event); !printed.ok()) {
        Abandon(context, *stream);
        return Fail(kExitGatewayError, printed.message());
      }
      if (IsTerminal(event.state())) {
        // Terminal states never change again, so the result is known: stop
        // here instead of relying on the gateway to close the stream.
        Abandon(context, *stream);
        printer_.PrintSummary(event.name().empty() ? name : event.name(),
                              event.state(), event.errors_size(),
                              event.warnings_size());
        return ExitCodeOfTerminal(event.state());
      }
    }
    grpc::Status status = stream->Finish();
    if (!status.ok()) {
      return CallFailed(status, absl::StrCat(name, " finished"));
    }
    // The API ends the stream with OK only after the terminal event; an OK
    // without one is a broken gateway, and nothing says the flow compiled.
    return Fail(kExitGatewayError,
                absl::StrCat("the watch stream of ", name,
                             " ended without a result (no terminal state "
                             "received); the outcome is unknown"));
  }

  // Cancels a stream whose remaining events we do not want and waits for
  // gRPC to release it.
  static void Abandon(grpc::ClientContext& context,
                      grpc::ClientReaderInterface<v1::CompileEvent>& stream) {
    context.TryCancel();
    v1::CompileEvent ignored;
    while (stream.Read(&ignored)) {
    }
    stream.Finish().IgnoreError();
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
      return Fail(
          kExitClientTimeout,
          absl::StrCat("--timeout ", absl::FormatDuration(invocation_.timeout),
                       " expired before ", awaited));
    }
    std::string message = CodeName(status.error_code());
    if (!status.error_message().empty()) {
      absl::StrAppend(&message, ": ", status.error_message());
    }
    return Fail(kExitGatewayError, message);
  }

  int Fail(int exit_code, absl::string_view message) {
    err_ << kProgram << ": " << message << '\n';
    err_.flush();
    return exit_code;
  }

  const Invocation& invocation_;
  v1::CompileService::StubInterface* const stub_;
  EventPrinter printer_;
  std::ostream& err_;
  const CommandDeadline deadline_;
};

}  // namespace

absl::StatusOr<Invocation> ParseCommandLine(
    const std::vector<std::string>& args, const EnvLookup& env) {
  Invocation invocation;
  FlagSet flags("CXONE_", std::string(kUsageHeader));
  AddFlags(flags, invocation);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args, env);
  if (!positional.ok()) return positional.status();
  if (flags.help_requested()) {
    invocation.help = true;
    return invocation;
  }
  if (positional->empty()) {
    return absl::InvalidArgumentError("missing command: start, watch or get");
  }
  invocation.command = (*positional)[0];
  if (invocation.command != "start" && invocation.command != "watch" &&
      invocation.command != "get") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command \"", invocation.command,
                     "\"; expected start, watch or get"));
  }
  const char* what = invocation.command == "start" ? "FLOW_ID" : "NAME";
  if (positional->size() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(invocation.command, ": missing ", what));
  }
  if (positional->size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(invocation.command, ": unexpected argument \"",
                     (*positional)[2], "\" after ", what));
  }
  invocation.argument = (*positional)[1];
  if (invocation.server.empty()) {
    return absl::InvalidArgumentError("--server: must not be empty");
  }
  return invocation;
}

std::string UsageText() {
  Invocation defaults;
  FlagSet flags("CXONE_", std::string(kUsageHeader));
  AddFlags(flags, defaults);
  std::string text = flags.Usage();
  absl::StrAppend(&text, "\nExit codes:\n");
  for (const ExitCodeDoc& doc : kExitCodeDocs) {
    absl::StrAppend(&text,
                    absl::StrFormat("  %3d  %s\n", doc.code, doc.meaning));
  }
  return text;
}

int RunCommand(const Invocation& invocation,
               compile::v1::CompileService::StubInterface* stub,
               std::ostream& out, std::ostream& err) {
  return CommandRunner(invocation, stub, out, err).Run();
}

int RunCli(const std::vector<std::string>& args, const EnvLookup& env,
           const StubFactory& connect, std::ostream& out, std::ostream& err) {
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
  std::unique_ptr<compile::v1::CompileService::StubInterface> stub =
      connect(invocation->server);
  return RunCommand(*invocation, stub.get(), out, err);
}

}  // namespace cxone::client

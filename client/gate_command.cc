#include "client/gate_command.h"

#include <fstream>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/call_status.h"
#include "client/collection_watch.h"
#include "client/command_deadline.h"
#include "client/exit_codes.h"
#include "client/gate_console.h"
#include "client/gate_flows.h"
#include "client/gate_github.h"
#include "client/gate_json.h"
#include "client/gate_junit.h"
#include "client/gate_report.h"
#include "client/gate_results.h"
#include "client/gate_sarif.h"
#include "client/reconnect_pacer.h"
#include "client/start_request_flags.h"
#include "grpcpp/client_context.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

constexpr absl::string_view kProgram = "cxone-compile";
// BatchStartCompiles takes at most this many starts a call.
constexpr size_t kMaxBatch = 1000;
// CompileFilter.flow_ids holds at most this many.
constexpr size_t kMaxFilterFlows = 100;

// An item that failed this way may succeed if sent again: the gateway was
// going away, or out of budget or time for it.
bool IsRetryableItem(int code) {
  switch (static_cast<grpc::StatusCode>(code)) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

// Feeds what the run's watch sees into the console's results.
class GateObserver : public CollectionObserver {
 public:
  explicit GateObserver(GateConsole& console) : console_(console) {}

  absl::Status OnMessage(const v1::WatchCompilesResponse& message) override {
    const v1::CompileEvent& event = message.event();
    if (IsMarker(event.type())) return absl::OkStatus();
    const std::optional<absl::Time> at =
        event.has_time() ? std::optional<absl::Time>(FromTimestamp(event.time()))
                         : std::nullopt;
    console_.Change([&](GateResults& results) {
      results.Update(event.name(), event.state(), event.errors(),
                     event.warnings(), at);
    });
    return absl::OkStatus();
  }

  absl::Status OnListed(const v1::Compile& compile) override {
    const std::optional<absl::Time> at =
        compile.has_update_time()
            ? std::optional<absl::Time>(FromTimestamp(compile.update_time()))
            : std::nullopt;
    console_.Change([&](GateResults& results) {
      results.Update(compile.name(), compile.state(), compile.errors(),
                     compile.warnings(), at);
    });
    return absl::OkStatus();
  }

  // The console shows each result and the run's summary itself.
  void OnFinished(absl::string_view, v1::State, int, int) override {}
  void OnAllFinished(int, int, int) override {}

  void OnVanished(absl::string_view name) override {
    console_.Change([&](GateResults& results) {
      if (GateFlowResult* flow = results.FindByName(name); flow != nullptr) {
        results.StartFailed(*flow,
                            absl::StrCat("the gateway no longer knows compile ",
                                         name, " (was its state lost?)"));
      }
    });
  }

 private:
  GateConsole& console_;
};

class GateRunner {
 public:
  GateRunner(const GateInvocation& invocation, CompileConnection& connection,
             std::ostream& out, std::ostream& err,
             const CommandOptions& options)
      : invocation_(invocation),
        options_(options),
        connection_(connection),
        out_(out),
        err_(err),
        deadline_(invocation.timeout) {}

  int Run() {
    absl::StatusOr<std::vector<GateFlow>> flows =
        invocation_.flows_dir.empty()
            ? FlowsFromIds(invocation_.flow_ids)
            : FlowsInDirectory(invocation_.flows_dir, invocation_.glob);
    if (!flows.ok()) return Fail(kExitUsage, flows.status().message());
    const std::string run_id =
        !invocation_.run_id.empty()      ? invocation_.run_id
        : options_.random_run_id.has_value() ? *options_.random_run_id
                                             : RandomRunId();
    v1::StartCompileRequest common;
    if (!invocation_.directives.empty()) {
      if (absl::Status parsed = ParseDirectives(invocation_.directives,
                                                common.mutable_directives());
          !parsed.ok()) {
        return Fail(kExitUsage, parsed.message());
      }
    }
    for (const std::string& label : invocation_.labels) {
      if (absl::StartsWith(label, absl::StrCat(kGateRunLabel, "="))) {
        return Fail(kExitUsage,
                    absl::StrCat("--label ", label, ": the gate sets ",
                                 kGateRunLabel, " itself (to the run id)"));
      }
    }
    std::vector<std::string> labels = invocation_.labels;
    labels.push_back(absl::StrCat(kGateRunLabel, "=", run_id));
    if (absl::Status parsed = ParseLabels(labels, common.mutable_labels());
        !parsed.ok()) {
      return Fail(kExitUsage, parsed.message());
    }

    const std::string output = OutputFormatName();
    // A report on standard output leaves it to the report alone.
    const bool text_on_out = output == "text" || output == "github";
    std::ostream& console_stream = text_on_out ? out_ : err_;
    const std::optional<TerminalSize>& terminal =
        text_on_out ? options_.out_terminal : options_.err_terminal;
    const ProgressMode mode = Mode(terminal.has_value());
    const std::function<std::optional<TerminalSize>()>& terminal_now =
        text_on_out ? options_.out_terminal_now : options_.err_terminal_now;
    const TerminalSize initial = terminal.value_or(TerminalSize{});
    auto size = [&terminal_now, initial] {
      std::optional<TerminalSize> now =
          terminal_now ? terminal_now() : std::nullopt;
      return now.value_or(initial);
    };

    GateResults results(run_id, *flows);
    GateConsole console(mode, console_stream, size, results,
                        [] { return absl::Now(); });
    // While a live block is drawn, messages of the start and the watch go
    // above it, not through it.
    std::ostream& errors = mode == ProgressMode::kTty ? console.notes() : err_;
    GateRunInfo run;
    run.started = absl::Now();
    console.Start(absl::StrCat("gate: run ", run_id, ": compiling ",
                               flows->size(), flows->size() == 1 ? " flow" : " flows",
                               " through ", invocation_.gateway.target));

    const WatchOptions reconnect =
        ReconnectOptionsOf(options_, invocation_.max_reconnects);
    ReconnectPacer pacer(errors, deadline_, reconnect);
    const std::optional<int> ended = StartAll(common, console, pacer, errors);
    const int code =
        ended.has_value() ? *ended : Follow(console, reconnect, errors);
    const bool client_timed_out = code == kExitClientTimeout;
    if (code == kExitClientTimeout || code == kExitGatewayError) {
      // Every flow not finished by now, started or not, is unknown.
      console.Change([&](GateResults& all) {
        all.Abandon(code == kExitClientTimeout
                        ? deadline_.ExpiredMessage("it finished")
                        : "the run ended before it finished (the error is above)");
      });
    }
    run.ended = absl::Now();
    run.exit_code = results.ExitCode(client_timed_out);
    console.Finish(FormatGateSummary(results.Totals(), run.ended - run.started));
    return WriteReports(output, results, run);
  }

 private:
  std::string OutputFormatName() const {
    if (!invocation_.output.empty()) return invocation_.output;
    return invocation_.json ? "json" : "text";
  }

  ProgressMode Mode(bool is_terminal) const {
    if (invocation_.progress == "tty") return ProgressMode::kTty;
    if (invocation_.progress == "plain") return ProgressMode::kPlain;
    if (invocation_.progress == "none") return ProgressMode::kNone;
    return is_terminal ? ProgressMode::kTty : ProgressMode::kPlain;
  }

  // Starts every flow; the exit code when the run must end before
  // watching (every start failed, or the --timeout expired).
  std::optional<int> StartAll(const v1::StartCompileRequest& common,
                              GateConsole& console, ReconnectPacer& pacer,
                              std::ostream& errors) {
    std::vector<std::string> pending;  // request ids
    std::vector<std::pair<std::string, std::string>> ids;  // request id, flow
    console.Change([&](GateResults& results) {
      for (const GateFlowResult& flow : results.flows()) {
        ids.emplace_back(flow.request_id, flow.flow.flow_id);
      }
    });
    for (const auto& [request_id, flow] : ids) pending.push_back(request_id);
    absl::flat_hash_map<std::string, std::string> flow_of(ids.begin(), ids.end());
    while (!pending.empty()) {
      std::vector<std::string> retry;
      std::string retry_reason;
      for (size_t begin = 0; begin < pending.size(); begin += kMaxBatch) {
        const size_t end = std::min(pending.size(), begin + kMaxBatch);
        v1::BatchStartCompilesRequest request;
        for (size_t i = begin; i < end; ++i) {
          v1::StartCompileRequest* item = request.add_requests();
          *item = common;
          item->set_flow_id(flow_of[pending[i]]);
          item->set_request_id(pending[i]);
        }
        grpc::ClientContext context;
        deadline_.Apply(context);
        v1::BatchStartCompilesResponse response;
        grpc::Status status =
            connection_.stub()->BatchStartCompiles(&context, request, &response);
        if (!status.ok()) {
          switch (ClassifyCallFailure(status, deadline_)) {
            case CallFailure::kClientTimeout:
              return Abandon(console, deadline_.ExpiredMessage(
                                          "every flow was started"),
                             kExitClientTimeout);
            case CallFailure::kFinal: {
              const std::string problem =
                  absl::StrCat("could not start: ", DescribeStatus(status));
              errors << kProgram << ": BatchStartCompiles: "
                     << DescribeStatus(status) << '\n';
              // The flows started before go on; the rest are unknown.
              return Abandon(console, problem, kExitGatewayError);
            }
            case CallFailure::kRetryable:
              retry.insert(retry.end(), pending.begin() + begin,
                           pending.begin() + end);
              retry_reason =
                  absl::StrCat("BatchStartCompiles: ", DescribeStatus(status));
              continue;
          }
        }
        if (response.results_size() != request.requests_size()) {
          errors << kProgram << ": BatchStartCompiles answered "
                 << response.results_size() << " results for "
                 << request.requests_size() << " starts\n";
          return Abandon(console,
                         "could not start: the gateway's answer was malformed",
                         kExitGatewayError);
        }
        // Only an answer that settled a start resets the reconnects in a
        // row: items failing for now again and again must run out of them.
        bool settled = false;
        console.Change([&](GateResults& results) {
          for (int i = 0; i < response.results_size(); ++i) {
            const v1::BatchStartResult& result = response.results(i);
            const std::string& request_id = request.requests(i).request_id();
            GateFlowResult* flow = results.FindByRequestId(request_id);
            if (flow == nullptr) continue;
            settled = settled || result.has_compile() ||
                      !IsRetryableItem(result.status().code());
            if (result.has_compile()) {
              results.Started(*flow, result.compile());
              // A compile another run started (the flow was compiling
              // already) lacks this run's label: the run's stream must
              // not select by it.
              const auto label = result.compile().labels().find(kGateRunLabel);
              if (label == result.compile().labels().end() ||
                  label->second != results.run_id()) {
                foreign_compiles_ = true;
              }
            } else if (IsRetryableItem(result.status().code())) {
              retry.push_back(request_id);
              retry_reason = absl::StrCat(
                  "starts failed for now: ",
                  CodeName(static_cast<int>(result.status().code())), ": ",
                  result.status().message());
            } else {
              results.StartFailed(
                  *flow, absl::StrCat(
                             "could not start: ",
                             CodeName(static_cast<int>(result.status().code())),
                             ": ", result.status().message()));
            }
          }
        });
        if (settled) pacer.Delivered();
      }
      pending = std::move(retry);
      if (pending.empty()) break;
      if (std::optional<int> code = pacer.BeforeReconnect(
              absl::StrCat(pending.size(), " of the starts to send again (",
                           retry_reason, ")"),
              "");
          code.has_value()) {
        const std::string problem =
            *code == kExitClientTimeout
                ? deadline_.ExpiredMessage("every flow was started")
                : absl::StrCat("could not start: ", retry_reason);
        return Abandon(console, problem, *code);
      }
    }
    if (!AnyStarted(console)) return kExitGatewayError;
    return std::nullopt;
  }

  // Gives every flow not started `problem`. The flows already started are
  // still followed unless the --timeout expired or none was: the exit code
  // then.
  std::optional<int> Abandon(GateConsole& console, const std::string& problem,
                             int code) {
    console.Change([&](GateResults& results) {
      for (const GateFlowResult& flow : results.flows()) {
        if (flow.name.empty() && flow.problem.empty()) {
          results.StartFailed(*results.FindByRequestId(flow.request_id),
                              problem);
        }
      }
    });
    if (code == kExitClientTimeout || !AnyStarted(console)) return code;
    return std::nullopt;
  }

  bool AnyStarted(GateConsole& console) {
    bool any = false;
    console.Change([&](GateResults& results) {
      for (const GateFlowResult& flow : results.flows()) {
        any = any || !flow.name.empty();
      }
    });
    return any;
  }

  // Follows every started compile to its end; the CollectionWatch's code.
  int Follow(GateConsole& console, const WatchOptions& reconnect,
             std::ostream& errors) {
    CollectionTarget target;
    absl::flat_hash_set<std::string> flow_ids;
    std::string run_id;
    console.Change([&](GateResults& results) {
      run_id = results.run_id();
      for (const GateFlowResult& flow : results.flows()) {
        if (flow.name.empty()) continue;
        target.names.insert(flow.name);
        flow_ids.insert(flow.flow.flow_id);
      }
    });
    // The run's label selects exactly its compiles, unless one was another
    // run's; the flows then (when few enough for a filter), or everything,
    // the names picking the run's own.
    if (!foreign_compiles_) {
      target.filter.set_label_selector(
          absl::StrCat(kGateRunLabel, "=", run_id));
    }
    if (flow_ids.size() <= kMaxFilterFlows) {
      for (const std::string& flow : flow_ids) target.filter.add_flow_ids(flow);
    }
    target.until_done = true;
    GateObserver observer(console);
    return CollectionWatch(connection_, observer, errors, deadline_, reconnect)
        .Follow(target);
  }

  int WriteReports(const std::string& output, const GateResults& results,
                   const GateRunInfo& run) {
    int code = run.exit_code;
    auto render = [&](absl::string_view format) -> std::string {
      if (format == "json") return FormatGateJson(results, run);
      if (format == "sarif") return FormatSarif(results, run);
      if (format == "junit") return FormatJunit(results, run);
      if (format == "github") return FormatGithubAnnotations(results);
      return "";
    };
    out_ << render(output);
    out_.flush();
    if (out_.fail()) {
      err_ << kProgram << ": cannot write the " << output
           << " report to standard output\n";
      if (code == kExitCompleted) code = kExitGatewayError;
    }
    const std::pair<const char*, const std::string*> files[] = {
        {"json", &invocation_.json_file},
        {"sarif", &invocation_.sarif_file},
        {"junit", &invocation_.junit_file},
    };
    for (const auto& [format, path] : files) {
      if (path->empty()) continue;
      if (!WriteFile(*path, render(format), std::ios::trunc)) {
        err_ << kProgram << ": --" << format << "-file " << *path
             << ": cannot write it\n";
        if (code == kExitCompleted) code = kExitGatewayError;
      }
    }
    if (!invocation_.step_summary_file.empty() &&
        !WriteFile(invocation_.step_summary_file,
                   FormatStepSummary(results, run), std::ios::app)) {
      err_ << kProgram << ": $GITHUB_STEP_SUMMARY "
           << invocation_.step_summary_file << ": cannot append to it\n";
      if (code == kExitCompleted) code = kExitGatewayError;
    }
    err_.flush();
    return code;
  }

  static bool WriteFile(const std::string& path, const std::string& text,
                        std::ios::openmode mode) {
    std::ofstream file(path, std::ios::out | mode);
    file << text;
    file.close();
    return !file.fail();
  }

  int Fail(int exit_code, absl::string_view message) {
    err_ << kProgram << ": gate: " << message << '\n';
    err_.flush();
    return exit_code;
  }

  const GateInvocation& invocation_;
  const CommandOptions& options_;
  CompileConnection& connection_;
  std::ostream& out_;
  std::ostream& err_;
  const CommandDeadline deadline_;
  // Whether a start answered with a compile that is not this run's.
  bool foreign_compiles_ = false;
};

}  // namespace

void AddGateCommand(FlagParser& flags, GateInvocation& invocation) {
  FlagCommand& gate = flags.AddCommand("gate", "");
  gate.AddArguments("FLOW_ID", &invocation.flow_ids);
  gate.AddString("flows-dir", &invocation.flows_dir,
                 "Compile the flow of every file in this directory that "
                 "matches --glob (FLOW_ID.json is flow FLOW_ID); errors are "
                 "printed at the file.");
  gate.AddString("glob", &invocation.glob,
                 "With --flows-dir: which file names are flows.");
  gate.AddString("run-id", &invocation.run_id,
                 "The run's id (default $GITHUB_RUN_ID, else $CI_PIPELINE_ID, "
                 "else random): a retried run with the same id attaches to "
                 "its compiles instead of starting them again.");
  gate.AddStrings("label", &invocation.labels,
                  "KEY=VALUE: a label of every compile of the run; once per "
                  "label.");
  gate.AddString("directives", &invocation.directives,
                 "Compile directives for every flow, a JSON object.");
  gate.AddChoice("output", &invocation.output,
                 {"text", "json", "sarif", "github", "junit"},
                 "What standard output carries: text (results as they "
                 "arrive), or one report at the end: json, sarif (2.1.0), "
                 "github (text plus workflow annotations), junit.");
  gate.AddString("sarif-file", &invocation.sarif_file,
                 "Also write the SARIF 2.1.0 report to this file.");
  gate.AddString("junit-file", &invocation.junit_file,
                 "Also write the JUnit XML report to this file.");
  gate.AddString("json-file", &invocation.json_file,
                 "Also write the JSON report to this file.");
  gate.AddChoice("progress", &invocation.progress,
                 {"auto", "tty", "plain", "none"},
                 "Live progress: tty (redrawn in place), plain (a line per "
                 "change), none; auto: tty on a terminal, else plain.");
  gate.AddDuration("timeout", &invocation.timeout,
                   {absl::ZeroDuration(), absl::Hours(24 * 30)},
                   "Give up after this long (exit 124); 0 means no limit.");
  gate.AddInt("max-reconnects", &invocation.max_reconnects, {0, 1000000},
              "Give up (exit 3) after this many reconnects in a row that "
              "received nothing.");
}

absl::Status FinishGateInvocation(const GlobalFlags& globals,
                                  const EnvLookup& env,
                                  GateInvocation& invocation) {
  invocation.gateway = globals.endpoint;
  invocation.json = globals.json;
  if (invocation.flow_ids.empty() == invocation.flows_dir.empty()) {
    return absl::InvalidArgumentError(
        invocation.flows_dir.empty()
            ? "gate: missing FLOW_ID... or --flows-dir DIR"
            : "gate: give FLOW_ID... or --flows-dir DIR, not both");
  }
  if (!invocation.glob.empty() && invocation.flows_dir.empty()) {
    return absl::InvalidArgumentError(
        "gate: --glob chooses files of --flows-dir DIR; give that too");
  }
  if (invocation.glob.empty()) invocation.glob = "*.json";
  absl::StatusOr<std::string> run_id = ResolveRunId(invocation.run_id, env, "");
  if (!run_id.ok()) return run_id.status();
  invocation.run_id = *run_id;
  if (std::optional<std::string> summary = env("GITHUB_STEP_SUMMARY");
      summary.has_value()) {
    invocation.step_summary_file = *summary;
  }
  return absl::OkStatus();
}

int RunGate(const GateInvocation& invocation, CompileConnection& connection,
            std::ostream& out, std::ostream& err,
            const CommandOptions& options) {
  return GateRunner(invocation, connection, out, err, options).Run();
}

}  // namespace cxone::client

#include "client/gate_json.h"

#include <utility>

#include "client/event_printer.h"
#include "nlohmann/json.hpp"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;
using Json = nlohmann::ordered_json;

Json Diagnostics(const GateFlowResult& flow,
                 const std::vector<v1::CompileError>& list, Severity severity) {
  Json out = Json::array();
  for (const v1::CompileError& diagnostic : list) {
    Json item = {{"severity", std::string(SeverityWord(severity))},
                 {"category", CategoryWord(diagnostic.category())},
                 {"code", diagnostic.code()},
                 {"message", diagnostic.message()}};
    if (diagnostic.location().line() > 0) {
      item["line"] = diagnostic.location().line();
      if (diagnostic.location().column() > 0) {
        item["column"] = diagnostic.location().column();
      }
    }
    item["location"] = LocatedDiagnostic(flow, diagnostic, severity);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::string FormatGateJson(const GateResults& results, const GateRunInfo& run) {
  const GateTotals totals = results.Totals();
  Json flows = Json::array();
  for (const GateFlowResult& flow : results.flows()) {
    Json item = {{"flowId", flow.flow.flow_id}};
    if (!flow.flow.file.empty()) item["file"] = flow.flow.file;
    item["requestId"] = flow.request_id;
    if (!flow.name.empty()) item["compile"] = flow.name;
    item["state"] = flow.terminal()         ? StateName(flow.state)
                    : flow.problem.empty() ? "RUNNING"
                                           : "UNKNOWN";
    if (flow.created.has_value()) {
      item["durationSeconds"] =
          absl::ToDoubleSeconds(flow.Elapsed(run.ended));
    }
    item["errors"] = Diagnostics(flow, flow.errors, Severity::kError);
    item["warnings"] = Diagnostics(flow, flow.warnings, Severity::kWarning);
    item["problem"] = flow.problem;
    flows.push_back(std::move(item));
  }
  Json report = {
      {"runId", results.run_id()},
      {"exitCode", run.exit_code},
      {"startTime", Rfc3339(run.started)},
      {"endTime", Rfc3339(run.ended)},
      {"totals",
       {{"flows", totals.flows},
        {"completed", totals.completed},
        {"failed", totals.failed},
        {"timedOut", totals.timed_out},
        {"unknown", totals.unknown},
        {"running", totals.running},
        {"errors", totals.errors},
        {"warnings", totals.warnings}}},
      {"flows", std::move(flows)},
  };
  // Paths are bytes, not always UTF-8: replace what is not, never abort.
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace cxone::client

#include "client/gate_results.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/event_printer.h"
#include "client/exit_codes.h"
#include "google/protobuf/util/time_util.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

}  // namespace

bool GateFlowResult::terminal() const { return IsTerminal(state); }

absl::Duration GateFlowResult::Elapsed(absl::Time now) const {
  if (!created.has_value()) return absl::ZeroDuration();
  const absl::Time end = finished.value_or(now);
  return end > *created ? end - *created : absl::ZeroDuration();
}

GateResults::GateResults(std::string run_id, const std::vector<GateFlow>& flows)
    : run_id_(std::move(run_id)) {
  flows_.reserve(flows.size());
  for (const GateFlow& flow : flows) {
    GateFlowResult result;
    result.flow = flow;
    result.request_id = GateRequestId(run_id_, flow.flow_id);
    by_request_id_.emplace(result.request_id, flows_.size());
    flows_.push_back(std::move(result));
  }
}

GateFlowResult* GateResults::FindByRequestId(absl::string_view request_id) {
  const auto found = by_request_id_.find(request_id);
  return found == by_request_id_.end() ? nullptr : &flows_[found->second];
}

GateFlowResult* GateResults::FindByName(absl::string_view name) {
  const auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : &flows_[found->second];
}

void GateResults::Started(GateFlowResult& flow, const v1::Compile& compile) {
  flow.name = compile.name();
  flow.problem.clear();
  by_name_[flow.name] = static_cast<size_t>(&flow - flows_.data());
  if (compile.has_create_time()) {
    flow.created = FromTimestamp(compile.create_time());
  }
  Update(compile.name(), compile.state(), compile.errors(), compile.warnings(),
         compile.has_update_time()
             ? std::optional<absl::Time>(FromTimestamp(compile.update_time()))
             : std::nullopt);
}

void GateResults::StartFailed(GateFlowResult& flow, std::string problem) {
  flow.problem = std::move(problem);
}

GateFlowResult* GateResults::Update(
    absl::string_view name, v1::State state,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& errors,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& warnings,
    std::optional<absl::Time> at) {
  GateFlowResult* flow = FindByName(name);
  if (flow == nullptr) return nullptr;
  // A terminal state never changes; a late, older message must not undo it.
  if (flow->terminal()) return flow;
  flow->state = state;
  flow->errors.assign(errors.begin(), errors.end());
  flow->warnings.assign(warnings.begin(), warnings.end());
  if (flow->terminal()) flow->finished = at;
  return flow;
}

void GateResults::Abandon(const std::string& problem) {
  for (GateFlowResult& flow : flows_) {
    if (!flow.terminal() && flow.problem.empty()) flow.problem = problem;
  }
}

GateTotals GateResults::Totals() const {
  GateTotals totals;
  totals.flows = static_cast<int>(flows_.size());
  for (const GateFlowResult& flow : flows_) {
    switch (flow.state) {
      case v1::STATE_COMPLETED:
        ++totals.completed;
        break;
      case v1::STATE_FAILED:
        ++totals.failed;
        break;
      default:
        if (flow.terminal()) {
          ++totals.timed_out;
        } else if (flow.problem.empty()) {
          ++totals.running;
        } else {
          ++totals.unknown;
        }
    }
    totals.errors += static_cast<int>(flow.errors.size());
    totals.warnings += static_cast<int>(flow.warnings.size());
  }
  return totals;
}

int GateResults::ExitCode(bool client_timed_out) const {
  const GateTotals totals = Totals();
  if (totals.failed > 0) return kExitCompileFailed;
  if (totals.unknown > 0 || totals.running > 0) {
    return client_timed_out ? kExitClientTimeout : kExitGatewayError;
  }
  if (totals.timed_out > 0) return kExitGatewayTimedOut;
  return kExitCompleted;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

std::string FormatElapsed(absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  if (seconds < 60) return absl::StrFormat("%.1f s", seconds);
  const int64_t whole = static_cast<int64_t>(std::floor(seconds));
  if (whole < 3600) {
    return absl::StrFormat("%d m %02d s", whole / 60, whole % 60);
  }
  return absl::StrFormat("%d h %02d m", whole / 3600, (whole % 3600) / 60);
}

std::string FormatGateSummary(const GateTotals& totals, absl::Duration wall) {
  std::string line = absl::StrCat(
      "gate: ", Plural(totals.flows, "flow"), ": ", totals.completed,
      " COMPLETED, ", totals.failed, " FAILED, ", totals.timed_out,
      " TIMED_OUT");
  if (totals.unknown > 0) absl::StrAppend(&line, ", ", totals.unknown, " unknown");
  if (totals.running > 0) absl::StrAppend(&line, ", ", totals.running, " running");
  absl::StrAppend(&line, " (", Plural(totals.errors, "error"), ", ",
                  Plural(totals.warnings, "warning"), ") in ",
                  FormatElapsed(wall));
  return line;
}

}  // namespace cxone::client

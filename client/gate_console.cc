#include "client/gate_console.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/event_printer.h"
#include "client/gate_report.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

constexpr absl::Duration kRedrawInterval = absl::Milliseconds(500);
// The widest flow id column of the live block.
constexpr size_t kMaxIdColumn = 40;

// "QUEUED", "starting" (no answer to the start yet), "unknown".
std::string ShownState(const GateFlowResult& flow) {
  if (flow.state != v1::STATE_UNSPECIFIED) return StateName(flow.state);
  return flow.problem.empty() ? "starting" : "unknown";
}

// Whether `flow` has a result to write: finished, or known to be unknown.
bool HasResult(const GateFlowResult& flow) {
  return flow.terminal() || !flow.problem.empty();
}

}  // namespace

std::vector<std::string> ResultLines(const GateFlowResult& flow,
                                     absl::Time now) {
  std::string line = absl::StrCat(flow.where(), ": ");
  const std::string elapsed = FormatElapsed(flow.Elapsed(now));
  const size_t errors = flow.errors.size();
  const size_t warnings = flow.warnings.size();
  if (flow.state == v1::STATE_COMPLETED) {
    absl::StrAppend(&line, "COMPLETED in ", elapsed);
    if (warnings > 0) absl::StrAppend(&line, " with ", Plural(warnings, "warning"));
  } else if (flow.state == v1::STATE_FAILED) {
    absl::StrAppend(&line, "FAILED in ", elapsed, " with ",
                    Plural(errors, "error"));
    if (warnings > 0) absl::StrAppend(&line, " and ", Plural(warnings, "warning"));
  } else if (flow.terminal()) {
    absl::StrAppend(&line, StateName(flow.state), " after ", elapsed,
                    " (the gateway gave up; CXone may still finish it)");
  } else {
    absl::StrAppend(&line, "result unknown: ", flow.problem);
  }
  std::vector<std::string> lines = {std::move(line)};
  for (const v1::CompileError& error : flow.errors) {
    lines.push_back(LocatedDiagnostic(flow, error, Severity::kError));
  }
  for (const v1::CompileError& warning : flow.warnings) {
    lines.push_back(LocatedDiagnostic(flow, warning, Severity::kWarning));
  }
  return lines;
}

int GateConsole::NoteBuffer::overflow(int c) {
  if (c == traits_type::eof()) return traits_type::not_eof(c);
  if (c == '\n') {
    console_->Note(line_);
    line_.clear();
  } else {
    line_.push_back(static_cast<char>(c));
  }
  return c;
}

GateConsole::GateConsole(ProgressMode mode, std::ostream& out,
                         std::function<TerminalSize()> size,
                         GateResults& results, std::function<absl::Time()> now)
    : mode_(mode),
      out_(out),
      size_(std::move(size)),
      now_(std::move(now)),
      results_(results),
      shown_state_(results.flows().size(), v1::STATE_UNSPECIFIED),
      shown_result_(results.flows().size(), false) {}

GateConsole::~GateConsole() {
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
  }
  if (ticker_.joinable()) ticker_.join();
}

void GateConsole::Start(const std::string& headline) {
  absl::MutexLock lock(&mu_);
  started_ = now_();
  out_ << headline << '\n';
  running_ = true;
  if (mode_ == ProgressMode::kTty) {
    Redraw();
    ticker_ = std::thread([this] { Tick(); });
  }
  out_.flush();
}

void GateConsole::Tick() {
  absl::MutexLock lock(&mu_);
  while (running_) {
    auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !running_;
    };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopped), kRedrawInterval)) {
      break;
    }
    Redraw();
    out_.flush();
  }
}

void GateConsole::Change(const std::function<void(GateResults&)>& change) {
  absl::MutexLock lock(&mu_);
  change(results_);
  if (finished_) return;
  ShowChanges();
  out_.flush();
}

void GateConsole::Note(const std::string& line) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  WriteAbove({line});
  out_.flush();
}

void GateConsole::Finish(const std::string& summary) {
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
  }
  if (ticker_.joinable()) ticker_.join();
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  ShowChanges();
  finished_ = true;
  // The final block stays where it is; the summary goes below it.
  out_ << summary << '\n';
  out_.flush();
}

void GateConsole::ShowChanges() {
  const absl::Time now = now_();
  const std::vector<GateFlowResult>& flows = results_.flows();
  std::vector<std::string> lines;
  for (size_t i = 0; i < flows.size(); ++i) {
    const GateFlowResult& flow = flows[i];
    if (mode_ == ProgressMode::kPlain && flow.state != shown_state_[i]) {
      lines.push_back(absl::StrFormat(
          "[%8s] %s  %s%s", FormatElapsed(now - started_), flow.flow.flow_id,
          shown_state_[i] == v1::STATE_UNSPECIFIED
              ? ""
              : absl::StrCat(StateName(shown_state_[i]), " -> "),
          StateName(flow.state)));
    }
    shown_state_[i] = flow.state;
    if (!shown_result_[i] && HasResult(flow)) {
      shown_result_[i] = true;
      for (std::string& line : ResultLines(flow, now)) {
        lines.push_back(std::move(line));
      }
    }
  }
  if (!lines.empty() || mode_ == ProgressMode::kTty) WriteAbove(lines);
}

void GateConsole::WriteAbove(const std::vector<std::string>& lines) {
  if (mode_ == ProgressMode::kTty && drawn_lines_ > 0) {
    // Back to the block's first line, and erase to the end of the screen.
    out_ << "\r\x1b[" << drawn_lines_ << "A\x1b[J";
    drawn_lines_ = 0;
  }
  for (const std::string& line : lines) out_ << line << '\n';
  if (mode_ == ProgressMode::kTty) Redraw();
}

void GateConsole::Redraw() {
  if (mode_ != ProgressMode::kTty) return;
  if (drawn_lines_ > 0) out_ << "\r\x1b[" << drawn_lines_ << "A\x1b[J";
  const TerminalSize size = size_();
  std::vector<std::string> block = LiveBlock(now_(), size.rows);
  for (const std::string& line : block) out_ << Fit(line, size.columns) << '\n';
  drawn_lines_ = static_cast<int>(block.size());
}

std::vector<std::string> GateConsole::LiveBlock(absl::Time now,
                                                int rows) const {
  const std::vector<GateFlowResult>& flows = results_.flows();
  size_t id_width = 0;
  for (const GateFlowResult& flow : flows) {
    id_width = std::max(id_width, flow.flow.flow_id.size());
  }
  id_width = std::min(id_width, kMaxIdColumn);
  // Running flows first when not all fit: they are the ones still moving.
  std::vector<const GateFlowResult*> order;
  for (const GateFlowResult& flow : flows) order.push_back(&flow);
  // Rows for the block: one stays for the cursor after it. With fewer than
  // three, the footer alone (a flow line and "... more" would not fit).
  const size_t room = rows > 1 ? static_cast<size_t>(rows - 1) : 1;
  if (room < 3) return {Footer(now)};
  const bool all_fit = flows.size() + 1 <= room;
  if (!all_fit) {
    std::stable_partition(order.begin(), order.end(),
                          [](const GateFlowResult* flow) {
                            return !HasResult(*flow);
                          });
  }
  const size_t shown = all_fit ? flows.size() : room - 2;
  std::vector<std::string> lines;
  for (size_t i = 0; i < shown && i < order.size(); ++i) {
    const GateFlowResult& flow = *order[i];
    std::string details;
    if (!flow.errors.empty()) details = Plural(flow.errors.size(), "error");
    if (!flow.warnings.empty()) {
      absl::StrAppend(&details, details.empty() ? "" : ", ",
                      Plural(flow.warnings.size(), "warning"));
    }
    if (flow.terminal() == false && !flow.problem.empty()) details = flow.problem;
    lines.push_back(std::string(absl::StripTrailingAsciiWhitespace(
        absl::StrFormat("  %-*s  %-11s  %8s  %s", static_cast<int>(id_width),
                        flow.flow.flow_id, ShownState(flow),
                        flow.created.has_value()
                            ? FormatElapsed(flow.Elapsed(now))
                            : "",
                        details))));
  }
  if (shown < order.size()) {
    size_t finished = 0;
    for (size_t i = shown; i < order.size(); ++i) finished += HasResult(*order[i]);
    lines.push_back(absl::StrCat("  ... ",
                                 Plural(order.size() - shown, "more flow"),
                                 " (", finished, " finished)"));
  }
  lines.push_back(Footer(now));
  return lines;
}

std::string GateConsole::Footer(absl::Time now) const {
  const GateTotals totals = results_.Totals();
  std::string footer = absl::StrCat(
      Plural(totals.flows, "flow"), ": ", totals.completed, " COMPLETED, ",
      totals.failed, " FAILED, ", totals.timed_out, " TIMED_OUT, ",
      totals.running, " running");
  if (totals.unknown > 0) absl::StrAppend(&footer, ", ", totals.unknown, " unknown");
  absl::StrAppend(&footer, " | ", FormatElapsed(now - started_));
  if (totals.running == 0) return footer;
  // ETA: the flows still running take as long as those that finished took
  // on average; nothing finished yet, nothing to go by.
  absl::Duration sum;
  int finished = 0;
  absl::Duration longest_left;
  for (const GateFlowResult& flow : results_.flows()) {
    if (flow.terminal() && flow.created.has_value() && flow.finished.has_value()) {
      sum += flow.Elapsed(now);
      ++finished;
    }
  }
  if (finished == 0) return absl::StrCat(footer, " | ETA unknown");
  const absl::Duration typical = sum / finished;
  for (const GateFlowResult& flow : results_.flows()) {
    if (HasResult(flow)) continue;
    longest_left = std::max(longest_left, typical - flow.Elapsed(now));
  }
  // Past the typical time already: any moment now.
  if (longest_left <= absl::ZeroDuration()) {
    return absl::StrCat(footer, " | ETA soon");
  }
  return absl::StrCat(footer, " | ETA ", FormatElapsed(longest_left));
}

std::string GateConsole::Fit(std::string line, int columns) const {
  // Columns are counted in code points: the block's own text is ASCII; a
  // flow's problem text may not be.
  const size_t width = static_cast<size_t>(std::max(columns - 1, 10));
  size_t code_points = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    if (++code_points > width) {
      line.resize(i);
      return line;
    }
  }
  return line;
}

}  // namespace cxone::client

#include "simulator/sim_state.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/resource_name.h"

namespace cxone::sim {

FlowSource FlowsFromDirectory(std::string dir) {
  return [dir = std::move(dir)](const std::string& flow_id)
             -> absl::StatusOr<std::optional<std::string>> {
    if (dir.empty()) return std::nullopt;
    // flow_id was validated ([A-Za-z0-9._-], not "." or ".."), so it cannot
    // leave the directory.
    const std::string path = absl::StrCat(dir, "/", flow_id, ".json");
    std::error_code error;
    const std::filesystem::file_status status =
        std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) {
      return std::nullopt;
    }
    if (error) {
      return absl::InternalError(
          absl::StrCat("cannot read ", path, ": ", error.message()));
    }
    if (!std::filesystem::is_regular_file(status)) {
      return absl::InternalError(absl::StrCat(path, " is not a regular file"));
    }
    std::ifstream file(path, std::ios::binary);
    std::ostringstream text;
    text << file.rdbuf();
    if (!file.is_open() || file.bad()) {
      return absl::InternalError(absl::StrCat("cannot read ", path));
    }
    return text.str();
  };
}

const char* CompileStateName(CompileState state) {
  switch (state) {
    case CompileState::kQueued:
      return "QUEUED";
    case CompileState::kValidating:
      return "VALIDATING";
    case CompileState::kInProgress:
      return "IN_PROGRESS";
    case CompileState::kCompleted:
      return "COMPLETED";
    case CompileState::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

bool IsTerminal(CompileState state) {
  return state == CompileState::kCompleted || state == CompileState::kFailed;
}

std::optional<std::string> RunningCompileIdOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kRunningCompilePayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

namespace {

// Compares without returning early, so the time taken does not tell how
// much of a guessed secret was right (only its length may show).
bool ConstantTimeEquals(absl::string_view given, absl::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  const size_t common = std::min(given.size(), expected.size());
  for (size_t i = 0; i < common; ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return diff == 0;
}

// The first whole second at or after `time`.
absl::Time CeilToSecond(absl::Time time) {
  const absl::Time floor = absl::FromUnixSeconds(absl::ToUnixSeconds(time));
  return floor == time ? time : floor + absl::Seconds(1);
}

// Independent generators from one seed: `stream` tells them apart.
std::mt19937_64 Generator(uint64_t seed, uint32_t stream) {
  std::seed_seq sequence{static_cast<uint32_t>(seed),
                         static_cast<uint32_t>(seed >> 32), stream};
  return std::mt19937_64(sequence);
}

}  // namespace

SimState::SimState(SimConfig config, const Clock* clock, FlowSource flows,
                   uint64_t seed)
    : config_(std::move(config)),
      clock_(clock),
      flows_(std::move(flows)),
      faults_(config_.faults),
      rng_(seed),
      fault_rng_(Generator(seed, 1)),
      duration_rng_(Generator(seed, 2)),
      queued_rng_(Generator(seed, 3)) {}

std::string SimState::RandomHex(size_t bytes) {
  std::string hex;
  while (hex.size() < 2 * bytes) {
    absl::StrAppend(&hex, absl::Hex(rng_(), absl::kZeroPad16));
  }
  hex.resize(2 * bytes);
  return hex;
}

bool SimState::Draw(double rate) {
  if (rate <= 0) return false;
  // 53 random bits → [0, 1), the same on every platform (unlike
  // std::uniform_real_distribution).
  const double unit = static_cast<double>(fault_rng_() >> 11) * 0x1.0p-53;
  return unit < rate;
}

// --- Faults ---

SimFaults SimState::faults() const {
  absl::MutexLock lock(&mu_);
  return faults_;
}

std::string Base36(uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string text;
  do {
    text.insert(text.begin(), kDigits[value % 36]);
    value /= 36;
  } while (value > 0);
  return text;
}

SimState::TriggerAnswer SimState::TakeTriggerAnswer() {
  absl::MutexLock lock(&mu_);
  TriggerAnswer answer{faults_.trigger_answer_delay, false};
  if (faults_.lost_trigger_answers > 0) {
    --faults_.lost_trigger_answers;
    answer.lost = true;
  }
  return answer;
}

nlohmann::json SimState::FaultsJson() const {
  absl::MutexLock lock(&mu_);
  return FaultsToJson(faults_, config_.in_progress_duration);
}

absl::Status SimState::UpdateFaults(const nlohmann::json& patch) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<FaultsUpdate> update =
      ApplyFaultsPatch(faults_, patch, config_.in_progress_duration);
  if (!update.ok()) return update.status();
  faults_ = std::move(update->faults);
  if (faults_.rate_limit_rps <= 0) admitted_.clear();
  if (update->revoke_tokens) {
    for (auto& [token, info] : tokens_) info.revoked = true;
  }
  return absl::OkStatus();
}

void SimState::RevokeTokens() {
  absl::MutexLock lock(&mu_);
  for (auto& [token, info] : tokens_) info.revoked = true;
}

// --- OAuth ---

absl::StatusOr<TokenGrant> SimState::IssueToken(
    absl::string_view client_id, absl::string_view client_secret,
    std::optional<absl::string_view> requested_scope) {
  // Both are compared in full even if the id is wrong, so that timing does
  // not reveal which one was.
  const bool id_ok = ConstantTimeEquals(client_id, config_.client_id);
  const bool secret_ok =
      ConstantTimeEquals(client_secret, config_.client_secret);
  if (!id_ok || !secret_ok) {
    return absl::UnauthenticatedError("client authentication failed");
  }
  std::vector<std::string> granted;
  if (!requested_scope.has_value() || requested_scope->empty()) {
    granted = config_.scopes;
  } else {
    for (absl::string_view scope :
         absl::StrSplit(*requested_scope, ' ', absl::SkipEmpty())) {
      const bool known = std::find(config_.scopes.begin(), config_.scopes.end(),
                                   scope) != config_.scopes.end();
      const bool repeated =
          std::find(granted.begin(), granted.end(), scope) != granted.end();
      if (known && !repeated) granted.emplace_back(scope);
    }
    if (granted.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "none of the requested scopes may be granted; available: ",
          absl::StrJoin(config_.scopes, " ")));
    }
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  // Dropping expired tokens here keeps the table bounded by the number
  // issued per TTL.
  absl::erase_if(tokens_, [now](const auto& entry) {
    return entry.second.expires_at <= now;
  });
  TokenGrant grant{RandomHex(32), faults_.token_ttl, granted};
  tokens_[grant.access_token] = Token{now + faults_.token_ttl, granted};
  return grant;
}

absl::Status SimState::Authorize(absl::string_view token,
                                 absl::string_view scope) const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = tokens_.find(token);
  if (it == tokens_.end()) {
    return absl::UnauthenticatedError("access token is unknown");
  }
  if (it->second.revoked) {
    return absl::UnauthenticatedError("access token has been revoked");
  }
  if (it->second.expires_at <= now) {
    return absl::UnauthenticatedError("access token has expired");
  }
  const std::vector<std::string>& scopes = it->second.scopes;
  if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("scope ", scope, " required"));
  }
  return absl::OkStatus();
}

// --- Compilations ---

std::vector<SimState::Phase> SimState::PlanPhases(const std::string& flow_id,
                                                  bool succeeded) {
  const int64_t min_ms =
      absl::ToInt64Milliseconds(config_.in_progress_duration);
  const int64_t max_ms =
      std::max(min_ms, absl::ToInt64Milliseconds(faults_.in_progress_max));
  // Drawn for every compile, spread or not, so that a compile's duration
  // depends only on the seed and how many were triggered before it.
  const uint64_t draw = duration_rng_();
  const absl::Duration in_progress = absl::Milliseconds(
      min_ms +
      static_cast<int64_t>(draw % static_cast<uint64_t>(max_ms - min_ms + 1)));

  const uint64_t spread_ms =
      static_cast<uint64_t>(absl::ToInt64Milliseconds(faults_.queued_spread));
  const absl::Duration queued =
      config_.queued_duration +
      absl::Milliseconds(static_cast<int64_t>(queued_rng_() % (spread_ms + 1)));

  std::vector<Phase> phases = {{CompileState::kQueued, queued}};
  if (faults_.unknown_status_flows.contains(flow_id)) {
    phases.push_back({CompileState::kValidating, in_progress});
  }
  if (faults_.backwards_flows.contains(flow_id)) {
    phases.push_back({CompileState::kInProgress, in_progress});
    phases.push_back({CompileState::kQueued, in_progress});
  }
  if (faults_.stuck_flows.contains(flow_id)) {
    phases.push_back({CompileState::kInProgress, absl::InfiniteDuration()});
    return phases;
  }
  phases.push_back({CompileState::kInProgress, in_progress});
  phases.push_back(
      {succeeded ? CompileState::kCompleted : CompileState::kFailed,
       absl::InfiniteDuration()});
  return phases;
}

CompileState SimState::StateAt(const Compile& compile, absl::Time now) {
  absl::Time end = compile.triggered_at;
  for (const Phase& phase : compile.phases) {
    end += phase.duration;
    if (now < end) return phase.state;
  }
  return compile.phases.back().state;
}

CompileSnapshot SimState::Snapshot(const Compile& compile, absl::Time now) {
  CompileSnapshot snapshot;
  snapshot.flow_id = compile.flow_id;
  snapshot.compile_id = compile.compile_id;
  snapshot.triggered_at = compile.triggered_at;
  snapshot.directives = compile.directives;
  snapshot.terminal_polls = compile.terminal_polls;
  snapshot.status_requests = compile.status_requests;
  absl::Time start = compile.triggered_at;
  absl::Time phase_start = start;
  for (const Phase& phase : compile.phases) {
    // A zero-length phase is never observed, so it is not a transition.
    if (phase.duration > absl::ZeroDuration()) {
      snapshot.transitions.push_back({phase.state, start});
    }
    phase_start = start;
    start += phase.duration;
    if (now < start) break;
  }
  snapshot.state = StateAt(compile, now);
  snapshot.status = CompileStateName(snapshot.state);
  if (compile.chatty && snapshot.state == CompileState::kInProgress) {
    snapshot.status =
        absl::StrCat("WORKING-", (now - phase_start) / absl::Milliseconds(10));
  }
  if (IsTerminal(snapshot.state)) {
    snapshot.errors = compile.result.errors;
    snapshot.warnings = compile.result.warnings;
  }
  return snapshot;
}

absl::StatusOr<CompileSnapshot> SimState::Trigger(const std::string& flow_id,
                                                  nlohmann::json directives) {
  if (absl::Status valid = ValidateFlowId(flow_id); !valid.ok()) return valid;
  if (config_.not_found_flows.contains(flow_id)) {
    return absl::NotFoundError(absl::StrCat("flow ", flow_id, " not found"));
  }
  if (config_.failing_flows.contains(flow_id)) {
    return absl::UnavailableError(
        absl::StrCat("flow ", flow_id, " is configured to fail (simulated)"));
  }
  // Read and compile outside the lock: a big flow must not stall every
  // other request. A trigger that then loses to a concurrent one for the
  // same flow just discards its result.
  absl::StatusOr<std::optional<std::string>> text = flows_(flow_id);
  if (!text.ok()) return text.status();
  FlowCompileResult result;
  if (text->has_value()) result = CompileFlow(**text);

  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (auto latest = latest_compile_.find(flow_id);
      latest != latest_compile_.end()) {
    const Compile& running = compiles_.at(latest->second);
    if (!IsTerminal(StateAt(running, now))) {
      absl::Status conflict = absl::AlreadyExistsError(
          absl::StrCat("a compilation of flow ", flow_id,
                       " is already running: ", running.compile_id));
      conflict.SetPayload(kRunningCompilePayload,
                          absl::Cord(running.compile_id));
      return conflict;
    }
  }
  const std::string compile_id =
      absl::StrFormat("c-%s%s%06d-%s", config_.compile_id_run,
                      config_.compile_id_run.empty() ? "" : "-",
                      next_compile_number_++, RandomHex(4));
  std::vector<Phase> phases = PlanPhases(flow_id, result.succeeded());
  Compile& compile = compiles_[compile_id];
  compile = Compile{flow_id,
                    compile_id,
                    now,
                    std::move(result),
                    std::move(directives),
                    std::move(phases)};
  compile.chatty = faults_.chatty_flows.contains(flow_id);
  compile_order_.push_back(compile_id);
  latest_compile_[flow_id] = compile_id;
  last_trigger_ = compile_id;
  return Snapshot(compile, now);
}

absl::Status SimState::CheckFlowAnswers(absl::string_view flow_id) const {
  if (config_.failing_flows.contains(flow_id)) {
    return absl::UnavailableError(
        absl::StrCat("flow ", flow_id, " is configured to fail (simulated)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const SimState::Compile*> SimState::FindCompileLocked(
    absl::string_view flow_id, absl::string_view compile_id) const {
  auto it = compiles_.find(compile_id);
  if (it == compiles_.end() || it->second.flow_id != flow_id) {
    return absl::NotFoundError(absl::StrCat(
        "compilation ", compile_id, " of flow ", flow_id, " not found"));
  }
  return &it->second;
}

absl::StatusOr<SimState::Compile*> SimState::FindCompileLocked(
    absl::string_view flow_id, absl::string_view compile_id) {
  absl::StatusOr<const Compile*> found =
      std::as_const(*this).FindCompileLocked(flow_id, compile_id);
  if (!found.ok()) return found.status();
  return const_cast<Compile*>(*found);
}

absl::StatusOr<CompileSnapshot> SimState::GetCompile(
    absl::string_view flow_id, absl::string_view compile_id) const {
  if (absl::Status answers = CheckFlowAnswers(flow_id); !answers.ok()) {
    return answers;
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<const Compile*> compile =
      FindCompileLocked(flow_id, compile_id);
  if (!compile.ok()) return compile.status();
  return Snapshot(**compile, now);
}

absl::StatusOr<CompileSnapshot> SimState::AnswerStatus(
    absl::string_view flow_id, absl::string_view compile_id, bool intact) {
  if (absl::Status answers = CheckFlowAnswers(flow_id); !answers.ok()) {
    return answers;
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Compile*> found = FindCompileLocked(flow_id, compile_id);
  if (!found.ok()) return found.status();
  Compile& compile = **found;
  CompileSnapshot snapshot = Snapshot(compile, now);
  if (intact && IsTerminal(snapshot.state)) {
    compile.terminal_answered = true;
  }
  return snapshot;
}

absl::StatusOr<CompileSnapshot> SimState::FindCompile(
    absl::string_view compile_id) const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = compiles_.find(compile_id);
  if (it == compiles_.end()) {
    return absl::NotFoundError(
        absl::StrCat("compilation ", compile_id, " not found"));
  }
  return Snapshot(it->second, now);
}

std::vector<CompileSnapshot> SimState::AllCompiles() const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  std::vector<CompileSnapshot> all;
  all.reserve(compile_order_.size());
  for (const std::string& id : compile_order_) {
    all.push_back(Snapshot(compiles_.at(id), now));
  }
  return all;
}

std::optional<CompileSnapshot> SimState::LastTrigger() const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (!last_trigger_.has_value()) return std::nullopt;
  return Snapshot(compiles_.at(*last_trigger_), now);
}

// --- Request admission and statistics ---

SimState::ActiveRequest SimState::EnterRequest(Endpoint endpoint,
                                               absl::string_view flow_id,
                                               absl::string_view compile_id) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  switch (endpoint) {
    case Endpoint::kToken:
      ++stats_.token_requests;
      break;
    case Endpoint::kTrigger:
      ++stats_.trigger_requests;
      break;
    case Endpoint::kStatus:
      ++stats_.status_requests;
      if (auto it = compiles_.find(compile_id);
          it != compiles_.end() && it->second.flow_id == flow_id) {
        Compile& compile = it->second;
        ++compile.status_requests;
        if (compile.terminal_answered) ++stats_.status_polls_after_terminal;
        if (IsTerminal(StateAt(compile, now))) ++compile.terminal_polls;
      }
      break;
  }
  ++stats_.in_flight;
  stats_.max_concurrent = std::max(stats_.max_concurrent, stats_.in_flight);
  return ActiveRequest(this);
}

void SimState::ActiveRequest::RecordStatus(int http_status) {
  outcome_ = absl::StrCat(http_status);
}

void SimState::ActiveRequest::RecordDropped() { outcome_ = kDroppedOutcome; }

SimState::ActiveRequest::~ActiveRequest() {
  if (state_ != nullptr) state_->LeaveRequest(outcome_);
}

void SimState::LeaveRequest(const std::string& outcome) {
  absl::MutexLock lock(&mu_);
  --stats_.in_flight;
  ++stats_.status_codes[outcome];
}

std::string SimState::RetryAfterValue(absl::Time now) const {
  if (faults_.retry_after_form == RetryAfterForm::kHttpDate) {
    // pause_until_ is a whole second in this form (see Admit()).
    return FormatHttpDate(pause_until_);
  }
  const int64_t seconds = static_cast<int64_t>(
      std::ceil(absl::ToDoubleSeconds(pause_until_ - now)));
  return absl::StrCat(std::max<int64_t>(seconds, 0));
}

SimState::Admission SimState::Admit(Endpoint endpoint) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  Admission admission;
  admission.latency = faults_.latency;
  if (now < pause_until_) {
    ++stats_.rate_limited;
    if (now < pause_started_ + faults_.latency + kInFlightGrace) {
      ++stats_.requests_in_flight_at_pause;
    } else {
      ++stats_.requests_during_pause;
    }
    admission.verdict = Admission::Verdict::kPaused;
    admission.retry_after = RetryAfterValue(now);
    return admission;
  }
  if (faults_.rate_limit_rps > 0) {
    // A rolling second: the requests admitted in (now - 1s, now].
    while (!admitted_.empty() && admitted_.front() <= now - absl::Seconds(1)) {
      admitted_.pop_front();
    }
    if (static_cast<int64_t>(admitted_.size()) >= faults_.rate_limit_rps) {
      ++stats_.rate_limited;
      // The pause ends exactly when the Retry-After says, so that a client
      // honouring it never arrives early: whole seconds after now, or the
      // whole second the HTTP-date names.
      if (faults_.retry_after_form == RetryAfterForm::kHttpDate) {
        pause_until_ = CeilToSecond(now + faults_.retry_after);
      } else {
        pause_until_ = now + absl::Seconds(std::ceil(
                                 absl::ToDoubleSeconds(faults_.retry_after)));
      }
      pause_started_ = now;
      admission.verdict = Admission::Verdict::kRateLimited;
      admission.retry_after = RetryAfterValue(now);
      return admission;
    }
    admitted_.push_back(now);
  }
  if (endpoint == Endpoint::kToken && faults_.token_endpoint_down) {
    admission.verdict = Admission::Verdict::kTokenEndpointDown;
  } else if (Draw(faults_.drop_rate)) {
    admission.verdict = Admission::Verdict::kDrop;
  } else if (Draw(faults_.error_rate)) {
    admission.verdict = Admission::Verdict::kError;
  } else if (endpoint == Endpoint::kStatus) {
    admission.malformed = Draw(faults_.malformed_rate);
  }
  return admission;
}

SimStats SimState::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void SimState::ResetStats() {
  absl::MutexLock lock(&mu_);
  const int64_t in_flight = stats_.in_flight;
  stats_ = SimStats{};
  stats_.in_flight = in_flight;
  stats_.max_concurrent = in_flight;
}

}  // namespace cxone::sim

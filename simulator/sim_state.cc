#include "simulator/sim_state.h"

#include <algorithm>
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
    case CompileState::kInProgress:
      return "IN_PROGRESS";
    case CompileState::kCompleted:
      return "COMPLETED";
    case CompileState::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
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

}  // namespace

SimState::SimState(SimConfig config, const Clock* clock, FlowSource flows,
                   uint64_t seed)
    : config_(std::move(config)),
      clock_(clock),
      flows_(std::move(flows)),
      rng_(seed) {}

std::string SimState::RandomHex(size_t bytes) {
  std::string hex;
  while (hex.size() < 2 * bytes) {
    absl::StrAppend(&hex, absl::Hex(rng_(), absl::kZeroPad16));
  }
  hex.resize(2 * bytes);
  return hex;
}

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
  TokenGrant grant{RandomHex(32), config_.token_ttl, granted};
  tokens_[grant.access_token] = Token{now + config_.token_ttl, granted};
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

CompileState SimState::StateAt(const Compile& compile, absl::Time now) const {
  const absl::Duration elapsed = now - compile.triggered_at;
  if (elapsed < config_.queued_duration) return CompileState::kQueued;
  if (elapsed < config_.queued_duration + config_.in_progress_duration) {
    return CompileState::kInProgress;
  }
  return compile.result.succeeded() ? CompileState::kCompleted
                                    : CompileState::kFailed;
}

CompileSnapshot SimState::Snapshot(const Compile& compile,
                                   absl::Time now) const {
  CompileSnapshot snapshot;
  snapshot.flow_id = compile.flow_id;
  snapshot.compile_id = compile.compile_id;
  snapshot.state = StateAt(compile, now);
  snapshot.triggered_at = compile.triggered_at;
  snapshot.directives = compile.directives;
  if (snapshot.state == CompileState::kCompleted ||
      snapshot.state == CompileState::kFailed) {
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
    const CompileState state = StateAt(running, now);
    if (state == CompileState::kQueued || state == CompileState::kInProgress) {
      absl::Status conflict = absl::AlreadyExistsError(
          absl::StrCat("a compilation of flow ", flow_id,
                       " is already running: ", running.compile_id));
      conflict.SetPayload(kRunningCompilePayload,
                          absl::Cord(running.compile_id));
      return conflict;
    }
  }
  const std::string compile_id =
      absl::StrFormat("c-%06d-%s", next_compile_number_++, RandomHex(4));
  Compile& compile = compiles_[compile_id];
  compile = Compile{flow_id, compile_id, now, std::move(result),
                    std::move(directives)};
  latest_compile_[flow_id] = compile_id;
  last_trigger_ = compile_id;
  return Snapshot(compile, now);
}

absl::StatusOr<CompileSnapshot> SimState::GetCompile(
    absl::string_view flow_id, absl::string_view compile_id) const {
  if (config_.failing_flows.contains(flow_id)) {
    return absl::UnavailableError(
        absl::StrCat("flow ", flow_id, " is configured to fail (simulated)"));
  }
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  auto it = compiles_.find(compile_id);
  if (it == compiles_.end() || it->second.flow_id != flow_id) {
    return absl::NotFoundError(absl::StrCat(
        "compilation ", compile_id, " of flow ", flow_id, " not found"));
  }
  return Snapshot(it->second, now);
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

std::optional<CompileSnapshot> SimState::LastTrigger() const {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (!last_trigger_.has_value()) return std::nullopt;
  return Snapshot(compiles_.at(*last_trigger_), now);
}

std::optional<absl::Duration> SimState::TakeRateLimitSlot() {
  if (config_.rate_limit_per_second <= 0) return std::nullopt;
  const absl::Time now = clock_->Now();
  // Fixed one-second windows aligned to the clock: simple, and the
  // Retry-After it yields is exact.
  const absl::Time window = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  absl::MutexLock lock(&mu_);
  if (window != rate_window_start_) {
    rate_window_start_ = window;
    rate_window_count_ = 0;
  }
  if (rate_window_count_ < config_.rate_limit_per_second) {
    ++rate_window_count_;
    return std::nullopt;
  }
  ++stats_.rate_limited;
  return window + absl::Seconds(1) - now;
}

SimState::ActiveRequest SimState::EnterRequest(Endpoint endpoint) {
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
      break;
  }
  ++in_flight_;
  stats_.max_concurrent = std::max(stats_.max_concurrent, in_flight_);
  return ActiveRequest(this);
}

SimState::ActiveRequest::~ActiveRequest() {
  if (state_ != nullptr) state_->LeaveRequest();
}

void SimState::LeaveRequest() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

SimStats SimState::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void SimState::ResetStats() {
  absl::MutexLock lock(&mu_);
  stats_ = SimStats{};
  stats_.max_concurrent = in_flight_;
}

}  // namespace cxone::sim

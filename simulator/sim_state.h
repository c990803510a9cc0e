// SimState: everything the CXone simulator remembers — issued access tokens,
// compilations and their (simulated) progress, request statistics — and the
// rules of the upstream API that do not depend on HTTP.
//
// A compilation's state is a function of time: QUEUED for `queued_duration`
// after it was triggered, IN_PROGRESS for the following
// `in_progress_duration`, then COMPLETED, or FAILED if the flow file had
// errors. The flow is compiled (flow_compiler.h) when it is triggered; its
// errors and warnings are shown only once the compilation is terminal. Time
// comes from the injected Clock, so tests drive the lifecycle with a
// FakeClock; randomness (tokens, compile ids) from a seeded generator.
//
// Tokens and compilations are kept for the life of the process: the
// simulator serves tests and demos, not months of traffic.
//
// Thread-safety: every method may be called from any thread (the HTTP
// server's worker pool).
#ifndef CXONE_SIMULATOR_SIM_STATE_H_
#define CXONE_SIMULATOR_SIM_STATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"
#include "simulator/flow_compiler.h"

namespace cxone::sim {

inline constexpr char kScopeRead[] = "flow:read";
inline constexpr char kScopeWrite[] = "flow:write";

struct SimConfig {
  // The one client that may obtain tokens.
  std::string client_id = "demo-client";
  std::string client_secret = "demo-secret";
  absl::Duration token_ttl = absl::Seconds(3600);
  // Scopes a token may hold; a token request gets those it asks for that
  // are in this list (all of them if it asks for none).
  std::vector<std::string> scopes = {kScopeRead, kScopeWrite};
  absl::Duration queued_duration = absl::Milliseconds(1000);
  absl::Duration in_progress_duration = absl::Milliseconds(3000);
  // Flows whose trigger answers 404.
  absl::flat_hash_set<std::string> not_found_flows;
  // Flows whose trigger and status answer 503.
  absl::flat_hash_set<std::string> failing_flows;
  // Flow API requests (trigger, status) admitted per clock second before
  // answering 429; 0 turns rate limiting off.
  int64_t rate_limit_per_second = 0;
};

// Reads the definition of a flow: its text, std::nullopt if the flow has no
// definition (it then compiles cleanly), or an error if it could not be read.
// Called from any thread.
using FlowSource = std::function<absl::StatusOr<std::optional<std::string>>(
    const std::string& flow_id)>;

// Flow definitions from `{dir}/{flow_id}.json`, read at each trigger so that
// a file may be edited while the simulator runs. An empty `dir` has no
// definitions.
FlowSource FlowsFromDirectory(std::string dir);

enum class CompileState { kQueued, kInProgress, kCompleted, kFailed };

// "QUEUED", "IN_PROGRESS", "COMPLETED" or "FAILED".
const char* CompileStateName(CompileState state);

struct TokenGrant {
  std::string access_token;
  absl::Duration expires_in;
  std::vector<std::string> scopes;
};

// A compilation as seen at one moment.
struct CompileSnapshot {
  std::string flow_id;
  std::string compile_id;
  CompileState state = CompileState::kQueued;
  absl::Time triggered_at;
  // Empty until the state is terminal.
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  // As received with the trigger; null if none were sent.
  nlohmann::json directives;
};

enum class Endpoint { kToken, kTrigger, kStatus };

struct SimStats {
  int64_t token_requests = 0;
  int64_t trigger_requests = 0;
  int64_t status_requests = 0;
  int64_t rate_limited = 0;
  // Peak number of API requests being handled at the same time.
  int64_t max_concurrent = 0;
};

// The payload type under which a 409's status carries the id of the
// compilation that is still running.
inline constexpr char kRunningCompilePayload[] =
    "type.cxone.sim/running_compile_id";

// The running compilation's id carried by an AlreadyExists from Trigger().
std::optional<std::string> RunningCompileIdOf(const absl::Status& status);

class SimState {
 public:
  // `clock` must outlive the state. `seed` seeds token and id generation.
  SimState(SimConfig config, const Clock* clock, FlowSource flows,
           uint64_t seed);
  SimState(const SimState&) = delete;
  SimState& operator=(const SimState&) = delete;

  const SimConfig& config() const { return config_; }

  // --- OAuth ---

  // Issues a token to the configured client. `requested_scope` is the
  // space-separated `scope` parameter, nullopt or empty if none was sent.
  // Errors: Unauthenticated (wrong client id or secret — the API's
  // invalid_client), InvalidArgument (none of the requested scopes may be
  // granted — invalid_scope).
  absl::StatusOr<TokenGrant> IssueToken(
      absl::string_view client_id, absl::string_view client_secret,
      std::optional<absl::string_view> requested_scope);

  // OK if `token` was issued, has not expired and holds `scope`.
  // Errors: Unauthenticated (unknown or expired), PermissionDenied (the
  // scope is missing; the message names it).
  absl::Status Authorize(absl::string_view token,
                         absl::string_view scope) const;

  // --- Compilations ---

  // Starts a compilation of `flow_id`, keeping `directives`, and returns it
  // as it is now. Errors: InvalidArgument (bad flow id), NotFound (flow in
  // not_found_flows), Unavailable (flow in failing_flows), AlreadyExists (a
  // compilation of the flow is not terminal yet; RunningCompileIdOf() gives
  // its id), Internal (the flow file could not be read).
  absl::StatusOr<CompileSnapshot> Trigger(const std::string& flow_id,
                                          nlohmann::json directives);

  // The compilation `compile_id` of `flow_id` as it is now. Errors:
  // Unavailable (flow in failing_flows), NotFound (no such compilation, or
  // it belongs to another flow).
  absl::StatusOr<CompileSnapshot> GetCompile(
      absl::string_view flow_id, absl::string_view compile_id) const;

  // Any compilation by id (for the simulator's debug endpoint); NotFound.
  absl::StatusOr<CompileSnapshot> FindCompile(
      absl::string_view compile_id) const;

  // The most recent successful trigger, if any.
  std::optional<CompileSnapshot> LastTrigger() const;

  // --- Rate limiting and statistics ---

  // Takes a slot of this second's request budget. Returns nullopt if the
  // request may proceed, or how long until the next second's budget opens
  // (and counts the request as rate limited).
  std::optional<absl::Duration> TakeRateLimitSlot();

  // Counts one API request and marks it in flight until the returned guard
  // is destroyed (that is what max_concurrent measures).
  class ActiveRequest {
   public:
    ActiveRequest(ActiveRequest&& other) noexcept
        : state_(std::exchange(other.state_, nullptr)) {}
    ActiveRequest(const ActiveRequest&) = delete;
    ActiveRequest& operator=(const ActiveRequest&) = delete;
    ActiveRequest& operator=(ActiveRequest&&) = delete;
    ~ActiveRequest();

   private:
    friend class SimState;
    explicit ActiveRequest(SimState* state) : state_(state) {}
    SimState* state_;
  };
  [[nodiscard]] ActiveRequest EnterRequest(Endpoint endpoint);

  SimStats stats() const;

  // Zeroes the counters; max_concurrent restarts from the requests in
  // flight. Tokens and compilations are kept.
  void ResetStats();

 private:
  struct Token {
    absl::Time expires_at;
    std::vector<std::string> scopes;
  };
  struct Compile {
    std::string flow_id;
    std::string compile_id;
    absl::Time triggered_at;
    FlowCompileResult result;
    nlohmann::json directives;
  };

  CompileState StateAt(const Compile& compile, absl::Time now) const;
  CompileSnapshot Snapshot(const Compile& compile, absl::Time now) const;
  std::string RandomHex(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LeaveRequest();

  const SimConfig config_;
  const Clock* const clock_;
  const FlowSource flows_;

  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Compile> compiles_ ABSL_GUARDED_BY(mu_);
  // Flow id → id of its most recent compilation (the only one that may
  // still be running, since a flow compiles one at a time).
  absl::flat_hash_map<std::string, std::string> latest_compile_
      ABSL_GUARDED_BY(mu_);
  std::optional<std::string> last_trigger_ ABSL_GUARDED_BY(mu_);
  int64_t next_compile_number_ ABSL_GUARDED_BY(mu_) = 1;

  absl::Time rate_window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t rate_window_count_ ABSL_GUARDED_BY(mu_) = 0;

  SimStats stats_ ABSL_GUARDED_BY(mu_);
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_SIM_STATE_H_

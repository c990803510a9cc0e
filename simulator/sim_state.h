// SimState: everything the CXone simulator remembers — issued access tokens,
// compilations and their (simulated) progress, the faults it injects,
// request statistics — and the rules of the upstream API that do not depend
// on HTTP.
//
// A compilation's state is a function of time: a sequence of phases fixed
// when it is triggered. Normally QUEUED for `queued_duration` (plus up to
// faults.queued_spread), IN_PROGRESS
// for a duration drawn from [in_progress_duration, faults.in_progress_max],
// then COMPLETED, or FAILED if the flow file had errors. Flows named in the
// fault lists (read at trigger time) take other paths; with D the drawn
// IN_PROGRESS duration:
//   unknown_status_flows  QUEUED, VALIDATING (D), then as below
//   backwards_flows       … IN_PROGRESS (D), QUEUED (D), then as below
//   stuck_flows           … IN_PROGRESS forever
//   otherwise             … IN_PROGRESS (D), COMPLETED | FAILED
// A flow in several lists gets every detour, in that order: VALIDATING
// first, then the backwards step, and stuck replaces the ending.
// not_found_flows and failing_flows win over all of them (the trigger fails).
//
// The flow is compiled (flow_compiler.h) when it is triggered; its errors and
// warnings are shown only once the compilation is terminal. Time comes from
// the injected Clock, so tests drive the lifecycle with a FakeClock;
// randomness from generators seeded by `seed` (one for tokens and ids, one
// for fault draws, one for durations, so that one kind of draw does not
// shift another).
//
// Every API request passes EnterRequest() (counting, in-flight tracking) and
// Admit() (the request-level faults); see Admit() for their order.
//
// Tokens and compilations are kept for the life of the process: the
// simulator serves tests and demos, not months of traffic.
//
// Thread-safety: every method may be called from any thread (the HTTP
// server's worker pool).
#ifndef CXONE_SIMULATOR_SIM_STATE_H_
#define CXONE_SIMULATOR_SIM_STATE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
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
#include "simulator/sim_faults.h"

namespace cxone::sim {

inline constexpr char kScopeRead[] = "flow:read";
// How long after the 429 that begins a pause an arriving request still
// counts as already in flight (sent before the client could know).
// Generous, because a client thread that checked for a pause just before
// the 429 arrived may be descheduled before its send on a loaded machine.
inline constexpr absl::Duration kInFlightGrace = absl::Milliseconds(250);
inline constexpr char kScopeWrite[] = "flow:write";

struct SimConfig {
  // The one client that may obtain tokens.
  std::string client_id = "demo-client";
  std::string client_secret = "demo-secret";
  // Scopes a token may hold; a token request gets those it asks for that
  // are in this list (all of them if it asks for none).
  std::vector<std::string> scopes = {kScopeRead, kScopeWrite};
  absl::Duration queued_duration = absl::Milliseconds(1000);
  // The shortest IN_PROGRESS duration (faults.in_progress_max the longest).
  absl::Duration in_progress_duration = absl::Milliseconds(3000);
  // Flows whose trigger answers 404.
  absl::flat_hash_set<std::string> not_found_flows;
  // Flows whose trigger and status answer 503.
  absl::flat_hash_set<std::string> failing_flows;
  // The faults at start; UpdateFaults() changes them at run time.
  SimFaults faults;
  // Tells this run's compile ids from every other run's: CXone never gives
  // an id twice, so a simulator restarted under the same seed must not
  // either. Ids are c-{run}-{n:06}-{hex} (c-{n:06}-{hex} when empty).
  std::string compile_id_run;
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

// kValidating is not one of the API's four statuses: only compiles of
// unknown_status_flows report it.
enum class CompileState {
  kQueued,
  kValidating,
  kInProgress,
  kCompleted,
  kFailed
};

// "QUEUED", "VALIDATING", "IN_PROGRESS", "COMPLETED" or "FAILED".
const char* CompileStateName(CompileState state);

// COMPLETED or FAILED.
bool IsTerminal(CompileState state);

struct TokenGrant {
  std::string access_token;
  absl::Duration expires_in;
  std::vector<std::string> scopes;
};

// When a compilation entered a state.
struct Transition {
  CompileState state;
  absl::Time at;

  bool operator==(const Transition& other) const {
    return state == other.state && at == other.at;
  }
};

// A compilation as seen at one moment.
struct CompileSnapshot {
  std::string flow_id;
  std::string compile_id;
  CompileState state = CompileState::kQueued;
  // The status text reported: CompileStateName(state), except for chatty
  // flows (see SimFaults::chatty_flows).
  std::string status;
  absl::Time triggered_at;
  // Every state entered so far, in order: normally QUEUED at triggered_at
  // first and `state` last (phases of zero length are left out).
  std::vector<Transition> transitions;
  // Status requests for this compile that arrived once it was terminal,
  // whatever they were answered.
  int64_t terminal_polls = 0;
  // Status requests for this compile, answered or not.
  int64_t status_requests = 0;
  // Empty until the state is terminal.
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  // As received with the trigger; null if none were sent.
  nlohmann::json directives;
};

enum class Endpoint { kToken, kTrigger, kStatus };

// The key of status_codes for a request whose connection was dropped.
inline constexpr char kDroppedOutcome[] = "dropped";

struct SimStats {
  int64_t token_requests = 0;
  int64_t trigger_requests = 0;
  int64_t status_requests = 0;
  // API requests answered 429: over the rate limit, or during the pause
  // that followed.
  int64_t rate_limited = 0;
  // API requests that arrived while the account was paused by a 429, before
  // the end its Retry-After announced — and after the client could have
  // known: see requests_in_flight_at_pause.
  int64_t requests_during_pause = 0;
  // Requests that arrived in the pause within kInFlightGrace (plus the
  // added latency) of the 429 that began it: sent, most likely, before the
  // client had received that 429. Still answered 429, but not a sign of a
  // client ignoring Retry-After.
  int64_t requests_in_flight_at_pause = 0;
  // Peak number of API requests being handled at the same time.
  int64_t max_concurrent = 0;
  // API requests being handled now (not zeroed by ResetStats()).
  int64_t in_flight = 0;
  // Status requests for a compile whose terminal status had already been
  // answered (with an intact body).
  int64_t status_polls_after_terminal = 0;
  // Finished API requests by HTTP status ("200", "429", …) or
  // kDroppedOutcome.
  std::map<std::string, int64_t> status_codes;
};

// The payload type under which a 409's status carries the id of the
// compilation that is still running.
inline constexpr char kRunningCompilePayload[] =
    "type.cxone.sim/running_compile_id";

// The running compilation's id carried by an AlreadyExists from Trigger().
std::optional<std::string> RunningCompileIdOf(const absl::Status& status);

// `value` in base 36 (digits and lower-case letters), e.g. for ids.
std::string Base36(uint64_t value);

class SimState {
 public:
  // `clock` must outlive the state. `seed` seeds every random draw.
  SimState(SimConfig config, const Clock* clock, FlowSource flows,
           uint64_t seed);
  SimState(const SimState&) = delete;
  SimState& operator=(const SimState&) = delete;

  // The configuration as given; its `faults` are those at start (faults()
  // gives the current ones).
  const SimConfig& config() const { return config_; }

  // --- Faults ---

  SimFaults faults() const;

  // How to answer a trigger that started a compile: after what delay, and
  // whether to lose the answer (dropping the connection). Takes one of the
  // lost_trigger_answers.
  struct TriggerAnswer {
    absl::Duration delay = absl::ZeroDuration();
    bool lost = false;
  };
  TriggerAnswer TakeTriggerAnswer();
  // FaultsToJson() of the current faults.
  nlohmann::json FaultsJson() const;

  // Applies a /_sim/faults patch (sim_faults.h) whole, including its
  // revoke_tokens action. Errors: InvalidArgument naming the field
  // (FaultFieldOf()); the faults are then unchanged.
  absl::Status UpdateFaults(const nlohmann::json& patch);

  // Makes every token issued so far answer Unauthenticated ("revoked").
  void RevokeTokens();

  // --- OAuth ---

  // Issues a token to the configured client, valid for faults().token_ttl.
  // `requested_scope` is the space-separated `scope` parameter, nullopt or
  // empty if none was sent. Errors: Unauthenticated (wrong client id or
  // secret — the API's invalid_client), InvalidArgument (none of the
  // requested scopes may be granted — invalid_scope).
  absl::StatusOr<TokenGrant> IssueToken(
      absl::string_view client_id, absl::string_view client_secret,
      std::optional<absl::string_view> requested_scope);

  // OK if `token` was issued, has not expired, was not revoked and holds
  // `scope`. Errors: Unauthenticated (unknown, expired or revoked),
  // PermissionDenied (the scope is missing; the message names it).
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

  // GetCompile() for the status endpoint, which also remembers a terminal
  // status it answers, so that later status requests for the compile count
  // as status_polls_after_terminal. `intact` is false when the answer's
  // body will be cut short (the client does not learn the status then).
  absl::StatusOr<CompileSnapshot> AnswerStatus(absl::string_view flow_id,
                                               absl::string_view compile_id,
                                               bool intact);

  // Any compilation by id (for the simulator's debug endpoint); NotFound.
  absl::StatusOr<CompileSnapshot> FindCompile(
      absl::string_view compile_id) const;

  // Every compilation, in the order they were triggered.
  std::vector<CompileSnapshot> AllCompiles() const;

  // The most recent successful trigger, if any.
  std::optional<CompileSnapshot> LastTrigger() const;

  // --- Request admission and statistics ---

  // Counts one API request and marks it in flight until the returned guard
  // is destroyed (that is what max_concurrent measures). The guard records
  // the request's outcome in status_codes: what RecordStatus() or
  // RecordDropped() said last, 500 if neither was called.
  class ActiveRequest {
   public:
    ActiveRequest(ActiveRequest&& other) noexcept
        : state_(std::exchange(other.state_, nullptr)),
          outcome_(std::move(other.outcome_)) {}
    ActiveRequest(const ActiveRequest&) = delete;
    ActiveRequest& operator=(const ActiveRequest&) = delete;
    ActiveRequest& operator=(ActiveRequest&&) = delete;
    ~ActiveRequest();

    void RecordStatus(int http_status);
    void RecordDropped();

   private:
    friend class SimState;
    explicit ActiveRequest(SimState* state) : state_(state) {}
    SimState* state_;
    std::string outcome_ = "500";
  };
  // For a status request, `flow_id` and `compile_id` are those of its path
  // (they feed terminal_polls and status_polls_after_terminal).
  [[nodiscard]] ActiveRequest EnterRequest(Endpoint endpoint,
                                           absl::string_view flow_id = {},
                                           absl::string_view compile_id = {});

  // What to do with an API request, decided as it arrives.
  struct Admission {
    enum class Verdict {
      kServe,              // handle it
      kPaused,             // 429: the account is paused by an earlier 429
      kRateLimited,        // 429: over rate_limit_rps; starts a pause
      kTokenEndpointDown,  // 503 (token requests only)
      kDrop,               // drop the connection without a full response
      kError,              // 503
    };
    Verdict verdict = Verdict::kServe;
    // For a 429: the Retry-After header's value.
    std::string retry_after;
    // To wait before answering, whatever the verdict.
    absl::Duration latency = absl::ZeroDuration();
    // For a served status request: if it is answered 200, cut the body
    // short (malformed_rate).
    bool malformed = false;
  };

  // Applies the request-level faults, in this order: the pause (a request
  // arriving strictly before its end is answered 429 and counted in
  // requests_during_pause), the rate limit (over rate_limit_rps admitted
  // requests in the rolling second → 429, and the account is paused for
  // retry_after; with the http-date form the end is rounded up to a whole
  // second; with the seconds form retry_after is rounded up to whole
  // seconds), token_endpoint_down, then the seeded draws for drop_rate,
  // error_rate and (status only) malformed_rate. A request that passes the
  // pause and the rate limit counts against the limit whatever follows.
  Admission Admit(Endpoint endpoint);

  SimStats stats() const;

  // Zeroes the counters; max_concurrent restarts from the requests in
  // flight. Faults, tokens and compilations are kept, and so is what each
  // compile remembers (its terminal_polls, whether its terminal status was
  // answered).
  void ResetStats();

 private:
  struct Token {
    absl::Time expires_at;
    std::vector<std::string> scopes;
    bool revoked = false;
  };
  // A stretch of a compile's life; the last one lasts forever.
  struct Phase {
    CompileState state;
    absl::Duration duration;
  };
  struct Compile {
    std::string flow_id;
    std::string compile_id;
    absl::Time triggered_at;
    FlowCompileResult result;
    nlohmann::json directives;
    std::vector<Phase> phases;
    // A status request was answered, intact, with a terminal status.
    bool terminal_answered = false;
    int64_t terminal_polls = 0;
    int64_t status_requests = 0;
    bool chatty = false;
  };

  std::vector<Phase> PlanPhases(const std::string& flow_id, bool succeeded)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The compile `compile_id` of `flow_id`: Unavailable for a flow set to
  // fail, NotFound for an unknown id or one of another flow.
  absl::Status CheckFlowAnswers(absl::string_view flow_id) const;
  // (The writable one only delegates, through std::as_const, which the
  // analysis cannot follow; it requires mu_ all the same.)
  absl::StatusOr<Compile*> FindCompileLocked(absl::string_view flow_id,
                                             absl::string_view compile_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) ABSL_NO_THREAD_SAFETY_ANALYSIS;
  absl::StatusOr<const Compile*> FindCompileLocked(
      absl::string_view flow_id, absl::string_view compile_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static CompileState StateAt(const Compile& compile, absl::Time now);
  static CompileSnapshot Snapshot(const Compile& compile, absl::Time now);
  std::string RandomHex(size_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True with probability `rate`, from the fault generator.
  bool Draw(double rate) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The Retry-After value announcing pause_until_ at `now`.
  std::string RetryAfterValue(absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LeaveRequest(const std::string& outcome);

  const SimConfig config_;
  const Clock* const clock_;
  const FlowSource flows_;

  mutable absl::Mutex mu_;
  SimFaults faults_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 fault_rng_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 duration_rng_ ABSL_GUARDED_BY(mu_);
  // Separate, so that spreading QUEUED leaves the IN_PROGRESS draws alone.
  std::mt19937_64 queued_rng_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Token> tokens_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Compile> compiles_ ABSL_GUARDED_BY(mu_);
  // Compile ids in the order they were triggered.
  std::vector<std::string> compile_order_ ABSL_GUARDED_BY(mu_);
  // Flow id → id of its most recent compilation (the only one that may
  // still be running, since a flow compiles one at a time).
  absl::flat_hash_map<std::string, std::string> latest_compile_
      ABSL_GUARDED_BY(mu_);
  std::optional<std::string> last_trigger_ ABSL_GUARDED_BY(mu_);
  int64_t next_compile_number_ ABSL_GUARDED_BY(mu_) = 1;

  // Arrival times of the requests admitted in the last second.
  std::deque<absl::Time> admitted_ ABSL_GUARDED_BY(mu_);
  // Every API request arriving before this is answered 429.
  absl::Time pause_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // When the 429 that began the current pause was decided.
  absl::Time pause_started_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();

  SimStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_SIM_STATE_H_

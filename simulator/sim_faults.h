// SimFaults: the faults the simulator injects into the CXone API (token,
// trigger and status requests; never into its own /_sim endpoints), and
// their JSON form, which is what `GET /_sim/faults` returns and what
// `POST /_sim/faults` patches. simulator/README.md describes each fault.
//
// A patch is a JSON object holding any subset of the fields; fields it does
// not name keep their values. A patch is applied whole or not at all: the
// first unknown field, value of the wrong type or value out of range makes
// it fail, naming that field.
//
// Thread-safety: plain values and pure functions.
#ifndef CXONE_SIMULATOR_SIM_FAULTS_H_
#define CXONE_SIMULATOR_SIM_FAULTS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace cxone::sim {

// How a 429's Retry-After states when to come back (RFC 9110 §10.2.3).
enum class RetryAfterForm {
  kSeconds,   // delta-seconds: "2"
  kHttpDate,  // IMF-fixdate: "Wed, 21 Oct 2026 07:28:00 GMT"
};

struct SimFaults {
  // API requests (token, trigger, status together: the whole account)
  // admitted per rolling second; 0 turns the limit off.
  int64_t rate_limit_rps = 0;
  RetryAfterForm retry_after_form = RetryAfterForm::kSeconds;
  // How long the account is paused after exceeding the rate limit.
  absl::Duration retry_after = absl::Seconds(1);
  // Fractions, in [0, 1], of API requests answered 503 / whose connection
  // is dropped, and of 200 status answers whose body is cut short.
  double error_rate = 0;
  double drop_rate = 0;
  double malformed_rate = 0;
  // Added to every API request before it is answered.
  absl::Duration latency = absl::ZeroDuration();
  // Lifetime of tokens issued from now on.
  absl::Duration token_ttl = absl::Seconds(3600);
  // While true the token endpoint answers 503.
  bool token_endpoint_down = false;
  // Flows whose compiles misbehave; see SimState for the lifecycles.
  absl::flat_hash_set<std::string> stuck_flows;
  absl::flat_hash_set<std::string> backwards_flows;
  absl::flat_hash_set<std::string> unknown_status_flows;
  // While IN_PROGRESS these report "WORKING-<n>", n counting 10 ms steps:
  // an unknown status that changes all the time, for a stream of events.
  absl::flat_hash_set<std::string> chatty_flows;
  // Status requests for compiles of these flows are answered 400 with a
  // body quoting the request's Authorization header, as a careless API
  // might: for tests that a client never passes an echoed credential on.
  // Read on every request, not at trigger time.
  absl::flat_hash_set<std::string> echo_authorization_flows;
  // Upper bound of a compile's IN_PROGRESS duration, drawn uniformly from
  // [SimConfig::in_progress_duration, in_progress_max]. Zero (or any value
  // not above the lower bound) means the lower bound: no spread.
  absl::Duration in_progress_max = absl::ZeroDuration();
  // Extra QUEUED time, drawn per compile uniformly from [0, queued_spread],
  // so that compiles triggered together change state at different times.
  absl::Duration queued_spread = absl::ZeroDuration();
  // A trigger that starts a compile is answered only this long after the
  // compile was created: a slow CXone that acted at once.
  absl::Duration trigger_answer_delay = absl::ZeroDuration();
  // The next this many triggers that start a compile lose their answer:
  // the compile is created, then the connection is dropped. Counts down.
  int64_t lost_trigger_answers = 0;
};

// What a patch asks for: the faults that result, and the one-off action.
struct FaultsUpdate {
  SimFaults faults;
  // `"revoke_tokens": true`: revoke every token issued so far.
  bool revoke_tokens = false;
};

// The payload type under which a patch error carries the offending field.
inline constexpr char kFaultFieldPayload[] = "type.cxone.sim/fault_field";

// Applies `patch` to `current`. `in_progress_min` is the configured
// IN_PROGRESS duration, the lower bound for in_progress_ms_max. Errors:
// InvalidArgument "FIELD: problem" (FaultFieldOf() gives FIELD; "" if the
// patch is not an object).
absl::StatusOr<FaultsUpdate> ApplyFaultsPatch(const SimFaults& current,
                                              const nlohmann::json& patch,
                                              absl::Duration in_progress_min);

// The field named by an error of ApplyFaultsPatch().
std::optional<std::string> FaultFieldOf(const absl::Status& status);

// Every field but the action revoke_tokens, with in_progress_ms_max as the
// effective upper bound (never below `in_progress_min`). Lists are sorted.
nlohmann::json FaultsToJson(const SimFaults& faults,
                            absl::Duration in_progress_min);

// "seconds" / "http-date" and back; nullopt for any other text.
const char* RetryAfterFormName(RetryAfterForm form);
std::optional<RetryAfterForm> ParseRetryAfterForm(absl::string_view text);

// `time` as an IMF-fixdate (RFC 9110 §5.6.7), e.g.
// "Wed, 21 Oct 2026 07:28:00 GMT"; sub-second parts are dropped.
std::string FormatHttpDate(absl::Time time);

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_SIM_FAULTS_H_

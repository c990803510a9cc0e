// CompileLifecycle: one compile's state and the history of events that led
// to it, driven by what CXone reports and by the passing of time.
//
// Rules (shared/upstream-api.md, "Lifecycle"):
// - Legal moves go forward: QUEUED → IN_PROGRESS → COMPLETED | FAILED, and
//   QUEUED → FAILED. QUEUED → COMPLETED is accepted too: it means the polls
//   missed a short IN_PROGRESS phase, not that CXone misbehaved.
// - Any other move (backwards, out of a terminal state) is an anomaly: an
//   UPSTREAM_ANOMALY event with the raw status, and the state stays.
// - A status outside the four known is kept (upstream_status) and reported
//   as an anomaly; polling goes on.
// - No change for `stuck_timeout` → one STUCK event (again only after a
//   change); no change for `give_up_timeout` → terminal TIMED_OUT. "No
//   change" counts only time in which CXone was answering: from a change
//   or an answer after an outage, to the last answer before the next
//   outage (OnUpstreamUnreachable, or a refusal of the gateway itself such
//   as rejected credentials) or Retry-After pause (OnThrottled). A
//   gateway that cannot reach CXone learns nothing, so it never gives up
//   on a compile because of it.
// Repeated identical anomalies are reported once, not on every poll.
//
// Events get sequence numbers 1, 2, 3, … without gaps.
//
// Not thread-safe: CompileJob serialises access.
//
// A model to follow (README, "Architecture"): the rules live in a pure value
// — an upstream status in, the events it causes out, no I/O and no clock of
// its own — so every rule is tested without a server, a store or a thread.
#ifndef CXONE_SERVER_JOBS_COMPILE_LIFECYCLE_H_
#define CXONE_SERVER_JOBS_COMPILE_LIFECYCLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/labels.h"
#include "common/resource_name.h"
#include "cxone/compile/v1/compile.pb.h"
#include "server/upstream/upstream_types.h"

namespace cxone {

namespace compilev1 = ::cxone::compile::v1;

struct LifecycleTimeouts {
  absl::Duration stuck_timeout = absl::Minutes(2);
  absl::Duration give_up_timeout = absl::Minutes(30);
};

class CompileLifecycle {
 public:
  // A compile CXone just accepted, in STATE_UNSPECIFIED with no events:
  // feed it the first status CXone gave (the trigger's, or a poll's when
  // attaching to a running compile) through OnUpstreamStatus(). `labels`
  // are those of the StartCompile that created it; they never change.
  CompileLifecycle(const CompileName& name, absl::Time now,
                   LifecycleTimeouts timeouts, const Labels& labels = {},
                   const std::string& tenant = "");

  // A compile recovered from the store, as last recorded, its last event
  // numbered `last_sequence`. A live one's stuck and give-up clocks restart
  // at `now` (the gateway's downtime is not the compile's); a finished
  // one's last change is when it finished.
  CompileLifecycle(const compilev1::Compile& recorded, uint64_t last_sequence,
                   absl::Time now, LifecycleTimeouts timeouts);

  // Applies a status poll; returns the events it caused (often none).
  std::vector<compilev1::CompileEvent> OnUpstreamStatus(
      const upstream::CompileStatus& status, absl::Time now);

  // Applies a poll that failed for good (not transient): reported once per
  // distinct message as an anomaly. NotFound (CXone does not know the
  // compile) counts as an answer; any other refusal stops the quiet clock.
  // Returns the events it caused.
  std::vector<compilev1::CompileEvent> OnUpstreamError(
      const absl::Status& error, absl::Time now);

  // Notes that a poll could not reach CXone (transport failure, 5xx, token
  // endpoint down, … after the client's retries): the stuck and give-up
  // clocks stop at the last answer and start again at the next one.
  // Causes no events.
  std::vector<compilev1::CompileEvent> OnUpstreamUnreachable();

  // Notes that CXone throttles the account until `until`: one THROTTLED
  // event per distinct pause (none once terminal). The state is untouched,
  // and the paused time does not count towards the stuck and give-up
  // timeouts.
  std::vector<compilev1::CompileEvent> OnThrottled(absl::Time until,
                                                   absl::Time now);

  // Checks the stuck and give-up timeouts; returns the events they caused.
  std::vector<compilev1::CompileEvent> OnTick(absl::Time now);

  const compilev1::Compile& compile() const { return compile_; }
  bool terminal() const;
  uint64_t last_sequence() const { return last_sequence_; }
  // When the state last changed (for a finished compile: when it
  // finished).
  absl::Time last_change() const { return last_change_; }
  // How long CXone has answered without a change, as of `now` (what the
  // stuck and give-up timeouts measure; see the class comment).
  absl::Duration QuietFor(absl::Time now) const;

 private:
  compilev1::CompileEvent NewEvent(compilev1::EventType type,
                                   compilev1::State previous, absl::Time now);
  compilev1::CompileEvent Anomaly(const std::string& raw, std::string detail,
                                  absl::Time now);
  void MoveTo(compilev1::State state, absl::Time now);
  // CXone answered at `now` about this compile (a status, or "no such
  // compile").
  void NoteAnswer(absl::Time now);
  // CXone could not be asked (or refused the gateway itself): see the class
  // comment.
  void StopQuietClock();

  compilev1::Compile compile_;
  LifecycleTimeouts timeouts_;
  uint64_t last_sequence_ = 0;
  absl::Time last_change_;
  // The quiet clock: `quiet_counted_` of answered time without a change,
  // plus, while CXone answers (`answering_`), the time since
  // `counting_since_`. `last_answer_` is when CXone last answered.
  absl::Duration quiet_counted_ = absl::ZeroDuration();
  bool answering_ = true;
  absl::Time counting_since_;
  absl::Time last_answer_;
  bool stuck_reported_ = false;
  // The last anomaly reported, so an unchanged one is not repeated.
  std::string last_anomaly_;
  // The end of the last pause reported by a THROTTLED event.
  absl::Time throttled_until_ = absl::InfinitePast();
};

// The State for one of CXone's four status strings, or STATE_UNSPECIFIED for
// any other string.
compilev1::State StateFromUpstream(const std::string& status);

// True for COMPLETED, FAILED and TIMED_OUT.
bool IsTerminal(compilev1::State state);

// Whether CXone may move a compile from `from` to `to` (see class comment).
bool IsLegalMove(compilev1::State from, compilev1::State to);

// The category of CXone error code `code`.
compilev1::ErrorCategory CategoryOf(const std::string& code);

// The API form of a CXone diagnostic (category, code, message, location —
// absent for line 0).
compilev1::CompileError ToCompileError(const upstream::Diagnostic& diagnostic,
                                       bool is_warning);

// "QUEUED", "IN_PROGRESS", … for messages.
std::string StateName(compilev1::State state);

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_COMPILE_LIFECYCLE_H_

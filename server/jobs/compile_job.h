// CompileJob: one compile as the gateway tracks it — its lifecycle and the
// log of every event it produced — and the watchers waiting for more.
//
// Watchers are cursors into the event log: a watcher asks for the event
// after the last one it wrote (NextEvent). If there is none yet it is
// registered as an EventListener and told once, when the next event is
// appended. Events are immutable and shared between watchers.
//
// The poller feeds the job (ApplyStatus, ApplyError, Tick); the number of
// upstream polls therefore never depends on the number of watchers.
//
// A change and its events are committed to the journal (journal.h) before
// anyone can see them: watchers never receive an event a restart could
// lose. If the commit fails, the change is dropped as if it had not
// happened, and the next poll brings it again.
// A model to follow (README, "Architecture"): Mutate() copies, commits,
// then publishes; anything a client may see must be committed first.
//
// Thread-safe. Lock order: notify_mu_ before mu_; listeners are called with
// notify_mu_ held and mu_ released, so a listener may call NextEvent() but
// must not call RemoveListener() from OnEventAvailable(). What else is taken
// under notify_mu_ (the journal, listeners, observers): server/LOCKING.md.
#ifndef CXONE_SERVER_JOBS_COMPILE_JOB_H_
#define CXONE_SERVER_JOBS_COMPILE_JOB_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/jobs/compile_lifecycle.h"
#include "server/store/journal.h"

namespace cxone {

// Told when a new event is available. See CompileJob::NextEvent.
class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnEventAvailable() = 0;
};

// One event of a compile's log, kept as the message and as the bytes every
// watcher sends: it is serialised once, however many watchers there are.
struct LoggedEvent {
  compilev1::CompileEvent event;
  std::string wire;
};

using SharedEvent = std::shared_ptr<const LoggedEvent>;

// Gives `entry` its collection revision (Journal::CommitNumbered): in the
// message, and appended to the bytes, which were serialised without it
// (protobuf reads concatenated encodings as one message, the later field
// winning). REQUIRES: `entry` has no revision yet and is not shared.
void SetRevision(LoggedEvent& entry, uint64_t revision);

class CompileJob;

// Told of every event a job logs (the audit log, metrics).
class JobObserver {
 public:
  virtual ~JobObserver() = default;
  // After `events` were appended to `job`'s log, in order. Called without
  // the job's state lock but with its writer lock: may read `job`, must
  // not change it.
  virtual void OnEvents(const CompileJob& job,
                        const std::vector<SharedEvent>& events) = 0;
};

class CompileJob {
 public:
  // A compile just triggered (see ApplyFirstStatus), carrying the `labels`
  // of the StartCompile that created it. `journal` (never null) and
  // `observer` (may be null) must outlive the job.
  CompileJob(const CompileName& name, absl::Time now,
             LifecycleTimeouts timeouts, Journal* journal,
             JobObserver* observer = nullptr, const Labels& labels = {},
             const std::string& tenant = "");

  // A compile recovered from the store with the retained part of its log
  // (`events`, in sequence order, ending with the recorded last sequence).
  CompileJob(const StoredCompile& recorded, std::vector<SharedEvent> events,
             absl::Time now, LifecycleTimeouts timeouts, Journal* journal,
             JobObserver* observer = nullptr);
  CompileJob(const CompileJob&) = delete;
  CompileJob& operator=(const CompileJob&) = delete;

  const std::string& name() const { return name_; }
  const CompileName& compile_name() const { return compile_name_; }
  // The tenant that started the compile ("" without tenants); fixed.
  const std::string& tenant() const { return tenant_; }

  // The compile as it is now.
  compilev1::Compile Snapshot() const;

  // A SNAPSHOT event of the compile as it is now; its sequence is that of
  // the newest event in the log.
  compilev1::CompileEvent SnapshotEvent() const;

  bool terminal() const;

  // When the state last changed (for a finished compile: when it finished).
  absl::Time last_change() const;

  // The first status of a new compile, committed together with `extra`
  // (its request_id key, say). The store's error if the commit failed: the
  // job is then unchanged.
  absl::Status ApplyFirstStatus(const upstream::CompileStatus& status,
                                absl::Time now, StoreBatch extra);

  // Feeds the lifecycle (see CompileLifecycle) and appends the events.
  // Returns true when the compile is terminal afterwards (false, and the
  // job unchanged, if the journal could not commit the change).
  bool ApplyStatus(const upstream::CompileStatus& status, absl::Time now);
  bool ApplyError(const absl::Status& error, absl::Time now);
  // A poll could not reach CXone (see
  // CompileLifecycle::OnUpstreamUnreachable).
  void NoteUnreachable();
  bool Tick(absl::Time now);
  void NoteThrottled(absl::Time until, absl::Time now);

  // OK if the log still holds every event after `after_sequence`;
  // OutOfRange saying which events it holds if retention dropped some.
  absl::Status CheckRetained(uint64_t after_sequence) const;

  // Drops the events before `sequence` (retention). Later NextEvent() calls
  // for dropped events return null; CheckRetained() reports them.
  void DropEventsBefore(uint64_t sequence);

  // The newest event's sequence (0 when none).
  uint64_t last_sequence() const;

  // The oldest event's sequence the log still holds (last_sequence() + 1
  // when it holds none).
  uint64_t first_retained_sequence() const;

  // The newest event's collection revision (0 when none, or when it was
  // logged before the gateway numbered events).
  uint64_t last_revision() const;

  // The event with sequence `after_sequence + 1` if the log has it.
  // Otherwise, if `listener` is non-null, registers it to be told once when
  // an event is appended, and returns null. A listener that is registered
  // stays so until told or removed.
  SharedEvent NextEvent(uint64_t after_sequence, EventListener* listener);

  // True when the compile is terminal and the log holds no event after
  // `sequence`: a watcher at that cursor has seen everything.
  bool IsFinishedAfter(uint64_t sequence) const;

  // Unregisters `listener`. After it returns the listener is not being
  // called and will not be. REQUIRES: not called from OnEventAvailable().
  void RemoveListener(EventListener* listener);

  // Number of listeners waiting for an event (for tests).
  size_t waiting_listeners() const;

 private:
  struct MutateResult {
    bool terminal;
    absl::Status committed;
  };
  // Runs `change` on a copy of the lifecycle; commits the copy and the
  // events it returned (with `extra`) to the journal; then, unless that
  // failed, makes the copy current, appends the events in sequence order
  // and tells the waiting listeners.
  MutateResult Mutate(
      absl::FunctionRef<std::vector<compilev1::CompileEvent>(CompileLifecycle&)>
          change,
      StoreBatch extra = {});

  const std::string name_;
  const CompileName compile_name_;
  const std::string tenant_;
  Journal* const journal_;
  JobObserver* const observer_;

  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  CompileLifecycle lifecycle_ ABSL_GUARDED_BY(mu_);
  // Events first_retained_, first_retained_ + 1, …, without gaps.
  std::deque<SharedEvent> events_ ABSL_GUARDED_BY(mu_);
  uint64_t first_retained_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t last_revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<EventListener*> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_COMPILE_JOB_H_

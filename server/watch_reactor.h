// WatchReactor: one WatchCompile stream — a cursor into one compile's event
// log, written to the client at the client's own pace.
//
// The stream: a SNAPSHOT (or, when resuming with after_sequence, a
// HEARTBEAT marker stating the cursor), then every logged event after the
// cursor, then a SYNCED marker once caught up, then live events; HEARTBEAT
// markers whenever one is due and nothing else is being sent; OK after the
// terminal event. Every event carries `resume_after_sequence`; the first
// (and every marker) carries `heartbeat_interval`.
//
// Logged events go out as the bytes serialised once when they were logged,
// shared by reference with every other watcher: a watcher costs its cursor
// and the one write in flight, however far it lags.
//
// Lifecycle, as in grpc's route_guide callback example: at most one write
// in flight; OnWriteDone starts the next; when there is nothing to send the
// reactor waits for the job (EventListener) or the WatcherSet (heartbeat,
// drain) to call it; it deletes itself in OnDone.
#ifndef CXONE_SERVER_WATCH_REACTOR_H_
#define CXONE_SERVER_WATCH_REACTOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "server/compile_job.h"
#include "server/watcher_set.h"

namespace cxone {

class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           public EventListener,
                           public Watcher {
 public:
  // Streams `job` from the snapshot (no `after_sequence`) or from just
  // after `after_sequence`. REQUIRES: CheckRetained(after_sequence) was OK.
  // `watchers` must outlive the reactor.
  WatchReactor(std::shared_ptr<CompileJob> job,
               std::optional<uint64_t> after_sequence, WatcherSet* watchers);

  // A reactor that only reports `error`.
  explicit WatchReactor(const grpc::Status& error);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  void OnEventAvailable() override;
  void OnHeartbeatDue() override;
  void OnDrain() override;

 private:
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends a marker (or the snapshot) of the given type.
  void WriteMessageLocked(compilev1::CompileEvent event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  compilev1::CompileEvent Marker(compilev1::EventType type) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<CompileJob> job_;
  WatcherSet* const watchers_ = nullptr;
  bool registered_ = false;

  absl::Mutex mu_;
  // Set once the constructor has started the first write.
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  // What the write in flight sends (the bytes are owned by its slices).
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_REACTOR_H_

// WatchStream: one WatchCompile call — a cursor into one compile's event
// log, written to the client at the client's own pace.
//
// The stream: a SNAPSHOT (unless resuming with after_sequence), then every
// logged event after the cursor, then a SYNCED marker as soon as caught up,
// then live events; a HEARTBEAT marker only after at least half a
// heartbeat interval of silence, and before a whole one has passed (the
// WatcherSet beats every half interval; a stream that sent nothing since
// the last beat sends one); OK after the terminal event. Every event
// carries `resume_after_sequence`; the first message (and every marker)
// carries `heartbeat_interval` — appended to the shared bytes when the
// first message is a replayed event.
//
// Logged events go out as the bytes serialised once when they were logged,
// shared by reference with every other watcher: a watcher costs its cursor
// and the one write in flight, however far it lags.
// A model to follow (README, "Architecture"): what many readers share is
// made once and shared by reference, never copied per reader.
//
// Served on the async API (see watch_dispatcher.h for why): a stream is
// created to request the next call on one completion queue, and every
// completion of that call (request, write, finish, done) reaches it on that
// queue's one thread, through OnCompletion(). At most one write is in
// flight; its completion starts the next; when there is nothing to send the
// stream waits for the job (EventListener) or the WatcherSet (heartbeat,
// drain) to call it from their threads. Once the call is done and no
// operation is in flight, the stream unregisters and deletes itself.
//
// Thread-safe. The job and the WatcherSet call the stream with their locks
// held; the stream reads the job with its own: server/LOCKING.md.
#ifndef CXONE_SERVER_WATCH_WATCH_STREAM_H_
#define CXONE_SERVER_WATCH_WATCH_STREAM_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/async_stream.h"
#include "server/jobs/compile_job.h"
#include "server/watch/watch_stream_host.h"
#include "server/watch/watcher_set.h"

namespace cxone {

class WatchStream final : public EventListener, public Watcher {
 public:
  // What a completion-queue tag of a stream stands for.
  enum class Op { kRequest, kWrite, kFinish, kDone };
  // The tag handed to gRPC for each operation.
  struct Tag {
    WatchStream* stream;
    Op op;
  };

  // Asks the server for the next WatchCompile call on `cq`. The stream
  // owns itself from here on. `host` must outlive it.
  static void Request(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);

  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Called by the queue's thread for each completed operation. May delete
  // the stream.
  void OnCompletion(Op op, bool ok);

  void OnEventAvailable() override;
  void OnHeartbeatDue() override;
  void OnDrain() override;

 private:
  WatchStream(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);
  ~WatchStream() override = default;

  // The call arrived: resolve the request and send the first message.
  void Begin();
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the write of `message`. REQUIRES: no write in flight.
  void StartWriteLocked(grpc::ByteBuffer message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends a marker (or the snapshot).
  void WriteMessageLocked(const compilev1::CompileEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  compilev1::CompileEvent Marker(compilev1::EventType type) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // True once nothing can start or complete any more.
  bool EndedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  WatchStreamHost* const host_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_;
  Tag request_tag_{this, Op::kRequest};
  Tag write_tag_{this, Op::kWrite};
  Tag finish_tag_{this, Op::kFinish};
  Tag done_tag_{this, Op::kDone};

  // When the call arrived (on the audit log's clock; none without a call or
  // an audit log), and how the stream ended: for the audit line.
  std::optional<absl::Time> arrived_;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  // Set by Begin() before the first write, then constant.
  std::shared_ptr<CompileJob> job_;
  bool registered_ = false;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  // What the write in flight sends (the bytes are owned by its slices).
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  // A message was written: the heartbeat interval has been stated.
  bool interval_stated_ ABSL_GUARDED_BY(mu_) = false;
  // A write started since the WatcherSet's last beat.
  bool sent_since_beat_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  // Finish() was called: no more writes.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // A write failed (the client went away): no more operations.
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  // The call is over (finished or cancelled): no more operations.
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_WATCH_STREAM_H_

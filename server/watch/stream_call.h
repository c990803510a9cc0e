// StreamCall: one server-streaming watch call on the async API — what a
// WatchCompile stream (watch_stream.h) and every later kind of watch share:
// the call's operations on its completion queue, at most one write in
// flight, the SYNCED marker once caught up, HEARTBEAT markers, the drain at
// shutdown, the end of the call and its audit line.
//
// A kind of watch says what it sends (WriteNextItemLocked, MarkerLocked),
// how it ends on a drain (DrainMessageLocked), which call it serves
// (RequestCall, RequestNextCall), how it begins (Begin) and what it lets go
// of at the end (Unregister). The heartbeat rule: a HEARTBEAT only after at
// least half a heartbeat interval of silence, and before a whole one has
// passed (the WatcherSet beats every half interval; a stream that sent
// nothing since the last beat sends one).
//
// Every completion reaches the stream on its queue's one thread, through
// OnCompletion(); the source of its items (EventListener) and the
// WatcherSet (heartbeat, drain) call it from their threads, with their
// locks held. Once the call is done and no operation is in flight, the
// stream unregisters and deletes itself.
//
// Thread-safe: server/LOCKING.md (WatchStream::mu_ is every StreamCall's).
#ifndef CXONE_SERVER_WATCH_STREAM_CALL_H_
#define CXONE_SERVER_WATCH_STREAM_CALL_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpc/slice.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/async_stream.h"
#include "server/api/rpc_audit.h"
#include "server/jobs/compile_job.h"
#include "server/watch/watch_stream_host.h"
#include "server/watch/watcher_set.h"

namespace cxone {

// A slice over `shared->wire`, the bytes made once for every stream, that
// keeps `shared` alive for as long as gRPC holds the slice: no copy per
// stream, and no lifetime to get wrong. `Shared` is a std::shared_ptr to
// something with a std::string `wire`.
template <typename Shared>
grpc::Slice SharedWireSlice(Shared shared) {
  auto* holder = new Shared(std::move(shared));
  const std::string& wire = (*holder)->wire;
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>(wire.data()), wire.size(),
      [](void* user_data) { delete static_cast<Shared*>(user_data); }, holder);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

class StreamCall : public EventListener, public Watcher {
 public:
  // What a completion-queue tag of a stream stands for.
  enum class Op { kRequest, kWrite, kFinish, kDone };
  // The tag handed to gRPC for each operation.
  struct Tag {
    StreamCall* stream;
    Op op;
  };

  StreamCall(const StreamCall&) = delete;
  StreamCall& operator=(const StreamCall&) = delete;

  // Called by the queue's thread for each completed operation. May delete
  // the stream.
  void OnCompletion(Op op, bool ok);

  void OnEventAvailable() override;
  void OnHeartbeatDue() override;
  void OnDrain() override;

 protected:
  // `method` names the call in the audit log. `host` must outlive it.
  StreamCall(WatchStreamHost* host, grpc::ServerCompletionQueue* cq,
             absl::string_view method);
  ~StreamCall() override = default;

  // Asks for the call (the stream owns itself from here on): subclasses'
  // factories call this once, right after construction.
  void Arm();

  // The call this stream serves: asks gRPC for it, completing
  // `request_tag()` with `context_`, `request_` and `writer_`.
  virtual void RequestCall() = 0;
  // Asks for the next call of the same kind on `cq_`.
  virtual void RequestNextCall() = 0;
  // The call arrived: resolve `request_` and send the first message (or
  // finish). Runs unlocked; sets `started_` under `mu_`.
  virtual void Begin() = 0;
  // Writes the next item of the source, or finishes the stream if the
  // source says it is over, and returns true; false when there is nothing
  // to send now (having asked the source to call OnEventAvailable()).
  virtual bool WriteNextItemLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // A SYNCED or HEARTBEAT marker, serialised.
  virtual std::string MarkerLocked(compilev1::EventType type) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // The UNAVAILABLE message of a drain: where to resume.
  virtual std::string DrainMessageLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;
  // At the end, unlocked: stop the source from calling the stream. After
  // it returns, the source is not calling and will not call.
  virtual void Unregister() = 0;
  // What the audit line says beyond the call's outcome.
  virtual void DescribeForAudit(RpcAudit& audit) const = 0;

  void* request_tag() { return &request_tag_; }
  // The heartbeat interval, as the first message and markers state it.
  google::protobuf::Duration HeartbeatInterval() const;
  // Registers with the WatcherSet; false (not registered) when draining.
  // Call from Begin() before taking mu_ (the set calls watchers with its
  // lock held).
  bool RegisterWithWatchers();

  // The next message, if one is due (see the file comment).
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the write of `message`. REQUIRES: no write in flight.
  void StartWriteLocked(grpc::ByteBuffer message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts the write of the shared bytes `shared` (SharedWireSlice), a
  // serialised `Message`. The first message of a stream states the
  // heartbeat interval; shared bytes cannot change, so the field is
  // appended to them as a second slice: protobuf reads concatenated
  // encodings as one message. REQUIRES: no write in flight.
  template <typename Message>
  void StartSharedWriteLocked(grpc::Slice shared)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (interval_stated_) {
      StartWriteLocked(grpc::ByteBuffer(&shared, 1));
      return;
    }
    Message interval;
    *interval.mutable_heartbeat_interval() = HeartbeatInterval();
    grpc::Slice slices[2] = {std::move(shared),
                             grpc::Slice(interval.SerializeAsString())};
    StartWriteLocked(grpc::ByteBuffer(slices, 2));
  }
  void WriteBytesLocked(std::string bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  WatchStreamHost* const host_;
  // The admitted caller (set on the queue's thread before Begin()).
  std::optional<Caller> caller_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  // A message was written: the heartbeat interval has been stated.
  bool interval_stated_ ABSL_GUARDED_BY(mu_) = false;

 private:
  // True once nothing can start or complete any more.
  bool EndedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string method_;
  Tag request_tag_{this, Op::kRequest};
  Tag write_tag_{this, Op::kWrite};
  Tag finish_tag_{this, Op::kFinish};
  Tag done_tag_{this, Op::kDone};

  // When the call arrived (on the audit log's clock; none without a call or
  // an audit log), and how the stream ended: for the audit line.
  std::optional<absl::Time> arrived_;
  // Who called (set on the queue's thread before Begin()); empty for a call
  // refused UNAUTHENTICATED.
  std::string principal_;
  // The watch's place in its tenant's quota, given back when the stream
  // is deleted.
  std::unique_ptr<TenantUsage::WatchLease> watch_lease_;
  std::shared_ptr<void> connection_slot_;
  bool registered_ = false;
  grpc::Status final_status_ ABSL_GUARDED_BY(mu_);
  // What the write in flight sends (the bytes are owned by its slices).
  grpc::ByteBuffer out_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
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

#endif  // CXONE_SERVER_WATCH_STREAM_CALL_H_

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
// Served on the async API (see watch_dispatcher.h for why) as a StreamCall
// (stream_call.h: one write in flight, markers, drain, the call's end):
// this class is what is particular to one compile's log.
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
#include "server/watch/stream_call.h"
#include "server/watch/watch_stream_host.h"

namespace cxone {

class WatchStream final : public StreamCall {
 public:
  // Asks the server for the next WatchCompile call on `cq`. The stream
  // owns itself from here on. `host` must outlive it.
  static void Request(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);

 private:
  WatchStream(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);
  ~WatchStream() override = default;

  void RequestCall() override;
  void RequestNextCall() override;
  void Begin() override;
  bool WriteNextItemLocked() override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MarkerLocked(compilev1::EventType type) const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string DrainMessageLocked() const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unregister() override;
  void DescribeForAudit(RpcAudit& audit) const override;

  // Set by Begin() before the first write, then constant.
  std::shared_ptr<CompileJob> job_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_WATCH_STREAM_H_

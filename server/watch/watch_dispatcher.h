// WatchDispatcher: serves WatchCompile and WatchCompiles on the async API,
// over several completion queues with one thread each.
//
// Why not the callback API like the other methods: a callback server has
// one completion queue for all its calls, and Debian's gRPC 1.51 is built
// with a debug check that scans a queue's list of pending operations on
// every completion. Every open watch keeps one operation pending (the
// notice of its end), so with one queue each delivered event costs a scan
// of every watch — 37% of the server's CPU with 50,000 watches, under one
// lock. Spread over `queue_count` queues, a scan covers 1/queue_count of
// them. Each queue always has one call of each method requested; a stream
// that receives a call requests the next one (see StreamCall).
//
// Shutdown order: StopAccepting(), grpc::Server::Shutdown(), then
// Shutdown(), which waits (on the injected Clock) for the streams to end
// before it shuts the queues down, so no stream can start an operation on
// a dead queue.
//
// Thread-safe. Lock order (accept_mu_ before count_mu_, both before
// gRPC's): server/LOCKING.md.
#ifndef CXONE_SERVER_WATCH_WATCH_DISPATCHER_H_
#define CXONE_SERVER_WATCH_WATCH_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/redactor.h"
#include "grpcpp/grpcpp.h"
#include "server/api/compile_service.h"
#include "server/watch/connection_watch_limit.h"
#include "server/watch/watch_stream_host.h"
#include "server/watch/watcher_set.h"

namespace cxone {

class WatchDispatcher final : public WatchStreamHost {
 public:
  // Adds `queue_count` completion queues to `builder`. `service` must be
  // registered with the same builder. All pointers must outlive the
  // dispatcher. At most `max_watches_per_connection` streams are open on
  // one client connection (ConnectionWatchLimit). REQUIRES: queue_count >=
  // 1, max_watches_per_connection >= 1.
  WatchDispatcher(CompileService* service, WatcherSet* watchers,
                  CompileCollection* collection, const Redactor* redactor,
                  Clock* clock, grpc::ServerBuilder* builder, int queue_count,
                  int64_t max_watches_per_connection = 5000);

  // Logged events written to watchers so far, for metrics.
  int64_t events_sent() const { return events_sent_.load(); }
  int64_t collection_events_sent() const {
    return collection_events_sent_.load();
  }
  WatchDispatcher(const WatchDispatcher&) = delete;
  WatchDispatcher& operator=(const WatchDispatcher&) = delete;
  // Shuts down if Shutdown() was not called. REQUIRES: the server is shut
  // down (or was never built).
  ~WatchDispatcher() override;

  // Requests the first call on every queue and starts their threads.
  // REQUIRES: the server was built and started.
  void Start();

  // Requests no more calls. Call before grpc::Server::Shutdown().
  void StopAccepting();

  // Waits up to `timeout` for every stream to end, then shuts the queues
  // down and joins their threads. REQUIRES: grpc::Server::Shutdown()
  // returned.
  void Shutdown(absl::Duration timeout);

  // Streams in existence, including one waiting for a call per queue.
  int64_t live_streams() const;

  // WatchStreamHost, for the streams.
  void RequestCall(grpc::ServerContext* context, grpc::ByteBuffer* request,
                   grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
                   grpc::ServerCompletionQueue* cq, void* tag) override;
  void RequestNext(grpc::ServerCompletionQueue* cq) override;
  void RequestCollectionCall(grpc::ServerContext* context,
                             grpc::ByteBuffer* request,
                             grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
                             grpc::ServerCompletionQueue* cq,
                             void* tag) override;
  void RequestNextCollectionWatch(grpc::ServerCompletionQueue* cq) override;
  CompileCollection* collection() const override { return collection_; }
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const override {
    return service_->access().Authenticate(context);
  }
  absl::StatusOr<AdmittedWatch> AdmitWatch(const std::string& principal,
                                           const std::string& peer) override;
  absl::StatusOr<std::shared_ptr<CompileJob>> ResolveWatch(
      const Caller& caller,
      const compilev1::WatchCompileRequest& request) const override {
    return service_->ResolveWatch(caller, request);
  }
  WatcherSet* watchers() const override { return watchers_; }
  const Redactor& redactor() const override { return *redactor_; }
  AuditLog* audit() const override { return service_->audit(); }
  void StreamCreated() override;
  void StreamEnded() override;
  void CountCollectionEventSent() override {
    collection_events_sent_.fetch_add(1, std::memory_order_relaxed);
  }
  void CountEventSent() override {
    events_sent_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  static void Serve(grpc::ServerCompletionQueue* cq);

  CompileService* const service_;
  WatcherSet* const watchers_;
  CompileCollection* const collection_;
  const Redactor* const redactor_;
  Clock* const clock_;
  ConnectionWatchLimit per_connection_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  std::atomic<int64_t> events_sent_{0};
  std::atomic<int64_t> collection_events_sent_{0};

  // Held across each request, so that none starts after StopAccepting().
  absl::Mutex accept_mu_ ABSL_ACQUIRED_BEFORE(count_mu_);
  bool accepting_ ABSL_GUARDED_BY(accept_mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(accept_mu_) = false;

  mutable absl::Mutex count_mu_;
  int64_t live_streams_ ABSL_GUARDED_BY(count_mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_WATCH_DISPATCHER_H_

#include "server/watch/watch_dispatcher.h"

#include "server/watch/collection_watch_stream.h"
#include "server/watch/watch_stream.h"

namespace cxone {

WatchDispatcher::WatchDispatcher(CompileService* service, WatcherSet* watchers,
                                 CompileCollection* collection,
                                 const Redactor* redactor, Clock* clock,
                                 grpc::ServerBuilder* builder, int queue_count,
                                 int64_t max_watches_per_connection)
    : service_(service),
      watchers_(watchers),
      collection_(collection),
      redactor_(redactor),
      clock_(clock),
      per_connection_(max_watches_per_connection) {
  for (int i = 0; i < queue_count; ++i) {
    queues_.push_back(builder->AddCompletionQueue());
  }
}

WatchDispatcher::~WatchDispatcher() { Shutdown(absl::ZeroDuration()); }

void WatchDispatcher::Start() {
  absl::MutexLock lock(&accept_mu_);
  accepting_ = true;
  for (const auto& queue : queues_) {
    WatchStream::Request(this, queue.get());
    CollectionWatchStream::Request(this, queue.get());
    threads_.emplace_back(Serve, queue.get());
  }
}

void WatchDispatcher::Serve(grpc::ServerCompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  while (cq->Next(&tag, &ok)) {
    auto* stream_tag = static_cast<StreamCall::Tag*>(tag);
    stream_tag->stream->OnCompletion(stream_tag->op, ok);
  }
}

void WatchDispatcher::RequestCall(
    grpc::ServerContext* context, grpc::ByteBuffer* request,
    grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
    grpc::ServerCompletionQueue* cq, void* tag) {
  service_->RequestWatchCompile(context, request, writer, cq, cq, tag);
}

void WatchDispatcher::RequestNext(grpc::ServerCompletionQueue* cq) {
  absl::MutexLock lock(&accept_mu_);
  if (accepting_) WatchStream::Request(this, cq);
}

void WatchDispatcher::RequestCollectionCall(
    grpc::ServerContext* context, grpc::ByteBuffer* request,
    grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
    grpc::ServerCompletionQueue* cq, void* tag) {
  service_->RequestWatchCompiles(context, request, writer, cq, cq, tag);
}

void WatchDispatcher::RequestNextCollectionWatch(
    grpc::ServerCompletionQueue* cq) {
  absl::MutexLock lock(&accept_mu_);
  if (accepting_) CollectionWatchStream::Request(this, cq);
}

void WatchDispatcher::StopAccepting() {
  absl::MutexLock lock(&accept_mu_);
  accepting_ = false;
}

absl::StatusOr<AdmittedWatch> WatchDispatcher::AdmitWatch(
    const std::string& principal, const std::string& peer) {
  absl::StatusOr<Caller> caller =
      service_->access().AdmitPrincipal(principal, Role::kWatch);
  if (!caller.ok()) return caller.status();
  absl::StatusOr<std::shared_ptr<void>> slot = per_connection_.Admit(peer);
  if (!slot.ok()) return slot.status();
  AdmittedWatch admitted{*std::move(caller), nullptr, *std::move(slot)};
  if (TenantUsage* usage = service_->usage(); usage != nullptr) {
    absl::StatusOr<std::unique_ptr<TenantUsage::WatchLease>> lease =
        usage->AdmitWatch(*admitted.caller.tenant);
    if (!lease.ok()) return lease.status();
    admitted.lease = *std::move(lease);
  }
  return admitted;
}

void WatchDispatcher::StreamCreated() {
  absl::MutexLock lock(&count_mu_);
  ++live_streams_;
}

void WatchDispatcher::StreamEnded() {
  absl::MutexLock lock(&count_mu_);
  --live_streams_;
}

int64_t WatchDispatcher::live_streams() const {
  absl::MutexLock lock(&count_mu_);
  return live_streams_;
}

void WatchDispatcher::Shutdown(absl::Duration timeout) {
  {
    absl::MutexLock lock(&accept_mu_);
    if (shut_down_) return;
    shut_down_ = true;
    accepting_ = false;
  }
  {
    // After the server's shutdown every call ends and every waiting request
    // fails, so each stream gets its last completion and deletes itself.
    absl::MutexLock lock(&count_mu_);
    auto all_ended = [this]() ABSL_SHARED_LOCKS_REQUIRED(count_mu_) {
      return live_streams_ == 0;
    };
    clock_->AwaitWithDeadline(count_mu_, absl::Condition(&all_ended),
                              clock_->Now() + timeout);
  }
  for (const auto& queue : queues_) queue->Shutdown();
  for (std::thread& thread : threads_) thread.join();
  if (threads_.empty()) {
    // Never started: drain the queues here, as gRPC requires.
    void* tag = nullptr;
    bool ok = false;
    for (const auto& queue : queues_) {
      while (queue->Next(&tag, &ok)) {
      }
    }
  }
  threads_.clear();
}

}  // namespace cxone

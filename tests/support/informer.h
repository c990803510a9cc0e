// Informer: a controller's cache kept by list-then-watch, as the
// integration tests of WatchCompiles run it against the real gateway.
//
// Thread-safe: the stream is read on the informer's own thread; the
// accessors copy under its mutex.
#ifndef CXONE_TESTS_SUPPORT_INFORMER_H_
#define CXONE_TESTS_SUPPORT_INFORMER_H_

#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tests/support/harness_testing.h"

namespace cxone::testing {

// A controller's cache fed by WatchCompiles of `filter` on its own thread,
// starting from a list (its compiles and revision), reconnecting (to
// whatever address the gateway has now, see SetAddress) after every broken
// stream with `after_revision` = the last `resume_after_revision` received.
class Informer {
 public:
  Informer(const Listing& listing, std::string address,
           compile::v1::CompileFilter filter = {})
      : address_(std::move(address)), filter_(std::move(filter)) {
    for (const compile::v1::Compile& compile : listing.compiles) {
      cache_[compile.name()] = compile;
    }
    revision_ = listing.revision;
    thread_ = std::thread([this] { Run(); });
  }
  ~Informer() {
    stop_.Notify();
    {
      absl::MutexLock lock(&mu_);
      if (context_ != nullptr) context_->TryCancel();
    }
    thread_.join();
  }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Where the gateway listens after a restart.
  void SetAddress(std::string address) {
    absl::MutexLock lock(&mu_);
    address_ = std::move(address);
  }
  uint64_t revision() const {
    absl::MutexLock lock(&mu_);
    return revision_;
  }
  std::map<std::string, compile::v1::Compile> cache() const {
    absl::MutexLock lock(&mu_);
    return cache_;
  }
  // The revision of every event received, in order of arrival.
  std::vector<uint64_t> revisions_seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  // The flow of every event received, in order of arrival.
  std::vector<std::string> flows_seen() const {
    absl::MutexLock lock(&mu_);
    return flows_;
  }
  // How each stream ended (none ended while the informer ran on).
  std::vector<grpc::Status> endings() const {
    absl::MutexLock lock(&mu_);
    return endings_;
  }

 private:
  void Run() {
    while (!stop_.HasBeenNotified()) {
      compile::v1::WatchCompilesRequest request;
      std::string address;
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        // Checked under the lock the destructor cancels under: a stream
        // opened after that would never be cancelled.
        if (stop_.HasBeenNotified()) return;
        *request.mutable_filter() = filter_;
        request.set_after_revision(revision_);
        address = address_;
        context_ = &context;
      }
      auto stub = compile::v1::CompileService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      auto reader = stub->WatchCompiles(&context, request);
      compile::v1::WatchCompilesResponse message;
      while (reader->Read(&message)) Apply(message);
      grpc::Status status = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
        endings_.push_back(status);
      }
      stop_.WaitForNotificationWithTimeout(absl::Milliseconds(50));
    }
  }

  void Apply(const compile::v1::WatchCompilesResponse& message) {
    absl::MutexLock lock(&mu_);
    revision_ = message.resume_after_revision();
    if (!message.has_compile()) return;  // a marker
    seen_.push_back(message.event().revision());
    flows_.push_back(message.compile().flow_id());
    cache_[message.compile().name()] = message.compile();
  }

  absl::Notification stop_;
  mutable absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  const compile::v1::CompileFilter filter_;
  // The open stream's, for the destructor to cancel.
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::map<std::string, compile::v1::Compile> cache_ ABSL_GUARDED_BY(mu_);
  uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<uint64_t> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> flows_ ABSL_GUARDED_BY(mu_);
  std::vector<grpc::Status> endings_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_INFORMER_H_

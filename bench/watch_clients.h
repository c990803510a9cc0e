// Watch clients for the benchmarks: WatchCompile streams read with the
// async API on a few completion queues (no thread per stream), recording
// into a Group what their watchers saw and how late.
#ifndef CXONE_BENCH_WATCH_CLIENTS_H_
#define CXONE_BENCH_WATCH_CLIENTS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cxone::bench {

namespace v1 = ::cxone::compile::v1;

// Latencies in 100 us buckets up to 60 s (the last bucket takes the rest);
// recorded from gRPC's callback threads without a lock.
class LatencyHistogram {
 public:
  static constexpr int64_t kBucketUs = 100;
  static constexpr int64_t kBuckets = 600'001;

  LatencyHistogram()
      : buckets_(std::make_unique<std::atomic<uint64_t>[]>(kBuckets)) {
    for (int64_t i = 0; i < kBuckets; ++i) buckets_[i].store(0);
  }

  void Record(int64_t micros) {
    if (micros < 0) {
      negative_.fetch_add(1, std::memory_order_relaxed);
      micros = 0;
    }
    const int64_t bucket = std::min(micros / kBucketUs, kBuckets - 1);
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    int64_t max = max_us_.load(std::memory_order_relaxed);
    while (micros > max && !max_us_.compare_exchange_weak(max, micros)) {
    }
  }

  // The upper edge of the bucket holding the p-quantile, in ms.
  double PercentileMs(double p) const {
    const uint64_t count = count_.load();
    if (count == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(
        std::max(1.0, p * static_cast<double>(count) + 0.5));
    uint64_t seen = 0;
    for (int64_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i].load();
      if (seen >= rank) {
        return std::min(static_cast<double>((i + 1) * kBucketUs),
                        static_cast<double>(max_us_.load())) /
               1000.0;
      }
    }
    return MaxMs();
  }
  double MaxMs() const { return static_cast<double>(max_us_.load()) / 1000; }
  uint64_t count() const { return count_.load(); }
  uint64_t negative() const { return negative_.load(); }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> negative_{0};
  std::atomic<int64_t> max_us_{0};
};

// What the watchers of one group (the scale compiles, or one of the two
// independence compiles) saw, summed.
struct Group {
  std::atomic<int64_t> synced{0};
  std::atomic<int64_t> live_events{0};   // logged events after SYNCED
  std::atomic<int64_t> early_events{0};  // ... before `open_complete`
  std::atomic<int64_t> replayed{0};      // logged events before SYNCED
  std::atomic<int64_t> heartbeats{0};
  std::atomic<int64_t> terminal_ok{0};  // terminal event, then status OK
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::atomic<bool> open_complete{false};
  LatencyHistogram latency;
  absl::Mutex mu;
  std::string first_error ABSL_GUARDED_BY(mu);
};

inline bool IsTerminal(v1::State state) {
  return state == v1::STATE_COMPLETED || state == v1::STATE_FAILED ||
         state == v1::STATE_TIMED_OUT;
}

// One WatchCompile stream, read through the async API on one of the
// client's completion queues (see ClientQueues).
class Watch final {
 public:
  enum class Op { kStart, kRead, kFinish };
  struct Tag {
    Watch* watch;
    Op op;
  };

  explicit Watch(Group* group) : group_(group) {}

  // No deadline: a deadline per call would put 50,000 timers in gRPC's
  // timer list; the run's time limit cancels instead.
  void Start(v1::CompileService::Stub& stub, const std::string& name,
             grpc::CompletionQueue* cq) {
    request_.set_name(name);
    reader_ = stub.PrepareAsyncWatchCompile(&context_, request_, cq);
    reader_->StartCall(&start_tag_);
  }

  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_.load(); }

  // Called by the queue's thread.
  void OnCompletion(Op op, bool ok) {
    switch (op) {
      case Op::kStart:
      case Op::kRead:
        if (!ok) {
          reader_->Finish(&status_, &finish_tag_);
          return;
        }
        if (op == Op::kRead) OnEvent();
        reader_->Read(&event_, &read_tag_);
        return;
      case Op::kFinish:
        OnDone();
        return;
    }
  }

 private:
  void OnEvent() {
    const absl::Time now = absl::Now();
    switch (event_.type()) {
      case v1::EVENT_TYPE_SYNCED:
        if (!synced_) {
          synced_ = true;
          group_->synced.fetch_add(1);
        }
        break;
      case v1::EVENT_TYPE_HEARTBEAT:
        group_->heartbeats.fetch_add(1, std::memory_order_relaxed);
        break;
      case v1::EVENT_TYPE_SNAPSHOT:
        break;
      default: {
        if (synced_) {
          const absl::Time observed =
              absl::FromUnixSeconds(event_.time().seconds()) +
              absl::Nanoseconds(event_.time().nanos());
          group_->latency.Record(absl::ToInt64Microseconds(now - observed));
          group_->live_events.fetch_add(1, std::memory_order_relaxed);
          if (!group_->open_complete.load(std::memory_order_relaxed)) {
            group_->early_events.fetch_add(1, std::memory_order_relaxed);
          }
        } else {
          group_->replayed.fetch_add(1, std::memory_order_relaxed);
        }
        if (IsTerminal(event_.state())) saw_terminal_ = true;
      }
    }
  }

  void OnDone() {
    if (status_.ok() && saw_terminal_) {
      group_->terminal_ok.fetch_add(1);
    } else {
      group_->failed.fetch_add(1);
      absl::MutexLock lock(&group_->mu);
      if (group_->first_error.empty()) {
        group_->first_error = status_.ok()
                                  ? "stream ended OK without a terminal event"
                                  : absl::StrCat("code ", status_.error_code(),
                                                 ": ", status_.error_message());
      }
    }
    group_->done.fetch_add(1);
    done_.store(true);
  }

  Group* const group_;
  grpc::ClientContext context_;
  v1::WatchCompileRequest request_;
  std::unique_ptr<grpc::ClientAsyncReader<v1::CompileEvent>> reader_;
  v1::CompileEvent event_;
  grpc::Status status_;
  Tag start_tag_{this, Op::kStart};
  Tag read_tag_{this, Op::kRead};
  Tag finish_tag_{this, Op::kFinish};
  // Only touched by the queue's thread.
  bool synced_ = false;
  bool saw_terminal_ = false;
  std::atomic<bool> done_{false};
};

// The client's completion queues, one thread each: as on the server, many
// queues keep Debian gRPC's per-completion scan of a queue's pending
// operations short.
class ClientQueues {
 public:
  explicit ClientQueues(int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      queues_.push_back(std::make_unique<grpc::CompletionQueue>());
      threads_.emplace_back([cq = queues_.back().get()] {
        void* tag = nullptr;
        bool ok = false;
        while (cq->Next(&tag, &ok)) {
          auto* watch_tag = static_cast<Watch::Tag*>(tag);
          watch_tag->watch->OnCompletion(watch_tag->op, ok);
        }
      });
    }
  }
  ClientQueues(const ClientQueues&) = delete;
  ClientQueues& operator=(const ClientQueues&) = delete;
  // REQUIRES: every watch is done.
  ~ClientQueues() {
    for (auto& queue : queues_) queue->Shutdown();
    for (auto& thread : threads_) thread.join();
  }

  grpc::CompletionQueue* queue(int64_t index) const {
    return queues_[static_cast<size_t>(index) % queues_.size()].get();
  }

 private:
  std::vector<std::unique_ptr<grpc::CompletionQueue>> queues_;
  std::vector<std::thread> threads_;
};

// Compiles to watch on one gateway, and the Group their watchers record
// into.
struct WatchTarget {
  v1::CompileService::Stub* stub;
  std::vector<v1::Compile> compiles;  // those without a name are skipped
  Group* group;
};

// Opens `watchers` streams on every compile of every target (on a few
// completion queues), waits until all have ended or `limit` passed, then
// cancels the rest and waits (bounded) for them to end.
inline void WatchToTheEnd(const std::vector<WatchTarget>& targets,
                          int64_t watchers, absl::Duration limit) {
  ClientQueues queues(4);
  std::vector<std::unique_ptr<Watch>> watches;
  for (const WatchTarget& target : targets) {
    for (const v1::Compile& compile : target.compiles) {
      for (int64_t w = 0; w < watchers && !compile.name().empty(); ++w) {
        watches.push_back(std::make_unique<Watch>(target.group));
        watches.back()->Start(
            *target.stub, compile.name(),
            queues.queue(static_cast<int64_t>(watches.size())));
      }
    }
  }
  auto all_done = [&watches] {
    return std::all_of(watches.begin(), watches.end(),
                       [](const auto& watch) { return watch->done(); });
  };
  const absl::Time deadline = absl::Now() + limit;
  while (!all_done() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));  // bounded by `deadline`
  }
  for (auto& watch : watches) {
    if (!watch->done()) watch->Cancel();
  }
  const absl::Time cancel_deadline = absl::Now() + absl::Seconds(20);
  while (!all_done() && absl::Now() < cancel_deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // bounded by cancel_deadline
  }
}

}  // namespace cxone::bench

#endif  // CXONE_BENCH_WATCH_CLIENTS_H_

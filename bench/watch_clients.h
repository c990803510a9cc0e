// Watch clients for the benchmarks: WatchCompile and WatchCompiles streams
// read with the async API on a few completion queues (no thread per
// stream), recording into a Group what their watchers saw and how late.
#ifndef CXONE_BENCH_WATCH_CLIENTS_H_
#define CXONE_BENCH_WATCH_CLIENTS_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/latency_histogram.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/grpcpp.h"

namespace cxone::bench {

namespace v1 = ::cxone::compile::v1;

// What the watchers of one group (the scale compiles, one of the two
// independence compiles, or the collection watchers) saw, summed.
struct Group {
  std::atomic<int64_t> synced{0};
  std::atomic<int64_t> live_events{0};   // logged events after SYNCED
  std::atomic<int64_t> early_events{0};  // ... before `open_complete`
  std::atomic<int64_t> replayed{0};      // logged events before SYNCED
  std::atomic<int64_t> heartbeats{0};
  std::atomic<int64_t> terminal_ok{0};  // terminal event, then status OK
  // Terminal events received (a collection stream receives many).
  std::atomic<int64_t> terminal_events{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::atomic<bool> open_complete{false};
  LatencyHistogram latency;  // every live event
  // The same, split: the events that start a compile (no previous state),
  // and the changes after them.
  LatencyHistogram start_latency;
  LatencyHistogram change_latency;
  absl::Mutex mu;
  std::string first_error ABSL_GUARDED_BY(mu);

  // Counts a stream that failed; the first failure's reason is kept.
  void Fail(const std::string& why) {
    failed.fetch_add(1);
    absl::MutexLock lock(&mu);
    if (first_error.empty()) first_error = why;
  }
  std::string FirstError() {
    absl::MutexLock lock(&mu);
    return first_error;
  }
};

inline bool IsTerminal(v1::State state) {
  return state == v1::STATE_COMPLETED || state == v1::STATE_FAILED ||
         state == v1::STATE_TIMED_OUT;
}

// Records into `group` how late the live `event` arrived at `now`: from
// its `time` (when the gateway observed the change).
inline void RecordDelay(const v1::CompileEvent& event, absl::Time now,
                        Group& group) {
  const absl::Time observed = absl::FromUnixSeconds(event.time().seconds()) +
                              absl::Nanoseconds(event.time().nanos());
  const int64_t micros = absl::ToInt64Microseconds(now - observed);
  group.latency.Record(micros);
  (event.previous_state() == v1::STATE_UNSPECIFIED ? group.start_latency
                                                   : group.change_latency)
      .Record(micros);
}

// Counts a SYNCED (the first of a stream: `synced` says whether it came)
// or HEARTBEAT marker into `group`; false if `type` is not a marker.
inline bool CountMarker(v1::EventType type, bool& synced, Group& group) {
  if (type == v1::EVENT_TYPE_SYNCED) {
    if (!synced) group.synced.fetch_add(1);
    synced = true;
    return true;
  }
  if (type == v1::EVENT_TYPE_HEARTBEAT) {
    group.heartbeats.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  return false;
}

// A server stream read to its end through the async API on one of
// ClientQueues' queues: started, read message by message until it ends,
// then finished. Subclasses say what a message and the end mean; both
// are called on the queue's thread, one at a time.
//
// No deadline: a deadline per call would put 50,000 timers in gRPC's
// timer list; the run's time limit cancels instead.
// REQUIRES: done() before it is destroyed.
class AsyncStream {
 public:
  enum class Op { kStart, kRead, kFinish };
  struct Tag {
    AsyncStream* stream;
    Op op;
  };

  AsyncStream() = default;
  AsyncStream(const AsyncStream&) = delete;
  AsyncStream& operator=(const AsyncStream&) = delete;
  virtual ~AsyncStream() = default;

  void Cancel() { context_.TryCancel(); }
  bool done() const { return done_.load(); }

  // Called by the queue's thread.
  void OnCompletion(Op op, bool ok) {
    switch (op) {
      case Op::kStart:
      case Op::kRead:
        if (!ok) {
          Finish(&status_, &finish_tag_);
          return;
        }
        if (op == Op::kRead) OnMessage();
        Read(&read_tag_);
        return;
      case Op::kFinish:
        OnEnd(status_);
        done_.store(true);
        return;
    }
  }

 protected:
  grpc::ClientContext& context() { return context_; }
  void* start_tag() { return &start_tag_; }

 private:
  // The reader's Read() into its message, and its Finish().
  virtual void Read(void* tag) = 0;
  virtual void Finish(grpc::Status* status, void* tag) = 0;
  // The message just read.
  virtual void OnMessage() = 0;
  // The stream ended with `status`.
  virtual void OnEnd(const grpc::Status& status) = 0;

  grpc::ClientContext context_;
  grpc::Status status_;
  Tag start_tag_{this, Op::kStart};
  Tag read_tag_{this, Op::kRead};
  Tag finish_tag_{this, Op::kFinish};
  std::atomic<bool> done_{false};
};

// An AsyncStream of `Response` messages.
template <typename Response>
class AsyncReaderStream : public AsyncStream {
 protected:
  // Starts `reader`, prepared with context() on a ClientQueues queue.
  void StartCall(std::unique_ptr<grpc::ClientAsyncReader<Response>> reader) {
    reader_ = std::move(reader);
    reader_->StartCall(start_tag());
  }
  // The message OnMessage() is called for.
  const Response& message() const { return message_; }

 private:
  void Read(void* tag) final { reader_->Read(&message_, tag); }
  void Finish(grpc::Status* status, void* tag) final {
    reader_->Finish(status, tag);
  }

  std::unique_ptr<grpc::ClientAsyncReader<Response>> reader_;
  Response message_;
};

// One WatchCompile stream, recording into its Group.
class Watch final : public AsyncReaderStream<v1::CompileEvent> {
 public:
  explicit Watch(Group* group) : group_(group) {}

  // `authorization`, when not empty, is sent as the `authorization`
  // metadata (`Bearer TOKEN`).
  void Start(v1::CompileService::Stub& stub, const std::string& name,
             grpc::CompletionQueue* cq, const std::string& authorization = "") {
    request_.set_name(name);
    if (!authorization.empty()) {
      context().AddMetadata("authorization", authorization);
    }
    StartCall(stub.PrepareAsyncWatchCompile(&context(), request_, cq));
  }

 private:
  void OnMessage() override {
    const absl::Time now = absl::Now();
    const v1::CompileEvent& event = message();
    if (CountMarker(event.type(), synced_, *group_) ||
        event.type() == v1::EVENT_TYPE_SNAPSHOT) {
      return;
    }
    if (synced_) {
      RecordDelay(event, now, *group_);
      group_->live_events.fetch_add(1, std::memory_order_relaxed);
      if (!group_->open_complete.load(std::memory_order_relaxed)) {
        group_->early_events.fetch_add(1, std::memory_order_relaxed);
      }
    } else {
      group_->replayed.fetch_add(1, std::memory_order_relaxed);
    }
    if (IsTerminal(event.state())) saw_terminal_ = true;
  }

  void OnEnd(const grpc::Status& status) override {
    if (status.ok() && saw_terminal_) {
      group_->terminal_ok.fetch_add(1);
    } else {
      group_->Fail(status.ok() ? "stream ended OK without a terminal event"
                               : absl::StrCat("code ", status.error_code(),
                                              ": ", status.error_message()));
    }
    group_->done.fetch_add(1);
  }

  Group* const group_;
  v1::WatchCompileRequest request_;
  // Only touched by the queue's thread.
  bool synced_ = false;
  bool saw_terminal_ = false;
};

// One WatchCompiles stream from `after_revision`, which also tallies the
// revisions it receives: each one after `after_revision` should arrive
// exactly once, in order. The stream never ends by itself; the run
// cancels it.
class CollectionWatch final
    : public AsyncReaderStream<v1::WatchCompilesResponse> {
 public:
  explicit CollectionWatch(Group* group) : group_(group) {}

  void Start(v1::CompileService::Stub& stub, const v1::CompileFilter& filter,
             uint64_t after_revision, grpc::CompletionQueue* cq) {
    after_revision_ = after_revision;
    last_revision_.store(after_revision);
    *request_.mutable_filter() = filter;
    request_.set_after_revision(after_revision);
    StartCall(stub.PrepareAsyncWatchCompiles(&context(), request_, cq));
  }

  // The highest revision received so far (any thread).
  uint64_t last_revision() const { return last_revision_.load(); }

  // What arrived against what should have, for the revisions
  // (after_revision, through]. REQUIRES: done().
  struct Tally {
    int64_t missing = 0;       // never received
    int64_t repeated = 0;      // received more than once
    int64_t out_of_order = 0;  // not above the revision before it
    int64_t beyond = 0;        // above `through`
  };
  Tally Check(uint64_t through) const {
    Tally tally;
    tally.out_of_order = out_of_order_;
    for (uint64_t revision = after_revision_ + 1; revision <= through;
         ++revision) {
      const uint64_t index = revision - after_revision_ - 1;
      const int count = index < seen_.size() ? seen_[index] : 0;
      if (count == 0) ++tally.missing;
      if (count > 1) tally.repeated += count - 1;
    }
    for (uint64_t index = through - after_revision_; index < seen_.size();
         ++index) {
      tally.beyond += seen_[index];
    }
    return tally;
  }

 private:
  void OnMessage() override {
    const absl::Time now = absl::Now();
    const v1::CompileEvent& event = message().event();
    if (CountMarker(event.type(), synced_, *group_)) return;
    if (synced_) {
      RecordDelay(event, now, *group_);
      group_->live_events.fetch_add(1, std::memory_order_relaxed);
    } else {
      group_->replayed.fetch_add(1, std::memory_order_relaxed);
    }
    if (IsTerminal(event.state())) {
      group_->terminal_events.fetch_add(1, std::memory_order_relaxed);
    }
    const uint64_t revision = event.revision();
    if (revision <= last_revision_.load()) ++out_of_order_;
    if (revision > after_revision_) {
      const uint64_t index = revision - after_revision_ - 1;
      if (index >= seen_.size()) seen_.resize(index + 1, 0);
      ++seen_[index];
    }
    last_revision_.store(std::max(last_revision_.load(), revision));
  }

  void OnEnd(const grpc::Status& status) override {
    if (status.error_code() != grpc::StatusCode::CANCELLED) {
      group_->Fail(absl::StrCat("a collection stream ended: code ",
                                status.error_code(), ": ",
                                status.error_message()));
    }
    group_->done.fetch_add(1);
  }

  Group* const group_;
  v1::WatchCompilesRequest request_;
  uint64_t after_revision_ = 0;
  std::atomic<uint64_t> last_revision_{0};
  // Only touched by the queue's thread (read by Check() once done()).
  bool synced_ = false;
  int64_t out_of_order_ = 0;
  // How often each revision after `after_revision_` arrived.
  std::vector<uint8_t> seen_;
};

// `count` stubs to the gateway at `address`, each on a channel of its own
// and so its own TCP connection (distinct channel args and a local
// subchannel pool) made with `credentials` (plaintext by default), all
// connected; none if one did not connect within 10 s.
inline std::vector<std::unique_ptr<v1::CompileService::Stub>> ConnectedStubs(
    const std::string& address, int64_t count,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials =
        grpc::InsecureChannelCredentials()) {
  std::vector<std::unique_ptr<v1::CompileService::Stub>> stubs;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int64_t i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("cxone.bench.channel", static_cast<int>(i));
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(grpc::CreateCustomChannel(address, credentials, args));
    stubs.push_back(v1::CompileService::NewStub(channels.back()));
  }
  for (const auto& channel : channels) {
    if (!channel->WaitForConnected(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)))) {
      return {};
    }
  }
  return stubs;
}

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
          auto* stream_tag = static_cast<AsyncStream::Tag*>(tag);
          stream_tag->stream->OnCompletion(stream_tag->op, ok);
        }
      });
    }
  }
  ClientQueues(const ClientQueues&) = delete;
  ClientQueues& operator=(const ClientQueues&) = delete;
  // REQUIRES: every stream is done.
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

// Ends every stream, so that they can be destroyed: cancels those still
// open and, if they have not all ended within 10 s, calls `stop_processes`
// (stopping the server ends every call) and waits 20 s more. Exits the
// program with 1, naming `program`, if some are open even then.
template <typename Stream>
void EndAll(const std::vector<std::unique_ptr<Stream>>& streams,
            const std::function<void()>& stop_processes, const char* program) {
  if (CancelAndWait(streams, absl::Seconds(10))) return;
  stop_processes();
  if (CancelAndWait(streams, absl::Seconds(20))) return;
  std::fprintf(stderr, "%s: streams still open at exit\n", program);
  std::fflush(stderr);
  std::_Exit(1);
}

// Compiles to watch on one gateway, and the Group their watchers record
// into.
struct WatchTarget {
  v1::CompileService::Stub* stub;
  std::vector<v1::Compile> compiles;  // those without a name are skipped
  Group* group;
};

// Whether every stream of `streams` has ended.
template <typename Stream>
bool AllDone(const std::vector<std::unique_ptr<Stream>>& streams) {
  return std::all_of(streams.begin(), streams.end(),
                     [](const auto& stream) { return stream->done(); });
}

// Cancels the streams not done yet and waits (at most `timeout`) until all
// have ended; whether they have.
template <typename Stream>
bool CancelAndWait(const std::vector<std::unique_ptr<Stream>>& streams,
                   absl::Duration timeout) {
  for (const auto& stream : streams) {
    if (!stream->done()) stream->Cancel();
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (!AllDone(streams) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // bounded by `deadline`
  }
  return AllDone(streams);
}

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
  const absl::Time deadline = absl::Now() + limit;
  while (!AllDone(watches) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));  // bounded by `deadline`
  }
  CancelAndWait(watches, absl::Seconds(20));
}

}  // namespace cxone::bench

#endif  // CXONE_BENCH_WATCH_CLIENTS_H_

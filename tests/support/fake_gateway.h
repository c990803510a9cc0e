// FakeGateway: an in-process CompileService that answers from scripts and
// records what it was asked, and FakeGatewayCliTest, a fixture that runs the
// real CLI against it over a real gRPC channel on loopback. Shared by the
// specifications of the CLI's commands and watches.
//
// Thread-safe: the gateway's calls run on gRPC's threads; every field is
// behind its mutex.
#ifndef CXONE_TESTS_SUPPORT_FAKE_GATEWAY_H_
#define CXONE_TESTS_SUPPORT_FAKE_GATEWAY_H_

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/command_line.h"
#include "client/compile_commands.h"
#include "client/gateway_channel.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/alarm.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace cxone::client {

namespace v1 = ::cxone::compile::v1;

// What a server stream does: write `events` in order (waiting `pace`
// before each one after the first), then end the stream with `end`, or
// (with `hang`) keep it open until the client goes away.
template <typename Message>
struct StreamScript {
  std::vector<Message> events = {};
  grpc::Status end = grpc::Status::OK;
  bool hang = false;
  absl::Duration pace = absl::ZeroDuration();
};

// A WatchCompile script, and a WatchCompiles one.
using WatchScript = StreamScript<compile::v1::CompileEvent>;
using CollectionScript = StreamScript<compile::v1::WatchCompilesResponse>;

// Writes a StreamScript. Finish() must be called exactly once, and OnCancel
// may run concurrently with OnWriteDone and the pacing alarm, hence the
// mutex. The reactor never finishes while the alarm is pending, so the
// alarm's callback never outlives it.
template <typename Message>
class ScriptedStream final : public grpc::ServerWriteReactor<Message> {
 public:
  explicit ScriptedStream(StreamScript<Message> script)
      : script_(std::move(script)) {
    absl::MutexLock lock(&mu_);
    NextLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    ++next_;
    NextLocked();
  }

  void OnCancel() override {
    bool cancel_alarm = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      cancel_alarm = alarm_pending_;
      if (!writing_ && !alarm_pending_) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
      }
    }
    // Outside the lock: the alarm's callback takes it.
    if (cancel_alarm) alarm_.Cancel();
  }

  void OnDone() override { delete this; }

 private:
  void OnPaced(bool ok) {
    absl::MutexLock lock(&mu_);
    alarm_pending_ = false;
    paced_ = ok;
    NextLocked();
  }

  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    } else if (next_ < script_.events.size()) {
      if (next_ > 0 && script_.pace > absl::ZeroDuration() && !paced_) {
        alarm_pending_ = true;
        alarm_.Set(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(script_.pace),
                   [this](bool ok) { OnPaced(ok); });
        return;
      }
      paced_ = false;
      writing_ = true;
      this->StartWrite(&script_.events[next_]);
    } else if (!script_.hang) {
      FinishLocked(script_.end);
    }
    // A hanging stream waits for OnCancel (the client's deadline or
    // watchdog).
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    this->Finish(status);
  }

  absl::Mutex mu_;
  StreamScript<Message> script_;
  grpc::Alarm alarm_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool alarm_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool paced_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A CompileService that answers from a script and records what it was asked.
class FakeGateway final : public v1::CompileService::CallbackService {
 public:
  // What StartCompile, GetCompile and LookupCompile return: `compile`, or
  // `status` if it is not OK.
  void SetCompile(v1::Compile compile) {
    absl::MutexLock lock(&mu_);
    compile_ = std::move(compile);
  }
  void SetUnaryStatus(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    unary_status_ = std::move(status);
  }
  // Every WatchCompile call plays `script`.
  void SetWatch(WatchScript script) { SetWatches({std::move(script)}); }
  // WatchCompile call i plays scripts[i]; calls past the end play the last.
  void SetWatches(std::vector<WatchScript> scripts) {
    absl::MutexLock lock(&mu_);
    watches_ = std::move(scripts);
  }
  // WatchCompiles call i plays scripts[i]; calls past the end play the
  // last (none: a stream that ends OK at once).
  void SetCollectionWatches(std::vector<CollectionScript> scripts) {
    absl::MutexLock lock(&mu_);
    collection_watches_ = std::move(scripts);
  }
  // What ListCompiles lists, whatever the filter: `compiles` in that order,
  // in pages of the request's page_size, the page token being the offset of
  // the next page ("" after the last). With `failing_page` >= 0, that call
  // (0 for the first) fails with `failure` instead.
  void SetList(std::vector<v1::Compile> compiles, int failing_page = -1,
               grpc::Status failure = grpc::Status::OK) {
    absl::MutexLock lock(&mu_);
    list_calls_ = static_cast<int>(list_requests_.size());
    list_ = std::move(compiles);
    failing_page_ = failing_page;
    list_failure_ = std::move(failure);
  }

  std::vector<v1::StartCompileRequest> start_requests() const {
    absl::MutexLock lock(&mu_);
    return start_requests_;
  }
  // The name of each WatchCompile request.
  std::vector<std::string> watched() const {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> names;
    for (const v1::WatchCompileRequest& request : watch_requests_) {
      names.push_back(request.name());
    }
    return names;
  }
  std::vector<v1::WatchCompileRequest> watch_requests() const {
    absl::MutexLock lock(&mu_);
    return watch_requests_;
  }
  // When each WatchCompile call arrived.
  std::vector<std::chrono::steady_clock::time_point> watch_times() const {
    absl::MutexLock lock(&mu_);
    return watch_times_;
  }
  std::vector<std::string> got() const {
    absl::MutexLock lock(&mu_);
    return got_;
  }
  // The request_id of each LookupCompile request.
  std::vector<std::string> looked_up() const {
    absl::MutexLock lock(&mu_);
    return looked_up_;
  }
  std::vector<v1::WatchCompilesRequest> collection_requests() const {
    absl::MutexLock lock(&mu_);
    return collection_requests_;
  }
  std::vector<v1::ListCompilesRequest> list_requests() const {
    absl::MutexLock lock(&mu_);
    return list_requests_;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(start_requests_.size() + watch_requests_.size() +
                            got_.size() + looked_up_.size() +
                            list_requests_.size() +
                            collection_requests_.size());
  }

  grpc::ServerUnaryReactor* StartCompile(grpc::CallbackServerContext* context,
                                         const v1::StartCompileRequest* request,
                                         v1::Compile* response) override {
    absl::MutexLock lock(&mu_);
    start_requests_.push_back(*request);
    return AnswerLocked(context, response);
  }

  grpc::ServerUnaryReactor* GetCompile(grpc::CallbackServerContext* context,
                                       const v1::GetCompileRequest* request,
                                       v1::Compile* response) override {
    absl::MutexLock lock(&mu_);
    got_.push_back(request->name());
    return AnswerLocked(context, response);
  }

  grpc::ServerUnaryReactor* LookupCompile(
      grpc::CallbackServerContext* context,
      const v1::LookupCompileRequest* request, v1::Compile* response) override {
    absl::MutexLock lock(&mu_);
    looked_up_.push_back(request->request_id());
    return AnswerLocked(context, response);
  }

  grpc::ServerUnaryReactor* ListCompiles(
      grpc::CallbackServerContext* context,
      const v1::ListCompilesRequest* request,
      v1::ListCompilesResponse* response) override {
    absl::MutexLock lock(&mu_);
    const int call = static_cast<int>(list_requests_.size());
    list_requests_.push_back(*request);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (call - list_calls_ == failing_page_) {
      reactor->Finish(list_failure_);
      return reactor;
    }
    size_t offset = 0;
    if (!request->page_token().empty() &&
        !absl::SimpleAtoi(request->page_token(), &offset)) {
      reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                   "page_token is not one of ours"));
      return reactor;
    }
    const size_t size = request->page_size() > 0
                            ? static_cast<size_t>(request->page_size())
                            : 100;
    for (size_t i = offset; i < list_.size() && i < offset + size; ++i) {
      *response->add_compiles() = list_[i];
    }
    if (offset + size < list_.size()) {
      response->set_next_page_token(absl::StrCat(offset + size));
    }
    response->set_revision(list_revision_);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<v1::CompileEvent>* WatchCompile(
      grpc::CallbackServerContext* /*context*/,
      const v1::WatchCompileRequest* request) override {
    absl::MutexLock lock(&mu_);
    const size_t call = watch_requests_.size();
    watch_requests_.push_back(*request);
    watch_times_.push_back(std::chrono::steady_clock::now());
    if (watches_.empty())
      return new ScriptedStream<v1::CompileEvent>(WatchScript{});
    return new ScriptedStream<v1::CompileEvent>(
        watches_[std::min(call, watches_.size() - 1)]);
  }

  grpc::ServerWriteReactor<v1::WatchCompilesResponse>* WatchCompiles(
      grpc::CallbackServerContext* /*context*/,
      const v1::WatchCompilesRequest* request) override {
    absl::MutexLock lock(&mu_);
    const size_t call = collection_requests_.size();
    collection_requests_.push_back(*request);
    if (collection_watches_.empty()) {
      return new ScriptedStream<v1::WatchCompilesResponse>(CollectionScript{});
    }
    return new ScriptedStream<v1::WatchCompilesResponse>(
        collection_watches_[std::min(call, collection_watches_.size() - 1)]);
  }

  // How BatchStartCompiles call i answers: batches[i] (calls past the end:
  // the last); none: every item an UNIMPLEMENTED item status.
  using BatchAnswer = std::function<grpc::Status(
      const v1::BatchStartCompilesRequest&, v1::BatchStartCompilesResponse*)>;
  void SetBatches(std::vector<BatchAnswer> batches) {
    absl::MutexLock lock(&mu_);
    batches_ = std::move(batches);
  }
  std::vector<v1::BatchStartCompilesRequest> batch_requests() const {
    absl::MutexLock lock(&mu_);
    return batch_requests_;
  }

  grpc::ServerUnaryReactor* BatchStartCompiles(
      grpc::CallbackServerContext* context,
      const v1::BatchStartCompilesRequest* request,
      v1::BatchStartCompilesResponse* response) override {
    absl::MutexLock lock(&mu_);
    const size_t call = batch_requests_.size();
    batch_requests_.push_back(*request);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (batches_.empty()) {
      for (int i = 0; i < request->requests_size(); ++i) {
        response->add_results()->mutable_status()->set_code(
            static_cast<int>(grpc::StatusCode::UNIMPLEMENTED));
      }
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    reactor->Finish(
        batches_[std::min(call, batches_.size() - 1)](*request, response));
    return reactor;
  }

  // The revision each ListCompiles page reports.
  void SetListRevision(uint64_t revision) {
    absl::MutexLock lock(&mu_);
    list_revision_ = revision;
  }

 private:
  grpc::ServerUnaryReactor* AnswerLocked(grpc::CallbackServerContext* context,
                                         v1::Compile* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (unary_status_.ok()) *response = compile_;
    reactor->Finish(unary_status_);
    return reactor;
  }

  mutable absl::Mutex mu_;
  v1::Compile compile_ ABSL_GUARDED_BY(mu_);
  grpc::Status unary_status_ ABSL_GUARDED_BY(mu_);
  std::vector<WatchScript> watches_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::StartCompileRequest> start_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::WatchCompileRequest> watch_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::chrono::steady_clock::time_point> watch_times_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::string> got_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> looked_up_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::Compile> list_ ABSL_GUARDED_BY(mu_);
  int failing_page_ ABSL_GUARDED_BY(mu_) = -1;
  grpc::Status list_failure_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::ListCompilesRequest> list_requests_ ABSL_GUARDED_BY(mu_);
  // list_requests_.size() when SetList() was called: failing_page_ counts
  // from there.
  int list_calls_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t list_revision_ ABSL_GUARDED_BY(mu_) = 42;
  std::vector<CollectionScript> collection_watches_ ABSL_GUARDED_BY(mu_);
  std::vector<BatchAnswer> batches_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::BatchStartCompilesRequest> batch_requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<v1::WatchCompilesRequest> collection_requests_
      ABSL_GUARDED_BY(mu_);
};

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

inline EnvLookup NoEnv() {
  return [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
}

// Runs the CLI against a FakeGateway on loopback.
class FakeGatewayCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&gateway_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    address_ = absl::StrCat("127.0.0.1:", port_);
  }

  void TearDown() override {
    // Bounded: a stream left open by a failing test is cancelled.
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
  }

  // Runs `cxone-compile --server <fake> args...` and returns the exit code;
  // the output is in out_ and err_.
  int Run(const std::vector<std::string>& args, EnvLookup env = NoEnv()) {
    out_.str("");
    err_.str("");
    std::vector<std::string> full = {"--server", address_};
    full.insert(full.end(), args.begin(), args.end());
    return RunCli(full, env, Connect(), out_, err_, FastReconnects());
  }

  // The same through the whole command line (gate, health, webhooks too).
  int RunWhole(const std::vector<std::string>& args, EnvLookup env = NoEnv(),
               CommandOptions options = FastReconnects()) {
    out_.str("");
    err_.str("");
    std::vector<std::string> full = {"--server", address_};
    full.insert(full.end(), args.begin(), args.end());
    Connectors connect;
    connect.compile = Connect();
    return RunCommandLine(full, env, connect, out_, err_, options);
  }

  // Reconnect delays of at most a few milliseconds, always the same ones.
  static CommandOptions FastReconnects() {
    CommandOptions options;
    options.reconnect_backoff.initial_delay = absl::Milliseconds(1);
    options.reconnect_backoff.max_delay = absl::Milliseconds(4);
    options.jitter_seed = 42;
    return options;
  }

  // The lines of err_.
  std::vector<std::string> ErrLines() const { return Lines(err_.str()); }

  StubFactory Connect() {
    return [this](const GatewayEndpoint& gateway)
               -> std::unique_ptr<v1::CompileService::StubInterface> {
      connected_to_.push_back(gateway.target);
      return v1::CompileService::NewStub(MakeGatewayChannel(gateway));
    };
  }

  FakeGateway gateway_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  std::vector<std::string> connected_to_;
  std::ostringstream out_;
  std::ostringstream err_;
};

}  // namespace cxone::client

#endif  // CXONE_TESTS_SUPPORT_FAKE_GATEWAY_H_

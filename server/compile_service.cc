#include "server/compile_service.h"

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "server/grpc_status.h"

namespace cxone {

// Streams one compile to one client: the snapshot, then each event in order.
//
// Lifecycle, as in grpc's route_guide callback example: at most one write is
// in flight; OnWriteDone starts the next one; when there is no next event
// yet the reactor registers with the job and the job's notification starts
// the write. It finishes after the terminal event, or when the client goes
// away, and deletes itself in OnDone.
class CompileService::WatchReactor final
    : public grpc::ServerWriteReactor<compilev1::CompileEvent>,
      public EventListener {
 public:
  WatchReactor(CompileService* service, std::shared_ptr<CompileJob> job)
      : service_(service), job_(std::move(job)) {
    ++service_->live_watchers_;
    snapshot_ = job_->SnapshotEvent();
    absl::MutexLock lock(&mu_);
    cursor_ = snapshot_.sequence();
    write_in_flight_ = true;
    StartWrite(&snapshot_);
  }

  // A reactor that only reports an error.
  WatchReactor(CompileService* service, const grpc::Status& error)
      : service_(service) {
    ++service_->live_watchers_;
    absl::MutexLock lock(&mu_);
    finished_ = true;
    Finish(error);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_in_flight_ = false;
    current_.reset();
    if (!ok) {
      // The client is gone; OnCancel may or may not have run yet.
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
      return;
    }
    WriteNextLocked();
  }

  void OnEventAvailable() override {
    absl::MutexLock lock(&mu_);
    WriteNextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    // With a write in flight, OnWriteDone(false) finishes instead: Finish
    // must not race a pending write's completion bookkeeping.
    if (!write_in_flight_) {
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "the watcher cancelled"));
    }
  }

  void OnDone() override {
    if (job_ != nullptr) job_->RemoveListener(this);
    --service_->live_watchers_;
    delete this;
  }

 private:
  void WriteNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || write_in_flight_) return;
    if (cancelled_) {
      FinishLocked(
          grpc::Status(grpc::StatusCode::CANCELLED, "the watcher cancelled"));
      return;
    }
    if (job_->IsFinishedAfter(cursor_)) {
      FinishLocked(grpc::Status::OK);
      return;
    }
    current_ = job_->NextEvent(cursor_, this);
    if (current_ == nullptr) return;  // the job tells us when there is one
    cursor_ = current_->sequence();
    write_in_flight_ = true;
    StartWrite(current_.get());
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  CompileService* const service_;
  const std::shared_ptr<CompileJob> job_;
  compilev1::CompileEvent snapshot_;

  absl::Mutex mu_;
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  SharedEvent current_ ABSL_GUARDED_BY(mu_);
  bool write_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

CompileService::CompileService(CompileStarter* starter, JobRegistry* registry,
                               const Redactor* redactor, JsonLog* log)
    : starter_(starter), registry_(registry), redactor_(redactor), log_(log) {}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::FindJob(
    const std::string& name) const {
  absl::StatusOr<CompileName> parsed = CompileName::Parse(name);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<CompileJob> job = registry_->Find(parsed->ToString());
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("no compile named \"", name,
                                            "\" is known to this gateway"));
  }
  return job;
}

grpc::ServerUnaryReactor* CompileService::StartCompile(
    grpc::CallbackServerContext* context,
    const compilev1::StartCompileRequest* request,
    compilev1::Compile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  starter_->Start(*request, [this, reactor, response](
                                absl::StatusOr<compilev1::Compile> compile) {
    if (compile.ok()) *response = *std::move(compile);
    reactor->Finish(ToGrpcStatus(compile.status(), *redactor_));
  });
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::GetCompile(
    grpc::CallbackServerContext* context,
    const compilev1::GetCompileRequest* request, compilev1::Compile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<CompileJob>> job = FindJob(request->name());
  if (job.ok()) *response = (*job)->Snapshot();
  reactor->Finish(ToGrpcStatus(job.status(), *redactor_));
  return reactor;
}

grpc::ServerWriteReactor<compilev1::CompileEvent>* CompileService::WatchCompile(
    grpc::CallbackServerContext* /*context*/,
    const compilev1::WatchCompileRequest* request) {
  absl::StatusOr<std::shared_ptr<CompileJob>> job = FindJob(request->name());
  if (!job.ok()) {
    return new WatchReactor(this, ToGrpcStatus(job.status(), *redactor_));
  }
  return new WatchReactor(this, *std::move(job));
}

}  // namespace cxone

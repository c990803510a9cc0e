#include "server/compile_poller.h"

namespace cxone {

CompilePoller::CompilePoller(PollerConfig config,
                             upstream::CompileUpstream* upstream,
                             TimerQueue* timers, WorkerPool* workers,
                             Clock* clock, JsonLog* log)
    : config_(config),
      upstream_(upstream),
      timers_(timers),
      workers_(workers),
      clock_(clock),
      log_(log) {}

void CompilePoller::Track(std::shared_ptr<CompileJob> job) {
  if (job->terminal()) return;
  {
    absl::MutexLock lock(&mu_);
    ++live_compiles_;
  }
  ScheduleNext(std::move(job));
}

int64_t CompilePoller::live_compiles() const {
  absl::MutexLock lock(&mu_);
  return live_compiles_;
}

void CompilePoller::Untrack() {
  absl::MutexLock lock(&mu_);
  --live_compiles_;
}

void CompilePoller::ScheduleNext(std::shared_ptr<CompileJob> job) {
  timers_->Schedule(clock_->Now() + config_.poll_interval,
                    [this, job = std::move(job)]() mutable {
                      auto poll = [this, job] { PollOnce(job); };
                      // False only while shutting down: the job then stays
                      // as it is, unpolled.
                      workers_->Submit(std::move(poll));
                    });
}

void CompilePoller::PollOnce(const std::shared_ptr<CompileJob>& job) {
  const CompileName& name = job->compile_name();
  absl::StatusOr<upstream::CompileStatus> status =
      upstream_->GetStatus(name.flow_id, name.compile_id);
  const absl::Time now = clock_->Now();
  bool terminal = false;
  if (status.ok()) {
    terminal = job->ApplyStatus(*status, now);
  } else if (absl::IsUnavailable(status.status()) ||
             absl::IsDeadlineExceeded(status.status())) {
    log_->Warn("status poll failed; will poll again",
               {{"compile", job->name()},
                {"error", std::string(status.status().message())}});
  } else {
    log_->Error("status poll refused by CXone",
                {{"compile", job->name()},
                 {"code", absl::StatusCodeToString(status.status().code())},
                 {"error", std::string(status.status().message())}});
    terminal = job->ApplyError(status.status(), now);
  }
  if (!terminal) terminal = job->Tick(now);
  if (terminal) {
    const compilev1::Compile compile = job->Snapshot();
    log_->Info("compile finished", {{"compile", job->name()},
                                    {"state", StateName(compile.state())},
                                    {"errors", compile.errors_size()}});
    Untrack();
    return;
  }
  ScheduleNext(job);
}

}  // namespace cxone

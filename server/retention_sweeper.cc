#include "server/retention_sweeper.h"

namespace cxone {

RetentionSweeper::RetentionSweeper(RetentionConfig config,
                                   absl::Duration interval,
                                   JobRegistry* registry, Clock* clock,
                                   JsonLog* log)
    : config_(config),
      interval_(interval),
      registry_(registry),
      clock_(clock),
      log_(log) {}

RetentionSweeper::~RetentionSweeper() { Shutdown(); }

void RetentionSweeper::Start() {
  thread_ = std::thread([this] { Run(); });
}

void RetentionSweeper::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void RetentionSweeper::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]()
                          ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping), interval_)) return;
    }
    const int64_t forgotten = registry_->Prune(config_, clock_->Now());
    if (forgotten > 0) {
      log_->Info("forgot finished compiles beyond the retention count",
                 {{"forgotten", forgotten}});
    }
  }
}

}  // namespace cxone

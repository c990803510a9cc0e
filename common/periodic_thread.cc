#include "common/periodic_thread.h"

#include <utility>

namespace cxone {

PeriodicThread::PeriodicThread(absl::Duration interval, Clock* clock,
                               std::function<void()> run)
    : interval_(interval), run_(std::move(run)), stop_(clock) {}

PeriodicThread::~PeriodicThread() { Shutdown(); }

void PeriodicThread::Start() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (thread_.joinable() || stop_.stopped()) return;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicThread::Shutdown() {
  absl::MutexLock lock(&lifecycle_mu_);
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Loop() {
  while (stop_.SleepFor(interval_)) run_();
}

}  // namespace cxone

#include "client/idle_watchdog.h"

#include <utility>

namespace cxone::client {

IdleWatchdog::IdleWatchdog(std::function<void()> on_idle)
    : on_idle_(std::move(on_idle)), thread_([this] { Loop(); }) {}

IdleWatchdog::~IdleWatchdog() { Shutdown(); }

void IdleWatchdog::Arm(absl::Duration limit) {
  absl::MutexLock lock(&mu_);
  limit_ = limit;
  last_activity_ = std::chrono::steady_clock::now();
  changed_.Signal();
}

void IdleWatchdog::Touch() {
  absl::MutexLock lock(&mu_);
  // No signal needed: the thread re-reads last_activity_ when its wait ends
  // and simply waits again for the rest of the new period.
  last_activity_ = std::chrono::steady_clock::now();
}

bool IdleWatchdog::fired() const {
  absl::MutexLock lock(&mu_);
  return fired_;
}

void IdleWatchdog::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    changed_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

void IdleWatchdog::Loop() {
  {
    absl::MutexLock lock(&mu_);
    while (true) {
      if (shutting_down_) return;
      if (limit_ <= absl::ZeroDuration()) {
        changed_.Wait(&mu_);
        continue;
      }
      const SteadyTime deadline =
          last_activity_ + absl::ToChronoNanoseconds(limit_);
      const SteadyTime now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        fired_ = true;
        break;
      }
      changed_.WaitWithTimeout(&mu_, absl::FromChrono(deadline - now));
    }
  }
  on_idle_();
}

}  // namespace cxone::client

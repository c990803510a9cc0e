#include "server/timer_queue.h"

namespace cxone {

TimerQueue::TimerQueue(Clock* clock) : clock_(clock) {}

TimerQueue::~TimerQueue() { Shutdown(); }

void TimerQueue::Schedule(absl::Time due, std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  entries_.push(Entry{due, next_order_++, std::move(task)});
}

void TimerQueue::Start() {
  thread_ = std::thread([this] { Run(); });
}

void TimerQueue::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    while (!entries_.empty()) entries_.pop();
  }
  if (thread_.joinable()) thread_.join();
}

int TimerQueue::RunDue() {
  std::vector<std::function<void()>> due;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    while (!entries_.empty() && entries_.top().due <= now) {
      due.push_back(std::move(const_cast<Entry&>(entries_.top()).task));
      entries_.pop();
    }
  }
  for (auto& task : due) task();
  return static_cast<int>(due.size());
}

size_t TimerQueue::pending() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

void TimerQueue::Run() {
  // Wakes at the earliest due time, or when something is scheduled earlier
  // than what it waits for (the condition re-checks on every change), or at
  // most every 100 ms as a guard against clock jumps.
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Duration wait = absl::Milliseconds(100);
    if (!entries_.empty()) {
      wait = std::min(wait, entries_.top().due - clock_->Now());
    }
    if (wait > absl::ZeroDuration()) {
      const absl::Time earliest =
          entries_.empty() ? absl::InfiniteFuture() : entries_.top().due;
      auto changed = [this, earliest]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!entries_.empty() && entries_.top().due < earliest);
      };
      mu_.AwaitWithTimeout(absl::Condition(&changed), wait);
      continue;
    }
    mu_.Unlock();
    RunDue();
    mu_.Lock();
  }
}

}  // namespace cxone

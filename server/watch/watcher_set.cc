#include "server/watch/watcher_set.h"

namespace cxone {

WatcherSet::WatcherSet(absl::Duration heartbeat_interval, Clock* clock)
    : heartbeat_interval_(heartbeat_interval),
      clock_(clock),
      thread_(heartbeat_interval / 2, clock, [this] { BeatAll(); }) {}

bool WatcherSet::Add(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  if (draining_) return false;
  watchers_.insert(watcher);
  return true;
}

void WatcherSet::Remove(Watcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
}

void WatcherSet::Drain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  for (Watcher* watcher : watchers_) watcher->OnDrain();
}

void WatcherSet::BeatAll() {
  absl::MutexLock lock(&mu_);
  for (Watcher* watcher : watchers_) watcher->OnHeartbeatDue();
}

bool WatcherSet::AwaitEmpty(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return watchers_.empty();
  };
  return clock_->AwaitWithDeadline(mu_, absl::Condition(&empty), deadline);
}

int64_t WatcherSet::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(watchers_.size());
}

}  // namespace cxone

#include "server/watch/watcher_set.h"

namespace cxone {

WatcherSet::WatcherSet(absl::Duration heartbeat_interval)
    : heartbeat_interval_(heartbeat_interval) {}

WatcherSet::~WatcherSet() { Shutdown(); }

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

int64_t WatcherSet::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(watchers_.size());
}

void WatcherSet::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WatcherSet::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void WatcherSet::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto stopping = [this]()
                          ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping),
                               heartbeat_interval_ / 2)) {
        return;
      }
    }
    BeatAll();
  }
}

}  // namespace cxone

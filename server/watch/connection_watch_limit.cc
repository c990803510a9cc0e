#include "server/watch/connection_watch_limit.h"

#include "absl/strings/str_cat.h"

namespace cxone {

absl::StatusOr<std::shared_ptr<void>> ConnectionWatchLimit::Admit(
    const std::string& peer) {
  {
    absl::MutexLock lock(&mu_);
    int64_t& open = open_[peer];
    if (open >= max_per_connection_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "this connection has ", open, " watches open, the most one "
          "connection may (--max-watches-per-connection ",
          max_per_connection_, "); close some, or open another connection"));
    }
    ++open;
  }
  return std::shared_ptr<void>(nullptr,
                               [this, peer](void*) { Release(peer); });
}

void ConnectionWatchLimit::Release(const std::string& peer) {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(peer);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

int64_t ConnectionWatchLimit::open(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  auto it = open_.find(peer);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace cxone

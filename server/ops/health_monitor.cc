#include "server/ops/health_monitor.h"

#include "absl/strings/str_cat.h"

namespace cxone {

HealthMonitor::HealthMonitor(Probes probes, absl::Duration auth_failure_window,
                             absl::Duration interval, Clock* clock,
                             JsonLog* log,
                             std::function<void(bool serving)> publish)
    : probes_(std::move(probes)),
      auth_failure_window_(auth_failure_window),
      clock_(clock),
      log_(log),
      publish_(std::move(publish)),
      thread_(interval, clock, [this] { Check(); }) {}

void HealthMonitor::Check() {
  std::string why;
  if (probes_.store_writable && !probes_.store_writable()) {
    why = "the state store refuses writes";
  }
  if (probes_.auth_failing_since) {
    const absl::Time since = probes_.auth_failing_since();
    if (since != absl::InfinitePast() &&
        clock_->Now() - since >= auth_failure_window_) {
      if (!why.empty()) why += "; ";
      absl::StrAppend(&why, "CXone token requests have failed for ",
                      absl::FormatDuration(absl::Trunc(clock_->Now() - since,
                                                       absl::Seconds(1))));
    }
  }
  const bool serving = why.empty();
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = !published_ || serving != serving_;
    published_ = true;
    serving_ = serving;
    why_ = why;
  }
  if (!changed) return;
  if (serving) {
    log_->Info("health: SERVING");
  } else {
    log_->Warn("health: NOT_SERVING", {{"why", why}});
  }
  publish_(serving);
}

void HealthMonitor::Start() {
  Check();
  thread_.Start();
}

bool HealthMonitor::serving() const {
  absl::MutexLock lock(&mu_);
  return serving_;
}

std::string HealthMonitor::why() const {
  absl::MutexLock lock(&mu_);
  return why_;
}

}  // namespace cxone

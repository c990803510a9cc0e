// HealthMonitor: whether the gateway can do its job right now, for the
// grpc.health.v1 service and the /readyz probe. NOT_SERVING while the
// state store refuses writes, or while CXone has refused or failed every
// token request for longer than `auth_failure_window` (draining is set
// by main directly, which stops the monitor first).
//
// One thread (a PeriodicThread on the injected Clock) re-checks every
// `interval` and publishes changes; Shutdown() ends its wait at once.
//
// Thread-safe.
#ifndef CXONE_SERVER_OPS_HEALTH_MONITOR_H_
#define CXONE_SERVER_OPS_HEALTH_MONITOR_H_

#include <functional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/periodic_thread.h"

namespace cxone {

class HealthMonitor {
 public:
  struct Probes {
    // Whether the last write to the state store succeeded (null: no store).
    std::function<bool()> store_writable;
    // Since when token requests fail, or InfinitePast() if they do not.
    std::function<absl::Time()> auth_failing_since;
  };

  // `publish` is told every change of the verdict (and the first one), on
  // the caller's thread in Start() and Check(), else on the monitor's.
  // `clock` and `log` must outlive the monitor. REQUIRES: interval > 0.
  HealthMonitor(Probes probes, absl::Duration auth_failure_window,
                absl::Duration interval, Clock* clock, JsonLog* log,
                std::function<void(bool serving)> publish);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Checks once now and publishes if the verdict changed.
  void Check();

  // Checks once before it returns, so that the first verdict is published
  // by then, then starts the thread that re-checks every `interval`.
  void Start();
  // Stops and joins the thread (a check under way finishes). Idempotent;
  // the destructor calls it.
  void Shutdown() { thread_.Shutdown(); }

  bool serving() const;
  // Why it is not serving ("" when it is).
  std::string why() const;

 private:
  const Probes probes_;
  const absl::Duration auth_failure_window_;
  Clock* const clock_;
  JsonLog* const log_;
  const std::function<void(bool)> publish_;
  mutable absl::Mutex mu_;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  std::string why_ ABSL_GUARDED_BY(mu_);
  // Last, so that it is joined before the members a check uses go.
  PeriodicThread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_HEALTH_MONITOR_H_

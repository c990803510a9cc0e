// HealthMonitor: whether the gateway can do its job right now, for the
// grpc.health.v1 service and the /readyz probe. NOT_SERVING while the
// state store refuses writes, or while CXone has refused or failed every
// token request for longer than `auth_failure_window` (draining is set
// by main directly, which stops the monitor first).
//
// One thread re-checks every `interval` and publishes changes.
//
// Thread-safe.
#ifndef CXONE_SERVER_OPS_HEALTH_MONITOR_H_
#define CXONE_SERVER_OPS_HEALTH_MONITOR_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_log.h"

namespace cxone {

class HealthMonitor {
 public:
  struct Probes {
    // Whether the last write to the state store succeeded (null: no store).
    std::function<bool()> store_writable;
    // Since when token requests fail, or InfinitePast() if they do not.
    std::function<absl::Time()> auth_failing_since;
  };

  // `publish` is told every change of the verdict (and the first one).
  HealthMonitor(Probes probes, absl::Duration auth_failure_window,
                absl::Duration interval, Clock* clock, JsonLog* log,
                std::function<void(bool serving)> publish);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  ~HealthMonitor();

  // Checks once now and publishes if the verdict changed.
  void Check();

  // Checks once before it returns, so that the first verdict is published
  // by then, then starts the thread that re-checks every `interval`.
  void Start();
  void Shutdown();

  bool serving() const;
  // Why it is not serving ("" when it is).
  std::string why() const;

 private:
  void Run();

  const Probes probes_;
  const absl::Duration auth_failure_window_;
  const absl::Duration interval_;
  Clock* const clock_;
  JsonLog* const log_;
  const std::function<void(bool)> publish_;
  mutable absl::Mutex mu_;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  std::string why_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_HEALTH_MONITOR_H_

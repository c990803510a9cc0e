// PeriodicThread: one thread that runs a function every `interval` of a
// Clock's time, from Start() until Shutdown() — the loop of a background
// sweeper, monitor or heartbeat.
//
// The first run comes one interval after Start(); each next one an interval
// after the previous run returned, so runs never overlap and a slow run
// delays the next instead of piling runs up. The waits go through the
// Clock (a StopSignal), so Shutdown() ends a wait at once, and a FakeClock
// drives the thread: with set_sleeps_block(true) a run comes when Advance()
// reaches its time, never before. (Without it, a FakeClock passes each
// interval at once and the runs come back to back.)
//
// Thread-safe: Start() and Shutdown() may be called from any thread but the
// owned one; `run` is called on the owned thread only.
#ifndef CXONE_COMMON_PERIODIC_THREAD_H_
#define CXONE_COMMON_PERIODIC_THREAD_H_

#include <functional>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/stop_signal.h"

namespace cxone {

class PeriodicThread {
 public:
  // REQUIRES: interval > 0. `clock` must outlive the thread; `run` may
  // block, and must not call Start() or Shutdown().
  PeriodicThread(absl::Duration interval, Clock* clock,
                 std::function<void()> run);
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;
  // Shutdown().
  ~PeriodicThread();

  // Starts the thread. Does nothing if it was started or shut down before.
  void Start();

  // Ends the wait at once, lets a run in progress finish, and joins the
  // thread; no run starts after it returns. Idempotent; also fine before
  // Start() (which then does nothing).
  void Shutdown();

  absl::Duration interval() const { return interval_; }

 private:
  void Loop();

  const absl::Duration interval_;
  const std::function<void()> run_;
  StopSignal stop_;
  // Serialises Start() and Shutdown(); the owned thread never takes it.
  absl::Mutex lifecycle_mu_;
  std::thread thread_ ABSL_GUARDED_BY(lifecycle_mu_);
};

}  // namespace cxone

#endif  // CXONE_COMMON_PERIODIC_THREAD_H_

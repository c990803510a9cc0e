// IdleWatchdog: notices a watch stream that has gone silent.
//
// The gateway sends a HEARTBEAT marker whenever it has had nothing else to
// send for `heartbeat_interval`, so a stream that delivers nothing for twice
// that interval is dead even if its TCP connection looks healthy (a proxy
// that lost the upstream, a gateway wedged mid-write). A blocking
// ClientReader::Read cannot time out on its own; the watchdog's thread calls
// `on_idle` (which cancels the call's ClientContext) once the reader has
// reported no activity for the armed limit, and Read then returns false.
//
// Time is the steady clock, not an injected cxone::Clock: what the watchdog
// cancels is a real gRPC call, and a wall-clock jump must not cancel it.
//
// Thread-safe: Arm(), Touch() and fired() may be called from the reading
// thread while the watchdog's own thread waits. Shutdown() (also run by the
// destructor) joins that thread; after it returns, `on_idle` is not running
// and will not run.
#ifndef CXONE_CLIENT_IDLE_WATCHDOG_H_
#define CXONE_CLIENT_IDLE_WATCHDOG_H_

#include <chrono>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cxone::client {

class IdleWatchdog {
 public:
  // Starts the watchdog's thread, disarmed. `on_idle` is called at most once,
  // on that thread, without any lock of the watchdog held.
  explicit IdleWatchdog(std::function<void()> on_idle);
  ~IdleWatchdog();
  IdleWatchdog(const IdleWatchdog&) = delete;
  IdleWatchdog& operator=(const IdleWatchdog&) = delete;

  // Sets the longest silence allowed (replacing any earlier limit) and
  // starts measuring it from now. A limit that is not positive disarms.
  void Arm(absl::Duration limit);

  // Records activity: the silence starts again now. No effect while
  // disarmed or after the watchdog fired.
  void Touch();

  // Whether `on_idle` was called (or is being called).
  bool fired() const;

  // Stops and joins the thread. Idempotent.
  void Shutdown();

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  void Loop();

  const std::function<void()> on_idle_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  absl::Duration limit_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  SteadyTime last_activity_ ABSL_GUARDED_BY(mu_);
  bool fired_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_IDLE_WATCHDOG_H_

// TimerQueue: one thread that runs short tasks at their due times — the
// gateway's single timer for every compile's next poll, instead of a
// sleeping thread or timer per compile.
//
// Tasks run on the timer thread and must be quick: they hand real work to a
// WorkerPool. Time is the injected Clock's. With a FakeClock, tests do not
// Start() the thread; they advance the clock and call RunDue().
//
// Thread-safe.
#ifndef CXONE_SERVER_TIMER_QUEUE_H_
#define CXONE_SERVER_TIMER_QUEUE_H_

#include <cstdint>
#include <functional>
#include <queue>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace cxone {

class TimerQueue {
 public:
  explicit TimerQueue(Clock* clock);
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue();

  // Runs `task` once the clock reaches `due`. Tasks due at the same time
  // run in the order they were scheduled. Dropped after Shutdown().
  void Schedule(absl::Time due, std::function<void()> task);

  // Starts the timer thread.
  void Start();

  // Stops the thread (pending tasks are dropped) and joins it.
  void Shutdown();

  // Runs every task due now; returns how many ran. For tests.
  int RunDue();

  size_t pending() const;

 private:
  struct Entry {
    absl::Time due;
    uint64_t order;
    std::function<void()> task;
    bool operator>(const Entry& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };

  void Run();

  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> entries_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_order_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_TIMER_QUEUE_H_

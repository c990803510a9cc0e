// WatcherSet: every open WatchCompile stream, for what concerns them all —
// the heartbeat that keeps idle streams alive, the drain at shutdown, and
// the live count.
//
// One thread (a PeriodicThread on the injected Clock) tells every watcher
// that a heartbeat may be due, every half `heartbeat_interval`: a watcher that
// sent nothing since the previous beat has been silent for at least half an
// interval and sends a HEARTBEAT, so that no silence lasts longer than the
// interval and none shorter than half of it is filled. Drain() tells every
// watcher to finish once it has sent what it has; from then on Add() refuses
// new watchers.
//
// Thread-safe. Watchers are called with the set's lock held, so a watcher
// must not call Add() or Remove() from OnHeartbeatDue() or OnDrain().
// Lock order: server/LOCKING.md.
#ifndef CXONE_SERVER_WATCH_WATCHER_SET_H_
#define CXONE_SERVER_WATCH_WATCHER_SET_H_

#include <cstdint>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/periodic_thread.h"

namespace cxone {

class Watcher {
 public:
  virtual ~Watcher() = default;
  // Called every half heartbeat interval: send a HEARTBEAT marker if
  // nothing was sent since the previous call.
  virtual void OnHeartbeatDue() = 0;
  // Send what is pending, then end the stream with UNAVAILABLE.
  virtual void OnDrain() = 0;
};

class WatcherSet {
 public:
  // `clock` must outlive the set. REQUIRES: heartbeat_interval > 0.
  WatcherSet(absl::Duration heartbeat_interval, Clock* clock);
  WatcherSet(const WatcherSet&) = delete;
  WatcherSet& operator=(const WatcherSet&) = delete;

  // Adds `watcher`; false (and not added) once draining.
  bool Add(Watcher* watcher);
  // Removes `watcher`; after it returns the watcher is not being called.
  void Remove(Watcher* watcher);

  // Tells every watcher to drain; Add() fails from now on.
  void Drain();

  // Tells every watcher a heartbeat may be due (the thread does this every
  // half interval; tests may call it directly).
  void BeatAll();

  // Starts the heartbeat thread; its first beat comes half an interval
  // later.
  void Start() { thread_.Start(); }
  // Stops and joins the heartbeat thread. Idempotent; the destructor calls
  // it.
  void Shutdown() { thread_.Shutdown(); }

  int64_t size() const;
  // Waits until no watcher is left or the clock reaches `deadline`;
  // returns whether none is left. Remove() wakes it at once.
  bool AwaitEmpty(absl::Time deadline);
  absl::Duration heartbeat_interval() const { return heartbeat_interval_; }

 private:
  const absl::Duration heartbeat_interval_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  // Last, so that it is joined before the members a beat uses go.
  PeriodicThread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_WATCHER_SET_H_

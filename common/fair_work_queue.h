// FairWorkQueue: the work of many tenants on one WorkerPool, at most
// `max_running` tasks at a time, in weighted fair order — so that one
// tenant's burst of a thousand starts does not put another tenant's next
// start behind all of them.
//
// Start-time fair queueing (Goyal, Vin and Cheng, 1996): a task of tenant
// t arriving when the system's virtual time is V gets the start tag
// S = max(V, F_t), where F_t is the finish tag of t's previous task, and
// F_t becomes S + 1 / weight_t. The task with the smallest start tag runs
// next (ties: the earlier arrival), and V becomes its tag. A tenant with
// weight 2 thus gets two turns for every turn of a tenant with weight 1
// while both have work waiting, a tenant that was idle comes back at the
// current virtual time (no credit saved up while it waited for nothing),
// and one tenant alone gets every turn. Tasks of one tenant keep their
// order.
//
// Thread-safe. Tasks run on the pool's threads, never with the queue's
// lock held.
#ifndef CXONE_COMMON_FAIR_WORK_QUEUE_H_
#define CXONE_COMMON_FAIR_WORK_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/worker_pool.h"

namespace cxone {

class FairWorkQueue {
 public:
  // `weights` by tenant; a tenant not in it weighs 1. `pool` must outlive
  // the queue. REQUIRES: max_running >= 1, every weight > 0.
  FairWorkQueue(WorkerPool* pool, int max_running,
                absl::flat_hash_map<std::string, double> weights = {});
  FairWorkQueue(const FairWorkQueue&) = delete;
  FairWorkQueue& operator=(const FairWorkQueue&) = delete;

  // Queues `run` for `tenant`. If the pool refuses it when its turn comes
  // (the pool is shutting down), `refused` is called instead, on the
  // thread that found out.
  void Submit(const std::string& tenant, std::function<void()> run,
              std::function<void()> refused);

  // Tasks waiting for their turn (not yet handed to the pool).
  size_t waiting() const;

 private:
  struct Task {
    double start_tag = 0;
    uint64_t arrival = 0;
    std::function<void()> run;
    std::function<void()> refused;
  };
  struct Tenant {
    double weight = 1;
    double finish_tag = 0;
    std::deque<Task> tasks;
  };
  // Everything a task in the pool touches after it ran: shared with the
  // tasks, so that a queue destroyed while its last task ends (its owner
  // was told the outcome inside the task) is not touched after its end.
  struct State {
    WorkerPool* pool = nullptr;
    int max_running = 1;
    absl::flat_hash_map<std::string, double> weights;
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Tenant> tenants ABSL_GUARDED_BY(mu);
    double virtual_time ABSL_GUARDED_BY(mu) = 0;
    uint64_t arrivals ABSL_GUARDED_BY(mu) = 0;
    int running ABSL_GUARDED_BY(mu) = 0;
    size_t waiting ABSL_GUARDED_BY(mu) = 0;
  };

  // Hands the pool tasks while fewer than max_running run.
  static void Dispatch(const std::shared_ptr<State>& state);

  const std::shared_ptr<State> state_;
};

}  // namespace cxone

#endif  // CXONE_COMMON_FAIR_WORK_QUEUE_H_

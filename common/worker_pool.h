// WorkerPool: a fixed set of threads that run blocking work (upstream HTTP
// calls, backoff sleeps) so that gRPC reactors never block.
//
// Shutdown() stops accepting tasks, runs those already queued, and joins
// the threads. The destructor calls Shutdown().
//
// Thread-safe.
#ifndef CXONE_COMMON_WORKER_POOL_H_
#define CXONE_COMMON_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace cxone {

class WorkerPool {
 public:
  // REQUIRES: threads >= 1.
  explicit WorkerPool(int threads);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();

  // Queues `task`. Returns false (and drops the task) after Shutdown().
  bool Submit(std::function<void()> task);

  void Shutdown();

  // Tasks queued and not yet started.
  size_t queued() const;

  // How many threads run tasks.
  int threads() const { return thread_count_; }

 private:
  void Run();

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
  const int thread_count_;
};

}  // namespace cxone

#endif  // CXONE_COMMON_WORKER_POOL_H_

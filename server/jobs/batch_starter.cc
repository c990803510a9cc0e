#include "server/jobs/batch_starter.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace cxone {

struct BatchStarter::Run {
  std::vector<compilev1::StartCompileRequest> items;
  ItemStart start_item;
  Done done;
  absl::Mutex mu;
  Results results ABSL_GUARDED_BY(mu);
  size_t next ABSL_GUARDED_BY(mu) = 0;
  int in_flight ABSL_GUARDED_BY(mu) = 0;
  size_t completed ABSL_GUARDED_BY(mu) = 0;
  // A thread is in Pump()'s loop; `more`: a completion arrived meanwhile.
  bool pumping ABSL_GUARDED_BY(mu) = false;
  bool more ABSL_GUARDED_BY(mu) = false;
  bool answered ABSL_GUARDED_BY(mu) = false;
};

BatchStarter::BatchStarter(int max_in_flight)
    : max_in_flight_(std::max(max_in_flight, 1)) {}

void BatchStarter::Start(std::vector<compilev1::StartCompileRequest> items,
                         ItemStart start_item, Done done) {
  auto run = std::make_shared<Run>();
  run->items = std::move(items);
  run->start_item = std::move(start_item);
  run->done = std::move(done);
  {
    absl::MutexLock lock(&run->mu);
    run->results.assign(run->items.size(), absl::InternalError("not started"));
  }
  Pump(run);
}

void BatchStarter::Pump(const std::shared_ptr<Run>& run) {
  run->mu.Lock();
  if (run->pumping) {
    run->more = true;
    run->mu.Unlock();
    return;
  }
  run->pumping = true;
  do {
    run->more = false;
    while (run->in_flight < max_in_flight_ && run->next < run->items.size()) {
      const size_t index = run->next++;
      ++run->in_flight;
      // Unlocked: the starter may answer inline (then this thread, still
      // pumping, sees `more`) or on a worker.
      run->mu.Unlock();
      run->start_item(
          run->items[index],
          [this, run, index](absl::StatusOr<compilev1::Compile> result) {
            {
              absl::MutexLock done_lock(&run->mu);
              run->results[index] = std::move(result);
              --run->in_flight;
              ++run->completed;
            }
            Pump(run);
          });
      run->mu.Lock();
    }
  } while (run->more);
  run->pumping = false;
  if (run->completed < run->items.size() || run->answered) {
    run->mu.Unlock();
    return;
  }
  run->answered = true;
  Results answer = std::move(run->results);
  run->mu.Unlock();
  run->done(std::move(answer));
}

}  // namespace cxone

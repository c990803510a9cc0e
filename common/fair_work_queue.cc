#include "common/fair_work_queue.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace cxone {

FairWorkQueue::FairWorkQueue(WorkerPool* pool, int max_running,
                             absl::flat_hash_map<std::string, double> weights)
    : state_(std::make_shared<State>()) {
  state_->pool = pool;
  state_->max_running = std::max(1, max_running);
  state_->weights = std::move(weights);
}

void FairWorkQueue::Submit(const std::string& tenant,
                           std::function<void()> run,
                           std::function<void()> refused) {
  {
    absl::MutexLock lock(&state_->mu);
    auto [it, added] = state_->tenants.try_emplace(tenant);
    Tenant& queue = it->second;
    if (added) {
      auto weight = state_->weights.find(tenant);
      queue.weight = weight == state_->weights.end() ? 1 : weight->second;
    }
    const double start = std::max(state_->virtual_time, queue.finish_tag);
    queue.finish_tag = start + 1 / queue.weight;
    queue.tasks.push_back(
        Task{start, state_->arrivals++, std::move(run), std::move(refused)});
    ++state_->waiting;
  }
  Dispatch(state_);
}

void FairWorkQueue::Dispatch(const std::shared_ptr<State>& state) {
  // A pool that refuses tasks frees their places again: go on until every
  // waiting task ran or was refused.
  bool refused_any = true;
  while (refused_any) {
    refused_any = false;
    std::vector<Task> to_run;
    {
      absl::MutexLock lock(&state->mu);
      while (state->running < state->max_running && state->waiting > 0) {
        Tenant* next = nullptr;
        for (auto& [name, tenant] : state->tenants) {
          if (tenant.tasks.empty()) continue;
          const Task& head = tenant.tasks.front();
          if (next == nullptr ||
              head.start_tag < next->tasks.front().start_tag ||
              (head.start_tag == next->tasks.front().start_tag &&
               head.arrival < next->tasks.front().arrival)) {
            next = &tenant;
          }
        }
        state->virtual_time = next->tasks.front().start_tag;
        to_run.push_back(std::move(next->tasks.front()));
        next->tasks.pop_front();
        --state->waiting;
        ++state->running;
      }
      // Tenants with nothing waiting whose tags the virtual time has
      // passed would come back at the virtual time anyway: forget them.
      const double now = state->virtual_time;
      absl::erase_if(state->tenants, [now](const auto& entry) {
        return entry.second.tasks.empty() && entry.second.finish_tag <= now;
      });
    }
    for (Task& task : to_run) {
      auto run = std::move(task.run);
      if (!state->pool->Submit([state, run = std::move(run)] {
            run();
            {
              absl::MutexLock lock(&state->mu);
              --state->running;
            }
            Dispatch(state);
          })) {
        {
          absl::MutexLock lock(&state->mu);
          --state->running;
        }
        task.refused();
        refused_any = true;
      }
    }
  }
}

size_t FairWorkQueue::waiting() const {
  absl::MutexLock lock(&state_->mu);
  return state_->waiting;
}

}  // namespace cxone

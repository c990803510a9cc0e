#include "server/compile_job.h"

#include <algorithm>

namespace cxone {

CompileJob::CompileJob(const CompileName& name, absl::Time now,
                       LifecycleTimeouts timeouts)
    : name_(name.ToString()),
      compile_name_(name),
      lifecycle_(name, now, timeouts) {}

compilev1::Compile CompileJob::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.compile();
}

compilev1::CompileEvent CompileJob::SnapshotEvent() const {
  absl::MutexLock lock(&mu_);
  const compilev1::Compile& compile = lifecycle_.compile();
  compilev1::CompileEvent event;
  event.set_sequence(lifecycle_.last_sequence());
  event.set_type(compilev1::EVENT_TYPE_SNAPSHOT);
  event.set_state(compile.state());
  *event.mutable_errors() = compile.errors();
  *event.mutable_warnings() = compile.warnings();
  *event.mutable_time() = compile.update_time();
  event.set_name(compile.name());
  event.set_upstream_status(compile.upstream_status());
  return event;
}

bool CompileJob::terminal() const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.terminal();
}

bool CompileJob::ApplyStatus(const upstream::CompileStatus& status,
                             absl::Time now) {
  return Mutate([&](CompileLifecycle& lifecycle) {
    return lifecycle.OnUpstreamStatus(status, now);
  });
}

bool CompileJob::ApplyError(const absl::Status& error, absl::Time now) {
  return Mutate([&](CompileLifecycle& lifecycle) {
    return lifecycle.OnUpstreamError(error, now);
  });
}

bool CompileJob::Tick(absl::Time now) {
  return Mutate(
      [&](CompileLifecycle& lifecycle) { return lifecycle.OnTick(now); });
}

void CompileJob::NoteThrottled(absl::Time until, absl::Time now) {
  Mutate([&](CompileLifecycle& lifecycle) {
    return lifecycle.OnThrottled(until, now);
  });
}

bool CompileJob::Mutate(
    absl::FunctionRef<std::vector<compilev1::CompileEvent>(CompileLifecycle&)>
        change) {
  // notify_mu_ is held from numbering the events until the listeners have
  // been told: two writers (a poll and a throttling notice, say) cannot
  // append out of sequence order, and RemoveListener() cannot return while
  // a listener is being called.
  absl::MutexLock notify_lock(&notify_mu_);
  std::vector<EventListener*> to_tell;
  bool terminal;
  {
    absl::MutexLock lock(&mu_);
    std::vector<compilev1::CompileEvent> events = change(lifecycle_);
    for (compilev1::CompileEvent& event : events) {
      events_.push_back(
          std::make_shared<const compilev1::CompileEvent>(std::move(event)));
    }
    if (!events.empty()) to_tell.swap(listeners_);
    terminal = lifecycle_.terminal();
  }
  for (EventListener* listener : to_tell) listener->OnEventAvailable();
  return terminal;
}

SharedEvent CompileJob::NextEvent(uint64_t after_sequence,
                                  EventListener* listener) {
  absl::MutexLock lock(&mu_);
  // Sequences start at 1 and have no gaps, so event n sits at index n - 1.
  if (after_sequence < events_.size()) return events_[after_sequence];
  if (listener != nullptr && std::find(listeners_.begin(), listeners_.end(),
                                       listener) == listeners_.end()) {
    listeners_.push_back(listener);
  }
  return nullptr;
}

bool CompileJob::IsFinishedAfter(uint64_t sequence) const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.terminal() && sequence >= events_.size();
}

void CompileJob::RemoveListener(EventListener* listener) {
  absl::MutexLock notify_lock(&notify_mu_);
  absl::MutexLock lock(&mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener),
                   listeners_.end());
}

size_t CompileJob::waiting_listeners() const {
  absl::MutexLock lock(&mu_);
  return listeners_.size();
}

}  // namespace cxone

#include "server/jobs/compile_job.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cxone {

CompileJob::CompileJob(const CompileName& name, absl::Time now,
                       LifecycleTimeouts timeouts, Journal* journal,
                       JobObserver* observer, const Labels& labels,
                       const std::string& tenant)
    : name_(name.ToString()),
      compile_name_(name),
      tenant_(tenant),
      journal_(journal),
      observer_(observer),
      lifecycle_(name, now, timeouts, labels, tenant) {}

CompileJob::CompileJob(const StoredCompile& recorded,
                       std::vector<SharedEvent> events, absl::Time now,
                       LifecycleTimeouts timeouts, Journal* journal,
                       JobObserver* observer)
    : name_(recorded.compile.name()),
      compile_name_{recorded.compile.flow_id(), recorded.compile.compile_id()},
      tenant_(recorded.compile.tenant()),
      journal_(journal),
      observer_(observer),
      lifecycle_(recorded.compile, recorded.last_sequence, now, timeouts),
      events_(std::make_move_iterator(events.begin()),
              std::make_move_iterator(events.end())),
      first_retained_(events_.empty() ? recorded.last_sequence + 1
                                      : events_.front()->event.sequence()),
      // The newest event is always retained (see DropEventsBefore).
      last_revision_(events_.empty() ? 0 : events_.back()->event.revision()) {}

void SetRevision(LoggedEvent& entry, uint64_t revision) {
  entry.event.set_revision(revision);
  compilev1::CompileEvent only_revision;
  only_revision.set_revision(revision);
  entry.wire += only_revision.SerializeAsString();
}

compilev1::Compile CompileJob::Snapshot() const {
  absl::MutexLock lock(&mu_);
  compilev1::Compile compile = lifecycle_.compile();
  compile.set_revision(last_revision_);
  return compile;
}

uint64_t CompileJob::first_retained_sequence() const {
  absl::MutexLock lock(&mu_);
  return first_retained_;
}

uint64_t CompileJob::last_revision() const {
  absl::MutexLock lock(&mu_);
  return last_revision_;
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
  event.set_resume_after_sequence(lifecycle_.last_sequence());
  event.set_revision(last_revision_);
  return event;
}

bool CompileJob::terminal() const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.terminal();
}

absl::Status CompileJob::ApplyFirstStatus(const upstream::CompileStatus& status,
                                          absl::Time now, StoreBatch extra) {
  return Mutate(
             [&](CompileLifecycle& lifecycle) {
               return lifecycle.OnUpstreamStatus(status, now);
             },
             std::move(extra))
      .committed;
}

bool CompileJob::ApplyStatus(const upstream::CompileStatus& status,
                             absl::Time now) {
  return Mutate([&](CompileLifecycle& lifecycle) {
           return lifecycle.OnUpstreamStatus(status, now);
         })
      .terminal;
}

bool CompileJob::ApplyError(const absl::Status& error, absl::Time now) {
  return Mutate([&](CompileLifecycle& lifecycle) {
           return lifecycle.OnUpstreamError(error, now);
         })
      .terminal;
}

void CompileJob::NoteUnreachable() {
  Mutate([](CompileLifecycle& lifecycle) {
    return lifecycle.OnUpstreamUnreachable();
  });
}

bool CompileJob::Tick(absl::Time now) {
  return Mutate(
             [&](CompileLifecycle& lifecycle) { return lifecycle.OnTick(now); })
      .terminal;
}

void CompileJob::NoteThrottled(absl::Time until, absl::Time now) {
  // A notice only: if it cannot be stored it is not sent either.
  Mutate([&](CompileLifecycle& lifecycle) {
    return lifecycle.OnThrottled(until, now);
  });
}

CompileJob::MutateResult CompileJob::Mutate(
    absl::FunctionRef<std::vector<compilev1::CompileEvent>(CompileLifecycle&)>
        change,
    StoreBatch extra) {
  // notify_mu_ is held from numbering the events until the listeners have
  // been told: two writers (a poll and a throttling notice, say) cannot
  // append out of sequence order, and RemoveListener() cannot return while
  // a listener is being called. Readers only wait for mu_, which is not
  // held during the commit.
  absl::MutexLock notify_lock(&notify_mu_);
  CompileLifecycle next = [this] {
    absl::MutexLock lock(&mu_);
    return lifecycle_;
  }();
  std::vector<std::shared_ptr<LoggedEvent>> made;
  for (compilev1::CompileEvent& event : change(next)) {
    auto entry = std::make_shared<LoggedEvent>();
    entry->wire = event.SerializeAsString();
    entry->event = std::move(event);
    made.push_back(std::move(entry));
  }
  if (!made.empty() || !extra.empty()) {
    StoreBatch batch = std::move(extra);
    batch.compiles.push_back(
        {next.compile(), next.last_sequence(),
         next.terminal() ? next.last_change() : absl::InfiniteFuture()});
    for (const auto& entry : made) {
      batch.events.push_back({name_, entry->event.sequence(), entry->wire});
    }
    absl::StatusOr<uint64_t> first_revision =
        journal_->CommitNumbered(std::move(batch));
    if (!first_revision.ok()) {
      absl::MutexLock lock(&mu_);
      return {lifecycle_.terminal(), first_revision.status()};
    }
    // Numbered before anyone can see them.
    for (size_t i = 0; i < made.size(); ++i) {
      SetRevision(*made[i], *first_revision + i);
    }
  }
  const std::vector<SharedEvent> logged(made.begin(), made.end());
  std::vector<EventListener*> to_tell;
  bool terminal;
  {
    absl::MutexLock lock(&mu_);
    lifecycle_ = std::move(next);
    if (!logged.empty()) last_revision_ = logged.back()->event.revision();
    for (const SharedEvent& entry : logged) events_.push_back(entry);
    if (!logged.empty()) to_tell.swap(listeners_);
    terminal = lifecycle_.terminal();
  }
  for (EventListener* listener : to_tell) listener->OnEventAvailable();
  if (observer_ != nullptr && !logged.empty()) {
    observer_->OnEvents(*this, logged);
  }
  return {terminal, absl::OkStatus()};
}

absl::Status CompileJob::CheckRetained(uint64_t after_sequence) const {
  absl::MutexLock lock(&mu_);
  // first_retained_ >= 1, so this cannot wrap (after_sequence + 1 would
  // for the largest cursor, which means "at or past the end").
  const uint64_t dropped = first_retained_ - 1;
  if (after_sequence >= dropped) return absl::OkStatus();
  if (events_.empty()) {
    return absl::OutOfRangeError(absl::StrCat(
        "events 1 to ", dropped, " of ", name_,
        " are no longer retained: resume with after_sequence >= ", dropped,
        ", or call GetCompile and watch from the snapshot"));
  }
  const uint64_t last = dropped + events_.size();
  return absl::OutOfRangeError(
      absl::StrCat("events 1 to ", dropped, " of ", name_,
                   " are no longer retained; events ", first_retained_, " to ",
                   last, " are: resume with after_sequence >= ", dropped,
                   ", or call GetCompile and watch from the snapshot"));
}

void CompileJob::DropEventsBefore(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  while (first_retained_ < sequence && !events_.empty()) {
    events_.pop_front();
    ++first_retained_;
  }
}

absl::Time CompileJob::last_change() const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.last_change();
}

uint64_t CompileJob::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.last_sequence();
}

SharedEvent CompileJob::NextEvent(uint64_t after_sequence,
                                  EventListener* listener) {
  absl::MutexLock lock(&mu_);
  // Sequences have no gaps, so the event after `after_sequence` sits at
  // index after_sequence - dropped (no `+ 1`: it would wrap at the end).
  const uint64_t dropped = first_retained_ - 1;
  if (after_sequence < dropped) return nullptr;  // see CheckRetained()
  if (after_sequence - dropped < events_.size()) {
    return events_[after_sequence - dropped];
  }
  if (listener != nullptr && std::find(listeners_.begin(), listeners_.end(),
                                       listener) == listeners_.end()) {
    listeners_.push_back(listener);
  }
  return nullptr;
}

bool CompileJob::IsFinishedAfter(uint64_t sequence) const {
  absl::MutexLock lock(&mu_);
  return lifecycle_.terminal() && sequence >= lifecycle_.last_sequence();
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

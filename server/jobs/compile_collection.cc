#include "server/jobs/compile_collection.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;

absl::Time CreateTimeOf(const v1::Compile& compile) {
  return absl::FromUnixSeconds(compile.create_time().seconds()) +
         absl::Nanoseconds(compile.create_time().nanos());
}

// The compile as `event` left it, rebuilt from the event (for events whose
// commit's snapshot is gone: those replayed from before a restart).
v1::Compile RebuiltFrom(const v1::Compile& newest,
                        const v1::CompileEvent& event) {
  v1::Compile compile = newest;
  compile.set_state(event.state());
  *compile.mutable_errors() = event.errors();
  *compile.mutable_warnings() = event.warnings();
  compile.set_upstream_status(event.upstream_status());
  if (event.has_time()) *compile.mutable_update_time() = event.time();
  compile.set_revision(event.revision());
  return compile;
}

SharedEntry MakeEntry(const v1::Compile& compile,
                      std::shared_ptr<const Labels> labels,
                      const v1::CompileEvent& event) {
  auto entry = std::make_shared<CollectionEntry>();
  entry->revision = event.revision();
  entry->flow_id = compile.flow_id();
  entry->tenant = compile.tenant();
  entry->create_time = CreateTimeOf(compile);
  entry->labels = std::move(labels);
  entry->state = event.state();
  entry->previous_state = event.previous_state();
  v1::WatchCompilesResponse message;
  *message.mutable_event() = event;
  *message.mutable_compile() = compile;
  message.set_resume_after_revision(event.revision());
  entry->wire = message.SerializeAsString();
  return entry;
}

}  // namespace

CompileCollection::CompileCollection(size_t history_limit)
    : history_limit_(std::max<size_t>(history_limit, 1)) {}

void CompileCollection::Restore(
    absl::Span<const std::shared_ptr<CompileJob>> jobs,
    uint64_t last_revision) {
  struct Recovered {
    std::shared_ptr<const v1::Compile> compile;
    std::vector<SharedEvent> events;
  };
  std::vector<Recovered> recovered;
  recovered.reserve(jobs.size());
  for (const std::shared_ptr<CompileJob>& job : jobs) {
    Recovered one{std::make_shared<const v1::Compile>(job->Snapshot()), {}};
    uint64_t after = job->first_retained_sequence() - 1;
    while (SharedEvent event = job->NextEvent(after, nullptr)) {
      after = event->event.sequence();
      if (event->event.revision() > 0) one.events.push_back(std::move(event));
    }
    recovered.push_back(std::move(one));
  }
  absl::MutexLock lock(&mu_);
  std::vector<SharedEntry> entries;
  for (Recovered& one : recovered) {
    std::shared_ptr<const Labels> labels = IndexLocked(one.compile);
    for (size_t i = 0; i < one.events.size(); ++i) {
      const v1::CompileEvent& event = one.events[i]->event;
      const bool newest = i + 1 == one.events.size();
      entries.push_back(
          newest ? MakeEntry(*one.compile, labels, event)
                 : MakeEntry(RebuiltFrom(*one.compile, event), labels, event));
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const SharedEntry& a, const SharedEntry& b) {
              return a->revision < b->revision;
            });
  revision_ = std::max(revision_, last_revision);
  // The history is the newest run without gaps that ends at the revision
  // (retention may have dropped events in between).
  size_t first = entries.size();
  uint64_t expected = revision_;
  while (first > 0 && entries[first - 1]->revision == expected &&
         entries.size() - first < history_limit_) {
    --first;
    --expected;
  }
  history_.assign(entries.begin() + static_cast<std::ptrdiff_t>(first),
                  entries.end());
  oldest_ = expected + 1;
}

void CompileCollection::OnEvents(const CompileJob& job,
                                 const std::vector<SharedEvent>& events) {
  if (events.empty()) return;
  // Taken before the collection's lock: the job's state lock is a leaf
  // taken on its own (server/LOCKING.md). With the job's writer lock held,
  // this is the compile exactly as these events left it.
  auto compile = std::make_shared<const v1::Compile>(job.Snapshot());
  const uint64_t first = events.front()->event.revision();
  const uint64_t last = events.back()->event.revision();
  {
    absl::MutexLock lock(&mu_);
    if (first == 0 || first <= revision_) {
      // Not numbered (a journal that does not number), or already counted
      // (Restore ran after it): the index only.
      IndexLocked(std::move(compile));
      return;
    }
    if (first != revision_ + 1) {
      pending_.emplace(first, Pending{last, std::move(compile), events});
      return;
    }
    ApplyLocked(std::move(compile), events);
    revision_ = last;
    // Reports that were waiting for this one.
    while (!pending_.empty() && pending_.begin()->first == revision_ + 1) {
      Pending next = std::move(pending_.begin()->second);
      pending_.erase(pending_.begin());
      ApplyLocked(std::move(next.compile), next.events);
      revision_ = next.last_revision;
    }
  }
  TellListeners();
}

std::shared_ptr<const Labels> CompileCollection::IndexLocked(
    std::shared_ptr<const v1::Compile> compile) {
  auto known = keys_.find(compile->name());
  if (known != keys_.end()) {
    auto entry = index_.find(known->second);
    if (entry != index_.end()) {
      entry->second.compile = std::move(compile);
      return entry->second.labels;
    }
  }
  Key key{CreateTimeOf(*compile), compile->name()};
  auto labels = std::make_shared<const Labels>(compile->labels().begin(),
                                               compile->labels().end());
  Entry entry{compile->flow_id(), labels, std::move(compile)};
  keys_.insert_or_assign(key.name, key);
  index_.insert_or_assign(std::move(key), std::move(entry));
  return labels;
}

void CompileCollection::ApplyLocked(std::shared_ptr<const v1::Compile> compile,
                                    const std::vector<SharedEvent>& events) {
  const v1::Compile& snapshot = *compile;
  std::shared_ptr<const Labels> labels = IndexLocked(compile);
  for (const SharedEvent& event : events) {
    AppendLocked(MakeEntry(snapshot, labels, event->event));
  }
}

void CompileCollection::AppendLocked(SharedEntry entry) {
  if (history_.empty()) oldest_ = entry->revision;
  history_.push_back(std::move(entry));
  while (history_.size() > history_limit_) {
    history_.pop_front();
    oldest_ = history_.front()->revision;
  }
}

void CompileCollection::TellListeners() {
  absl::MutexLock notify(&notify_mu_);
  std::vector<EventListener*> to_tell;
  {
    absl::MutexLock lock(&mu_);
    to_tell.swap(listeners_);
  }
  for (EventListener* listener : to_tell) listener->OnEventAvailable();
}

absl::StatusOr<SharedEntry> CompileCollection::NextEntry(
    uint64_t after, EventListener* listener) {
  absl::MutexLock lock(&mu_);
  if (after >= revision_) {
    if (listener != nullptr && std::find(listeners_.begin(), listeners_.end(),
                                         listener) == listeners_.end()) {
      listeners_.push_back(listener);
    }
    return nullptr;
  }
  if (after + 1 < oldest_) {
    return absl::OutOfRangeError(absl::StrCat(
        "the events after revision ", after,
        " are no longer retained: the oldest retained is revision ", oldest_,
        "; list again (ListCompiles) and watch from the list's revision"));
  }
  return history_[after + 1 - oldest_];
}

void CompileCollection::RemoveListener(EventListener* listener) {
  absl::MutexLock notify(&notify_mu_);
  absl::MutexLock lock(&mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener),
                   listeners_.end());
}

uint64_t CompileCollection::oldest_retained() const {
  absl::MutexLock lock(&mu_);
  return history_.empty() ? revision_ + 1 : oldest_;
}

void CompileCollection::Forget(absl::Span<const std::string> names) {
  absl::MutexLock lock(&mu_);
  for (const std::string& name : names) {
    auto known = keys_.find(name);
    if (known == keys_.end()) continue;
    index_.erase(known->second);
    keys_.erase(known);
  }
}

uint64_t CompileCollection::revision() const {
  absl::MutexLock lock(&mu_);
  return revision_;
}

size_t CompileCollection::size() const {
  absl::MutexLock lock(&mu_);
  return index_.size();
}

size_t CompileCollection::history_size() const {
  absl::MutexLock lock(&mu_);
  return history_.size();
}

size_t CompileCollection::pending_reports() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

CollectionPage CompileCollection::List(
    const CompileQuery& query, const std::optional<CollectionCursor>& after,
    size_t page_size) const {
  CollectionPage page;
  absl::ReaderMutexLock lock(&mu_);
  page.revision = revision_;
  auto it = after.has_value()
                ? index_.upper_bound(Key{after->create_time, after->name})
                : index_.begin();
  for (; it != index_.end(); ++it) {
    const Entry& entry = it->second;
    if (!query.MatchesTenant(entry.compile->tenant()) ||
        !query.Matches(entry.flow_id, entry.compile->state(),
                       it->first.create_time, *entry.labels)) {
      continue;
    }
    if (page.compiles.size() == page_size) {
      // One more matches: there is a next page, after the last one taken.
      const v1::Compile& last = *page.compiles.back();
      page.next = CollectionCursor{CreateTimeOf(last), last.name()};
      break;
    }
    page.compiles.push_back(entry.compile);
  }
  return page;
}

}  // namespace cxone

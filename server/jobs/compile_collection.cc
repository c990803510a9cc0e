#include "server/jobs/compile_collection.h"

#include <utility>

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;

absl::Time CreateTimeOf(const v1::Compile& compile) {
  return absl::FromUnixSeconds(compile.create_time().seconds()) +
         absl::Nanoseconds(compile.create_time().nanos());
}

}  // namespace

void CompileCollection::Restore(
    absl::Span<const std::shared_ptr<CompileJob>> jobs,
    uint64_t last_revision) {
  std::vector<std::shared_ptr<const v1::Compile>> compiles;
  compiles.reserve(jobs.size());
  for (const std::shared_ptr<CompileJob>& job : jobs) {
    compiles.push_back(std::make_shared<const v1::Compile>(job->Snapshot()));
  }
  absl::MutexLock lock(&mu_);
  for (auto& compile : compiles) ApplyLocked(std::move(compile));
  revision_ = std::max(revision_, last_revision);
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
  absl::MutexLock lock(&mu_);
  if (first == 0 || first <= revision_) {
    // Not numbered (a journal that does not number), or already counted
    // (Restore ran after it): nothing to wait for.
    ApplyLocked(std::move(compile));
    return;
  }
  if (first != revision_ + 1) {
    pending_.emplace(first, Pending{last, std::move(compile)});
    return;
  }
  ApplyLocked(std::move(compile));
  revision_ = last;
  // Reports that were waiting for this one.
  while (!pending_.empty() && pending_.begin()->first == revision_ + 1) {
    Pending next = std::move(pending_.begin()->second);
    pending_.erase(pending_.begin());
    ApplyLocked(std::move(next.compile));
    revision_ = next.last_revision;
  }
}

void CompileCollection::ApplyLocked(
    std::shared_ptr<const v1::Compile> compile) {
  auto known = keys_.find(compile->name());
  if (known != keys_.end()) {
    auto entry = index_.find(known->second);
    if (entry != index_.end()) {
      entry->second.compile = std::move(compile);
      return;
    }
  }
  Key key{CreateTimeOf(*compile), compile->name()};
  auto labels = std::make_shared<const Labels>(compile->labels().begin(),
                                               compile->labels().end());
  Entry entry{compile->flow_id(), std::move(labels), std::move(compile)};
  keys_.insert_or_assign(key.name, key);
  index_.insert_or_assign(std::move(key), std::move(entry));
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
    if (!query.Matches(entry.flow_id, entry.compile->state(),
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

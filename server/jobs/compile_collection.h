// CompileCollection: every compile the gateway knows, as one collection
// that is exact at each collection revision — what ListCompiles reads.
//
// The journal numbers every logged event gateway-wide (Journal::
// CommitNumbered); each job reports its events here after appending them
// (the collection is a JobObserver). Jobs report concurrently, so a batch
// can arrive before an earlier revision: it waits until every revision
// before it has arrived, and the collection's `revision()` is the highest
// R such that every event up to R has been applied, in revision order.
// A list taken at R therefore holds each compile exactly as its events up
// to R left it, and none after. This needs every job of the gateway to
// report here (created with the gateway's JobObservers), or the
// collection stops at the first revision no one reports.
//
// Each compile is kept as an immutable snapshot (the Compile after its
// newest applied event), shared with readers, in an index ordered newest
// (latest create_time) first, then by name. Retention forgetting a
// compile (JobRegistry::Prune) removes it with Forget(): it leaves the
// list without an event.
//
// Thread-safe. OnEvents() is called with the job's writer lock held and
// takes the collection's lock (a leaf): server/LOCKING.md.
#ifndef CXONE_SERVER_JOBS_COMPILE_COLLECTION_H_
#define CXONE_SERVER_JOBS_COMPILE_COLLECTION_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/labels.h"
#include "server/jobs/compile_job.h"
#include "server/jobs/compile_query.h"

namespace cxone {

// A position in the collection's order: the compile at it and everything
// newer lies before.
struct CollectionCursor {
  absl::Time create_time;
  std::string name;
};

// One logged event in the collection's history, as a WatchCompiles stream
// sends it: made once, shared by every stream.
struct CollectionEntry {
  uint64_t revision = 0;
  // What a filter reads.
  std::string tenant;
  std::string flow_id;
  absl::Time create_time;
  std::shared_ptr<const Labels> labels;
  compile::v1::State state = compile::v1::STATE_UNSPECIFIED;
  compile::v1::State previous_state = compile::v1::STATE_UNSPECIFIED;
  // The serialised WatchCompilesResponse: the event, the compile as its
  // commit left it, and resume_after_revision = revision.
  std::string wire;
};

using SharedEntry = std::shared_ptr<const CollectionEntry>;

// One page of a list.
struct CollectionPage {
  std::vector<std::shared_ptr<const compile::v1::Compile>> compiles;
  // Where the next page starts after; unset on the last page.
  std::optional<CollectionCursor> next;
  // The revision the page reflects.
  uint64_t revision = 0;
};

class CompileCollection final : public JobObserver {
 public:
  // Keeps the newest `history_limit` events for WatchCompiles.
  // REQUIRES: history_limit > 0.
  explicit CompileCollection(size_t history_limit = 10'000);
  CompileCollection(const CompileCollection&) = delete;
  CompileCollection& operator=(const CompileCollection&) = delete;

  // At start-up, before any job reports: the jobs recovered from the store
  // and the highest revision the store ever gave (StoreContents::
  // last_revision), where the collection stands.
  void Restore(absl::Span<const std::shared_ptr<CompileJob>> jobs,
               uint64_t last_revision);

  // JobObserver: `events` were appended to `job`'s log.
  void OnEvents(const CompileJob& job,
                const std::vector<SharedEvent>& events) override;

  // Drops the compiles named (forgotten by retention).
  void Forget(absl::Span<const std::string> names);

  // Every event up to this revision has been applied, none after.
  uint64_t revision() const;

  // Up to `page_size` compiles matching `query`, newest first, starting
  // after `after` (from the start when unset). REQUIRES: page_size > 0.
  CollectionPage List(const CompileQuery& query,
                      const std::optional<CollectionCursor>& after,
                      size_t page_size) const;

  // Compiles in the collection (for tests and metrics).
  size_t size() const;

  // For metrics: events the history holds (at most history_limit), and
  // reports waiting for an earlier revision to arrive (a job that numbered
  // events and never reports them would keep these, and revision(), stuck).
  size_t history_size() const;
  size_t pending_reports() const;

  // WatchCompiles streams following the history: each opens a cursor when
  // it starts and closes it when it ends (for metrics).
  void OpenCursor() { open_cursors_.fetch_add(1, std::memory_order_relaxed); }
  void CloseCursor() { open_cursors_.fetch_sub(1, std::memory_order_relaxed); }
  int64_t open_cursors() const {
    return open_cursors_.load(std::memory_order_relaxed);
  }

  // The entry after revision `after` (the one numbered after + 1), if the
  // history has it. Otherwise, if `after` is at the current revision and
  // `listener` is non-null, registers it to be told once when an entry is
  // added, and returns null. OutOfRange naming the oldest retained
  // revision if entries after `after` were dropped from the history.
  absl::StatusOr<SharedEntry> NextEntry(uint64_t after,
                                        EventListener* listener);

  // Unregisters `listener`. After it returns the listener is not being
  // called and will not be. REQUIRES: not called from OnEventAvailable().
  void RemoveListener(EventListener* listener);

  // The oldest revision the history holds (revision() + 1 when empty).
  uint64_t oldest_retained() const;

 private:
  // A compile as the index holds it: what filters read, kept apart from
  // the snapshot so that matching needs no proto access.
  struct Entry {
    std::string flow_id;
    std::shared_ptr<const Labels> labels;
    std::shared_ptr<const compile::v1::Compile> compile;
  };
  // Newest first, then by name.
  struct Key {
    absl::Time create_time;
    std::string name;
    bool operator<(const Key& other) const {
      return std::tie(other.create_time, name) <
             std::tie(create_time, other.name);
    }
  };
  // A job's report waiting for the revisions before it.
  struct Pending {
    uint64_t last_revision;
    std::shared_ptr<const compile::v1::Compile> compile;
    std::vector<SharedEvent> events;
  };

  // Applies a report: the compile, and its events to the history.
  void ApplyLocked(std::shared_ptr<const compile::v1::Compile> compile,
                   const std::vector<SharedEvent>& events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AppendLocked(SharedEntry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The index's entry of `compile`, added if new; its labels.
  std::shared_ptr<const Labels> IndexLocked(
      std::shared_ptr<const compile::v1::Compile> compile)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Tells the listeners registered before now, with notify_mu_ held.
  void TellListeners();

  const size_t history_limit_;
  // Held while listeners are told, so that RemoveListener() waits for a
  // call in progress; before mu_.
  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  // Revisions oldest_, oldest_ + 1, …, revision_, without gaps.
  std::deque<SharedEntry> history_ ABSL_GUARDED_BY(mu_);
  uint64_t oldest_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<EventListener*> listeners_ ABSL_GUARDED_BY(mu_);
  uint64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  // By the first revision of the report.
  std::map<uint64_t, Pending> pending_ ABSL_GUARDED_BY(mu_);
  std::map<Key, Entry> index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Key> keys_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> open_cursors_{0};
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_COMPILE_COLLECTION_H_

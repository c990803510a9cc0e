// GroupCommitter: the one writer to the Store, and the gateway's Journal
// (journal.h) when it has a store. Callers hand it batches and wait; one
// thread commits whatever has gathered in a single transaction, so that
// many compiles' events share the cost of a commit (group commit).
// A caller waits at most for the transaction in progress plus its own: no
// timer holds a batch back.
//
// If a merged transaction fails, each batch in it is retried alone, so one
// bad batch cannot fail the others. How long transactions take is measured
// on the injected Clock.
//
// The commit thread numbers events (Journal::CommitNumbered) as it builds
// each transaction, in queue order, and numbers them again for a retry,
// so a batch that fails leaves no gap. The observer's Prepare() runs
// there too, after numbering, so that what it adds (webhook bodies) can
// carry the revisions.
//
// Thread-safe.
#ifndef CXONE_SERVER_STORE_GROUP_COMMITTER_H_
#define CXONE_SERVER_STORE_GROUP_COMMITTER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/counter_set.h"
#include "server/store/journal.h"
#include "server/store/store.h"

namespace cxone {

// Sees every batch: may add writes that must commit with it (the webhook
// outbox rows of its events), and learns when it is committed.
class CommitObserver {
 public:
  virtual ~CommitObserver() = default;
  // On the commit thread, once `batch`'s events are numbered, before each
  // attempt to commit it; it may add deliveries only (they are dropped
  // again before a retry).
  virtual void Prepare(StoreBatch& batch) = 0;
  // On the caller's thread, once `batch` is durable.
  virtual void Committed(const StoreBatch& batch) = 0;
};

class GroupCommitter final : public Journal {
 public:
  // `store` and `clock` must outlive the committer. A transaction takes at
  // most `max_transaction_writes` rows, unless one batch alone is larger.
  GroupCommitter(Store* store, const Clock* clock,
                 int64_t max_transaction_writes = 20000);
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;
  ~GroupCommitter() override;

  // `observer` (may be null) must outlive the committer. REQUIRES: called
  // before Start().
  void SetObserver(CommitObserver* observer) { observer_ = observer; }

  // Reads where the numbering of events resumes (Store::LastRevision) and
  // starts the commit thread; the store's error if it cannot be read.
  absl::Status Start();

  // Commits `batch` and returns once it is durable, with its first
  // revision, or with the store's error (nothing of the batch was
  // applied). Unavailable once shut down.
  absl::StatusOr<uint64_t> CommitNumbered(StoreBatch batch) override;

  // Commits what is waiting, then stops the thread.
  void Shutdown();

  // Whether the last transaction succeeded (true before the first).
  bool healthy() const;
  // Batches waiting for the next transaction.
  int64_t waiting() const;
  // Transactions committed and rows written, for metrics and benchmarks.
  int64_t transactions() const;
  // How long transactions took, in seconds.
  Histogram::Snapshot commit_seconds() const { return commit_seconds_.Read(); }
  int64_t writes() const;

 private:
  struct Waiter {
    StoreBatch batch;
    // The batch's deliveries before the observer added any.
    size_t own_deliveries = 0;
    absl::StatusOr<uint64_t> result = 0;
    bool done = false;
  };

  void Run();
  // Numbers `waiter`'s events from `first_revision` and lets the observer
  // prepare it (after dropping what it added for an earlier attempt).
  void PrepareAttempt(Waiter& waiter, uint64_t first_revision);

  Store* const store_;
  const Clock* const clock_;
  CommitObserver* observer_ = nullptr;
  const int64_t max_transaction_writes_;
  // The last revision committed. Only the commit thread touches it once
  // Start() has set it.
  uint64_t last_revision_ = 0;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<Waiter>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;
  int64_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  Histogram commit_seconds_{
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}};
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_GROUP_COMMITTER_H_

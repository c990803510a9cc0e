// NoJournal: the Journal of a gateway without a state store
// (--store=memory).
//
// Promise: every Commit() succeeds at once, and nothing of the batch is
// kept — there is nothing to read back, and a restart forgets every
// compile, event and request_id. So the components run exactly as they do
// over a store whose commits all succeed, without asking whether there is
// one. It keeps one thing, in memory: the count of events it numbered, so
// that revisions go on from 1 without gaps until the process ends.
//
// Thread-safe.
#ifndef CXONE_SERVER_STORE_NO_JOURNAL_H_
#define CXONE_SERVER_STORE_NO_JOURNAL_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/journal.h"
#include "server/store/store.h"

namespace cxone {

class NoJournal final : public Journal {
 public:
  // The next revisions, always; `batch` is dropped on return.
  absl::StatusOr<uint64_t> CommitNumbered(StoreBatch batch) override {
    if (batch.events.empty()) return 0;
    absl::MutexLock lock(&mu_);
    const uint64_t first = last_revision_ + 1;
    last_revision_ += batch.events.size();
    return first;
  }

 private:
  absl::Mutex mu_;
  uint64_t last_revision_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_NO_JOURNAL_H_

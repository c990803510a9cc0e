// NoJournal: the Journal of a gateway without a state store
// (--store=memory).
//
// Promise: every Commit() succeeds at once, and nothing of the batch is
// kept — there is nothing to read back, and a restart forgets every
// compile, event and request_id. So the components run exactly as they do
// over a store whose commits all succeed, without asking whether there is
// one.
//
// Stateless, hence thread-safe.
#ifndef CXONE_SERVER_STORE_NO_JOURNAL_H_
#define CXONE_SERVER_STORE_NO_JOURNAL_H_

#include "absl/status/status.h"
#include "server/store/journal.h"
#include "server/store/store.h"

namespace cxone {

class NoJournal final : public Journal {
 public:
  // OK, always; `batch` is dropped on return.
  absl::Status Commit(StoreBatch /*batch*/) override {
    return absl::OkStatus();
  }
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_NO_JOURNAL_H_

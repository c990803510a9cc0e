// Journal: where the gateway's components commit what must survive a
// restart — a compile's changes and events, StartCompile's request_id
// intents and their bindings, webhook delivery outcomes — before anyone
// acts on it.
//
// Components commit first and act second: a CompileJob makes a change
// visible to watchers only once it is committed, and the CompileStarter
// calls CXone only once the start's intent is. The journal alone decides
// what "committed" means, so no component asks whether the gateway keeps
// state: with --store=sqlite the journal is the GroupCommitter
// (group_committer.h) in front of the Store; with --store=memory it is
// NoJournal (no_journal.h), which keeps nothing. A component's Journal*
// is never null.
//
// Implementations are thread-safe; Commit() may block the calling thread
// until the batch is durable.
#ifndef CXONE_SERVER_STORE_JOURNAL_H_
#define CXONE_SERVER_STORE_JOURNAL_H_

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/store.h"

namespace cxone {

class Journal {
 public:
  virtual ~Journal() = default;

  // Commits `batch`, all or nothing, and returns once it is as durable as
  // this journal makes anything. Else returns why not (the store's error,
  // or Unavailable once the journal is shut down): nothing of the batch
  // was applied then, and a later commit may succeed.
  //
  // Numbers the batch's events as it commits them: the journal gives the
  // logged events of all batches collection revisions 1, 2, 3, … in the
  // order it commits them, without gaps (a batch that fails takes no
  // number) and, with a store, continuing after the store's last revision
  // across restarts. `batch.events[i]` gets the returned revision + i; 0
  // is returned for a batch without events. The caller's events carry
  // their revision only once it is known, so no one sees one unnumbered.
  virtual absl::StatusOr<uint64_t> CommitNumbered(StoreBatch batch) = 0;

  // CommitNumbered, for a caller whose batch has no events to number.
  absl::Status Commit(StoreBatch batch) {
    return CommitNumbered(std::move(batch)).status();
  }
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_JOURNAL_H_

// RecoverState: rebuilds the gateway's state from the store at start-up.
//
// Every recorded compile becomes a job again with the retained part of its
// event log, so sequences continue without a gap and watchers resuming
// with after_sequence get exactly what they missed. Live compiles go back
// to the poll scheduler and are polled by their compileId — never
// triggered again. request_id keys bound to a compile answer as before the
// restart; keys still pending (the gateway stopped between recording the
// intent and recording the compile) are returned, for
// CompileStarter::ResumePending once the workers run. The gateway's own
// keys of starts without a request_id are dropped: no caller can ask for
// them again.
#ifndef CXONE_SERVER_JOBS_STATE_RECOVERY_H_
#define CXONE_SERVER_JOBS_STATE_RECOVERY_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/jobs/compile_lifecycle.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/request_id_index.h"
#include "server/store/journal.h"
#include "server/store/store.h"

namespace cxone {

struct RecoveredState {
  // The highest collection revision the store ever gave.
  uint64_t last_revision = 0;
  int64_t compiles = 0;
  int64_t live_compiles = 0;
  int64_t events = 0;
  int64_t request_ids = 0;
  // Starts to trigger again (CompileStarter::ResumePending).
  std::vector<StoredRequestId> pending_starts;
  // For the webhook dispatcher.
  std::vector<StoredDelivery> pending_deliveries;
  std::vector<StoredEndpointState> endpoint_states;
};

// Loads `store` into `registry` and `request_ids`, and hands every live
// compile to `track_live` (PollScheduler::Track); the jobs write through
// `journal` (never null). DataLoss if a record cannot be read, or a
// compile's events have a gap.
absl::StatusOr<RecoveredState> RecoverState(
    Store* store, Journal* journal, LifecycleTimeouts timeouts, absl::Time now,
    JobRegistry* registry, RequestIdIndex* request_ids,
    absl::FunctionRef<void(std::shared_ptr<CompileJob>)> track_live,
    JobObserver* observer = nullptr);

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_STATE_RECOVERY_H_

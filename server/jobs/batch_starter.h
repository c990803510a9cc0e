// BatchStarter: what BatchStartCompiles does, without gRPC — many starts,
// each through the function that starts one (the CompileService's, which
// admits it against its tenant's quotas and hands it to the one
// CompileStarter), a few at a time.
//
// Per item, not atomic: each item is a StartCompile of its own (the same
// validation, idempotency key, rate budget and errors) with its own result,
// in the order of the items. A batch cannot be all-or-nothing: a trigger
// CXone has accepted cannot be taken back, so a failure late in a batch
// could not undo the compiles started before it. Instead a batch is safe to
// retry whole when each item has a request_id: the items that started
// return their compiles again, and only the others are triggered.
//
// Fair: a batch keeps at most `max_in_flight` of its items in the starter
// at once and hands it the next as one finishes, so a batch of 1000 does
// not fill the starter's queue (and the rate budget behind it) ahead of
// single StartCompile calls and other batches: they wait behind at most
// `max_in_flight` items per batch.
//
// Thread-safe.
#ifndef CXONE_SERVER_JOBS_BATCH_STARTER_H_
#define CXONE_SERVER_JOBS_BATCH_STARTER_H_

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "cxone/compile/v1/compile.pb.h"
#include "server/jobs/compile_starter.h"

namespace cxone {

class BatchStarter {
 public:
  using Results = std::vector<absl::StatusOr<compilev1::Compile>>;
  using Done = std::function<void(Results)>;
  // Starts one item and calls its Done exactly once (as
  // CompileStarter::Start).
  using ItemStart = std::function<void(const compilev1::StartCompileRequest&,
                                       CompileStarter::Done)>;

  // REQUIRES: max_in_flight >= 1.
  explicit BatchStarter(int max_in_flight);
  BatchStarter(const BatchStarter&) = delete;
  BatchStarter& operator=(const BatchStarter&) = delete;

  // Starts every item and calls `done` once with a result per item, in
  // the items' order: inline if every item was answered at once, else on a
  // worker thread. Never blocks.
  void Start(std::vector<compilev1::StartCompileRequest> items,
             ItemStart start_item, Done done);

 private:
  struct Run;
  // Hands the starter items while fewer than max_in_flight_ are out; the
  // one thread doing so loops for completions that arrive meanwhile.
  void Pump(const std::shared_ptr<Run>& run);

  const int max_in_flight_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_BATCH_STARTER_H_

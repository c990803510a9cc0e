// RequestIdIndex: StartCompile's idempotency keys.
//
// The first call with a `request_id` claims it and triggers CXone; calls
// with the same key that arrive while it runs wait for its outcome instead
// of triggering again; later calls get the compile it produced, for as long
// as the gateway remembers that compile (ForgetCompiles). A key whose first
// call failed is forgotten, so the caller may retry with it. A key is bound
// to its flow: reusing it for another flow is AlreadyExists.
//
// Thread-safe. Callbacks run on the thread that calls Complete().
#ifndef CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_
#define CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/jobs/compile_job.h"

namespace cxone {

class RequestIdIndex {
 public:
  using JobOrError = absl::StatusOr<std::shared_ptr<CompileJob>>;
  using Callback = std::function<void(JobOrError)>;

  enum class Claim {
    kFirst,    // the caller must trigger, then call Complete()
    kWaiting,  // `callback` will be called with the first call's outcome
    kDone,     // `callback` was already called with the key's compile
  };

  RequestIdIndex() = default;
  RequestIdIndex(const RequestIdIndex&) = delete;
  RequestIdIndex& operator=(const RequestIdIndex&) = delete;

  // Claims `request_id` for `flow_id`. On kWaiting and kDone the outcome
  // goes to `callback` (for kDone, before Claim returns). On an error (key
  // bound to another flow) nothing is called.
  absl::StatusOr<Claim> ClaimOrJoin(const std::string& request_id,
                                    const std::string& flow_id,
                                    Callback callback);

  // Records the outcome of the first call and tells the waiters. An error
  // forgets the key.
  void Complete(const std::string& request_id, const JobOrError& outcome);

  // Forgets the keys bound to the compiles named `compile_names` (retention
  // forgot them): the next call with such a key starts a new compile, as it
  // would after a restart, since the store forgets them with their compile.
  void ForgetCompiles(const std::vector<std::string>& compile_names);

  // Binds `request_id` to `job` as a completed first call did (recovery
  // from the store).
  void Restore(const std::string& request_id, const std::string& flow_id,
               std::shared_ptr<CompileJob> job);

 private:
  struct Entry {
    std::string flow_id;
    std::shared_ptr<CompileJob> job;  // null while the first call runs
    std::vector<Callback> waiters;
  };

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_

// RequestIdIndex: StartCompile's idempotency keys.
//
// The first call with a `request_id` claims it and triggers CXone; calls
// with the same key that arrive while it runs wait for its outcome instead
// of triggering again; later calls get the compile it produced, for as long
// as the gateway remembers that compile (ForgetCompiles). A key whose first
// call failed is forgotten, so the caller may retry with it. A key is bound
// to its first call's flow and labels: reusing it for another flow, or with
// other labels, is AlreadyExists. LookupCompile asks Find() for a key's
// compile.
//
// Thread-safe. Callbacks run on the thread that calls Complete().
#ifndef CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_
#define CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/labels.h"
#include "server/jobs/compile_job.h"

namespace cxone {

// The longest request_id a caller may give, in bytes.
inline constexpr size_t kMaxRequestIdLength = 256;

// OK, or InvalidArgument saying why `request_id` cannot be a key: longer
// than kMaxRequestIdLength, or starting with "~" (reserved for the
// gateway's own keys, see kOwnKeyPrefix). The empty id passes (it means
// "no key" to StartCompile; LookupCompile refuses it itself).
absl::Status ValidateRequestId(absl::string_view request_id);

// A key as the index knows it: a caller's request_id within its tenant, so
// that two tenants' keys never meet ("" without tenants).
struct RequestIdKey {
  RequestIdKey(std::string id) : request_id(std::move(id)) {}  // NOLINT
  RequestIdKey(const char* id) : request_id(id) {}              // NOLINT
  RequestIdKey(std::string tenant_name, std::string id)
      : tenant(std::move(tenant_name)), request_id(std::move(id)) {}

  std::pair<std::string, std::string> AsPair() const {
    return {tenant, request_id};
  }

  std::string tenant;
  std::string request_id;
};

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

  // Claims `request_id` for a start of `flow_id` with `labels`. On kWaiting
  // and kDone the outcome goes to `callback` (for kDone, before Claim
  // returns). AlreadyExists, and nothing is called, if the key's first call
  // was for another flow or had other labels (the message names the first
  // key they differ at, never a value); labels are a map, so their order
  // does not matter.
  absl::StatusOr<Claim> ClaimOrJoin(const RequestIdKey& key,
                                    const std::string& flow_id,
                                    const Labels& labels, Callback callback);

  // Records the outcome of the first call and tells the waiters. An error
  // forgets the key.
  void Complete(const RequestIdKey& key, const JobOrError& outcome);

  // The compile `request_id` is bound to. NotFound while there is none,
  // the message saying which case it is and what to do: the key's first
  // call is still in flight, or the key is unknown (never used, its start
  // failed, or retention forgot it with its compile).
  JobOrError Find(const RequestIdKey& key) const;

  // Forgets the keys bound to the compiles named `compile_names` (retention
  // forgot them): the next call with such a key starts a new compile, as it
  // would after a restart, since the store forgets them with their compile.
  void ForgetCompiles(const std::vector<std::string>& compile_names);

  // Binds `request_id` to `job` as a completed first call for `flow_id`
  // with `labels` did (recovery from the store).
  void Restore(const RequestIdKey& key, const std::string& flow_id,
               const Labels& labels, std::shared_ptr<CompileJob> job);

 private:
  struct Entry {
    std::string flow_id;
    Labels labels;
    std::shared_ptr<CompileJob> job;  // null while the first call runs
    std::vector<Callback> waiters;
  };

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::pair<std::string, std::string>, Entry> entries_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_REQUEST_ID_INDEX_H_

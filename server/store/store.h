// Store: where the gateway keeps what must survive a restart — compiles,
// every event of their logs, and StartCompile's request_id keys.
//
// An interface so that a networked database can back the gateway later;
// SqliteStore (sqlite_store.h) is the one implementation. Writes come as
// batches, each applied in one transaction, all or nothing: the
// GroupCommitter (group_committer.h) merges the writes of many compiles
// into one batch.
//
// Every error names the store once, "state store PATH: reason": callers
// add what they were doing, never the store's name again.
//
// Implementations are thread-safe. The GroupCommitter is the one writer of
// new state; the retention sweeper prunes beside it.
#ifndef CXONE_SERVER_STORE_STORE_H_
#define CXONE_SERVER_STORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/labels.h"
#include "cxone/compile/v1/compile.pb.h"

namespace cxone {

namespace compilev1 = ::cxone::compile::v1;

// A compile as last recorded: its API form (flow, compileId, state, errors,
// warnings, timestamps) and where its event log ends.
struct StoredCompile {
  compilev1::Compile compile;
  uint64_t last_sequence = 0;
  // When it became terminal; InfiniteFuture() while it is live.
  absl::Time finished_at = absl::InfiniteFuture();
};

// One event of a compile's log: `payload` is the serialised CompileEvent
// as its job made it, without its collection `revision`, which the journal
// gives at commit time (see Journal::CommitNumbered) and the store keeps
// beside it. The bytes watchers receive are `payload` followed by the
// encoding of `revision` (WithRevision in server/jobs/compile_job.h):
// protobuf reads concatenated encodings as one message.
struct StoredEvent {
  std::string compile_name;
  uint64_t sequence = 0;
  std::string payload;
  // 0 for events stored before the gateway numbered them.
  uint64_t revision = 0;
};

// A StartCompile idempotency key: what its first call asked for, and the
// compile it got. `compile_name` is empty while the trigger it stands for
// has not been recorded as done (see CompileStarter: the key is written
// before CXone is called), so that a restart can trigger it again with the
// same flow, directives and labels.
struct StoredRequestId {
  std::string request_id;
  std::string flow_id;
  std::string directives_json;  // "" for none
  std::string compile_name;
  absl::Time created_at;
  // The first call's labels, which a compile it creates carries and a
  // retry must repeat (StartCompileRequest.labels).
  Labels labels = {};
  // The tenant of the caller that gave the key ("" without tenants): keys
  // of different tenants never meet.
  std::string tenant = "";
};

// A webhook delivery in the outbox: one logged event for one endpoint.
enum class DeliveryState { kPending = 0, kDelivered = 1, kDead = 2 };

struct StoredDelivery {
  std::string endpoint;
  std::string compile_name;
  uint64_t sequence = 0;
  std::string webhook_id;  // stable across retries
  std::string body;        // fixed when the event is logged
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  absl::Time next_attempt = absl::InfinitePast();
  std::string last_error;  // of the last failed attempt
  absl::Time created_at;
  absl::Time updated_at;
};

// Which deliveries ListDeliveries() and ReplayDeadLetters() mean; empty
// fields match everything. `from`/`to` bound when the delivery was last
// updated (dead-lettered).
struct DeliveryFilter {
  std::string endpoint;
  std::string compile_name;
  std::optional<uint64_t> sequence;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  int64_t limit = 1000;
};

// An endpoint a receiver disabled (410 Gone), or enabled again.
struct StoredEndpointState {
  std::string endpoint;
  bool disabled = false;
  std::string reason;
  absl::Time at;
};

// Writes applied together, in one transaction.
struct StoreBatch {
  std::vector<StoredCompile> compiles;       // inserted or replaced, by name
  std::vector<StoredEvent> events;           // inserted
  std::vector<StoredRequestId> request_ids;  // inserted or replaced
  // Deleted: (tenant, request_id).
  std::vector<std::pair<std::string, std::string>> forgotten_request_ids;
  std::vector<StoredDelivery> deliveries;          // inserted (kept if present)
  // Their state, attempts, next attempt, error and update time replaced.
  std::vector<StoredDelivery> delivery_updates;
  std::vector<StoredEndpointState> endpoint_states;  // replaced by name

  bool empty() const {
    return compiles.empty() && events.empty() && request_ids.empty() &&
           forgotten_request_ids.empty() && deliveries.empty() &&
           delivery_updates.empty() && endpoint_states.empty();
  }
  // Number of writes (rows) in the batch.
  size_t size() const {
    return compiles.size() + events.size() + request_ids.size() +
           forgotten_request_ids.size() + deliveries.size() +
           delivery_updates.size() + endpoint_states.size();
  }
};

// Everything a store holds, for recovery.
struct StoreContents {
  // The highest collection revision ever committed (0 if none), whether
  // or not its event is still kept.
  uint64_t last_revision = 0;
  std::vector<StoredCompile> compiles;
  // Ordered by compile name, then sequence.
  std::vector<StoredEvent> events;
  std::vector<StoredRequestId> request_ids;
  std::vector<StoredDelivery> pending_deliveries;
  std::vector<StoredEndpointState> endpoint_states;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies `batches`, in order, durably and all or nothing. Unavailable
  // (naming the cause: storage full, read-only, I/O error) if it cannot;
  // nothing was applied then, and a later commit may succeed.
  virtual absl::Status CommitAll(
      absl::Span<const StoreBatch* const> batches) = 0;

  absl::Status Commit(const StoreBatch& batch) {
    const StoreBatch* one = &batch;
    return CommitAll(absl::MakeConstSpan(&one, 1));
  }

  // Everything the store holds.
  virtual absl::StatusOr<StoreContents> LoadAll() = 0;

  // StoreContents::last_revision alone, without loading the rest: where
  // the journal's numbering resumes.
  virtual absl::StatusOr<uint64_t> LastRevision() = 0;

  // The deliveries in `state` that match `filter`, oldest update first.
  virtual absl::StatusOr<std::vector<StoredDelivery>> ListDeliveries(
      DeliveryState state, const DeliveryFilter& filter) = 0;

  // Makes the dead letters that match `filter` pending again (attempts
  // reset, due at `now`) and returns them.
  virtual absl::StatusOr<std::vector<StoredDelivery>> ReplayDeadLetters(
      const DeliveryFilter& filter, absl::Time now) = 0;

  // Retention, the same rule as JobRegistry::Prune in memory, so that a
  // restart changes nothing a caller can see:

  // Deletes the events of compiles that finished before `cutoff`, except
  // each one's last event (its result stays readable); the compiles and
  // their request_id keys stay. Returns how many events went.
  virtual absl::StatusOr<int64_t> DropEventsFinishedBefore(
      absl::Time cutoff) = 0;

  // Deletes the oldest finished compiles beyond the newest `keep`, with
  // their events, deliveries and request_id keys; returns how many went.
  virtual absl::StatusOr<int64_t> PruneFinishedBeyond(int64_t keep) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_STORE_H_

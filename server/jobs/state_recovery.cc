#include "server/jobs/state_recovery.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "server/jobs/compile_starter.h"

namespace cxone {
namespace {

int64_t CreateMicros(const StoredCompile& compile) {
  return google::protobuf::util::TimeUtil::TimestampToMicroseconds(
      compile.compile.create_time());
}

}  // namespace

absl::StatusOr<RecoveredState> RecoverState(
    Store* store, Journal* journal, LifecycleTimeouts timeouts, absl::Time now,
    JobRegistry* registry, RequestIdIndex* request_ids,
    absl::FunctionRef<void(std::shared_ptr<CompileJob>)> track_live,
    JobObserver* observer) {
  absl::StatusOr<StoreContents> contents = store->LoadAll();
  if (!contents.ok()) return contents.status();
  RecoveredState recovered;
  recovered.last_revision = contents->last_revision;

  absl::flat_hash_map<std::string, std::vector<SharedEvent>> logs;
  for (StoredEvent& stored : contents->events) {
    auto entry = std::make_shared<LoggedEvent>();
    if (!entry->event.ParseFromString(stored.payload)) {
      return absl::DataLossError(
          absl::StrCat("state store: event ", stored.sequence, " of ",
                       stored.compile_name, " is not readable"));
    }
    if (entry->event.sequence() != stored.sequence) {
      return absl::DataLossError(absl::StrCat(
          "state store: event ", stored.sequence, " of ", stored.compile_name,
          " says it is event ", entry->event.sequence()));
    }
    entry->wire = std::move(stored.payload);
    if (stored.revision > 0) SetRevision(*entry, stored.revision);
    std::vector<SharedEvent>& log = logs[stored.compile_name];
    if (!log.empty() && log.back()->event.sequence() + 1 != stored.sequence) {
      return absl::DataLossError(absl::StrCat(
          "state store: the events of ", stored.compile_name, " jump from ",
          log.back()->event.sequence(), " to ", stored.sequence));
    }
    log.push_back(std::move(entry));
    ++recovered.events;
  }

  // Oldest first, so that the newest compile of each flow is registered
  // last and is the one a watch by flow_id follows.
  std::sort(contents->compiles.begin(), contents->compiles.end(),
            [](const StoredCompile& a, const StoredCompile& b) {
              return CreateMicros(a) < CreateMicros(b);
            });
  for (const StoredCompile& recorded : contents->compiles) {
    std::vector<SharedEvent> log;
    if (auto it = logs.find(recorded.compile.name()); it != logs.end()) {
      log = std::move(it->second);
    }
    if (!log.empty() &&
        log.back()->event.sequence() != recorded.last_sequence) {
      return absl::DataLossError(absl::StrCat(
          "state store: compile ", recorded.compile.name(), " records ",
          recorded.last_sequence, " events but its log ends at ",
          log.back()->event.sequence()));
    }
    auto job = std::make_shared<CompileJob>(recorded, std::move(log), now,
                                            timeouts, journal, observer);
    auto [registered, added] = registry->AddIfAbsent(job);
    if (!added) continue;
    ++recovered.compiles;
    if (!registered->terminal()) {
      ++recovered.live_compiles;
      track_live(registered);
    }
  }

  StoreBatch forget;
  for (StoredRequestId& key : contents->request_ids) {
    if (absl::StartsWith(key.request_id, kOwnKeyPrefix)) {
      forget.forgotten_request_ids.push_back({key.tenant, key.request_id});
    } else if (key.compile_name.empty()) {
      recovered.pending_starts.push_back(std::move(key));
    } else if (std::shared_ptr<CompileJob> job =
                   registry->Find(key.compile_name)) {
      request_ids->Restore({key.tenant, key.request_id}, key.flow_id,
                           key.labels,
                           std::move(job));
      ++recovered.request_ids;
    }
  }
  recovered.pending_deliveries = std::move(contents->pending_deliveries);
  recovered.endpoint_states = std::move(contents->endpoint_states);
  if (!forget.empty()) {
    if (absl::Status forgotten = store->Commit(forget); !forgotten.ok()) {
      return forgotten;
    }
  }
  return recovered;
}

}  // namespace cxone

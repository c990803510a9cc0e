#include "server/jobs/retention_sweeper.h"

namespace cxone {

RetentionSweeper::RetentionSweeper(RetentionConfig config,
                                   absl::Duration interval,
                                   JobRegistry* registry,
                                   RequestIdIndex* request_ids, Clock* clock,
                                   JsonLog* log, Store* store,
                                   CompileCollection* collection)
    : config_(config),
      registry_(registry),
      request_ids_(request_ids),
      clock_(clock),
      log_(log),
      store_(store),
      collection_(collection),
      thread_(interval, clock, [this] { SweepOnce(); }) {}

void RetentionSweeper::SweepOnce() {
  const absl::Time now = clock_->Now();
  const std::vector<std::string> forgotten = registry_->Prune(config_, now);
  if (!forgotten.empty()) {
    request_ids_->ForgetCompiles(forgotten);
    if (collection_ != nullptr) collection_->Forget(forgotten);
    log_->Info("forgot finished compiles beyond the retention count",
               {{"forgotten", forgotten.size()}});
  }
  if (store_ == nullptr) return;
  absl::StatusOr<int64_t> expired =
      store_->DropEventsFinishedBefore(now - config_.event_retention);
  absl::StatusOr<int64_t> excess =
      expired.ok() ? store_->PruneFinishedBeyond(config_.max_finished_compiles)
                   : expired;
  if (!excess.ok()) {
    log_->Warn("cannot prune the state store",
               {{"error", std::string(excess.status().message())}});
  } else if (*expired + *excess > 0) {
    log_->Info("pruned the state store", {{"expired_events", *expired},
                                          {"compiles_beyond_count", *excess}});
  }
}

}  // namespace cxone

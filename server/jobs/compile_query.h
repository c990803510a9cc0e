// CompileQuery: which compiles a ListCompiles (or WatchCompiles) means — a
// CompileFilter of the API, checked once and ready to match.
//
// Every condition that is set must hold: the flow is one of `flow_ids`, the
// state one of `states`, the labels meet `selector`, and the create time is
// in [create_time_from, create_time_to). `Fingerprint()` is a canonical
// text of the query, equal for equivalent filters (ids and states sorted,
// the selector in its canonical form), so that a page token can say which
// query it belongs to.
//
// A value type; thread-compatible (const methods may be called from many
// threads at once).
#ifndef CXONE_SERVER_JOBS_COMPILE_QUERY_H_
#define CXONE_SERVER_JOBS_COMPILE_QUERY_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/label_selector.h"
#include "common/labels.h"
#include "cxone/compile/v1/compile.pb.h"

namespace cxone {

class CompileQuery {
 public:
  // At most this many flow ids in one filter.
  static constexpr size_t kMaxFlowIds = 100;

  // The query that matches every compile.
  CompileQuery() = default;

  // `filter` checked: InvalidArgument naming the field (`filter.flow_ids[2]`,
  // `filter.states[0]`, `filter.label_selector`, `filter.create_time_to`)
  // and what is wrong with it.
  static absl::StatusOr<CompileQuery> FromFilter(
      const compile::v1::CompileFilter& filter);

  // Whether a compile of `flow_id` in `state`, created at `create_time`
  // with `labels`, matches.
  bool Matches(const std::string& flow_id, compile::v1::State state,
               absl::Time create_time, const Labels& labels) const;

  // Whether the conditions other than the state hold: a change by which a
  // compile leaves the `states` of the query is still news to a watcher.
  bool MatchesIgnoringState(const std::string& flow_id, absl::Time create_time,
                            const Labels& labels) const;

  // Whether `state` is one of the query's states (true when none are set).
  bool MatchesState(compile::v1::State state) const;

  // Narrows the query to the compiles of `tenant` (the caller's: every
  // query of a caller is), which the filter itself cannot widen.
  void RestrictToTenant(std::string tenant) { tenant_ = std::move(tenant); }
  // Whether a compile of `tenant` may match (true when not restricted).
  bool MatchesTenant(const std::string& tenant) const {
    return !tenant_.has_value() || *tenant_ == tenant;
  }

  // The canonical text of the query (see the file comment), its tenant
  // included: a page token of one tenant's list is no other's.
  std::string Fingerprint() const;

 private:
  std::optional<std::string> tenant_;
  std::vector<std::string> flow_ids_;       // sorted, unique
  std::vector<compile::v1::State> states_;  // sorted, unique
  LabelSelector selector_;
  absl::Time create_time_from_ = absl::InfinitePast();
  absl::Time create_time_to_ = absl::InfiniteFuture();
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_COMPILE_QUERY_H_

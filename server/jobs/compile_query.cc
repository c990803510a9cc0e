#include "server/jobs/compile_query.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/resource_name.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;

absl::StatusOr<absl::Time> TimeOf(const google::protobuf::Timestamp& time,
                                  absl::string_view field) {
  // The range google.protobuf.Timestamp defines: 0001-01-01 to 9999-12-31.
  constexpr int64_t kMinSeconds = -62'135'596'800;
  constexpr int64_t kMaxSeconds = 253'402'300'799;
  if (time.seconds() < kMinSeconds || time.seconds() > kMaxSeconds ||
      time.nanos() < 0 || time.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field,
                     ": not a valid timestamp (seconds must lie in years "
                     "0001-9999, nanos in 0-999999999)"));
  }
  return absl::FromUnixSeconds(time.seconds()) +
         absl::Nanoseconds(time.nanos());
}

template <typename T>
void SortUnique(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

}  // namespace

absl::StatusOr<CompileQuery> CompileQuery::FromFilter(
    const v1::CompileFilter& filter) {
  CompileQuery query;
  if (static_cast<size_t>(filter.flow_ids_size()) > kMaxFlowIds) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.flow_ids: ", filter.flow_ids_size(),
                     " ids, at most ", kMaxFlowIds, " are allowed"));
  }
  for (int i = 0; i < filter.flow_ids_size(); ++i) {
    if (absl::Status valid = ValidateFlowId(filter.flow_ids(i)); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("filter.flow_ids[", i, "]: ", valid.message()));
    }
    query.flow_ids_.push_back(filter.flow_ids(i));
  }
  for (int i = 0; i < filter.states_size(); ++i) {
    const int state = filter.states(i);
    if (state == v1::STATE_UNSPECIFIED || !v1::State_IsValid(state)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.states[", i, "]: ", state,
          " is not a state to filter by (STATE_QUEUED, STATE_IN_PROGRESS, "
          "STATE_COMPLETED, STATE_FAILED or STATE_TIMED_OUT)"));
    }
    query.states_.push_back(static_cast<v1::State>(state));
  }
  absl::StatusOr<LabelSelector> selector =
      LabelSelector::Parse(filter.label_selector());
  if (!selector.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.label_selector: ", selector.status().message()));
  }
  query.selector_ = *std::move(selector);
  if (filter.has_create_time_from()) {
    absl::StatusOr<absl::Time> from =
        TimeOf(filter.create_time_from(), "filter.create_time_from");
    if (!from.ok()) return from.status();
    query.create_time_from_ = *from;
  }
  if (filter.has_create_time_to()) {
    absl::StatusOr<absl::Time> to =
        TimeOf(filter.create_time_to(), "filter.create_time_to");
    if (!to.ok()) return to.status();
    query.create_time_to_ = *to;
  }
  if (query.create_time_to_ < query.create_time_from_) {
    return absl::InvalidArgumentError(
        "filter.create_time_to: before filter.create_time_from, so nothing "
        "could match");
  }
  SortUnique(query.flow_ids_);
  SortUnique(query.states_);
  return query;
}

bool CompileQuery::Matches(const std::string& flow_id, v1::State state,
                           absl::Time create_time, const Labels& labels) const {
  return MatchesState(state) &&
         MatchesIgnoringState(flow_id, create_time, labels);
}

bool CompileQuery::MatchesIgnoringState(const std::string& flow_id,
                                        absl::Time create_time,
                                        const Labels& labels) const {
  if (!flow_ids_.empty() &&
      !std::binary_search(flow_ids_.begin(), flow_ids_.end(), flow_id)) {
    return false;
  }
  if (create_time < create_time_from_ || create_time >= create_time_to_) {
    return false;
  }
  return selector_.Matches(labels);
}

bool CompileQuery::MatchesState(v1::State state) const {
  return states_.empty() ||
         std::binary_search(states_.begin(), states_.end(), state);
}

std::string CompileQuery::Fingerprint() const {
  std::vector<std::string> states;
  for (v1::State state : states_) states.push_back(v1::State_Name(state));
  auto time = [](absl::Time t) {
    if (t == absl::InfinitePast() || t == absl::InfiniteFuture())
      return std::string();
    return absl::StrCat(absl::ToUnixNanos(t));
  };
  return absl::StrCat(
      "flows=", absl::StrJoin(flow_ids_, ","),
      ";states=", absl::StrJoin(states, ","), ";labels=", selector_.ToString(),
      ";from=", time(create_time_from_), ";to=", time(create_time_to_),
      tenant_.has_value() ? absl::StrCat(";tenant=", *tenant_) : "");
}

}  // namespace cxone

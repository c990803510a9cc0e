// CompileQuery: a CompileFilter checked (each bad field named) and matched.
#include "server/jobs/compile_query.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;

const absl::Time kT = absl::FromUnixSeconds(1'800'000'000);

google::protobuf::Timestamp At(absl::Time time) {
  google::protobuf::Timestamp stamp;
  stamp.set_seconds(absl::ToUnixSeconds(time));
  return stamp;
}

std::string ErrorOf(const v1::CompileFilter& filter) {
  absl::StatusOr<CompileQuery> query = CompileQuery::FromFilter(filter);
  EXPECT_FALSE(query.ok());
  if (query.ok()) return "";
  EXPECT_TRUE(absl::IsInvalidArgument(query.status())) << query.status();
  return std::string(query.status().message());
}

CompileQuery QueryOf(const v1::CompileFilter& filter) {
  absl::StatusOr<CompileQuery> query = CompileQuery::FromFilter(filter);
  EXPECT_TRUE(query.ok()) << query.status();
  return query.value_or(CompileQuery());
}

TEST(CompileQuery, EachBadFieldIsNamed) {
  v1::CompileFilter bad_flow;
  bad_flow.add_flow_ids("ok");
  bad_flow.add_flow_ids("no spaces");
  EXPECT_THAT(ErrorOf(bad_flow), HasSubstr("filter.flow_ids[1]: "));

  v1::CompileFilter too_many;
  for (int i = 0; i < 101; ++i) too_many.add_flow_ids(absl::StrCat("f", i));
  EXPECT_THAT(ErrorOf(too_many),
              HasSubstr("filter.flow_ids: 101 ids, at most 100"));

  v1::CompileFilter unspecified;
  unspecified.add_states(v1::STATE_UNSPECIFIED);
  EXPECT_THAT(ErrorOf(unspecified), HasSubstr("filter.states[0]: 0 is not"));
  v1::CompileFilter unknown;
  unknown.add_states(v1::STATE_QUEUED);
  unknown.add_states(static_cast<v1::State>(42));
  EXPECT_THAT(ErrorOf(unknown), HasSubstr("filter.states[1]: 42 is not"));

  v1::CompileFilter selector;
  selector.set_label_selector("a=b,,c");
  EXPECT_THAT(ErrorOf(selector),
              HasSubstr("filter.label_selector: label selector \"a=b,,c\""));

  v1::CompileFilter bad_time;
  bad_time.mutable_create_time_from()->set_nanos(-1);
  EXPECT_THAT(ErrorOf(bad_time),
              HasSubstr("filter.create_time_from: not a valid timestamp"));

  v1::CompileFilter backwards;
  *backwards.mutable_create_time_from() = At(kT);
  *backwards.mutable_create_time_to() = At(kT - absl::Seconds(1));
  EXPECT_THAT(
      ErrorOf(backwards),
      HasSubstr("filter.create_time_to: before filter.create_time_from"));
}

TEST(CompileQuery, EveryConditionMustHold) {
  v1::CompileFilter filter;
  filter.add_flow_ids("checkout");
  filter.add_flow_ids("billing");
  filter.add_states(v1::STATE_IN_PROGRESS);
  filter.set_label_selector("pipeline=ci,commit!=bad");
  *filter.mutable_create_time_from() = At(kT);
  *filter.mutable_create_time_to() = At(kT + absl::Hours(1));
  const CompileQuery query = QueryOf(filter);
  const Labels labels = {{"pipeline", "ci"}, {"commit", "3f2a"}};
  const absl::Time in = kT + absl::Minutes(5);

  EXPECT_TRUE(query.Matches("checkout", v1::STATE_IN_PROGRESS, in, labels));
  EXPECT_TRUE(query.Matches("billing", v1::STATE_IN_PROGRESS, kT, labels));
  EXPECT_FALSE(query.Matches("other", v1::STATE_IN_PROGRESS, in, labels));
  EXPECT_FALSE(query.Matches("checkout", v1::STATE_QUEUED, in, labels));
  // The range is [from, to).
  EXPECT_FALSE(query.Matches("checkout", v1::STATE_IN_PROGRESS,
                             kT + absl::Hours(1), labels));
  EXPECT_FALSE(query.Matches("checkout", v1::STATE_IN_PROGRESS,
                             kT - absl::Nanoseconds(1), labels));
  EXPECT_FALSE(query.Matches("checkout", v1::STATE_IN_PROGRESS, in,
                             {{"pipeline", "ci"}, {"commit", "bad"}}));
  EXPECT_FALSE(
      query.Matches("checkout", v1::STATE_IN_PROGRESS, in, {{"commit", "x"}}));
  // Leaving the states is still news; the other conditions still count.
  EXPECT_TRUE(query.MatchesIgnoringState("checkout", in, labels));
  EXPECT_FALSE(query.MatchesState(v1::STATE_COMPLETED));
  EXPECT_FALSE(query.MatchesIgnoringState("other", in, labels));
}

TEST(CompileQuery, AnEmptyFilterMatchesEverything) {
  const CompileQuery query = QueryOf(v1::CompileFilter());
  EXPECT_TRUE(query.Matches("any", v1::STATE_FAILED, absl::UnixEpoch(), {}));
  EXPECT_EQ(query.Fingerprint(), CompileQuery().Fingerprint());
}

TEST(CompileQuery, EquivalentFiltersHaveOneFingerprint) {
  v1::CompileFilter one;
  one.add_flow_ids("b");
  one.add_flow_ids("a");
  one.add_states(v1::STATE_FAILED);
  one.add_states(v1::STATE_QUEUED);
  one.set_label_selector("y=2, x=1");
  v1::CompileFilter same;
  same.add_flow_ids("a");
  same.add_flow_ids("b");
  same.add_flow_ids("a");
  same.add_states(v1::STATE_QUEUED);
  same.add_states(v1::STATE_FAILED);
  same.set_label_selector("x==1,y=2");
  EXPECT_EQ(QueryOf(one).Fingerprint(), QueryOf(same).Fingerprint());

  v1::CompileFilter other = same;
  other.set_label_selector("x=1");
  EXPECT_NE(QueryOf(one).Fingerprint(), QueryOf(other).Fingerprint());
  v1::CompileFilter later = same;
  *later.mutable_create_time_from() = At(kT);
  EXPECT_NE(QueryOf(one).Fingerprint(), QueryOf(later).Fingerprint());
}

}  // namespace
}  // namespace cxone

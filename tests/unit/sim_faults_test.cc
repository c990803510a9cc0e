#include "simulator/sim_faults.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::sim {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr absl::Duration kInProgressMin = absl::Seconds(3);

absl::StatusOr<FaultsUpdate> Apply(const std::string& patch,
                                   const SimFaults& current = {}) {
  return ApplyFaultsPatch(current, nlohmann::json::parse(patch),
                          kInProgressMin);
}

TEST(ApplyFaultsPatch, SetsEveryField) {
  absl::StatusOr<FaultsUpdate> update = Apply(R"({
      "rate_limit_rps": 5, "retry_after_form": "http-date",
      "retry_after_seconds": 2.5, "error_rate": 0.1, "latency_ms": 250,
      "drop_rate": 0.2, "malformed_rate": 0.3, "token_ttl_seconds": 60,
      "revoke_tokens": true, "token_endpoint_down": true,
      "stuck_flows": ["a", "b"], "backwards_flows": ["c"],
      "unknown_status_flows": ["d"], "in_progress_ms_max": 40000,
      "echo_authorization_flows": ["e"]})");
  ASSERT_TRUE(update.ok()) << update.status();
  const SimFaults& faults = update->faults;
  EXPECT_EQ(faults.rate_limit_rps, 5);
  EXPECT_EQ(faults.retry_after_form, RetryAfterForm::kHttpDate);
  EXPECT_EQ(faults.retry_after, absl::Milliseconds(2500));
  EXPECT_EQ(faults.error_rate, 0.1);
  EXPECT_EQ(faults.latency, absl::Milliseconds(250));
  EXPECT_EQ(faults.drop_rate, 0.2);
  EXPECT_EQ(faults.malformed_rate, 0.3);
  EXPECT_EQ(faults.token_ttl, absl::Seconds(60));
  EXPECT_TRUE(update->revoke_tokens);
  EXPECT_TRUE(faults.token_endpoint_down);
  EXPECT_THAT(faults.stuck_flows, UnorderedElementsAre("a", "b"));
  EXPECT_THAT(faults.backwards_flows, UnorderedElementsAre("c"));
  EXPECT_THAT(faults.unknown_status_flows, UnorderedElementsAre("d"));
  EXPECT_EQ(faults.in_progress_max, absl::Seconds(40));
  EXPECT_THAT(faults.echo_authorization_flows, UnorderedElementsAre("e"));
}

TEST(ApplyFaultsPatch, KeepsFieldsThePatchDoesNotName) {
  SimFaults current;
  current.error_rate = 0.5;
  current.stuck_flows = {"x"};
  absl::StatusOr<FaultsUpdate> update = Apply(R"({"drop_rate": 1})", current);
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->faults.error_rate, 0.5);
  EXPECT_THAT(update->faults.stuck_flows, UnorderedElementsAre("x"));
  EXPECT_EQ(update->faults.drop_rate, 1);
  EXPECT_FALSE(update->revoke_tokens);
}

TEST(ApplyFaultsPatch, AnEmptyListClearsIt) {
  SimFaults current;
  current.stuck_flows = {"x"};
  absl::StatusOr<FaultsUpdate> update =
      Apply(R"({"stuck_flows": []})", current);
  ASSERT_TRUE(update.ok());
  EXPECT_TRUE(update->faults.stuck_flows.empty());
}

TEST(ApplyFaultsPatch, NamesTheFieldOfEveryError) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"bogus": 1})", "bogus"},
      {R"({"error_rate": "high"})", "error_rate"},
      {R"({"error_rate": 1.5})", "error_rate"},
      {R"({"drop_rate": -0.1})", "drop_rate"},
      {R"({"malformed_rate": true})", "malformed_rate"},
      {R"({"rate_limit_rps": 2.5})", "rate_limit_rps"},
      {R"({"rate_limit_rps": -1})", "rate_limit_rps"},
      {R"({"retry_after_form": "minutes"})", "retry_after_form"},
      {R"({"retry_after_seconds": null})", "retry_after_seconds"},
      {R"({"latency_ms": "5"})", "latency_ms"},
      {R"({"token_ttl_seconds": 0})", "token_ttl_seconds"},
      {R"({"revoke_tokens": 1})", "revoke_tokens"},
      {R"({"token_endpoint_down": "yes"})", "token_endpoint_down"},
      {R"({"stuck_flows": "a,b"})", "stuck_flows"},
      {R"({"backwards_flows": [1]})", "backwards_flows"},
      {R"({"unknown_status_flows": ["a/b"]})", "unknown_status_flows"},
      {R"({"echo_authorization_flows": [""]})", "echo_authorization_flows"},
      {R"({"in_progress_ms_max": 1000})", "in_progress_ms_max"},
      {R"({"queued_spread_ms": -1})", "queued_spread_ms"},
  };
  for (const auto& [patch, field] : cases) {
    absl::StatusOr<FaultsUpdate> update = Apply(patch);
    ASSERT_FALSE(update.ok()) << patch;
    EXPECT_TRUE(absl::IsInvalidArgument(update.status())) << patch;
    EXPECT_EQ(FaultFieldOf(update.status()), field) << patch;
    EXPECT_THAT(update.status().message(), HasSubstr(field)) << patch;
  }
}

TEST(ApplyFaultsPatch, RejectsAnythingButAnObject) {
  absl::StatusOr<FaultsUpdate> update = Apply("[1]");
  EXPECT_TRUE(absl::IsInvalidArgument(update.status()));
  EXPECT_EQ(FaultFieldOf(update.status()), "");
}

TEST(ApplyFaultsPatch, InProgressMaxZeroMeansNoSpread) {
  absl::StatusOr<FaultsUpdate> update = Apply(R"({"in_progress_ms_max": 0})");
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(FaultsToJson(update->faults, kInProgressMin)["in_progress_ms_max"],
            3000);
}

TEST(FaultsToJson, ShowsDefaultsAndRoundTripsThroughAPatch) {
  const nlohmann::json defaults = FaultsToJson(SimFaults{}, kInProgressMin);
  EXPECT_EQ(defaults, nlohmann::json::parse(R"({
      "rate_limit_rps": 0, "retry_after_form": "seconds",
      "retry_after_seconds": 1, "error_rate": 0.0, "latency_ms": 0,
      "drop_rate": 0.0, "malformed_rate": 0.0, "token_ttl_seconds": 3600,
      "token_endpoint_down": false, "stuck_flows": [], "backwards_flows": [],
      "unknown_status_flows": [], "chatty_flows": [],
      "echo_authorization_flows": [], "in_progress_ms_max": 3000,
      "queued_spread_ms": 0, "trigger_answer_delay_ms": 0,
      "lost_trigger_answers": 0})"));

  SimFaults faults;
  faults.error_rate = 0.25;
  faults.retry_after = absl::Milliseconds(1500);
  faults.stuck_flows = {"b", "a"};
  const nlohmann::json json = FaultsToJson(faults, kInProgressMin);
  EXPECT_EQ(json["stuck_flows"], nlohmann::json::parse(R"(["a", "b"])"));
  EXPECT_EQ(json["retry_after_seconds"], 1.5);
  absl::StatusOr<FaultsUpdate> again =
      ApplyFaultsPatch(SimFaults{}, json, kInProgressMin);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(FaultsToJson(again->faults, kInProgressMin), json);
}

TEST(FormatHttpDate, WritesAnImfFixdateInGmt) {
  const absl::Time time = absl::FromCivil(
      absl::CivilSecond(2026, 10, 21, 7, 28, 0), absl::UTCTimeZone());
  EXPECT_EQ(FormatHttpDate(time), "Wed, 21 Oct 2026 07:28:00 GMT");
  EXPECT_EQ(FormatHttpDate(time + absl::Milliseconds(999)),
            "Wed, 21 Oct 2026 07:28:00 GMT");
  EXPECT_EQ(FormatHttpDate(absl::FromUnixSeconds(1'800'000'000)),
            "Fri, 15 Jan 2027 08:00:00 GMT");
  EXPECT_EQ(FormatHttpDate(absl::FromUnixSeconds(0)),
            "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(RetryAfterForm, ParsesItsTwoNames) {
  EXPECT_EQ(ParseRetryAfterForm("seconds"), RetryAfterForm::kSeconds);
  EXPECT_EQ(ParseRetryAfterForm("http-date"), RetryAfterForm::kHttpDate);
  EXPECT_EQ(ParseRetryAfterForm("date"), std::nullopt);
  EXPECT_STREQ(RetryAfterFormName(RetryAfterForm::kHttpDate), "http-date");
}

}  // namespace
}  // namespace cxone::sim

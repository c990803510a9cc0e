#include "server/api/tenant_usage.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/retry_delay.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_clock.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"({"tenants": [
  {"name": "busy", "quotas": {"compiles_in_flight": 2, "starts_per_minute": 6,
                              "open_watches": 1},
   "members": [{"principal": "token:b", "roles": ["start"]}]},
  {"name": "free", "members": [{"principal": "token:f", "roles": ["start"]}]}]})";

class TenantUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = TenantPolicy::Parse(kPolicy, "p");
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *std::move(policy);
    usage_ = std::make_unique<TenantUsage>(policy_.get(), &clock_);
  }
  const TenantConfig& busy() { return *policy_->Find("busy"); }
  const TenantConfig& free() { return *policy_->Find("free"); }
  std::shared_ptr<CompileJob> Job(const std::string& id,
                                  const std::string& tenant) {
    return std::make_shared<CompileJob>(CompileName{"f", id}, clock_.Now(),
                                        LifecycleTimeouts{}, &journal_,
                                        nullptr, Labels{}, tenant);
  }

  testing::FakeClock clock_;
  NoJournal journal_;
  std::unique_ptr<TenantPolicy> policy_;
  std::unique_ptr<TenantUsage> usage_;
};

TEST_F(TenantUsageTest, StartsInFlightCountUntilTheirCompilesFinish) {
  auto first = usage_->AdmitStart(busy());
  auto second = usage_->AdmitStart(busy());
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = usage_->AdmitStart(busy());
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.status().message(), HasSubstr("compiles_in_flight 2"));
  EXPECT_EQ(RetryDelayOf(third.status()), TenantUsage::kBusyRetryDelay);
  // The first start became a live compile, the second failed: one place
  // frees, and a finished compile frees the other.
  std::shared_ptr<CompileJob> live = Job("c1", "busy");
  usage_->Track(*live);
  first->reset();
  second->reset();
  EXPECT_EQ(usage_->compiles_in_flight("busy"), 1);
  auto again = usage_->AdmitStart(busy());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(usage_->AdmitStart(busy()).ok());
  // Another tenant's compiles count for that tenant only.
  usage_->Track(*Job("c2", "free"));
  EXPECT_EQ(usage_->compiles_in_flight("free"), 0);
  EXPECT_TRUE(usage_->AdmitStart(free()).ok());
}

TEST_F(TenantUsageTest, StartsPerMinuteRefillEvenlyAndSayWhenTheNextIsDue) {
  for (int i = 0; i < 6; ++i) {
    auto ticket = usage_->AdmitStart(busy());
    ASSERT_TRUE(ticket.ok()) << i;
  }  // each ticket released at once: only the rate counts now
  auto seventh = usage_->AdmitStart(busy());
  ASSERT_FALSE(seventh.ok());
  EXPECT_THAT(seventh.status().message(), HasSubstr("starts_per_minute 6"));
  EXPECT_EQ(RetryDelayOf(seventh.status()), absl::Seconds(10));
  clock_.Advance(absl::Seconds(4));
  auto later = usage_->AdmitStart(busy());
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(RetryDelayOf(later.status()), absl::Seconds(6));
  clock_.Advance(absl::Seconds(6));
  EXPECT_TRUE(usage_->AdmitStart(busy()).ok());
  EXPECT_FALSE(usage_->AdmitStart(busy()).ok());
}

TEST_F(TenantUsageTest, OpenWatchesAreLeasedAndGivenBack) {
  auto lease = usage_->AdmitWatch(busy());
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(usage_->open_watches("busy"), 1);
  auto second = usage_->AdmitWatch(busy());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("open_watches 1"));
  lease->reset();
  EXPECT_EQ(usage_->open_watches("busy"), 0);
  EXPECT_TRUE(usage_->AdmitWatch(busy()).ok());
  // A tenant without quotas is not counted at all.
  auto unlimited = usage_->AdmitWatch(free());
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(*unlimited, nullptr);
}

TEST(RetryDelay, TravelsOnTheStatusAndEncodesAsRetryInfo) {
  const absl::Status status = WithRetryDelay(
      absl::ResourceExhaustedError("slow down"), absl::Microseconds(2500));
  EXPECT_EQ(RetryDelayOf(status), absl::Milliseconds(3));
  EXPECT_EQ(RetryDelayOf(absl::ResourceExhaustedError("x")), std::nullopt);
  const std::string encoded =
      EncodeStatusWithRetryInfo(8, "slow down", absl::Milliseconds(1500));
  // code 8, message, one Any of RetryInfo{retry_delay {1 s, 500 ms}}.
  EXPECT_EQ(encoded.substr(0, 2), std::string("\x08\x08", 2));
  EXPECT_THAT(encoded, HasSubstr("slow down"));
  EXPECT_THAT(encoded, HasSubstr("type.googleapis.com/google.rpc.RetryInfo"));
  EXPECT_THAT(encoded, HasSubstr(std::string("\x08\x01\x10\x80\xca\xb5\xee\x01", 8)));
}

}  // namespace
}  // namespace cxone

#include "server/upstream/retry_after.h"

#include "gtest/gtest.h"

namespace cxone::upstream {
namespace {

const absl::Time kNow =
    absl::FromUnixSeconds(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT

TEST(ParseRetryAfter, ReadsDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("120", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 0 ", kNow), absl::ZeroDuration());
}

TEST(ParseRetryAfter, ReadsImfFixdate) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", kNow),
            absl::Seconds(30));
}

TEST(ParseRetryAfter, ReadsObsoleteDateForms) {
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", kNow),
            absl::Seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:28:10 2015", kNow),
            absl::Seconds(10));
}

TEST(ParseRetryAfter, DateInThePastMeansNow) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", kNow),
            absl::ZeroDuration());
}

TEST(ParseRetryAfter, ClampsHugeDelays) {
  EXPECT_EQ(ParseRetryAfter("99999999999", kNow), absl::Hours(24));
}

TEST(ParseRetryAfter, MalformedGivesNothing) {
  for (const char* bad :
       {"", "soon", "-5", "1.5", "12abc", "Wed, 99 Oct 2015"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, kNow).has_value()) << bad;
  }
}

}  // namespace
}  // namespace cxone::upstream

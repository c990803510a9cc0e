#include "common/redactor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(Redactor, ReplacesEveryOccurrenceOfEverySecret) {
  Redactor redactor;
  redactor.AddPermanentSecret("s3cret-value");
  redactor.AddExpiringSecret("tok-123", kNow + absl::Hours(1), kNow);
  EXPECT_EQ(redactor.Scrub("a s3cret-value b tok-123 c s3cret-value"),
            "a [REDACTED] b [REDACTED] c [REDACTED]");
}

TEST(Redactor, IgnoresEmptySecret) {
  Redactor redactor;
  redactor.AddPermanentSecret("");
  redactor.AddExpiringSecret("", kNow + absl::Hours(1), kNow);
  EXPECT_EQ(redactor.Scrub("nothing to hide"), "nothing to hide");
}

TEST(Redactor, NeverForgetsAPermanentSecretHoweverManyTokensExpire) {
  Redactor redactor(/*max_expired_secrets=*/2);
  redactor.AddPermanentSecret("the-client-secret");
  redactor.AddPermanentSecret("whsec_the-webhook-secret");
  absl::Time now = kNow;
  for (int i = 0; i < 1000; ++i) {
    redactor.AddExpiringSecret(absl::StrCat("token-", i), now + absl::Hours(1),
                               now);
    now += absl::Hours(1);
  }
  EXPECT_EQ(redactor.Scrub("the-client-secret whsec_the-webhook-secret"),
            "[REDACTED] [REDACTED]");
}

TEST(Redactor, KeepsEveryUnexpiredSecretBeyondCapacity) {
  Redactor redactor(/*max_expired_secrets=*/2);
  for (int i = 0; i < 10; ++i) {
    redactor.AddExpiringSecret(absl::StrCat("token-", i),
                               kNow + absl::Minutes(10 + i), kNow);
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(redactor.Scrub(absl::StrCat("token-", i)), "[REDACTED]") << i;
  }
}

TEST(Redactor, ForgetsTheEarliestExpiredSecretsBeyondCapacity) {
  Redactor redactor(/*max_expired_secrets=*/2);
  redactor.AddExpiringSecret("token-a", kNow + absl::Seconds(1), kNow);
  redactor.AddExpiringSecret("token-b", kNow + absl::Seconds(2), kNow);
  redactor.AddExpiringSecret("token-c", kNow + absl::Seconds(3), kNow);
  redactor.AddExpiringSecret("token-d", kNow + absl::Hours(1),
                             kNow + absl::Seconds(10));
  // a, b and c have expired; the two that expired last are kept.
  EXPECT_EQ(redactor.Scrub("token-a token-b token-c token-d"),
            "token-a [REDACTED] [REDACTED] [REDACTED]");
}

TEST(Redactor, ATokenRegisteredAgainLivesToItsLaterExpiry) {
  Redactor redactor(/*max_expired_secrets=*/0);
  redactor.AddExpiringSecret("token-a", kNow + absl::Seconds(1), kNow);
  redactor.AddExpiringSecret("token-a", kNow + absl::Hours(1), kNow);
  redactor.AddExpiringSecret("token-b", kNow + absl::Hours(1),
                             kNow + absl::Minutes(1));
  EXPECT_EQ(redactor.Scrub("token-a"), "[REDACTED]");
}

TEST(Redactor, APermanentSecretStaysPermanentWhenAlsoAddedAsExpiring) {
  Redactor redactor(/*max_expired_secrets=*/0);
  redactor.AddPermanentSecret("the-client-secret");
  redactor.AddExpiringSecret("the-client-secret", kNow, kNow);
  redactor.AddExpiringSecret("token-b", kNow, kNow + absl::Hours(1));
  EXPECT_EQ(redactor.Scrub("the-client-secret"), "[REDACTED]");
}

TEST(Redactor, RedactsTheFormEncodingsOfASecret) {
  Redactor redactor;
  redactor.AddPermanentSecret("a+b/c d&é");
  // Upper case hex (as the gateway sends it), lower case, and '+' for space.
  for (const char* echo : {"client_secret=a%2Bb%2Fc%20d%26%C3%A9&scope=x",
                           "client_secret=a%2bb%2fc%20d%26%c3%a9&scope=x",
                           "client_secret=a%2Bb%2Fc+d%26%C3%A9&scope=x"}) {
    EXPECT_EQ(redactor.Scrub(echo), "client_secret=[REDACTED]&scope=x") << echo;
  }
}

TEST(Redactor, RedactsTheJsonEscapingsOfASecret) {
  Redactor redactor;
  redactor.AddPermanentSecret("q\"uote\\back/slash\té");
  for (const char* echo : {R"({"secret":"q\"uote\\back/slash\té"})",
                           R"({"secret":"q\"uote\\back\/slash\té"})",
                           R"({"secret":"q\"uote\\back/slash\t\u00e9"})",
                           R"({"secret":"q\"uote\\back\/slash\t\u00E9"})"}) {
    EXPECT_EQ(redactor.Scrub(echo), R"({"secret":"[REDACTED]"})") << echo;
  }
}

TEST(Redactor, TheLongestOfOverlappingSecretsWins) {
  Redactor redactor;
  redactor.AddPermanentSecret("secret-one");
  redactor.AddPermanentSecret("secret-one-and-more");
  EXPECT_EQ(redactor.Scrub("x secret-one-and-more y secret-one z"),
            "x [REDACTED] y [REDACTED] z");
  EXPECT_THAT(redactor.Scrub("secret-one-and-more"), Not(HasSubstr("more")));
}

}  // namespace
}  // namespace cxone

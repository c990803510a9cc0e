#include "common/redactor.h"

#include "gtest/gtest.h"

namespace cxone {
namespace {

TEST(Redactor, ReplacesEveryOccurrenceOfEverySecret) {
  Redactor redactor;
  redactor.AddSecret("s3cret");
  redactor.AddSecret("tok-123");
  EXPECT_EQ(redactor.Scrub("a s3cret b tok-123 c s3cret"),
            "a [REDACTED] b [REDACTED] c [REDACTED]");
}

TEST(Redactor, IgnoresEmptySecret) {
  Redactor redactor;
  redactor.AddSecret("");
  EXPECT_EQ(redactor.Scrub("nothing to hide"), "nothing to hide");
}

TEST(Redactor, ForgetsOldestBeyondCapacity) {
  Redactor redactor(2);
  redactor.AddSecret("first");
  redactor.AddSecret("second");
  redactor.AddSecret("third");
  EXPECT_EQ(redactor.Scrub("first second third"),
            "first [REDACTED] [REDACTED]");
}

}  // namespace
}  // namespace cxone

#include "common/quoted.h"

#include "gtest/gtest.h"

namespace cxone {
namespace {

TEST(Quoted, ShowsPrintableAsciiAsItIs) {
  EXPECT_EQ(Quoted("deploy-42"), "\"deploy-42\"");
}

TEST(Quoted, EscapesControlQuotesAndNonAsciiBytes) {
  EXPECT_EQ(Quoted("a\nb\"c\\d\xE2\x80\xAE"),
            "\"a\\x0ab\\x22c\\x5cd\\xe2\\x80\\xae\"");
}

TEST(Quoted, CutsLongTextShort) {
  EXPECT_EQ(Quoted(std::string(100, 'x'), 4), "\"xxxx…\"");
}

}  // namespace
}  // namespace cxone

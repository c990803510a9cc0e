// Page tokens: opaque, stable across processes, tied to their query.
#include "server/api/page_token.h"

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;

const CollectionCursor kCursor{absl::FromUnixNanos(1'800'000'000'123'456'789),
                               "flows/main-menu/compiles/c-1"};

TEST(PageToken, RoundTripsItsCursor) {
  const std::string token = EncodePageToken(kCursor, "flows=a");
  absl::StatusOr<CollectionCursor> cursor = DecodePageToken(token, "flows=a");
  ASSERT_TRUE(cursor.ok()) << cursor.status();
  EXPECT_EQ(cursor->create_time, kCursor.create_time);
  EXPECT_EQ(cursor->name, kCursor.name);
  // Stable: the same cursor and query always make the same token, so one
  // made before a restart is read after it.
  EXPECT_EQ(token, EncodePageToken(kCursor, "flows=a"));
}

TEST(PageToken, ATokenOfAnotherQueryIsRefused) {
  const std::string token = EncodePageToken(kCursor, "flows=a");
  absl::StatusOr<CollectionCursor> cursor = DecodePageToken(token, "flows=b");
  ASSERT_FALSE(cursor.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(cursor.status()));
  EXPECT_THAT(cursor.status().message(),
              HasSubstr("page_token: made for another filter"));
}

TEST(PageToken, WhatIsNotOurTokenIsRefusedByName) {
  for (const std::string& token :
       {std::string("not base64 !"), absl::WebSafeBase64Escape("c1\nx\ny\nz"),
        absl::WebSafeBase64Escape("c9\n1\n0000000000000000\nname"),
        absl::WebSafeBase64Escape("c1\n1\n0000000000000000\n"),
        absl::WebSafeBase64Escape("c1\n1")}) {
    absl::StatusOr<CollectionCursor> cursor = DecodePageToken(token, "");
    ASSERT_FALSE(cursor.ok()) << token;
    EXPECT_TRUE(absl::IsInvalidArgument(cursor.status()));
    EXPECT_THAT(cursor.status().message(), HasSubstr("page_token: not a page"))
        << token;
  }
}

}  // namespace
}  // namespace cxone

#include "common/resource_name.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;

TEST(ValidateFlowId, AcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(ValidateFlowId("main-menu_v2.1").ok());
  EXPECT_TRUE(ValidateFlowId(std::string(128, 'a')).ok());
  EXPECT_TRUE(ValidateFlowId("...").ok());
}

TEST(ValidateFlowId, RejectsEmpty) {
  absl::Status status = ValidateFlowId("");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("flow_id is required"));
}

TEST(ValidateFlowId, RejectsTooLong) {
  absl::Status status = ValidateFlowId(std::string(129, 'a'));
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("129 characters"));
}

TEST(ValidateFlowId, RejectsDotAndDotDot) {
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateFlowId(".")));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateFlowId("..")));
}

TEST(ValidateFlowId, RejectsSlashSpaceAndControlCharacters) {
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateFlowId("a/b")));
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateFlowId("a b")));
  absl::Status status = ValidateFlowId("a\nb");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("\\x0a"));
}

TEST(CompileName, RoundTrips) {
  CompileName name{"main-menu", "c-1"};
  EXPECT_EQ(name.ToString(), "flows/main-menu/compiles/c-1");
  absl::StatusOr<CompileName> parsed = CompileName::Parse(name.ToString());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->flow_id, "main-menu");
  EXPECT_EQ(parsed->compile_id, "c-1");
}

TEST(CompileName, RejectsOtherShapes) {
  for (const char* bad :
       {"", "flows/a", "flows/a/compiles", "flow/a/compiles/b",
        "flows/a/compile/b", "flows/a/compiles/b/c", "flows/../compiles/b",
        "flows/a/compiles/"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(CompileName::Parse(bad).status()))
        << bad;
  }
}

}  // namespace
}  // namespace cxone

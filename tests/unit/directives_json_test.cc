#include "server/jobs/directives_json.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::HasSubstr;

compilev1::StartCompileRequest WithDirectives(const Struct& directives) {
  compilev1::StartCompileRequest request;
  request.set_flow_id("main");
  *request.mutable_directives() = directives;
  return request;
}

// `text` (JSON) as a Struct, the way a client library builds one.
Struct Parse(const std::string& text) {
  Struct parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &parsed).ok())
      << text;
  return parsed;
}

absl::Status Refusal(const Struct& directives) {
  return DirectivesJson(WithDirectives(directives)).status();
}

TEST(DirectivesJson, NoDirectivesIsNull) {
  compilev1::StartCompileRequest request;
  absl::StatusOr<nlohmann::json> json = DirectivesJson(request);
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE(json->is_null());
}

TEST(DirectivesJson, PassesWhatJsonCarriesThroughUnchanged) {
  const nlohmann::json expected = nlohmann::json::parse(R"({
    "debug": true, "level": 3, "ratio": 0.1, "name": "ñ ✓", "none": null,
    "list": [1, "two", [false], {}], "nested": {"a": {"b": -9007199254740991}},
    "empty": []})");
  absl::StatusOr<nlohmann::json> json =
      DirectivesJson(WithDirectives(Parse(expected.dump())));
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, expected);
  // Whole numbers stay integers on the wire.
  EXPECT_THAT(json->dump(), HasSubstr(R"("level":3,)"));
  EXPECT_THAT(json->dump(), HasSubstr(R"("ratio":0.1})"));
}

TEST(DirectivesJson, RefusesNaNAndInfinityNamingThePath) {
  Struct directives = Parse(R"({"a": {"b": [0, 1, 2]}})");
  (*(*directives.mutable_fields())["a"]
        .mutable_struct_value()
        ->mutable_fields())["b"]
      .mutable_list_value()
      ->mutable_values(2)
      ->set_number_value(std::nan(""));
  absl::Status nan = Refusal(directives);
  EXPECT_EQ(nan.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nan.message(), HasSubstr("directives.a.b[2]: NaN"));
  Struct infinite;
  (*infinite.mutable_fields())["x"].set_number_value(
      -std::numeric_limits<double>::infinity());
  EXPECT_THAT(Refusal(infinite).message(),
              HasSubstr("directives.x: Infinity cannot be sent"));
}

TEST(DirectivesJson, RefusesAValueWithNoKind) {
  Struct directives;
  (*directives.mutable_fields())["odd key"];  // a Value with nothing set
  absl::Status refused = Refusal(directives);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(),
              HasSubstr(R"(directives["odd key"]: the value has no kind)"));
}

TEST(DirectivesJson, RefusesIntegersBeyondTwoToThe53SayingToSendStrings) {
  Struct directives;
  (*directives.mutable_fields())["id"].set_number_value(
      static_cast<double>(std::numeric_limits<int64_t>::max()));
  absl::Status refused = Refusal(directives);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("directives.id: the number"));
  EXPECT_THAT(refused.message(), HasSubstr("pass it as a string"));
  (*directives.mutable_fields())["id"].set_number_value(9007199254740992.0);
  EXPECT_FALSE(Refusal(directives).ok());
  (*directives.mutable_fields())["id"].set_number_value(9007199254740991.0);
  EXPECT_TRUE(Refusal(directives).ok());
  (*directives.mutable_fields())["id"].set_number_value(1e300);
  EXPECT_FALSE(Refusal(directives).ok());
}

TEST(DirectivesJson, RefusesStringsThatAreNotUtf8) {
  Struct directives;
  (*directives.mutable_fields())["s"].set_string_value("\xff\xfe");
  EXPECT_THAT(Refusal(directives).message(),
              HasSubstr("directives.s: the string is not valid UTF-8"));
}

// Objects and arrays nested `depth` deep, `directives` itself counting 1.
Struct Nested(int depth, bool lists) {
  Value leaf;
  leaf.set_string_value("bottom");
  for (int level = depth; level > 1; --level) {
    Value wrapper;
    if (lists) {
      *wrapper.mutable_list_value()->add_values() = leaf;
    } else {
      (*wrapper.mutable_struct_value()->mutable_fields())["a"] = leaf;
    }
    leaf = wrapper;
  }
  Struct top;
  (*top.mutable_fields())["a"] = leaf;
  return top;
}

TEST(DirectivesJson, AllowsNestingToTheLimitAndNoDeeper) {
  EXPECT_TRUE(Refusal(Nested(kMaxDirectivesDepth, false)).ok());
  EXPECT_TRUE(Refusal(Nested(kMaxDirectivesDepth, true)).ok());
  absl::Status deep = Refusal(Nested(kMaxDirectivesDepth + 1, false));
  EXPECT_EQ(deep.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(deep.message(),
              HasSubstr("nested deeper than 32 levels of objects and arrays"));
  EXPECT_THAT(deep.message(), HasSubstr("directives.a.a.a"));
  EXPECT_THAT(Refusal(Nested(kMaxDirectivesDepth + 1, true)).message(),
              HasSubstr("directives.a[0][0]"));
}

TEST(DirectivesJson, PathsQuoteKeysThatAreNotIdentifiers) {
  std::string path = "directives";
  AppendJsonPathKey(&path, "plain_key-1");
  AppendJsonPathKey(&path, "with.dot");
  AppendJsonPathKey(&path, "quote\"\n\xe2\x80\xae");
  EXPECT_EQ(path, R"(directives.plain_key-1["with.dot"]["quote\"\n\u202e"])");
}

}  // namespace
}  // namespace cxone

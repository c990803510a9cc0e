#include "server/api/request_decoder.h"

#include <string>

#include "absl/strings/str_replace.h"
#include "cxone/compile/v1/compile.pb.h"
#include "cxone/compile/v1/webhooks.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/jobs/directives_json.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using google::protobuf::Value;
using ::testing::HasSubstr;

// A request's bytes with `placeholder` (a valid string in it) replaced by
// the same number of bytes that are not UTF-8: serialising invalid UTF-8
// directly would make libprotobuf complain.
std::string Corrupt(const google::protobuf::Message& request,
                    const std::string& placeholder) {
  std::string bad = placeholder;
  bad[0] = '\xff';
  return absl::StrReplaceAll(request.SerializeAsString(), {{placeholder, bad}});
}

TEST(DecodeRequest, DecodesAValidRequest) {
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  request.set_request_id("r-1");
  (*request.mutable_directives()->mutable_fields())["debug"].set_bool_value(
      true);
  v1::StartCompileRequest decoded;
  ASSERT_TRUE(DecodeRequest(request.SerializeAsString(), &decoded).ok());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(request, decoded));
  // An empty message is a valid (empty) request.
  EXPECT_TRUE(DecodeRequest("", &decoded).ok());
  EXPECT_EQ(decoded.flow_id(), "");
}

TEST(DecodeRequest, KeepsUnknownFieldsAsProtobufDoes) {
  // Field 99, varint 1; and field 98, a length-delimited "xy".
  const std::string unknown = std::string("\x98\x06\x01\x92\x06\x02xy", 8);
  v1::GetCompileRequest decoded;
  EXPECT_TRUE(DecodeRequest(unknown, &decoded).ok());
}

TEST(DecodeRequest, RefusesBytesThatAreNotProtobuf) {
  v1::StartCompileRequest decoded;
  absl::Status garbage = DecodeRequest("\xff\xff\xff\xff", &decoded);
  EXPECT_EQ(garbage.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(garbage.message(),
              HasSubstr("not a valid cxone.compile.v1.StartCompileRequest"));
  // Field 1 claims 10 bytes but has 2.
  absl::Status truncated = DecodeRequest(std::string("\x0a\x0a"
                                                     "ab",
                                                     4),
                                         &decoded);
  EXPECT_EQ(truncated.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(truncated.message(), HasSubstr("encoding is broken"));
  // A truncated nested message names where.
  absl::Status nested =
      DecodeRequest(std::string("\x1a\x03\x0a\x05x", 5), &decoded);
  EXPECT_THAT(nested.message(), HasSubstr("(in directives)"));
}

TEST(DecodeRequest, RefusesStringsThatAreNotUtf8NamingTheField) {
  v1::StartCompileRequest request;
  request.set_flow_id("PLACEHOLDER");
  v1::StartCompileRequest decoded;
  absl::Status refused =
      DecodeRequest(Corrupt(request, "PLACEHOLDER"), &decoded);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(), HasSubstr("flow_id: not valid UTF-8"));

  v1::StartCompileRequest in_directives;
  Value& list = (*in_directives.mutable_directives()->mutable_fields())["a"];
  list.mutable_list_value()->add_values()->set_number_value(1);
  list.mutable_list_value()->add_values()->set_string_value("PLACEHOLDER");
  EXPECT_THAT(
      DecodeRequest(Corrupt(in_directives, "PLACEHOLDER"), &decoded).message(),
      HasSubstr("directives.a[1]: not valid UTF-8"));

  v1::StartCompileRequest in_key;
  (*in_key.mutable_directives()->mutable_fields())["PLACEHOLDER"]
      .set_bool_value(true);
  EXPECT_THAT(DecodeRequest(Corrupt(in_key, "PLACEHOLDER"), &decoded).message(),
              HasSubstr("the key is not valid UTF-8"));
}

// A request whose directives nest `depth` objects deep (directives = 1).
v1::StartCompileRequest Nested(int depth) {
  Value leaf;
  leaf.set_number_value(1);
  for (int level = depth; level > 1; --level) {
    Value wrapper;
    (*wrapper.mutable_struct_value()->mutable_fields())["k"] = leaf;
    leaf = wrapper;
  }
  v1::StartCompileRequest request;
  request.set_flow_id("main");
  (*request.mutable_directives()->mutable_fields())["k"] = leaf;
  return request;
}

TEST(DecodeRequest, AllowsTheDocumentedNestingAndRefusesDeeper) {
  v1::StartCompileRequest decoded;
  // The documented limit is the real one: protobuf's parser takes it.
  EXPECT_TRUE(
      DecodeRequest(Nested(kMaxDirectivesDepth).SerializeAsString(), &decoded)
          .ok());
  EXPECT_TRUE(DirectivesJson(decoded).ok());
  for (int depth : {kMaxDirectivesDepth + 1, 50, 1000}) {
    absl::Status refused =
        DecodeRequest(Nested(depth).SerializeAsString(), &decoded);
    EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << depth;
    EXPECT_THAT(refused.message(),
                HasSubstr("nested deeper than 32 levels of objects and arrays"))
        << depth;
    EXPECT_THAT(refused.message(), HasSubstr("directives.k.k.k")) << depth;
  }
}

TEST(DecodeRequest, RefusesTimestampsOutsideProtobufsRangeNamingTheField) {
  v1::ListDeadLettersRequest request;
  request.mutable_selector()->mutable_start_time()->set_seconds(int64_t{1}
                                                                << 62);
  v1::ListDeadLettersRequest decoded;
  absl::Status far = DecodeRequest(request.SerializeAsString(), &decoded);
  EXPECT_EQ(far.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(far.message(),
              HasSubstr("selector.start_time: seconds 4611686018427387904 is "
                        "outside the range of a Timestamp"));
  request.mutable_selector()->mutable_start_time()->set_seconds(-62135596801);
  EXPECT_FALSE(DecodeRequest(request.SerializeAsString(), &decoded).ok());
  request.mutable_selector()->mutable_start_time()->set_seconds(0);
  request.mutable_selector()->mutable_start_time()->set_nanos(-1);
  EXPECT_THAT(
      DecodeRequest(request.SerializeAsString(), &decoded).message(),
      HasSubstr("selector.start_time: nanos -1 must be 0 to 999999999"));
  request.mutable_selector()->mutable_start_time()->set_nanos(999'999'999);
  request.mutable_selector()->mutable_end_time()->set_seconds(253402300799);
  EXPECT_TRUE(DecodeRequest(request.SerializeAsString(), &decoded).ok());
  request.mutable_selector()->mutable_end_time()->set_seconds(253402300800);
  EXPECT_THAT(DecodeRequest(request.SerializeAsString(), &decoded).message(),
              HasSubstr("selector.end_time"));
}

TEST(CheckTimeFields, ChecksDurationsToo) {
  v1::CompileEvent event;
  event.mutable_heartbeat_interval()->set_seconds(1);
  event.mutable_heartbeat_interval()->set_nanos(-5);
  EXPECT_THAT(CheckTimeFields(event).message(),
              HasSubstr("heartbeat_interval: nanos -5"));
  event.mutable_heartbeat_interval()->set_nanos(5);
  EXPECT_TRUE(CheckTimeFields(event).ok());
}

}  // namespace
}  // namespace cxone

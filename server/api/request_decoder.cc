#include "server/api/request_decoder.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/util/time_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/support/slice.h"
#include "server/jobs/directives_json.h"

namespace cxone {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::util::TimeUtil;

constexpr absl::string_view kStruct = "google.protobuf.Struct";
constexpr absl::string_view kListValue = "google.protobuf.ListValue";
constexpr absl::string_view kValue = "google.protobuf.Value";
constexpr absl::string_view kTimestamp = "google.protobuf.Timestamp";
constexpr absl::string_view kDuration = "google.protobuf.Duration";

bool IsJsonType(const Descriptor* type) {
  return type->full_name() == kStruct || type->full_name() == kListValue ||
         type->full_name() == kValue;
}

std::string Join(const std::string& path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

absl::Status Refuse(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(
      path.empty() ? std::string(why) : absl::StrCat(path, ": ", why));
}

// The string key (field 1) of a map entry's bytes, if it can be read.
std::optional<absl::string_view> MapKey(absl::string_view entry) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(entry.data()),
                      static_cast<int>(entry.size()));
  while (static_cast<size_t>(in.CurrentPosition()) < entry.size()) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return std::nullopt;
    if (tag ==
        WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED)) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) ||
          length > entry.size() - in.CurrentPosition()) {
        return std::nullopt;
      }
      return entry.substr(in.CurrentPosition(), length);
    }
    if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
  }
  return std::nullopt;
}

// Walks the encoding of one message of `type` (see the header for what it
// refuses). `path` names the message; `message_depth` counts the messages
// it is nested in, `json_depth` the Structs and ListValues.
class WireWalker {
 public:
  explicit WireWalker(const Descriptor* root) : root_(root) {}

  absl::Status Walk(const Descriptor* type, absl::string_view bytes,
                    const std::string& path, int message_depth,
                    int json_depth) {
    if (message_depth > kMaxMessageDepth) {
      return Refuse(path, absl::StrCat("nested deeper than ", kMaxMessageDepth,
                                       " messages"));
    }
    if (type->full_name() == kStruct || type->full_name() == kListValue) {
      if (++json_depth > kMaxDirectivesDepth) {
        return Refuse(path,
                      absl::StrCat("nested deeper than ", kMaxDirectivesDepth,
                                   " levels of objects and arrays"));
      }
    }
    // Fields of a map entry and of a Value add nothing to the path: the
    // entry is named by its key, a Value by where it is.
    const bool transparent =
        type->options().map_entry() || type->full_name() == kValue;
    absl::flat_hash_map<int, int> next_index;
    CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                        static_cast<int>(bytes.size()));
    while (static_cast<size_t>(in.CurrentPosition()) < bytes.size()) {
      const uint32_t tag = in.ReadTag();
      if (tag == 0) return Malformed(path);
      const FieldDescriptor* field =
          type->FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
      if (WireFormatLite::GetTagWireType(tag) !=
              WireFormatLite::WIRETYPE_LENGTH_DELIMITED ||
          field == nullptr) {
        if (WireFormatLite::GetTagWireType(tag) ==
                WireFormatLite::WIRETYPE_END_GROUP ||
            !WireFormatLite::SkipField(&in, tag)) {
          return Malformed(path);
        }
        continue;
      }
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) ||
          length > bytes.size() - in.CurrentPosition()) {
        return Malformed(path);
      }
      const absl::string_view value =
          bytes.substr(in.CurrentPosition(), length);
      in.Skip(static_cast<int>(length));
      std::string field_path = path;
      if (type->full_name() == kListValue) {
        absl::StrAppend(&field_path, "[", next_index[field->number()]++, "]");
      } else if (!transparent) {
        field_path = Join(path, field->name());
        if (field->is_map()) {
          std::optional<absl::string_view> key = MapKey(value);
          if (type->full_name() == kStruct) {
            field_path = path;
            AppendJsonPathKey(&field_path, key.value_or(""));
          } else {
            AppendJsonPathKey(&field_path, key.value_or("?"));
          }
        } else if (field->is_repeated()) {
          absl::StrAppend(&field_path, "[", next_index[field->number()]++, "]");
        }
      }
      if (field->type() == FieldDescriptor::TYPE_STRING &&
          !google::protobuf::internal::IsStructurallyValidUTF8(
              value.data(), static_cast<int>(value.size()))) {
        return Refuse(field_path,
                      type->options().map_entry() && field->number() == 1
                          ? "the key is not valid UTF-8"
                          : "not valid UTF-8 (string fields must be UTF-8; "
                            "send binary data base64-encoded)");
      }
      if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
        if (absl::Status nested = Walk(field->message_type(), value, field_path,
                                       message_depth + 1, json_depth);
            !nested.ok()) {
          return nested;
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Malformed(const std::string& path) const {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not a valid ", root_->full_name(),
                     ": its protobuf encoding is broken",
                     path.empty() ? "" : absl::StrCat(" (in ", path, ")")));
  }

 private:
  const Descriptor* const root_;
};

absl::Status CheckTimestamp(const Message& timestamp, const std::string& path) {
  const Descriptor* type = timestamp.GetDescriptor();
  const Reflection* reflection = timestamp.GetReflection();
  const int64_t seconds =
      reflection->GetInt64(timestamp, type->FindFieldByName("seconds"));
  const int32_t nanos =
      reflection->GetInt32(timestamp, type->FindFieldByName("nanos"));
  if (seconds < TimeUtil::kTimestampMinSeconds ||
      seconds > TimeUtil::kTimestampMaxSeconds) {
    return Refuse(path, absl::StrCat("seconds ", seconds,
                                     " is outside the range of a Timestamp "
                                     "(0001-01-01T00:00:00Z to "
                                     "9999-12-31T23:59:59Z: ",
                                     TimeUtil::kTimestampMinSeconds, " to ",
                                     TimeUtil::kTimestampMaxSeconds, ")"));
  }
  if (nanos < 0 || nanos > 999'999'999) {
    return Refuse(path,
                  absl::StrCat("nanos ", nanos, " must be 0 to 999999999"));
  }
  return absl::OkStatus();
}

absl::Status CheckDuration(const Message& duration, const std::string& path) {
  const Descriptor* type = duration.GetDescriptor();
  const Reflection* reflection = duration.GetReflection();
  const int64_t seconds =
      reflection->GetInt64(duration, type->FindFieldByName("seconds"));
  const int32_t nanos =
      reflection->GetInt32(duration, type->FindFieldByName("nanos"));
  if (seconds < TimeUtil::kDurationMinSeconds ||
      seconds > TimeUtil::kDurationMaxSeconds) {
    return Refuse(path, absl::StrCat("seconds ", seconds,
                                     " is outside the range of a Duration (",
                                     TimeUtil::kDurationMinSeconds, " to ",
                                     TimeUtil::kDurationMaxSeconds, ")"));
  }
  if (nanos < -999'999'999 || nanos > 999'999'999 ||
      (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    return Refuse(path, absl::StrCat("nanos ", nanos,
                                     " must be -999999999 to 999999999 and "
                                     "have the sign of seconds"));
  }
  return absl::OkStatus();
}

absl::Status CheckTimeFields(const Message& message, const std::string& path) {
  const Descriptor* type = message.GetDescriptor();
  if (type->full_name() == kTimestamp) return CheckTimestamp(message, path);
  if (type->full_name() == kDuration) return CheckDuration(message, path);
  if (IsJsonType(type)) return absl::OkStatus();  // holds no times
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string field_path = Join(path, field->name());
    if (!field->is_repeated()) {
      if (absl::Status checked = CheckTimeFields(
              reflection->GetMessage(message, field), field_path);
          !checked.ok()) {
        return checked;
      }
      continue;
    }
    for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
      if (absl::Status checked =
              CheckTimeFields(reflection->GetRepeatedMessage(message, field, i),
                              absl::StrCat(field_path, "[", i, "]"));
          !checked.ok()) {
        return checked;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status DecodeRequest(absl::string_view bytes, Message* request) {
  request->Clear();
  const Descriptor* type = request->GetDescriptor();
  WireWalker walker(type);
  if (absl::Status walked = walker.Walk(type, bytes, "", 0, 0); !walked.ok()) {
    return walked;
  }
  if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return walker.Malformed("");
  }
  return CheckTimeFields(*request);
}

absl::Status DecodeRequest(const grpc::ByteBuffer& bytes, Message* request) {
  // An empty message may arrive as no buffer at all.
  if (!bytes.Valid()) return DecodeRequest(absl::string_view(), request);
  grpc::Slice slice;
  if (!bytes.DumpToSingleSlice(&slice).ok()) {
    return absl::InvalidArgumentError("the request could not be read");
  }
  return DecodeRequest(
      absl::string_view(reinterpret_cast<const char*>(slice.begin()),
                        slice.size()),
      request);
}

absl::Status CheckTimeFields(const Message& message) {
  return CheckTimeFields(message, "");
}

}  // namespace cxone

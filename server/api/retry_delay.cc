#include "server/api/retry_delay.h"

#include <cstdint>

#include "absl/strings/cord.h"
#include "absl/types/optional.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace cxone {
namespace {

using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// A length-delimited field `number` holding `bytes`.
void WriteBytesField(CodedOutputStream& out, uint32_t number,
                     absl::string_view bytes) {
  out.WriteTag((number << 3) | 2);
  out.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  out.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

// RetryInfo { google.protobuf.Duration retry_delay = 1; }
std::string EncodeRetryInfo(absl::Duration delay) {
  google::protobuf::Duration duration;
  const int64_t millis = absl::ToInt64Milliseconds(delay);
  duration.set_seconds(millis / 1000);
  duration.set_nanos(static_cast<int32_t>((millis % 1000) * 1'000'000));
  std::string encoded;
  {
    StringOutputStream stream(&encoded);
    CodedOutputStream out(&stream);
    WriteBytesField(out, 1, duration.SerializeAsString());
  }
  return encoded;
}

}  // namespace

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  const absl::Duration rounded =
      std::max(absl::Milliseconds(1),
               absl::Ceil(delay, absl::Milliseconds(1)));
  status.SetPayload(kRetryInfoTypeUrl, absl::Cord(EncodeRetryInfo(rounded)));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryInfoTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  // The payload is always WithRetryDelay's: a tag byte, a length byte, a
  // Duration.
  const std::string bytes(*payload);
  google::protobuf::Duration duration;
  if (bytes.size() < 2 ||
      !duration.ParseFromString(bytes.substr(2))) {
    return std::nullopt;
  }
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

std::string EncodeStatusWithRetryInfo(int code, absl::string_view message,
                                      absl::Duration delay) {
  // google.protobuf.Any { string type_url = 1; bytes value = 2; }
  std::string any;
  {
    StringOutputStream stream(&any);
    CodedOutputStream out(&stream);
    WriteBytesField(out, 1, kRetryInfoTypeUrl);
    WriteBytesField(out, 2, EncodeRetryInfo(delay));
  }
  // google.rpc.Status { int32 code = 1; string message = 2;
  //                     repeated google.protobuf.Any details = 3; }
  std::string status;
  {
    StringOutputStream stream(&status);
    CodedOutputStream out(&stream);
    out.WriteTag((1 << 3) | 0);
    out.WriteVarint32SignExtended(code);
    WriteBytesField(out, 2, message);
    WriteBytesField(out, 3, any);
  }
  return status;
}

}  // namespace cxone

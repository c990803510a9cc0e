// Fuzzes the gRPC edge's request decoding (server/api/request_decoder.h)
// and what reads a decoded request further in. The first byte picks the
// request message; the rest is its wire bytes. Properties, for every
// request DecodeRequest accepts:
// - CheckTimeFields finds nothing (DecodeRequest checked the same);
// - it serialises and decodes again to the same message (compared by its
//   deterministic serialisation);
// - a filter that CompileQuery accepts has a Fingerprint that does not
//   depend on the order of its flow ids and states, and a page token made
//   for it decodes to its cursor;
// and every refusal is InvalidArgument.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "cxone/compile/v1/compile.pb.h"
#include "cxone/compile/v1/webhooks.pb.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/api/page_token.h"
#include "server/api/request_decoder.h"
#include "server/jobs/compile_query.h"

namespace {

namespace v1 = ::cxone::compile::v1;

std::unique_ptr<google::protobuf::Message> NewRequest(uint8_t which) {
  switch (which % 9) {
    case 0:
      return std::make_unique<v1::StartCompileRequest>();
    case 1:
      return std::make_unique<v1::WatchCompileRequest>();
    case 2:
      return std::make_unique<v1::GetCompileRequest>();
    case 3:
      return std::make_unique<v1::LookupCompileRequest>();
    case 4:
      return std::make_unique<v1::ListCompilesRequest>();
    case 5:
      return std::make_unique<v1::BatchStartCompilesRequest>();
    case 6:
      return std::make_unique<v1::WatchCompilesRequest>();
    case 7:
      return std::make_unique<v1::ListDeadLettersRequest>();
    default:
      return std::make_unique<v1::ReplayDeadLettersRequest>();
  }
}

// The message's bytes, maps in key order.
std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

void CheckFilter(const v1::CompileFilter& filter) {
  absl::StatusOr<cxone::CompileQuery> query =
      cxone::CompileQuery::FromFilter(filter);
  if (!query.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(query.status()),
               "a filter refused with another code");
    return;
  }
  v1::CompileFilter reordered = filter;
  std::reverse(reordered.mutable_flow_ids()->begin(),
               reordered.mutable_flow_ids()->end());
  std::reverse(reordered.mutable_states()->begin(),
               reordered.mutable_states()->end());
  absl::StatusOr<cxone::CompileQuery> same =
      cxone::CompileQuery::FromFilter(reordered);
  FUZZ_CHECK(same.ok(), "the filter, reordered, is refused");
  const std::string fingerprint = query->Fingerprint();
  FUZZ_CHECK(same->Fingerprint() == fingerprint,
             "the fingerprint depends on the order");
  const cxone::CollectionCursor cursor{absl::FromUnixSeconds(1750000000),
                                       "flows/a/compiles/b"};
  absl::StatusOr<cxone::CollectionCursor> decoded = cxone::DecodePageToken(
      cxone::EncodePageToken(cursor, fingerprint), fingerprint);
  FUZZ_CHECK(decoded.ok() && decoded->name == cursor.name &&
                 decoded->create_time == cursor.create_time,
             "a page token does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const absl::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  std::unique_ptr<google::protobuf::Message> request = NewRequest(data[0]);
  const absl::Status decoded = cxone::DecodeRequest(bytes, request.get());
  if (!decoded.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(decoded),
               "refused with another code: %s", decoded.ToString().c_str());
    return 0;
  }
  FUZZ_CHECK(cxone::CheckTimeFields(*request).ok(),
             "an out-of-range time passed DecodeRequest");
  std::string again;
  FUZZ_CHECK(request->SerializeToString(&again), "cannot serialise");
  std::unique_ptr<google::protobuf::Message> copy = NewRequest(data[0]);
  const absl::Status redecoded = cxone::DecodeRequest(again, copy.get());
  FUZZ_CHECK(redecoded.ok(), "its own serialisation is refused: %s",
             redecoded.ToString().c_str());
  // Compared as bytes: MessageDifferencer holds a NaN unequal to itself.
  FUZZ_CHECK(Deterministic(*request) == Deterministic(*copy),
             "it decodes to another message when serialised again");
  if (auto* list = dynamic_cast<v1::ListCompilesRequest*>(request.get())) {
    CheckFilter(list->filter());
  } else if (auto* watch =
                 dynamic_cast<v1::WatchCompilesRequest*>(request.get())) {
    CheckFilter(watch->filter());
  }
  return 0;
}

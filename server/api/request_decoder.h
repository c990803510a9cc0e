// DecodeRequest: the gRPC edge's parser for request messages. The services
// receive their requests as raw bytes and decode them here, so that a
// request that cannot be decoded is answered like every other bad request
// — INVALID_ARGUMENT naming the problem, and an audit line — instead of
// gRPC's bare UNIMPLEMENTED (and a line from libprotobuf on stderr).
//
// Before protobuf parses the bytes they are walked once against the
// message's descriptor, which refuses, naming the field:
// - bytes that are not protobuf encoding (truncated, bad tags);
// - string fields that are not valid UTF-8;
// - google.protobuf.Struct and ListValue values nested deeper than
//   kMaxDirectivesDepth (see directives_json.h), and any message nested
//   deeper than protobuf's own limit of 100;
// and after parsing, every google.protobuf.Timestamp and Duration is
// checked against the range protobuf defines for it (Timestamp 0001-01-01
// to 9999-12-31 and nanos 0 to 999,999,999; Duration ±10,000 years), so no
// conversion further in can overflow.
//
// Field paths name fields as the proto does (`selector.start_time`) and
// values inside a Struct as JSON paths (`directives.a.b[2]`).
//
// Stateless; thread-safe.
#ifndef CXONE_SERVER_API_REQUEST_DECODER_H_
#define CXONE_SERVER_API_REQUEST_DECODER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace cxone {

// protobuf's default limit on nested messages, which its parser enforces.
inline constexpr int kMaxMessageDepth = 100;

// Decodes `bytes` into `request` (cleared first). OK, or InvalidArgument
// naming the problem; `request` is then unspecified.
absl::Status DecodeRequest(absl::string_view bytes,
                           google::protobuf::Message* request);
absl::Status DecodeRequest(const grpc::ByteBuffer& bytes,
                           google::protobuf::Message* request);

// The checks DecodeRequest makes after parsing, on a message built in
// memory: every Timestamp and Duration in range. InvalidArgument naming
// the field otherwise.
absl::Status CheckTimeFields(const google::protobuf::Message& message);

}  // namespace cxone

#endif  // CXONE_SERVER_API_REQUEST_DECODER_H_

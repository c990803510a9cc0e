// The body and id of a webhook delivery of one logged event.
//
// Body, in the Standard Webhooks shape {type, timestamp, data}:
//   {
//     "type": "compile.state_changed",   // compile.stuck,
//                                        // compile.upstream_anomaly,
//                                        // compile.throttled
//     "timestamp": "2026-11-26T10:00:00.123Z",  // the event's own time
//     "data": {
//       "compile": "flows/main-menu/compiles/c-1",
//       "flow_id": "main-menu",
//       "compile_id": "c-1",
//       "state": "COMPLETED",     // the compile's state after the event
//       "sequence": 3,            // per compile: the ordering key
//       "revision": 1042,         // across compiles (CompileEvent.revision)
//       "labels": {"pipeline": "nightly"},  // the compile's (Compile.labels);
//                                           // {} when it has none
//       "event": { … }            // the CompileEvent, in proto3 JSON form
//     }
//   }
// The webhook-id is derived from the endpoint, the compile and the
// sequence: the same on every retry, different per endpoint, so a receiver
// can deduplicate on it.
#ifndef CXONE_SERVER_WEBHOOKS_WEBHOOK_PAYLOAD_H_
#define CXONE_SERVER_WEBHOOKS_WEBHOOK_PAYLOAD_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "cxone/compile/v1/compile.pb.h"

namespace cxone {

// "msg_" and 32 hex digits.
std::string WebhookId(const std::string& endpoint,
                      const std::string& compile_name, uint64_t sequence);

// The body for `event` of a compile with `labels`. InvalidArgument if the
// event names no compile.
absl::StatusOr<std::string> WebhookBody(const compile::v1::CompileEvent& event,
                                        const Labels& labels);

// "compile.state_changed" and so on.
std::string WebhookType(compile::v1::EventType type);

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOKS_WEBHOOK_PAYLOAD_H_

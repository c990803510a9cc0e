// CompileUpstream: what the gateway needs from CXone, as an interface so the
// job logic (starting, polling) can be tested against a fake. CxoneClient is
// the real implementation.
//
// What an implementation returns — results and error messages alike — holds
// no secret: text from CXone has been redacted where it entered (CxoneClient
// decodes every answer through the Redactor), so callers store and publish
// it as it is (events, the store, watch streams, webhooks).
//
// Thread-safety: implementations must allow concurrent calls. Calls block.
#ifndef CXONE_SERVER_UPSTREAM_COMPILE_UPSTREAM_H_
#define CXONE_SERVER_UPSTREAM_COMPILE_UPSTREAM_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "server/http/http_client.h"
#include "server/upstream/upstream_types.h"

namespace cxone::upstream {

class CompileUpstream {
 public:
  virtual ~CompileUpstream() = default;

  // Starts compiling `flow_id`; see CxoneClient::Trigger. A failure marked
  // MayHaveBeenDelivered (http_client.h) means the outcome is unknown: CXone
  // may have started a compile.
  virtual absl::StatusOr<TriggerResult> Trigger(
      const std::string& flow_id, const nlohmann::json& directives) = 0;

  // The compile's current status; see CxoneClient::GetStatus.
  virtual absl::StatusOr<CompileStatus> GetStatus(
      const std::string& flow_id, const std::string& compile_id) = 0;
};

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_COMPILE_UPSTREAM_H_

#include "server/webhooks/webhook_payload.h"

#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/resource_name.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "nlohmann/json.hpp"

namespace cxone {

namespace v1 = ::cxone::compile::v1;

std::string WebhookId(const std::string& endpoint,
                      const std::string& compile_name, uint64_t sequence) {
  const std::string key =
      absl::StrCat(endpoint, "\n", compile_name, "\n", sequence);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         digest);
  return absl::StrCat("msg_", absl::BytesToHexString(absl::string_view(
                                  reinterpret_cast<const char*>(digest), 16)));
}

std::string WebhookType(v1::EventType type) {
  return absl::StrCat("compile.",
                      absl::AsciiStrToLower(absl::StripPrefix(
                          v1::EventType_Name(type), "EVENT_TYPE_")));
}

absl::StatusOr<std::string> WebhookBody(const v1::CompileEvent& event,
                                        const Labels& labels) {
  absl::StatusOr<CompileName> name = CompileName::Parse(event.name());
  if (!name.ok()) return name.status();
  std::string event_json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(event, &event_json, options)
           .ok()) {
    return absl::InternalError("cannot encode the event as JSON");
  }
  nlohmann::json body = {
      {"type", WebhookType(event.type())},
      {"timestamp", google::protobuf::util::TimeUtil::ToString(event.time())},
      {"data",
       {{"compile", event.name()},
        {"flow_id", name->flow_id},
        {"compile_id", name->compile_id},
        {"state", std::string(absl::StripPrefix(v1::State_Name(event.state()),
                                                "STATE_"))},
        {"sequence", event.sequence()},
        {"revision", event.revision()},
        // An object even when empty: receivers can index it unconditionally.
        {"labels",
         labels.empty() ? nlohmann::json::object() : nlohmann::json(labels)},
        {"event", nlohmann::json::parse(event_json)}}}};
  return body.dump();
}

}  // namespace cxone

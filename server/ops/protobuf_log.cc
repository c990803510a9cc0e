#include "server/ops/protobuf_log.h"

#include <atomic>
#include <string>

#include "google/protobuf/stubs/logging.h"

namespace cxone {
namespace {

std::atomic<JsonLog*> routed_log{nullptr};
// The handler RouteProtobufLogs() replaced (null: libprotobuf's default).
google::protobuf::LogHandler* previous_handler = nullptr;

void ToJsonLog(google::protobuf::LogLevel level, const char* filename, int line,
               const std::string& message) {
  JsonLog* log = routed_log.load();
  if (log == nullptr) return;
  const nlohmann::json fields = {{"source", "libprotobuf"},
                                 {"file", filename == nullptr ? "" : filename},
                                 {"line", line}};
  // The text may quote what it failed to parse; the JSON writer escapes it
  // (replacing invalid UTF-8) and redacts it.
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      log->Info(message, fields);
      break;
    case google::protobuf::LOGLEVEL_WARNING:
      log->Warn(message, fields);
      break;
    default:
      log->Error(message, fields);
      break;
  }
}

}  // namespace

void RouteProtobufLogs(JsonLog* log) {
  routed_log.store(log);
  google::protobuf::LogHandler* previous =
      google::protobuf::SetLogHandler(&ToJsonLog);
  if (previous != &ToJsonLog) previous_handler = previous;
}

void StopRoutingProtobufLogs() {
  if (routed_log.load() == nullptr) return;
  // SetLogHandler(nullptr) would silence libprotobuf: put back what was.
  google::protobuf::SetLogHandler(previous_handler);
  routed_log.store(nullptr);
}

}  // namespace cxone

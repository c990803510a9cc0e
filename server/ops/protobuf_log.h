// RouteProtobufLogs: libprotobuf's own log lines (it logs, for instance,
// when it meets invalid UTF-8) written to the JSON log instead of printed
// to stderr as free text, so every line the server prints is JSON.
//
// libprotobuf has one process-wide handler, a plain function: `log` is held
// in a process-wide pointer while a ProtobufLogRoute exists. main makes
// one, right after its JsonLog.
#ifndef CXONE_SERVER_OPS_PROTOBUF_LOG_H_
#define CXONE_SERVER_OPS_PROTOBUF_LOG_H_

#include "common/json_log.h"

namespace cxone {

// From now on libprotobuf logs to `log`, which must stay alive until
// StopRoutingProtobufLogs(). Call from main before serving (libprotobuf's
// SetLogHandler is not thread-safe).
void RouteProtobufLogs(JsonLog* log);

// Restores libprotobuf's previous handler. Call before `log` is destroyed.
void StopRoutingProtobufLogs();

// Routes libprotobuf's logs to `log` for its lifetime (declare it after
// the JsonLog, so it ends first).
class ProtobufLogRoute {
 public:
  explicit ProtobufLogRoute(JsonLog* log) { RouteProtobufLogs(log); }
  ProtobufLogRoute(const ProtobufLogRoute&) = delete;
  ProtobufLogRoute& operator=(const ProtobufLogRoute&) = delete;
  ~ProtobufLogRoute() { StopRoutingProtobufLogs(); }
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_PROTOBUF_LOG_H_

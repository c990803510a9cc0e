// AuditLog: who did what, when — one JSON line per RPC (RpcAudit, in
// api/rpc_audit.h, writes those) and one per compile
// state change (and per webhook endpoint disabled or enabled), to the file
// --audit-log names (reopened on SIGHUP, for logrotate) or to stderr.
//
//   {"time":…,"audit":"rpc","method":"/cxone.compile.v1.CompileService/StartCompile",
//    "peer":"ipv4:10.0.0.7:51234","caller":"deploy-bot","flow_id":"main-menu",
//    "compile":"flows/main-menu/compiles/c-1","code":"OK","latency_ms":12.5}
//   {"time":…,"audit":"state_change","compile":…,"flow_id":…,"sequence":2,
//    "from":"QUEUED","to":"IN_PROGRESS"}
//
// `caller` is the `x-caller` request metadata when a client sends it. Lines
// pass through the Redactor, so no secret, token or Authorization value
// can appear even if one reached a field.
//
// Thread-safe.
#ifndef CXONE_SERVER_OPS_AUDIT_LOG_H_
#define CXONE_SERVER_OPS_AUDIT_LOG_H_

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "cxone/compile/v1/compile.pb.h"
#include "nlohmann/json.hpp"
#include "server/jobs/compile_job.h"

namespace cxone {

class AuditLog final : public JobObserver {
 public:
  // Appends to `path`, or writes to stderr when it is empty. Unavailable
  // naming the path if it cannot be opened. `redactor` and `clock` must
  // outlive the log.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const std::string& path, const Redactor* redactor, const Clock* clock);
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  ~AuditLog() override;

  // Reopens the file (after logrotate moved it). No-op for stderr.
  absl::Status Reopen();

  // One line of `kind` with `fields`.
  void Write(const std::string& kind, nlohmann::json fields);

  // The clock the lines' times come from (RpcAudit measures latency on it).
  const Clock& clock() const { return *clock_; }

  // state_change lines for the STATE_CHANGED events.
  void OnEvents(const CompileJob& job,
                const std::vector<SharedEvent>& events) override;

 private:
  AuditLog(std::string path, std::FILE* file, const Redactor* redactor,
           const Clock* clock);

  const std::string path_;
  const Clock* const clock_;
  JsonLineWriter writer_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_AUDIT_LOG_H_

#include "server/ops/audit_log.h"

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;

std::string StateText(v1::State state) {
  return std::string(absl::StripPrefix(v1::State_Name(state), "STATE_"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const std::string& path, const Redactor* redactor, const Clock* clock) {
  std::FILE* file = stderr;
  if (!path.empty()) {
    file = std::fopen(path.c_str(), "a");
    if (file == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "cannot open the audit log ", path, ": ", std::strerror(errno)));
    }
  }
  return std::unique_ptr<AuditLog>(new AuditLog(path, file, redactor, clock));
}

AuditLog::AuditLog(std::string path, std::FILE* file, const Redactor* redactor,
                   const Clock* clock)
    : path_(std::move(path)), clock_(clock), writer_(file, clock, redactor) {}

AuditLog::~AuditLog() {
  std::FILE* file = writer_.Replace(stderr);
  if (file != stderr) std::fclose(file);
}

absl::Status AuditLog::Reopen() {
  if (path_.empty()) return absl::OkStatus();
  std::FILE* reopened = std::fopen(path_.c_str(), "a");
  if (reopened == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "cannot reopen the audit log ", path_, ": ", std::strerror(errno)));
  }
  std::fclose(writer_.Replace(reopened));
  return absl::OkStatus();
}

void AuditLog::Write(const std::string& kind, nlohmann::json fields) {
  writer_.Write({{"audit", kind}}, fields);
}

void AuditLog::OnEvents(const CompileJob& job,
                        const std::vector<SharedEvent>& events) {
  for (const SharedEvent& logged : events) {
    const v1::CompileEvent& event = logged->event;
    if (event.type() != v1::EVENT_TYPE_STATE_CHANGED) continue;
    Write("state_change", {{"compile", job.name()},
                           {"flow_id", job.compile_name().flow_id},
                           {"sequence", event.sequence()},
                           {"from", StateText(event.previous_state())},
                           {"to", StateText(event.state())},
                           {"errors", event.errors_size()}});
  }
}

}  // namespace cxone

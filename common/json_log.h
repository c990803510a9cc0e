// JsonLog: structured logs as JSON lines, one object per line:
//   {"time":"2026-11-26T07:00:00.123Z","level":"info","msg":"…", …fields}
//
// Every line passes through the Redactor before it is written, so a secret
// that slipped into a field is still not written. Lines are written whole
// (one write per line) so concurrent writers never interleave.
//
// Thread-safe.
#ifndef CXONE_COMMON_JSON_LOG_H_
#define CXONE_COMMON_JSON_LOG_H_

#include <cstdio>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/redactor.h"
#include "nlohmann/json.hpp"

namespace cxone {

class JsonLog {
 public:
  // Writes to `out` (not owned; usually stderr). `clock` and `redactor` must
  // outlive the log.
  JsonLog(std::FILE* out, const Clock* clock, const Redactor* redactor);
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;

  void Info(absl::string_view msg, const nlohmann::json& fields = {});
  void Warn(absl::string_view msg, const nlohmann::json& fields = {});
  void Error(absl::string_view msg, const nlohmann::json& fields = {});

 private:
  void Write(absl::string_view level, absl::string_view msg,
             const nlohmann::json& fields);

  std::FILE* const out_;
  const Clock* const clock_;
  const Redactor* const redactor_;
  absl::Mutex mu_;
};

}  // namespace cxone

#endif  // CXONE_COMMON_JSON_LOG_H_

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

// Writes JSON objects as lines: each gets a "time", passes through the
// Redactor, and is written whole. The audit log and JsonLog share it.
class JsonLineWriter {
 public:
  // Writes to `out` (not owned). `clock` and `redactor` must outlive it.
  JsonLineWriter(std::FILE* out, const Clock* clock, const Redactor* redactor);
  JsonLineWriter(const JsonLineWriter&) = delete;
  JsonLineWriter& operator=(const JsonLineWriter&) = delete;

  // One line: "time", then `head`, then the `fields` `head` lacks.
  void Write(nlohmann::json head, const nlohmann::json& fields);

  // Writes to `out` from now on (a log file reopened); returns the
  // previous output, which no write uses any more.
  std::FILE* Replace(std::FILE* out);

 private:
  const Clock* const clock_;
  const Redactor* const redactor_;
  absl::Mutex mu_;
  std::FILE* out_ ABSL_GUARDED_BY(mu_);
};

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

  JsonLineWriter writer_;
};

}  // namespace cxone

#endif  // CXONE_COMMON_JSON_LOG_H_

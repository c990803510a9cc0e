#include "common/json_log.h"

#include <string>

#include "absl/time/time.h"

namespace cxone {

JsonLog::JsonLog(std::FILE* out, const Clock* clock, const Redactor* redactor)
    : out_(out), clock_(clock), redactor_(redactor) {}

void JsonLog::Info(absl::string_view msg, const nlohmann::json& fields) {
  Write("info", msg, fields);
}
void JsonLog::Warn(absl::string_view msg, const nlohmann::json& fields) {
  Write("warn", msg, fields);
}
void JsonLog::Error(absl::string_view msg, const nlohmann::json& fields) {
  Write("error", msg, fields);
}

void JsonLog::Write(absl::string_view level, absl::string_view msg,
                    const nlohmann::json& fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", clock_->Now(),
                                  absl::UTCTimeZone());
  line["level"] = level;
  line["msg"] = msg;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      if (!line.contains(key)) line[key] = value;
    }
  }
  // `replace` keeps a line with invalid UTF-8 (say, from an upstream body)
  // writable instead of throwing.
  std::string text = redactor_->Scrub(
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  text.push_back('\n');
  absl::MutexLock lock(&mu_);
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

}  // namespace cxone

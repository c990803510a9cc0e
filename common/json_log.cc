#include "common/json_log.h"

#include <string>
#include <utility>

#include "absl/time/time.h"

namespace cxone {

JsonLineWriter::JsonLineWriter(std::FILE* out, const Clock* clock,
                               const Redactor* redactor)
    : clock_(clock), redactor_(redactor), out_(out) {}

void JsonLineWriter::Write(nlohmann::json head, const nlohmann::json& fields) {
  nlohmann::json line = nlohmann::json::object();
  line["time"] = absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", clock_->Now(),
                                  absl::UTCTimeZone());
  for (auto& [key, value] : head.items()) line[key] = std::move(value);
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

std::FILE* JsonLineWriter::Replace(std::FILE* out) {
  absl::MutexLock lock(&mu_);
  std::swap(out, out_);
  return out;
}

JsonLog::JsonLog(std::FILE* out, const Clock* clock, const Redactor* redactor)
    : writer_(out, clock, redactor) {}

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
  writer_.Write({{"level", level}, {"msg", msg}}, fields);
}

}  // namespace cxone

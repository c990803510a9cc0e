#include "server/upstream/retry_after.h"

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace cxone::upstream {

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  absl::string_view text = absl::StripAsciiWhitespace(value);
  if (text.empty()) return std::nullopt;
  if (absl::ascii_isdigit(static_cast<unsigned char>(text.front()))) {
    uint64_t seconds;
    if (!absl::SimpleAtoi(text, &seconds)) return std::nullopt;
    // A day is far beyond any sane pause; clamp instead of overflowing.
    return absl::Seconds(std::min<uint64_t>(seconds, 86400));
  }
  // IMF-fixdate, then the two obsolete forms RFC 9110 says to accept.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y"}) {
    absl::Time when;
    std::string error;
    if (absl::ParseTime(format, std::string(text), absl::UTCTimeZone(), &when,
                        &error)) {
      return std::max(absl::ZeroDuration(), when - now);
    }
  }
  return std::nullopt;
}

}  // namespace cxone::upstream

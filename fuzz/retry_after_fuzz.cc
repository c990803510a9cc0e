// Fuzzes ParseRetryAfter (server/upstream/retry_after.h). The input's first
// eight bytes choose `now`, the rest is the header. Properties:
// - a wait is never negative;
// - delta-seconds give that many seconds, clamped to a day;
// - an accepted HTTP-date, written back as an IMF-fixdate, gives the same
//   wait (when it is in the future) — the date was read as what it says.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "server/upstream/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  int64_t offset;
  std::memcpy(&offset, data, 8);
  // Between 1970 and ~2106: where a server's clock plausibly is.
  const absl::Time now =
      absl::FromUnixSeconds(static_cast<int64_t>(offset & 0xFFFFFFFF));
  const absl::string_view value(reinterpret_cast<const char*>(data) + 8,
                                size - 8);
  const std::optional<absl::Duration> wait =
      cxone::upstream::ParseRetryAfter(value, now);
  if (!wait.has_value()) return 0;
  FUZZ_CHECK(*wait >= absl::ZeroDuration(), "a negative wait");
  const absl::string_view text = absl::StripAsciiWhitespace(value);
  uint64_t seconds;
  if (absl::SimpleAtoi(text, &seconds)) {
    FUZZ_CHECK(*wait == absl::Seconds(std::min<uint64_t>(seconds, 86400)),
               "delta-seconds misread");
    return 0;
  }
  FUZZ_CHECK(!text.empty() && !absl::ascii_isdigit(text.front()),
             "a number-like value read as a date");
  if (*wait > absl::ZeroDuration() && *wait != absl::InfiniteDuration()) {
    const absl::Time when = now + *wait;
    const std::string fixdate = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                                                 when, absl::UTCTimeZone());
    const std::optional<absl::Duration> again =
        cxone::upstream::ParseRetryAfter(fixdate, now);
    FUZZ_CHECK(again.has_value() && *again == *wait,
               "the date, written as \"%s\", gives another wait",
               fixdate.c_str());
  }
  return 0;
}

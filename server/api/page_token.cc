#include "server/api/page_token.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace cxone {
namespace {

constexpr absl::string_view kVersion = "c1";

// FNV-1a, 64 bits: stable across processes and builds (absl::Hash is not),
// so a token made before a restart is still recognised after it.
std::string QueryHash(absl::string_view fingerprint) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : fingerprint) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return absl::StrFormat("%016x", hash);
}

absl::Status NotOurs(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "page_token: ", why,
      "; pass the next_page_token of the previous response unchanged, with "
      "the same filter, or leave it empty for the first page"));
}

}  // namespace

std::string EncodePageToken(const CollectionCursor& cursor,
                            absl::string_view fingerprint) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kVersion, "\n", absl::ToUnixNanos(cursor.create_time), "\n",
                   QueryHash(fingerprint), "\n", cursor.name));
}

absl::StatusOr<CollectionCursor> DecodePageToken(
    absl::string_view token, absl::string_view fingerprint) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return NotOurs("not a page token of this gateway (not base64url)");
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('\n', 3));
  int64_t create_nanos = 0;
  if (parts.size() != 4 || parts[0] != kVersion ||
      !absl::SimpleAtoi(parts[1], &create_nanos) || parts[3].empty()) {
    return NotOurs("not a page token of this gateway");
  }
  if (parts[2] != QueryHash(fingerprint)) {
    return NotOurs("made for another filter than this request's");
  }
  return CollectionCursor{absl::FromUnixNanos(create_nanos),
                          std::string(parts[3])};
}

}  // namespace cxone

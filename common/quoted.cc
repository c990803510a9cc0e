#include "common/quoted.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cxone {

std::string Quoted(absl::string_view text, size_t max_bytes) {
  std::string shown;
  for (char c : text.substr(0, max_bytes)) {
    if (c != '"' && c != '\\' &&
        absl::ascii_isprint(static_cast<unsigned char>(c))) {
      shown.push_back(c);
    } else {
      absl::StrAppend(
          &shown, "\\x",
          absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    }
  }
  if (text.size() > max_bytes) shown += "…";
  return absl::StrCat("\"", shown, "\"");
}

}  // namespace cxone

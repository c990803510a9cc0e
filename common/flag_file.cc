#include "common/flag_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace cxone {

absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag,
                                         const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " \"", path, "\": cannot read it"));
  }
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace cxone

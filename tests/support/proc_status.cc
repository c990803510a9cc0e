#include "tests/support/proc_status.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cxone::testing {

int64_t ProcStatusField(pid_t pid, const std::string& field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (!absl::StartsWith(line, field + ":")) continue;
    std::string digits;
    for (char c : line.substr(field.size() + 1)) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    int64_t value = 0;
    if (absl::SimpleAtoi(digits, &value)) return value;
  }
  return -1;
}

}  // namespace cxone::testing

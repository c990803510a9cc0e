#include "common/resource_name.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/quoted.h"

namespace cxone {
namespace {

constexpr size_t kMaxIdLength = 128;

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

absl::Status ValidateId(absl::string_view what, absl::string_view id) {
  if (id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is required"));
  }
  if (id.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " is ", id.size(), " characters long; at most ",
                     kMaxIdLength, " are allowed"));
  }
  if (id == "." || id == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must not be ", Quoted(id)));
  }
  for (char c : id) {
    if (!IsIdChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " ", Quoted(id), " has a character outside [A-Za-z0-9._-]"));
    }
  }
  return absl::OkStatus();
}

std::string CompileName::ToString() const {
  return absl::StrCat("flows/", flow_id, "/compiles/", compile_id);
}

absl::StatusOr<CompileName> CompileName::Parse(absl::string_view name) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "flows" || parts[2] != "compiles") {
    return absl::InvalidArgumentError(absl::StrCat(
        "name ", Quoted(name),
        " is not of the form flows/{flow_id}/compiles/{compile_id}"));
  }
  if (absl::Status status = ValidateId("flow_id in name", parts[1]);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = ValidateId("compile_id in name", parts[3]);
      !status.ok()) {
    return status;
  }
  return CompileName{std::string(parts[1]), std::string(parts[3])};
}

}  // namespace cxone

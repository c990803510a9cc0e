// Fuzzes the validators of what a request names (common/resource_name.h,
// common/labels.h, server/jobs/request_id_index.h, server/api/
// page_token.h). The first byte picks one; the rest is the text. Properties:
// - an accepted compile name prints as the text it came from and its ids
//   pass ValidateId; ValidateId accepts exactly [A-Za-z0-9._-]{1,128}
//   other than "." and "..";
// - ValidateLabels accepts exactly what the per-key and per-value checks
//   and the limits accept, and the *Syntax variants agree with them;
// - a page token DecodePageToken accepts encodes back to the same cursor;
// - every refusal is InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/labels.h"
#include "common/resource_name.h"
#include "fuzz/fuzz_check.h"
#include "server/api/page_token.h"
#include "server/jobs/request_id_index.h"

namespace {

void CheckCode(const absl::Status& status) {
  FUZZ_CHECK(status.ok() || absl::IsInvalidArgument(status),
             "refused with another code: %s", status.ToString().c_str());
}

bool IsIdByRule(absl::string_view id) {
  if (id.empty() || id.size() > 128 || id == "." || id == "..") return false;
  for (char c : id) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                         c == '-';
    if (!allowed) return false;
  }
  return true;
}

void CheckNames(absl::string_view text) {
  const absl::Status id = cxone::ValidateId("flow_id", text);
  CheckCode(id);
  FUZZ_CHECK(id.ok() == IsIdByRule(text), "ValidateId disagrees with its rule");
  absl::StatusOr<cxone::CompileName> name = cxone::CompileName::Parse(text);
  CheckCode(name.status());
  if (!name.ok()) return;
  FUZZ_CHECK(name->ToString() == text, "the name prints as another text");
  FUZZ_CHECK(IsIdByRule(name->flow_id) && IsIdByRule(name->compile_id),
             "a name with an invalid id accepted");
}

void CheckLabels(absl::string_view text) {
  cxone::Labels labels;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    const size_t equals = line.find('=');
    labels[std::string(line.substr(0, equals))] =
        equals == absl::string_view::npos
            ? ""
            : std::string(line.substr(equals + 1));
  }
  const absl::Status all = cxone::ValidateLabels(labels);
  CheckCode(all);
  bool each = labels.size() <= cxone::kMaxLabels;
  size_t bytes = 0;
  for (const auto& [key, value] : labels) {
    bytes += key.size() + value.size();
    const absl::Status key_status = cxone::ValidateLabelKey(key);
    const absl::Status value_status = cxone::ValidateLabelValue(key, value);
    CheckCode(key_status);
    CheckCode(value_status);
    FUZZ_CHECK(key_status.ok() == cxone::ValidateLabelKeySyntax(key).ok(),
               "the key checks disagree");
    FUZZ_CHECK(value_status.ok() == cxone::ValidateLabelValueSyntax(value).ok(),
               "the value checks disagree");
    each = each && key_status.ok() && value_status.ok();
  }
  each = each && bytes <= cxone::kMaxLabelBytes;
  FUZZ_CHECK(all.ok() == each, "ValidateLabels says %s, its parts %s",
             all.ok() ? "yes" : "no", each ? "yes" : "no");
}

void CheckPageToken(absl::string_view text) {
  constexpr absl::string_view kFingerprint = "flow_ids=a;states=;selector=";
  absl::StatusOr<cxone::CollectionCursor> cursor =
      cxone::DecodePageToken(text, kFingerprint);
  CheckCode(cursor.status());
  if (!cursor.ok()) return;
  absl::StatusOr<cxone::CollectionCursor> again = cxone::DecodePageToken(
      cxone::EncodePageToken(*cursor, kFingerprint), kFingerprint);
  FUZZ_CHECK(again.ok() && again->name == cursor->name &&
                 again->create_time == cursor->create_time,
             "a page token does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  switch (data[0] % 4) {
    case 0:
      CheckNames(text);
      break;
    case 1:
      CheckLabels(text);
      break;
    case 2:
      CheckPageToken(text);
      break;
    default:
      CheckCode(cxone::ValidateRequestId(text));
      break;
  }
  return 0;
}

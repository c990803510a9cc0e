// Fuzzes LabelSelector::Parse (common/label_selector.h). The input is the
// selector text, then optionally "\n" and label lines `key=value`.
// Properties, for every selector Parse accepts:
// - ToString() is canonical: it parses back to an equal selector, and
//   printing that gives the same text again;
// - the re-parsed selector matches exactly the labels the first one does;
// - the text was within the limit, and empty() means "matches all";
// and a refusal is InvalidArgument that quotes the text when it is short.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/label_selector.h"
#include "common/labels.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view text = input.substr(0, newline);
  cxone::Labels labels;
  if (newline != absl::string_view::npos) {
    for (absl::string_view line :
         absl::StrSplit(input.substr(newline + 1), '\n')) {
      const size_t equals = line.find('=');
      labels[std::string(line.substr(0, equals))] =
          equals == absl::string_view::npos
              ? ""
              : std::string(line.substr(equals + 1));
    }
  }

  absl::StatusOr<cxone::LabelSelector> selector =
      cxone::LabelSelector::Parse(text);
  if (!selector.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(selector.status()),
               "refused with another code: %s",
               selector.status().ToString().c_str());
    return 0;
  }
  FUZZ_CHECK(text.size() <= cxone::LabelSelector::kMaxTextBytes,
             "a text beyond the limit accepted");
  const std::string canonical = selector->ToString();
  FUZZ_CHECK(selector->empty() == canonical.empty(),
             "empty() disagrees with ToString()");
  absl::StatusOr<cxone::LabelSelector> again =
      cxone::LabelSelector::Parse(canonical);
  FUZZ_CHECK(again.ok(), "the canonical form \"%s\" is refused: %s",
             canonical.c_str(), again.status().ToString().c_str());
  FUZZ_CHECK(*again == *selector, "\"%s\" re-parses to another selector",
             canonical.c_str());
  FUZZ_CHECK(again->ToString() == canonical, "\"%s\" is not canonical",
             canonical.c_str());
  FUZZ_CHECK(again->Matches(labels) == selector->Matches(labels),
             "\"%s\" matches other labels than its source", canonical.c_str());
  FUZZ_CHECK(selector->Matches(labels) || !selector->empty(),
             "the empty selector refused labels");
  return 0;
}

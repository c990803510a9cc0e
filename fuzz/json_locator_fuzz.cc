// Fuzzes the simulator's JSON parser with locations (simulator/
// json_locator.h) against nlohmann's parser as the oracle:
// - both accept the same texts (up to our nesting limit, a BOM skipped);
// - what ours decodes is what nlohmann decodes (strings, numbers, keys —
//   the last of duplicated ones —, array items);
// - every value's and key's location points at the character that starts
//   it, in lines and code-point columns; an error's location is inside the
//   text or just past its end.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"
#include "simulator/json_locator.h"

namespace {

using cxone::sim::JsonLocation;
using cxone::sim::JsonValue;

// Where each code point of `text` (after `start`) is, and where the end is.
struct Positions {
  std::map<std::pair<int, int>, size_t> offsets;
  JsonLocation end;
};

Positions Locate(absl::string_view text, size_t start) {
  Positions positions;
  int line = 1;
  int column = 1;
  for (size_t i = start; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte
    positions.offsets[{line, column}] = i;
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  positions.end = {line, column};
  return positions;
}

bool HasNonFinite(const JsonValue& value) {
  if (value.type == JsonValue::Type::kNumber && !std::isfinite(value.number)) {
    return true;
  }
  for (const JsonValue& item : value.items) {
    if (HasNonFinite(item)) return true;
  }
  for (const auto& member : value.members) {
    if (HasNonFinite(member.value)) return true;
  }
  return false;
}

int Depth(const JsonValue& value) {
  int depth = 0;
  for (const JsonValue& item : value.items)
    depth = std::max(depth, Depth(item));
  for (const auto& member : value.members) {
    depth = std::max(depth, Depth(member.value));
  }
  return depth + (value.is_array() || value.is_object() ? 1 : 0);
}

char ExpectedFirst(const JsonValue& value) {
  switch (value.type) {
    case JsonValue::Type::kNull:
      return 'n';
    case JsonValue::Type::kBool:
      return value.boolean ? 't' : 'f';
    case JsonValue::Type::kString:
      return '"';
    case JsonValue::Type::kArray:
      return '[';
    case JsonValue::Type::kObject:
      return '{';
    case JsonValue::Type::kNumber:
      return 0;  // a digit or '-'
  }
  return 0;
}

void CheckAt(absl::string_view text, const Positions& positions,
             JsonLocation location, char expected, const char* what) {
  auto it = positions.offsets.find({location.line, location.column});
  FUZZ_CHECK(it != positions.offsets.end(), "%s at %d:%d is outside the text",
             what, location.line, location.column);
  const char actual = text[it->second];
  if (expected == 0) {
    FUZZ_CHECK(actual == '-' || (actual >= '0' && actual <= '9'),
               "number at %d:%d starts with '%c'", location.line,
               location.column, actual);
  } else {
    FUZZ_CHECK(actual == expected, "%s at %d:%d starts with '%c', not '%c'",
               what, location.line, location.column, actual, expected);
  }
}

// Ours against nlohmann's, and every location.
void Compare(absl::string_view text, const Positions& positions,
             const JsonValue& ours, const nlohmann::json& theirs) {
  CheckAt(text, positions, ours.location, ExpectedFirst(ours), "value");
  switch (ours.type) {
    case JsonValue::Type::kNull:
      FUZZ_CHECK(theirs.is_null(), "null differs");
      break;
    case JsonValue::Type::kBool:
      FUZZ_CHECK(theirs.is_boolean() && theirs.get<bool>() == ours.boolean,
                 "boolean differs");
      break;
    case JsonValue::Type::kNumber:
      FUZZ_CHECK(theirs.is_number(), "number differs in type");
      FUZZ_CHECK(text.substr(positions.offsets.at(
                                 {ours.location.line, ours.location.column}),
                             ours.text.size()) == ours.text,
                 "number text \"%s\" is not the source's", ours.text.c_str());
      break;
    case JsonValue::Type::kString:
      FUZZ_CHECK(theirs.is_string() && theirs.get<std::string>() == ours.text,
                 "string differs");
      break;
    case JsonValue::Type::kArray:
      FUZZ_CHECK(theirs.is_array() && theirs.size() == ours.items.size(),
                 "array differs");
      for (size_t i = 0; i < ours.items.size(); ++i) {
        Compare(text, positions, ours.items[i], theirs[i]);
      }
      break;
    case JsonValue::Type::kObject: {
      FUZZ_CHECK(theirs.is_object(), "object differs in type");
      std::map<std::string, const JsonValue*> last;
      for (const auto& member : ours.members) {
        CheckAt(text, positions, member.key_location, '"', "key");
        last[member.key] = &member.value;
      }
      FUZZ_CHECK(theirs.size() == last.size(), "object has %zu keys, not %zu",
                 last.size(), theirs.size());
      for (const auto& [key, value] : last) {
        FUZZ_CHECK(theirs.contains(key), "key missing from nlohmann's");
        FUZZ_CHECK(ours.Find(key) == value, "Find is not the last duplicate");
        Compare(text, positions, *value, theirs.at(key));
      }
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t start = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  const cxone::sim::JsonParseResult result =
      cxone::sim::ParseJsonWithLocations(text);
  // nlohmann reads a NUL byte as the end of the input: no oracle there.
  if (text.find('\0') != absl::string_view::npos) return 0;
  const bool theirs_accepts = nlohmann::json::accept(text.substr(start));
  const Positions positions = Locate(text, start);
  if (!result.ok()) {
    const JsonLocation at = result.error().location;
    FUZZ_CHECK(at.has_value(), "an error without a location");
    FUZZ_CHECK(at == positions.end ||
                   positions.offsets.count({at.line, at.column}) == 1,
               "error location %d:%d is outside the text", at.line, at.column);
    FUZZ_CHECK(!result.error().message.empty(), "an error without a message");
    // nlohmann has no depth limit; below ours both must refuse alike.
    if (theirs_accepts) {
      const nlohmann::json theirs = nlohmann::json::parse(text.substr(start));
      FUZZ_CHECK(result.error().message.find("deep") != std::string::npos,
                 "refused what nlohmann accepts: %s",
                 result.error().message.c_str());
    }
    return 0;
  }
  // nlohmann refuses a number beyond a double's range ("1e400"); ours keeps
  // its text, as RFC 8259 lets a parser do.
  FUZZ_CHECK(theirs_accepts || HasNonFinite(result.value()),
             "accepted what nlohmann refuses");
  if (!theirs_accepts) return 0;
  FUZZ_CHECK(Depth(result.value()) <= cxone::sim::kMaxJsonDepth,
             "nesting beyond the limit accepted");
  Compare(text, positions, result.value(),
          nlohmann::json::parse(text.substr(start)));
  return 0;
}

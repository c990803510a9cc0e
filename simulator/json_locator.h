// JSON parsing that remembers where things are.
//
// The simulator must report flow problems the way the real CXone does: with
// the line and column of the offending JSON value. General-purpose parsers
// (nlohmann) throw the positions away, so this is a small RFC 8259 parser of
// our own that records, for every value and every object key, the 1-based
// line and column of its first character.
//
// Positions: lines are separated by '\n' ("\r\n" counts as one break);
// columns count Unicode code points, not bytes, so they match what an editor
// shows for UTF-8 text (a tab is one column). A UTF-8 byte order mark at the
// very start is skipped and takes no column.
//
// On invalid input the parse fails with one JsonSyntaxError whose location is
// the first character of the token where parsing could not go on: for a
// missing comma, the token that follows where the comma belongs; for a bad
// escape or a control character inside a string, the string's opening quote;
// for unexpected end of input, the position just past the last character.
//
// Thread-safety: ParseJsonWithLocations() is a pure function; the values it
// returns are immutable after parsing and safe to share between threads.
#ifndef CXONE_SIMULATOR_JSON_LOCATOR_H_
#define CXONE_SIMULATOR_JSON_LOCATOR_H_

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/string_view.h"

namespace cxone::sim {

// A position in a text. Both fields are 1-based; {0, 0} means "no location".
struct JsonLocation {
  int line = 0;
  int column = 0;

  bool has_value() const { return line > 0; }
  friend bool operator==(const JsonLocation&, const JsonLocation&) = default;
  friend bool operator<(const JsonLocation& a, const JsonLocation& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  }
};

struct JsonMember;

// One parsed JSON value and, recursively, its children. A plain parse tree:
// only the fields that belong to `type` are meaningful.
struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type = Type::kNull;
  // Where the value's first character is ('{', '[', '"', digit, 't', …).
  JsonLocation location;

  bool boolean = false;  // kBool
  double number = 0;     // kNumber
  // kString: the decoded (unescaped, UTF-8) text. kNumber: the number as it
  // was written, so that big integers are not rounded.
  std::string text;
  std::vector<JsonValue> items;     // kArray, in order
  std::vector<JsonMember> members;  // kObject, in source order, duplicates kept

  bool is_null() const { return type == Type::kNull; }
  bool is_string() const { return type == Type::kString; }
  bool is_array() const { return type == Type::kArray; }
  bool is_object() const { return type == Type::kObject; }

  // The value of the LAST member named `key` (as most JSON readers resolve a
  // duplicated key), or nullptr if there is none or this is not an object.
  const JsonValue* Find(absl::string_view key) const;

  // "null", "boolean", "number", "string", "array" or "object": for messages.
  static const char* TypeName(Type type);
  const char* type_name() const { return TypeName(type); }
};

struct JsonMember {
  std::string key;
  JsonLocation key_location;  // of the key's opening quote
  JsonValue value;
};

// Why a text is not JSON.
struct JsonSyntaxError {
  JsonLocation location;
  std::string message;
};

// The outcome of a parse: a value or the syntax error that stopped it.
class JsonParseResult {
 public:
  explicit JsonParseResult(JsonValue value) : value_(std::move(value)) {}
  explicit JsonParseResult(JsonSyntaxError error) : error_(std::move(error)) {}

  bool ok() const { return value_.has_value(); }
  // REQUIRES: ok().
  const JsonValue& value() const { return *value_; }
  // REQUIRES: !ok().
  const JsonSyntaxError& error() const { return *error_; }

 private:
  std::optional<JsonValue> value_;
  std::optional<JsonSyntaxError> error_;
};

// Nesting deeper than this is rejected as a syntax error rather than risking
// the stack on hostile input ("[[[[…" a million times).
inline constexpr int kMaxJsonDepth = 256;

// Parses `text` as exactly one JSON value (surrounded by optional
// whitespace). Strings must be valid UTF-8. Never throws.
JsonParseResult ParseJsonWithLocations(absl::string_view text);

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_JSON_LOCATOR_H_

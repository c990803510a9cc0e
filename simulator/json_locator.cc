#include "simulator/json_locator.h"

#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cxone::sim {

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (auto it = members.rbegin(); it != members.rend(); ++it) {
    if (it->key == key) return &it->value;
  }
  return nullptr;
}

const char* JsonValue::TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "boolean";
    case Type::kNumber:
      return "number";
    case Type::kString:
      return "string";
    case Type::kArray:
      return "array";
    case Type::kObject:
      return "object";
  }
  return "unknown";
}

namespace {

bool IsContinuationByte(unsigned char c) { return (c & 0xC0) == 0x80; }

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Characters that may appear in (or right after) a number, taken as one
// token so that "01", "1.", "1e" or "12abc" are reported whole.
bool IsNumberTokenChar(char c) {
  return IsWordChar(c) || c == '+' || c == '-' || c == '.';
}

bool StartsValue(char c) {
  return c == '"' || c == '{' || c == '[' || c == '-' ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == 't' ||
         c == 'f' || c == 'n';
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 if there is
// none.
size_t Utf8SequenceLength(absl::string_view s) {
  if (s.empty()) return 0;
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t length;
  uint32_t code_point;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if (!IsContinuationByte(byte(i))) return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3F);
  }
  if ((length == 3 && code_point < 0x800) ||
      (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return 0;
  }
  return length;
}

// A recursive-descent parser over one text. The first error wins: every
// Parse*() returns false once error_ is set, and callers stop at once.
class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  JsonParseResult ParseDocument() {
    // A byte order mark is not JSON, but editors on some platforms add one;
    // skipping it costs nothing and it has no visible column.
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    SkipWhitespace();
    JsonValue root;
    if (!ParseValue(&root, 0, "a JSON value")) {
      return JsonParseResult(std::move(*error_));
    }
    SkipWhitespace();
    if (!AtEnd()) {
      Fail(Here(), absl::StrCat("unexpected ", Describe(),
                                " after the end of the JSON value"));
      return JsonParseResult(std::move(*error_));
    }
    return JsonParseResult(std::move(root));
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  JsonLocation Here() const { return {line_, column_}; }

  // Steps over one byte, keeping line and column current. The column moves
  // when the next code point begins, so multi-byte characters count once.
  void Advance() {
    const char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if (AtEnd() || !IsContinuationByte(Peek())) {
      ++column_;
    }
  }

  void SkipWhitespace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' ||
                        Peek() == '\r')) {
      Advance();
    }
  }

  bool Fail(JsonLocation location, std::string message) {
    if (!error_.has_value()) {
      error_ = JsonSyntaxError{location, std::move(message)};
    }
    return false;
  }

  // Fails at the current token, saying what was expected instead.
  bool FailExpected(absl::string_view expected, absl::string_view hint = "") {
    if (AtEnd()) {
      return Fail(Here(),
                  absl::StrCat("unexpected end of input: expected ", expected));
    }
    const bool hint_applies = !hint.empty() && StartsValue(Peek());
    return Fail(Here(), absl::StrCat("expected ", expected, ", found ",
                                     Describe(), hint_applies ? hint : ""));
  }

  // Names the token at the current position for an error message.
  std::string Describe() const {
    if (AtEnd()) return "end of input";
    const char c = Peek();
    if (c == '"') return "a string";
    if (c == '-' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return "a number";
    }
    if (IsWordChar(c)) {
      size_t end = pos_;
      while (end < text_.size() && end - pos_ < 20 && IsWordChar(text_[end])) {
        ++end;
      }
      return absl::StrCat("'", text_.substr(pos_, end - pos_), "'");
    }
    if (absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      return absl::StrCat("'", absl::string_view(&c, 1), "'");
    }
    return absl::StrCat(
        "byte 0x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
  }

  bool ParseValue(JsonValue* out, int depth, absl::string_view expected) {
    if (AtEnd()) return FailExpected(expected);
    out->location = Here();
    switch (Peek()) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"':
        out->type = JsonValue::Type::kString;
        return ParseString(&out->text);
      case 't':
      case 'f':
      case 'n':
        return ParseLiteral(out);
      default:
        if (Peek() == '-' ||
            absl::ascii_isdigit(static_cast<unsigned char>(Peek()))) {
          return ParseNumber(out);
        }
        return FailExpected(expected);
    }
  }

  bool CheckDepth(int depth) {
    if (depth <= kMaxJsonDepth) return true;
    return Fail(Here(), absl::StrCat("JSON nested deeper than ", kMaxJsonDepth,
                                     " levels"));
  }

  bool ParseObject(JsonValue* out, int depth) {
    if (!CheckDepth(depth)) return false;
    out->type = JsonValue::Type::kObject;
    Advance();  // '{'
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      Advance();
      return true;
    }
    for (;;) {
      if (AtEnd() || Peek() != '"') {
        return FailExpected("a member name (a string in double quotes)");
      }
      JsonMember member;
      member.key_location = Here();
      if (!ParseString(&member.key)) return false;
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') {
        return FailExpected(absl::StrCat("':' after member name \"",
                                         member.key.substr(0, 40), "\""));
      }
      Advance();
      SkipWhitespace();
      if (!ParseValue(&member.value, depth,
                      absl::StrCat("a value for member \"",
                                   member.key.substr(0, 40), "\""))) {
        return false;
      }
      out->members.push_back(std::move(member));
      SkipWhitespace();
      if (!AtEnd() && Peek() == '}') {
        Advance();
        return true;
      }
      if (AtEnd() || Peek() != ',') {
        return FailExpected("',' or '}' after an object member",
                            " (missing ','?)");
      }
      Advance();
      SkipWhitespace();
    }
  }

  bool ParseArray(JsonValue* out, int depth) {
    if (!CheckDepth(depth)) return false;
    out->type = JsonValue::Type::kArray;
    Advance();  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      Advance();
      return true;
    }
    for (;;) {
      JsonValue item;
      if (!ParseValue(&item, depth, "an array element")) return false;
      out->items.push_back(std::move(item));
      SkipWhitespace();
      if (!AtEnd() && Peek() == ']') {
        Advance();
        return true;
      }
      if (AtEnd() || Peek() != ',') {
        return FailExpected("',' or ']' after an array element",
                            " (missing ','?)");
      }
      Advance();
      SkipWhitespace();
    }
  }

  // REQUIRES: Peek() == '"'. Errors inside the string are reported at its
  // opening quote (the token that failed), except running out of input.
  bool ParseString(std::string* out) {
    const JsonLocation start = Here();
    Advance();  // '"'
    for (;;) {
      if (AtEnd()) {
        return Fail(Here(),
                    "unexpected end of input inside a string (missing "
                    "closing '\"'?)");
      }
      const unsigned char c = static_cast<unsigned char>(Peek());
      if (c == '"') {
        Advance();
        return true;
      }
      if (c == '\\') {
        if (!ParseEscape(start, out)) return false;
        continue;
      }
      if (c < 0x20) {
        return Fail(start, absl::StrCat("string contains control character ",
                                        absl::StrFormat("U+%04X", c),
                                        c == '\n' ? " (missing closing '\"'?)"
                                                  : " (escape it)"));
      }
      const size_t length = Utf8SequenceLength(text_.substr(pos_));
      if (length == 0) return Fail(start, "string is not valid UTF-8");
      out->append(text_.data() + pos_, length);
      for (size_t i = 0; i < length; ++i) Advance();
    }
  }

  // REQUIRES: Peek() == '\\' inside the string that starts at `start`.
  bool ParseEscape(JsonLocation start, std::string* out) {
    Advance();  // '\\'
    if (AtEnd()) {
      return Fail(Here(), "unexpected end of input inside a string escape");
    }
    const char c = Peek();
    Advance();
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out->push_back(c);
        return true;
      case 'b':
        out->push_back('\b');
        return true;
      case 'f':
        out->push_back('\f');
        return true;
      case 'n':
        out->push_back('\n');
        return true;
      case 'r':
        out->push_back('\r');
        return true;
      case 't':
        out->push_back('\t');
        return true;
      case 'u':
        break;
      default:
        return Fail(start, absl::StrCat("string has an invalid escape '\\",
                                        Printable(c), "'"));
    }
    uint32_t unit;
    if (!ParseHex4(start, &unit)) return false;
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return Fail(start, "string has an unpaired UTF-16 low surrogate");
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") {
        return Fail(start, "string has an unpaired UTF-16 high surrogate");
      }
      Advance();
      Advance();
      uint32_t low;
      if (!ParseHex4(start, &low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fail(start, "string has an unpaired UTF-16 high surrogate");
      }
      unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(unit, out);
    return true;
  }

  bool ParseHex4(JsonLocation start, uint32_t* out) {
    *out = 0;
    for (int i = 0; i < 4; ++i) {
      if (AtEnd()) {
        return Fail(Here(), "unexpected end of input inside a \\u escape");
      }
      const char c = Peek();
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else {
        return Fail(start, "string has a \\u escape without 4 hex digits");
      }
      *out = (*out << 4) | static_cast<uint32_t>(digit);
      Advance();
    }
    return true;
  }

  static std::string Printable(char c) {
    if (absl::ascii_isgraph(static_cast<unsigned char>(c))) {
      return std::string(1, c);
    }
    return absl::StrCat(
        "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, checked over the whole
  // run of number-like characters.
  bool ParseNumber(JsonValue* out) {
    const JsonLocation start = Here();
    size_t end = pos_;
    while (end < text_.size() && IsNumberTokenChar(text_[end])) ++end;
    const absl::string_view token = text_.substr(pos_, end - pos_);
    if (!IsJsonNumber(token)) {
      return Fail(start,
                  absl::StrCat("invalid number '", token.substr(0, 40), "'"));
    }
    out->type = JsonValue::Type::kNumber;
    out->text = std::string(token);
    out->number = std::strtod(out->text.c_str(), nullptr);
    while (pos_ < end) Advance();
    return true;
  }

  static bool IsJsonNumber(absl::string_view s) {
    size_t i = 0;
    const auto digit = [&](size_t at) {
      return at < s.size() &&
             absl::ascii_isdigit(static_cast<unsigned char>(s[at]));
    };
    if (i < s.size() && s[i] == '-') ++i;
    if (!digit(i)) return false;
    if (s[i] == '0') {
      ++i;
    } else {
      while (digit(i)) ++i;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      if (!digit(i)) return false;
      while (digit(i)) ++i;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
      if (!digit(i)) return false;
      while (digit(i)) ++i;
    }
    return i == s.size();
  }

  bool ParseLiteral(JsonValue* out) {
    const JsonLocation start = Here();
    size_t end = pos_;
    while (end < text_.size() && IsWordChar(text_[end])) ++end;
    const absl::string_view word = text_.substr(pos_, end - pos_);
    if (word == "true" || word == "false") {
      out->type = JsonValue::Type::kBool;
      out->boolean = word == "true";
    } else if (word == "null") {
      out->type = JsonValue::Type::kNull;
    } else {
      return Fail(start, absl::StrCat("invalid literal '", word.substr(0, 40),
                                      "' (expected true, false or null)"));
    }
    while (pos_ < end) Advance();
    return true;
  }

  const absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::optional<JsonSyntaxError> error_;
};

}  // namespace

JsonParseResult ParseJsonWithLocations(absl::string_view text) {
  return Parser(text).ParseDocument();
}

}  // namespace cxone::sim

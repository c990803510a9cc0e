#include "common/label_selector.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/quoted.h"

namespace cxone {
namespace {

enum class TokenKind {
  kWord,  // a key, a value, `in` or `notin`: anything up to a symbol or space
  kEquals,
  kDoubleEquals,
  kNotEquals,
  kBang,
  kOpenParen,
  kCloseParen,
  kComma,
  kEnd,
};

struct Token {
  TokenKind kind;
  absl::string_view text;
  size_t position;  // of its first byte in the selector text
};

// Kubernetes' whitespace; other control characters end up in a word, where
// the key or value check names them.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSymbol(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',';
}

// The tokens of `text`, ending with one kEnd at text.size().
std::vector<Token> Tokenize(absl::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    bool then_equals = i + 1 < text.size() && text[i + 1] == '=';
    TokenKind kind = TokenKind::kWord;
    size_t length = 1;
    switch (c) {
      case '=':
        kind = then_equals ? TokenKind::kDoubleEquals : TokenKind::kEquals;
        length = then_equals ? 2 : 1;
        break;
      case '!':
        kind = then_equals ? TokenKind::kNotEquals : TokenKind::kBang;
        length = then_equals ? 2 : 1;
        break;
      case '(':
        kind = TokenKind::kOpenParen;
        break;
      case ')':
        kind = TokenKind::kCloseParen;
        break;
      case ',':
        kind = TokenKind::kComma;
        break;
      default:
        while (i + length < text.size() && !IsSpace(text[i + length]) &&
               !IsSymbol(text[i + length])) {
          ++length;
        }
    }
    tokens.push_back({kind, text.substr(i, length), i});
    i += length;
  }
  tokens.push_back({TokenKind::kEnd, "", text.size()});
  return tokens;
}

// A token as the object of "found …".
std::string Describe(const Token& token) {
  return token.kind == TokenKind::kEnd ? "the end" : Quoted(token.text);
}

}  // namespace

// One pass over the tokens; every error names the selector text and the
// position it stopped at.
class LabelSelector::Parser {
 public:
  explicit Parser(absl::string_view text)
      : text_(text), tokens_(Tokenize(text)) {}

  absl::StatusOr<std::vector<Requirement>> Requirements() {
    std::vector<Requirement> requirements;
    if (Peek().kind == TokenKind::kEnd) return requirements;  // blank text
    while (true) {
      if (requirements.size() == kMaxRequirements) {
        return Error(absl::StrCat("more than ", kMaxRequirements,
                                  " requirements (the next is at position ",
                                  Peek().position, ")"));
      }
      absl::StatusOr<Requirement> requirement = ParseRequirement();
      if (!requirement.ok()) return requirement.status();
      requirements.push_back(*std::move(requirement));
      const Token& after = Next();
      if (after.kind == TokenKind::kEnd) return requirements;
      if (after.kind == TokenKind::kComma) continue;
      if (after.kind == TokenKind::kCloseParen) {
        return Error(absl::StrCat("')' at position ", after.position,
                                  " has no '(' to close"));
      }
      return Error(absl::StrCat(
          "expected ',' or the end after a requirement at position ",
          after.position, ", found ", Describe(after)));
    }
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }

  // The next token; kEnd again and again once there are no more.
  const Token& Next() {
    const Token& token = tokens_[next_];
    if (token.kind != TokenKind::kEnd) ++next_;
    return token;
  }

  absl::Status Error(absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat("label selector ", Quoted(text_), ": ", problem));
  }

  // A key or value check's message, placed at `token`.
  absl::Status ErrorAt(const Token& token, const absl::Status& status) const {
    return Error(
        absl::StrCat("at position ", token.position, ", ", status.message()));
  }

  absl::StatusOr<Requirement> ParseRequirement() {
    const Token& first = Next();
    switch (first.kind) {
      case TokenKind::kComma:
      case TokenKind::kEnd:
        return Error(
            absl::StrCat("empty requirement at position ", first.position));
      case TokenKind::kBang: {
        const Token& key = Next();
        if (key.kind != TokenKind::kWord) {
          return Error(absl::StrCat("expected a key after '!' at position ",
                                    key.position, ", found ", Describe(key)));
        }
        if (absl::Status status = ValidateLabelKeySyntax(key.text);
            !status.ok()) {
          return ErrorAt(key, status);
        }
        return Requirement{std::string(key.text), Operator::kNotExists, {}};
      }
      case TokenKind::kWord:
        break;
      default:
        return Error(absl::StrCat("expected a key or '!' at position ",
                                  first.position, ", found ", Describe(first)));
    }
    if (absl::Status status = ValidateLabelKeySyntax(first.text);
        !status.ok()) {
      return ErrorAt(first, status);
    }
    Requirement requirement{std::string(first.text), Operator::kExists, {}};
    const Token& op = Peek();
    switch (op.kind) {
      case TokenKind::kComma:
      case TokenKind::kEnd:
        return requirement;
      case TokenKind::kEquals:
      case TokenKind::kDoubleEquals:
      case TokenKind::kNotEquals: {
        Next();
        requirement.op = op.kind == TokenKind::kNotEquals ? Operator::kNotEquals
                                                          : Operator::kEquals;
        absl::StatusOr<std::string> value = ParseExactValue(op);
        if (!value.ok()) return value.status();
        requirement.values.push_back(*std::move(value));
        return requirement;
      }
      case TokenKind::kWord:
        if (op.text == "in" || op.text == "notin") {
          Next();
          requirement.op = op.text == "in" ? Operator::kIn : Operator::kNotIn;
          absl::StatusOr<std::vector<std::string>> values = ParseSet(op);
          if (!values.ok()) return values.status();
          requirement.values = *std::move(values);
          return requirement;
        }
        break;
      default:
        break;
    }
    return Error(
        absl::StrCat("expected =, ==, !=, in, notin, ',' or the end after key ",
                     Quoted(first.text), " at position ", op.position,
                     ", found ", Describe(op)));
  }

  // The value after `op` (=, ==, !=): a word, or "" when the requirement
  // ends there.
  absl::StatusOr<std::string> ParseExactValue(const Token& op) {
    const Token& value = Peek();
    if (value.kind == TokenKind::kComma || value.kind == TokenKind::kEnd) {
      return std::string();
    }
    if (value.kind != TokenKind::kWord) {
      return Error(absl::StrCat("expected a value after ", Quoted(op.text),
                                " at position ", value.position, ", found ",
                                Describe(value)));
    }
    Next();
    if (absl::Status status = ValidateLabelValueSyntax(value.text);
        !status.ok()) {
      return ErrorAt(value, status);
    }
    return std::string(value.text);
  }

  // `(v1, v2, …)` after `op` (in, notin): one value or more, none empty.
  absl::StatusOr<std::vector<std::string>> ParseSet(const Token& op) {
    const Token& open = Next();
    if (open.kind != TokenKind::kOpenParen) {
      return Error(absl::StrCat("expected '(' after ", Quoted(op.text),
                                " at position ", open.position, ", found ",
                                Describe(open)));
    }
    if (Peek().kind == TokenKind::kCloseParen) {
      return Error(absl::StrCat(
          "empty set \"()\" at position ", open.position,
          ": list one value or more (for an empty value write key=)"));
    }
    std::vector<std::string> values;
    while (true) {
      const Token& value = Next();
      switch (value.kind) {
        case TokenKind::kWord:
          break;
        case TokenKind::kComma:
        case TokenKind::kCloseParen:
          return Error(absl::StrCat("empty value in the set at position ",
                                    value.position));
        case TokenKind::kEnd:
          return Error(absl::StrCat("'(' at position ", open.position,
                                    " is not closed"));
        default:
          return Error(absl::StrCat("expected a value at position ",
                                    value.position, ", found ",
                                    Describe(value)));
      }
      if (values.size() == kMaxValuesPerSet) {
        return Error(absl::StrCat("the set at position ", open.position,
                                  " has more than ", kMaxValuesPerSet,
                                  " values"));
      }
      if (absl::Status status = ValidateLabelValueSyntax(value.text);
          !status.ok()) {
        return ErrorAt(value, status);
      }
      values.emplace_back(value.text);
      const Token& after = Next();
      if (after.kind == TokenKind::kCloseParen) return values;
      if (after.kind == TokenKind::kComma) continue;
      if (after.kind == TokenKind::kEnd) {
        return Error(
            absl::StrCat("'(' at position ", open.position, " is not closed"));
      }
      return Error(absl::StrCat("expected ',' or ')' in the set at position ",
                                after.position, ", found ", Describe(after)));
    }
  }

  absl::string_view text_;
  std::vector<Token> tokens_;
  size_t next_ = 0;  // index into tokens_
};

absl::StatusOr<LabelSelector> LabelSelector::Parse(absl::string_view text) {
  if (text.size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("label selector ", Quoted(text), " is ", text.size(),
                     " bytes long; at most ", kMaxTextBytes, " are allowed"));
  }
  absl::StatusOr<std::vector<Requirement>> requirements =
      Parser(text).Requirements();
  if (!requirements.ok()) return requirements.status();

  // The canonical form, so that equal means equivalent in spelling.
  for (Requirement& requirement : *requirements) {
    std::vector<std::string>& values = requirement.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (values.size() == 1 && requirement.op == Operator::kIn) {
      requirement.op = Operator::kEquals;
    } else if (values.size() == 1 && requirement.op == Operator::kNotIn) {
      requirement.op = Operator::kNotEquals;
    }
  }
  std::sort(requirements->begin(), requirements->end());
  requirements->erase(std::unique(requirements->begin(), requirements->end()),
                      requirements->end());

  LabelSelector selector;
  selector.requirements_ = *std::move(requirements);
  return selector;
}

bool LabelSelector::Matches(const Labels& labels) const {
  return std::all_of(
      requirements_.begin(), requirements_.end(),
      [&labels](const Requirement& r) { return r.Matches(labels); });
}

std::string LabelSelector::ToString() const {
  return absl::StrJoin(requirements_, ",",
                       [](std::string* out, const Requirement& r) {
                         out->append(r.ToString());
                       });
}

bool LabelSelector::Requirement::Matches(const Labels& labels) const {
  auto label = labels.find(key);
  bool present = label != labels.end();
  auto has_value = [&] {
    return present &&
           std::binary_search(values.begin(), values.end(), label->second);
  };
  switch (op) {
    case Operator::kEquals:
    case Operator::kIn:
      return has_value();
    case Operator::kNotEquals:
    case Operator::kNotIn:
      return !has_value();
    case Operator::kExists:
      return present;
    case Operator::kNotExists:
      return !present;
  }
  return false;
}

std::string LabelSelector::Requirement::ToString() const {
  switch (op) {
    case Operator::kEquals:
      return absl::StrCat(key, "=", values.front());
    case Operator::kNotEquals:
      return absl::StrCat(key, "!=", values.front());
    case Operator::kIn:
      return absl::StrCat(key, " in (", absl::StrJoin(values, ","), ")");
    case Operator::kNotIn:
      return absl::StrCat(key, " notin (", absl::StrJoin(values, ","), ")");
    case Operator::kExists:
      return key;
    case Operator::kNotExists:
      return absl::StrCat("!", key);
  }
  return key;
}

}  // namespace cxone

#include "common/redactor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

constexpr char kRedacted[] = "[REDACTED]";

// `value` percent-encoded the way application/x-www-form-urlencoded bodies
// carry it: RFC 3986 unreserved characters stay, a space is "%20" or "+",
// every other byte is %XX in upper or lower case hex.
std::string PercentEncode(absl::string_view value, bool upper_case,
                          bool space_as_plus) {
  const char* digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string encoded;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else if (c == ' ' && space_as_plus) {
      encoded.push_back('+');
    } else {
      encoded.push_back('%');
      encoded.push_back(digits[c >> 4]);
      encoded.push_back(digits[c & 0xF]);
    }
  }
  return encoded;
}

// `value` as the contents of a JSON string (without the quotes); with
// `ascii_only`, every non-ASCII character as \uXXXX.
std::string JsonEscape(absl::string_view value, bool ascii_only) {
  const std::string quoted =
      nlohmann::json(std::string(value))
          .dump(-1, ' ', ascii_only, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// An escaped JSON string's \uXXXX escapes with upper case hex digits.
std::string UpperCaseUnicodeEscapes(std::string escaped) {
  for (size_t i = 0; i + 1 < escaped.size(); ++i) {
    if (escaped[i] != '\\') continue;
    if (escaped[i + 1] == 'u') {
      for (size_t j = i + 2; j < std::min(i + 6, escaped.size()); ++j) {
        escaped[j] = absl::ascii_toupper(escaped[j]);
      }
    }
    ++i;  // skip the escaped character
  }
  return escaped;
}

// The secret and every encoding of it the file comment of redactor.h lists.
std::vector<std::string> FormsOf(absl::string_view secret) {
  std::vector<std::string> forms = {std::string(secret)};
  for (bool upper_case : {true, false}) {
    for (bool space_as_plus : {false, true}) {
      forms.push_back(PercentEncode(secret, upper_case, space_as_plus));
    }
  }
  for (bool ascii_only : {false, true}) {
    const std::string escaped = JsonEscape(secret, ascii_only);
    for (const std::string& form :
         {escaped, UpperCaseUnicodeEscapes(escaped)}) {
      forms.push_back(form);
      // Some encoders escape the solidus too.
      forms.push_back(absl::StrReplaceAll(form, {{"/", "\\/"}}));
    }
  }
  std::sort(forms.begin(), forms.end());
  forms.erase(std::unique(forms.begin(), forms.end()), forms.end());
  return forms;
}

}  // namespace

void Redactor::AddPermanentSecret(absl::string_view secret) {
  if (secret.empty()) return;
  absl::MutexLock lock(&mu_);
  AddLocked(secret, absl::InfiniteFuture());
}

void Redactor::AddExpiringSecret(absl::string_view secret,
                                 absl::Time expires_at, absl::Time now) {
  if (secret.empty()) return;
  absl::MutexLock lock(&mu_);
  AddLocked(secret, expires_at);
  ForgetExpiredLocked(now);
}

void Redactor::AddLocked(absl::string_view secret, absl::Time expires_at) {
  for (Secret& known : secrets_) {
    if (known.value == secret) {
      known.expires_at = std::max(known.expires_at, expires_at);
      return;
    }
  }
  secrets_.push_back({std::string(secret), expires_at, FormsOf(secret)});
}

void Redactor::ForgetExpiredLocked(absl::Time now) {
  std::vector<absl::Time> expired;
  for (const Secret& secret : secrets_) {
    if (secret.expires_at <= now) expired.push_back(secret.expires_at);
  }
  if (expired.size() <= max_expired_secrets_) return;
  // Forget those that expired before the `max_expired_secrets_` latest.
  const size_t forget = expired.size() - max_expired_secrets_;
  std::nth_element(expired.begin(), expired.begin() + (forget - 1),
                   expired.end());
  const absl::Time forget_until = expired[forget - 1];
  size_t forgotten = 0;
  std::vector<Secret> kept;
  kept.reserve(secrets_.size() - forget);
  for (Secret& secret : secrets_) {
    if (forgotten < forget && secret.expires_at <= forget_until) {
      ++forgotten;
    } else {
      kept.push_back(std::move(secret));
    }
  }
  secrets_ = std::move(kept);
}

std::string Redactor::Scrub(absl::string_view text) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<absl::string_view, absl::string_view>> replacements;
  for (const Secret& secret : secrets_) {
    for (const std::string& form : secret.forms) {
      replacements.emplace_back(form, kRedacted);
    }
  }
  // One pass: a replacement is never searched again for another secret.
  return absl::StrReplaceAll(text, replacements);
}

}  // namespace cxone

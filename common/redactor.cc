#include "common/redactor.h"

#include <algorithm>

#include "absl/strings/str_replace.h"

namespace cxone {

void Redactor::AddSecret(std::string secret) {
  if (secret.empty()) return;
  absl::MutexLock lock(&mu_);
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) {
    return;
  }
  secrets_.push_back(std::move(secret));
  while (secrets_.size() > max_secrets_) secrets_.pop_front();
}

std::string Redactor::Scrub(absl::string_view text) const {
  std::string result(text);
  absl::MutexLock lock(&mu_);
  for (const std::string& secret : secrets_) {
    absl::StrReplaceAll({{secret, "[REDACTED]"}}, &result);
  }
  return result;
}

}  // namespace cxone

// Redactor: removes known secret values from text before it leaves the
// process (log lines, error messages).
//
// Secrets are registered as they become known (the client secret at start-up,
// each access token when it is issued). Scrub() replaces every occurrence of a
// registered secret with "[REDACTED]". It is the last line of defence: code
// should not put secrets into text in the first place.
//
// Thread-safe.
#ifndef CXONE_COMMON_REDACTOR_H_
#define CXONE_COMMON_REDACTOR_H_

#include <deque>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace cxone {

class Redactor {
 public:
  // Keeps at most `max_secrets` secrets; the oldest are forgotten first
  // (old access tokens are useless once expired).
  explicit Redactor(size_t max_secrets = 64) : max_secrets_(max_secrets) {}
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Registers a secret. Empty strings are ignored.
  void AddSecret(std::string secret);

  // Returns `text` with every registered secret replaced by "[REDACTED]".
  std::string Scrub(absl::string_view text) const;

 private:
  const size_t max_secrets_;
  mutable absl::Mutex mu_;
  std::deque<std::string> secrets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_COMMON_REDACTOR_H_

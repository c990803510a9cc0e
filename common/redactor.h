// Redactor: removes known secret values from text before it leaves the
// process or is kept (log lines, error messages, events, the store).
//
// Secrets are registered as they become known, in one of two kinds:
// - Permanent secrets — the client secret, the HTTP Basic credentials made
//   from it, each webhook secret (current and previous) — are kept for the
//   Redactor's whole life. However many tokens come and go, a permanent
//   secret is never forgotten.
// - Expiring secrets — access tokens — are kept at least until they expire.
//   Once expired, the `max_expired_secrets` that expired last are still kept
//   (an answer to a request sent just before the expiry may echo the token);
//   older ones are forgotten, so that a gateway refreshing tokens for months
//   does not scrub against an ever longer list.
//
// Each secret is matched as written and in the encodings the gateway itself
// sends secrets in, so that an upstream echo of a request is redacted too:
// - percent-encoded as in application/x-www-form-urlencoded (RFC 3986
//   unreserved characters kept, every other byte %XX, in upper or lower case
//   hex; a space also as '+'), as the token request's body carries it;
// - escaped as the contents of a JSON string (\" \\ \/ \n \uXXXX …).
// Encodings that wrap the secret with other text (HTTP Basic's
// base64(id:secret)) cannot be derived from the secret alone: whoever builds
// such a value registers it as a secret of its own.
//
// Scrub() replaces every occurrence with "[REDACTED]". Scrub whole text, and
// only then cut it to an excerpt: a cut through a secret leaves a prefix that
// no longer matches and leaks. It is the last line of defence at the process
// edges, and the first one where text from CXone enters the gateway; code
// should not put secrets into text in the first place.
//
// Secrets shorter than kMinSecretLength match ordinary text: one of a single
// character would turn every such character of every log line into
// [REDACTED]. Configuration therefore refuses shorter secrets it reads (with
// an error naming the setting). The Redactor still redacts a short secret it
// is given — a token CXone issued, say: leaking a credential is worse than a
// mangled log line.
//
// Thread-safe.
#ifndef CXONE_COMMON_REDACTOR_H_
#define CXONE_COMMON_REDACTOR_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cxone {

class Redactor {
 public:
  // The shortest secret configuration accepts (see the file comment).
  static constexpr size_t kMinSecretLength = 8;

  // Keeps up to `max_expired_secrets` expired secrets besides the permanent
  // and the unexpired ones.
  explicit Redactor(size_t max_expired_secrets = 64)
      : max_expired_secrets_(max_expired_secrets) {}
  Redactor(const Redactor&) = delete;
  Redactor& operator=(const Redactor&) = delete;

  // Registers a secret that is never forgotten. Empty strings are ignored.
  void AddPermanentSecret(absl::string_view secret);

  // Registers a secret that may be forgotten once `expires_at` has passed:
  // it is kept while `now` < `expires_at`, and after that among the
  // `max_expired_secrets` latest to expire. `now` is the caller's current
  // time, on the clock `expires_at` was computed with; expired secrets are
  // forgotten here, never in Scrub(). Registering a secret again extends
  // its life to the later expiry; a permanent secret stays permanent.
  // Empty strings are ignored.
  void AddExpiringSecret(absl::string_view secret, absl::Time expires_at,
                         absl::Time now);

  // Returns `text` with every occurrence of a registered secret, in any of
  // its encodings, replaced by "[REDACTED]". Where matches overlap, the
  // leftmost, then the longest, wins.
  std::string Scrub(absl::string_view text) const;

 private:
  struct Secret {
    std::string value;
    absl::Time expires_at;  // InfiniteFuture() for a permanent secret
    // The value and its encodings (see the file comment), without repeats.
    std::vector<std::string> forms;
  };

  void AddLocked(absl::string_view secret, absl::Time expires_at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ForgetExpiredLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_expired_secrets_;
  mutable absl::Mutex mu_;
  std::vector<Secret> secrets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_COMMON_REDACTOR_H_

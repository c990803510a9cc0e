// Standard Webhooks (standardwebhooks.com) signing, with OpenSSL.
//
// A delivery is signed over "<webhook-id>.<webhook-timestamp>.<body>":
//   - with a symmetric secret `whsec_<base64>`: "v1," + base64 of the
//     HMAC-SHA256 keyed with the decoded secret;
//   - with an Ed25519 signing key `whsk_<base64 of the 32-byte seed>`:
//     "v1a," + base64 of the Ed25519 signature, so that receivers need only
//     the public key (`whpk_<base64>`, see PublicKeyOf()).
// Several secrets (a rotation's old and new) give several signatures,
// space-separated, as the standard's webhook-signature header allows.
//
// Thread-safe (no state).
#ifndef CXONE_SERVER_WEBHOOKS_WEBHOOK_SIGNER_H_
#define CXONE_SERVER_WEBHOOKS_WEBHOOK_SIGNER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace cxone {

struct WebhookSecret {
  enum class Kind { kHmacSha256, kEd25519 };
  Kind kind = Kind::kHmacSha256;
  std::string key;   // the decoded bytes: HMAC key, or Ed25519 seed
  std::string text;  // as configured (whsec_…), for log redaction only
};

// Parses `whsec_…` or `whsk_…`. InvalidArgument naming what is wrong (never
// quoting the secret).
absl::StatusOr<WebhookSecret> ParseWebhookSecret(absl::string_view text);

// The webhook-signature header for one delivery: one signature per secret,
// in order, space-separated. REQUIRES: `secrets` is not empty.
absl::StatusOr<std::string> SignWebhook(absl::Span<const WebhookSecret> secrets,
                                        absl::string_view id, int64_t timestamp,
                                        absl::string_view body);

// `whpk_<base64>`, the public key receivers verify v1a signatures with.
// REQUIRES: `secret` is an Ed25519 key.
absl::StatusOr<std::string> PublicKeyOf(const WebhookSecret& secret);

// Base64 (standard alphabet, padded) and back; for tests and receivers.
std::string Base64Encode(absl::string_view bytes);
absl::StatusOr<std::string> Base64Decode(absl::string_view text);

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOKS_WEBHOOK_SIGNER_H_

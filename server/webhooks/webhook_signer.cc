#include "server/webhooks/webhook_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace cxone {
namespace {

constexpr absl::string_view kSymmetricPrefix = "whsec_";
constexpr absl::string_view kSigningKeyPrefix = "whsk_";
constexpr size_t kEd25519SeedBytes = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

absl::StatusOr<std::string> HmacSha256(absl::string_view key,
                                       absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), digest, &length) == nullptr) {
    return absl::InternalError("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

absl::StatusOr<std::unique_ptr<EVP_PKEY, PkeyFree>> Ed25519Key(
    absl::string_view seed) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
  if (key == nullptr) return absl::InternalError("bad Ed25519 key");
  return key;
}

absl::StatusOr<std::string> Ed25519Sign(absl::string_view seed,
                                        absl::string_view message) {
  auto key = Ed25519Key(seed);
  if (!key.ok()) return key.status();
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  size_t length = sizeof(signature);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), signature, &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return absl::InternalError("Ed25519 signing failed");
  }
  return std::string(reinterpret_cast<char*>(signature), length);
}

}  // namespace

std::string Base64Encode(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

absl::StatusOr<std::string> Base64Decode(absl::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return absl::InvalidArgumentError("not base64 (length)");
  }
  std::string out(3 * text.size() / 4, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (written < 0) return absl::InvalidArgumentError("not base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  if (absl::EndsWith(text, "==")) {
    padding = 2;
  } else if (absl::EndsWith(text, "=")) {
    padding = 1;
  }
  out.resize(static_cast<size_t>(written) - padding);
  return out;
}

absl::StatusOr<WebhookSecret> ParseWebhookSecret(absl::string_view text) {
  WebhookSecret secret;
  absl::string_view encoded;
  if (absl::StartsWith(text, kSymmetricPrefix)) {
    secret.kind = WebhookSecret::Kind::kHmacSha256;
    encoded = text.substr(kSymmetricPrefix.size());
  } else if (absl::StartsWith(text, kSigningKeyPrefix)) {
    secret.kind = WebhookSecret::Kind::kEd25519;
    encoded = text.substr(kSigningKeyPrefix.size());
  } else {
    return absl::InvalidArgumentError(
        "a webhook secret must start with whsec_ (HMAC) or whsk_ (Ed25519)");
  }
  absl::StatusOr<std::string> key = Base64Decode(encoded);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        "the webhook secret after its prefix is not valid base64");
  }
  if (secret.kind == WebhookSecret::Kind::kHmacSha256 && key->size() < 24) {
    return absl::InvalidArgumentError(
        "a whsec_ secret must hold at least 24 bytes (the standard "
        "recommends 24 to 64)");
  }
  if (secret.kind == WebhookSecret::Kind::kEd25519) {
    // A 64-byte key is seed + public key (libsodium's form).
    if (key->size() != kEd25519SeedBytes && key->size() != 64) {
      return absl::InvalidArgumentError(
          "a whsk_ key must hold a 32-byte Ed25519 seed (or 64 bytes: seed "
          "and public key)");
    }
    key->resize(kEd25519SeedBytes);
  }
  secret.key = *std::move(key);
  secret.text = std::string(text);
  return secret;
}

absl::StatusOr<std::string> SignWebhook(absl::Span<const WebhookSecret> secrets,
                                        absl::string_view id, int64_t timestamp,
                                        absl::string_view body) {
  const std::string message = absl::StrCat(id, ".", timestamp, ".", body);
  std::string header;
  for (const WebhookSecret& secret : secrets) {
    const bool hmac = secret.kind == WebhookSecret::Kind::kHmacSha256;
    absl::StatusOr<std::string> signature =
        hmac ? HmacSha256(secret.key, message)
             : Ed25519Sign(secret.key, message);
    if (!signature.ok()) return signature.status();
    absl::StrAppend(&header, header.empty() ? "" : " ", hmac ? "v1," : "v1a,",
                    Base64Encode(*signature));
  }
  return header;
}

absl::StatusOr<std::string> PublicKeyOf(const WebhookSecret& secret) {
  if (secret.kind != WebhookSecret::Kind::kEd25519) {
    return absl::InvalidArgumentError("only a whsk_ key has a public key");
  }
  auto key = Ed25519Key(secret.key);
  if (!key.ok()) return key.status();
  unsigned char public_key[32];
  size_t length = sizeof(public_key);
  if (EVP_PKEY_get_raw_public_key(key->get(), public_key, &length) != 1) {
    return absl::InternalError("cannot derive the Ed25519 public key");
  }
  return absl::StrCat("whpk_",
                      Base64Encode(absl::string_view(
                          reinterpret_cast<char*>(public_key), length)));
}

}  // namespace cxone

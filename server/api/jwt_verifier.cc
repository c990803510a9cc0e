#include "server/api/jwt_verifier.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

enum class KeyType { kRsa, kEc };

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("the bearer JWT ", why));
}

// base64url without padding (RFC 7515 §2), as bytes.
bool DecodeBase64Url(absl::string_view text, std::string* bytes) {
  if (text.find('=') != absl::string_view::npos) return false;
  return absl::WebSafeBase64Unescape(text, bytes);
}

struct BnDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};

// The public key of type `type` ("RSA", "EC") that `builder`'s parameters
// describe, or null; frees `builder`.
Pkey PublicKeyFrom(const char* type, OSSL_PARAM_BLD* builder) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params == nullptr || context == nullptr ||
      EVP_PKEY_fromdata_init(context) != 1 ||
      EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(context);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  return Pkey(key);
}

// An RSA public key from the JWK's n and e.
Pkey RsaKey(const std::string& n, const std::string& e) {
  std::unique_ptr<BIGNUM, BnDeleter> modulus(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(n.data()),
      static_cast<int>(n.size()), nullptr));
  std::unique_ptr<BIGNUM, BnDeleter> exponent(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(e.data()),
      static_cast<int>(e.size()), nullptr));
  if (modulus == nullptr || exponent == nullptr) return nullptr;
  // Shorter moduli are breakable; RFC 7518 §3.3 asks for 2048 bits.
  if (BN_num_bits(modulus.get()) < 2048) return nullptr;
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, modulus.get());
  OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, exponent.get());
  return PublicKeyFrom("RSA", builder);
}

// An EC P-256 public key from the JWK's x and y (32 bytes each).
Pkey EcKey(const std::string& x, const std::string& y) {
  if (x.size() != 32 || y.size() != 32) return nullptr;
  const std::string point = absl::StrCat("\x04", x, y);
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME,
                                  "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY,
                                   point.data(), point.size());
  return PublicKeyFrom("EC", builder);
}

// An ES256 signature (r || s, 32 bytes each) as the DER OpenSSL verifies.
bool EcdsaDer(const std::string& raw, std::string* der) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* signature = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32,
                        nullptr);
  BIGNUM* s = BN_bin2bn(
      reinterpret_cast<const unsigned char*>(raw.data() + 32), 32, nullptr);
  if (signature == nullptr || r == nullptr || s == nullptr ||
      ECDSA_SIG_set0(signature, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(signature);
    return false;
  }
  unsigned char* bytes = nullptr;
  const int length = i2d_ECDSA_SIG(signature, &bytes);
  ECDSA_SIG_free(signature);
  if (length <= 0) return false;
  der->assign(reinterpret_cast<char*>(bytes), static_cast<size_t>(length));
  OPENSSL_free(bytes);
  return true;
}

bool VerifySha256(EVP_PKEY* key, absl::string_view data,
                  const std::string& signature) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool ok =
      context != nullptr &&
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(
          context, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
          data.size()) == 1;
  EVP_MD_CTX_free(context);
  ERR_clear_error();
  return ok;
}

// `object`'s string member `name`; empty when absent or not a string (a
// token's JSON is the caller's: no type may throw).
std::string StringMember(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

// A NumericDate claim (seconds since the epoch), if present and numeric.
std::optional<absl::Time> TimeClaim(const nlohmann::json& claims,
                                    const char* name) {
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_number()) return std::nullopt;
  // Beyond ±30,000 years a cast to int64 would overflow; such a date is
  // simply "never" or "always".
  const double seconds = found->get<double>();
  if (seconds >= 1e12) return absl::InfiniteFuture();
  if (seconds <= -1e12) return absl::InfinitePast();
  return absl::FromUnixSeconds(static_cast<int64_t>(seconds));
}

}  // namespace

struct JwtVerifier::Key {
  std::string kid;
  KeyType type;
  Pkey key;
};

JwtVerifier::JwtVerifier(std::vector<Key> keys, JwtPolicy policy)
    : keys_(std::move(keys)), policy_(std::move(policy)) {}

JwtVerifier::~JwtVerifier() = default;

size_t JwtVerifier::key_count() const { return keys_.size(); }

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJwks(
    absl::string_view jwks_json, JwtPolicy policy) {
  if (policy.issuer.empty() || policy.audience.empty()) {
    return absl::InvalidArgumentError(
        "JWTs are checked against an issuer and an audience: both are "
        "required");
  }
  const nlohmann::json jwks = nlohmann::json::parse(jwks_json, nullptr, false);
  if (jwks.is_discarded() || !jwks.is_object() || !jwks.contains("keys") ||
      !jwks["keys"].is_array()) {
    return absl::InvalidArgumentError(
        "not a JWKS: expected a JSON object with a \"keys\" array");
  }
  std::vector<Key> keys;
  int index = 0;
  for (const nlohmann::json& jwk : jwks["keys"]) {
    const std::string where = absl::StrCat("key ", index++);
    if (!jwk.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    const std::string kty = StringMember(jwk, "kty");
    if (jwk.contains("use") && StringMember(jwk, "use") != "sig") continue;
    auto member = [&](const char* name, std::string* bytes) {
      auto found = jwk.find(name);
      return found != jwk.end() && found->is_string() &&
             DecodeBase64Url(found->get<std::string>(), bytes);
    };
    Key key;
    key.kid = StringMember(jwk, "kid");
    if (kty == "RSA") {
      std::string n;
      std::string e;
      if (!member("n", &n) || !member("e", &e)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": an RSA key needs base64url n and e"));
      }
      key.type = KeyType::kRsa;
      key.key = RsaKey(n, e);
    } else if (kty == "EC") {
      std::string x;
      std::string y;
      if (StringMember(jwk, "crv") != "P-256") continue;
      if (!member("x", &x) || !member("y", &y)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": an EC key needs base64url x and y"));
      }
      key.type = KeyType::kEc;
      key.key = EcKey(x, y);
    } else {
      continue;
    }
    if (key.key == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError(absl::StrCat(
          where, key.kid.empty() ? "" : absl::StrCat(" (kid ", key.kid, ")"),
          ": not a valid ", kty,
          kty == "RSA" ? " key of at least 2048 bits" : " P-256 key"));
    }
    keys.push_back(std::move(key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError(
        "the JWKS holds no RSA or EC P-256 signing key");
  }
  return std::unique_ptr<JwtVerifier>(
      new JwtVerifier(std::move(keys), std::move(policy)));
}

absl::StatusOr<JwtClaims> JwtVerifier::Verify(absl::string_view token,
                                              absl::Time now) const {
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("is malformed");
  std::string header_bytes;
  std::string payload_bytes;
  std::string signature;
  if (!DecodeBase64Url(parts[0], &header_bytes) ||
      !DecodeBase64Url(parts[1], &payload_bytes) ||
      !DecodeBase64Url(parts[2], &signature)) {
    return Unauthenticated("is malformed (not base64url)");
  }
  const nlohmann::json header = nlohmann::json::parse(header_bytes, nullptr, false);
  if (!header.is_object()) return Unauthenticated("has a malformed header");
  const std::string alg = StringMember(header, "alg");
  KeyType type;
  if (alg == "RS256") {
    type = KeyType::kRsa;
  } else if (alg == "ES256") {
    type = KeyType::kEc;
    std::string der;
    if (!EcdsaDer(signature, &der)) return Unauthenticated("has a bad signature");
    signature = std::move(der);
  } else {
    return Unauthenticated(absl::StrCat(
        "uses algorithm \"", alg.substr(0, 16),
        "\"; only RS256 and ES256 are accepted"));
  }
  const std::string kid = StringMember(header, "kid");
  const absl::string_view signed_part =
      token.substr(0, parts[0].size() + 1 + parts[1].size());
  bool known_key = false;
  bool verified = false;
  for (const Key& key : keys_) {
    if (key.type != type || (!kid.empty() && key.kid != kid)) continue;
    known_key = true;
    if (VerifySha256(key.key.get(), signed_part, signature)) {
      verified = true;
      break;
    }
  }
  if (!known_key) {
    return Unauthenticated(kid.empty() ? "names no key, and no key of its "
                                         "algorithm is known"
                                       : "names a key the JWKS does not hold");
  }
  if (!verified) return Unauthenticated("has a signature that does not verify");

  const nlohmann::json claims = nlohmann::json::parse(payload_bytes, nullptr, false);
  if (!claims.is_object()) return Unauthenticated("has malformed claims");
  JwtClaims result;
  result.issuer = StringMember(claims, "iss");
  if (result.issuer != policy_.issuer) {
    return Unauthenticated("has the wrong issuer");
  }
  bool audience = false;
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) {
      audience = aud->get<std::string>() == policy_.audience;
    } else if (aud->is_array()) {
      for (const nlohmann::json& each : *aud) {
        audience = audience || (each.is_string() &&
                                each.get<std::string>() == policy_.audience);
      }
    }
  }
  if (!audience) return Unauthenticated("is not for this audience");
  const std::optional<absl::Time> expires = TimeClaim(claims, "exp");
  if (!expires.has_value()) return Unauthenticated("has no expiry (exp)");
  if (*expires <= now - policy_.clock_skew) return Unauthenticated("has expired");
  for (const char* name : {"nbf", "iat"}) {
    if (std::optional<absl::Time> at = TimeClaim(claims, name);
        at.has_value() && *at > now + policy_.clock_skew) {
      return Unauthenticated(absl::StrCat("is not valid yet (", name, ")"));
    }
  }
  result.subject = StringMember(claims, "sub");
  if (result.subject.empty()) return Unauthenticated("names no subject (sub)");
  result.expires = *expires;
  return result;
}

}  // namespace cxone

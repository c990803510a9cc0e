// TestIssuer: an identity provider for the JWT tests — an RSA or EC P-256
// key pair, its JWKS, and tokens it signs (or forges) — made with OpenSSL.
#ifndef CXONE_TESTS_SUPPORT_TEST_JWT_H_
#define CXONE_TESTS_SUPPORT_TEST_JWT_H_

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace cxone::testing {

class TestIssuer {
 public:
  enum class Algorithm { kRs256, kEs256 };

  TestIssuer(Algorithm algorithm, std::string kid)
      : algorithm_(algorithm),
        kid_(std::move(kid)),
        key_(algorithm == Algorithm::kRs256
                 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")) {}
  ~TestIssuer() { EVP_PKEY_free(key_); }
  TestIssuer(const TestIssuer&) = delete;
  TestIssuer& operator=(const TestIssuer&) = delete;

  // The public key as a JWK.
  nlohmann::json Jwk() const {
    if (algorithm_ == Algorithm::kRs256) {
      return {{"kty", "RSA"}, {"kid", kid_}, {"use", "sig"}, {"alg", "RS256"},
              {"n", BnParam(OSSL_PKEY_PARAM_RSA_N, 0)},
              {"e", BnParam(OSSL_PKEY_PARAM_RSA_E, 0)}};
    }
    return {{"kty", "EC"}, {"kid", kid_}, {"crv", "P-256"},
            {"x", BnParam(OSSL_PKEY_PARAM_EC_PUB_X, 32)},
            {"y", BnParam(OSSL_PKEY_PARAM_EC_PUB_Y, 32)}};
  }

  // `claims` signed with the key, the header naming `kid` (and `alg`,
  // unless `alg` overrides it).
  std::string Sign(const nlohmann::json& claims,
                   const std::string& alg = "") const {
    const nlohmann::json header = {
        {"alg", !alg.empty()                           ? alg
                : algorithm_ == Algorithm::kRs256 ? "RS256"
                                                  : "ES256"},
        {"typ", "JWT"},
        {"kid", kid_}};
    return SignText(header.dump(), claims.dump());
  }

  // A token of `header` and `claims` as they are written (JSON or not),
  // signed with the key: for the fuzzer, which writes them itself.
  std::string SignText(const std::string& header,
                       const std::string& claims) const {
    const std::string signed_part = Encode(header) + "." + Encode(claims);
    return signed_part + "." + Encode(Signature(signed_part));
  }

  // Standard claims for `issuer`/`audience`, valid from now for an hour.
  static nlohmann::json Claims(const std::string& issuer,
                               const std::string& audience,
                               const std::string& subject,
                               absl::Duration expires_in = absl::Hours(1)) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    return {{"iss", issuer},
            {"aud", audience},
            {"sub", subject},
            {"iat", now},
            {"exp", now + absl::ToInt64Seconds(expires_in)}};
  }

  static std::string Encode(const std::string& bytes) {
    std::string text;
    absl::WebSafeBase64Escape(bytes, &text);
    return text;
  }

 private:
  std::string BnParam(const char* name, int width) const {
    BIGNUM* value = nullptr;
    EVP_PKEY_get_bn_param(key_, name, &value);
    std::string bytes(width > 0 ? width : BN_num_bytes(value), '\0');
    BN_bn2binpad(value, reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(bytes.size()));
    BN_free(value);
    return Encode(bytes);
  }

  std::string Signature(const std::string& data) const {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    size_t length = 0;
    EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(context, nullptr, &length,
                   reinterpret_cast<const unsigned char*>(data.data()),
                   data.size());
    std::string signature(length, '\0');
    EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()),
                   &length, reinterpret_cast<const unsigned char*>(data.data()),
                   data.size());
    EVP_MD_CTX_free(context);
    signature.resize(length);
    if (algorithm_ == Algorithm::kRs256) return signature;
    // DER to JOSE's r || s.
    const unsigned char* der =
        reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &der,
                                      static_cast<long>(signature.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(parsed),
                 reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(parsed),
                 reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(parsed);
    return raw;
  }

  const Algorithm algorithm_;
  const std::string kid_;
  EVP_PKEY* const key_;
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_TEST_JWT_H_

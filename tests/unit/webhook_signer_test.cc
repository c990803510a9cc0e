#include "server/webhooks/webhook_signer.h"

#include <openssl/evp.h>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// The Standard Webhooks specification's own example.
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr char kBody[] = R"({"test": 2432232314})";

TEST(WebhookSigner, MatchesTheSpecificationsExample) {
  auto secret = ParseWebhookSecret(kSecret);
  ASSERT_TRUE(secret.ok()) << secret.status();
  auto header = SignWebhook({*secret}, kId, kTimestamp, kBody);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(*header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSigner, EverySecretOfARotationSignsInOrder) {
  auto current = ParseWebhookSecret(kSecret);
  auto previous =
      ParseWebhookSecret("whsec_" + Base64Encode(std::string(32, 'p')));
  ASSERT_TRUE(current.ok() && previous.ok());
  auto header = SignWebhook({*current, *previous}, kId, kTimestamp, kBody);
  ASSERT_TRUE(header.ok()) << header.status();
  std::vector<std::string> signatures = absl::StrSplit(*header, ' ');
  ASSERT_THAT(signatures, SizeIs(2));
  EXPECT_EQ(signatures[0], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_NE(signatures[1], signatures[0]);
}

TEST(WebhookSigner, Ed25519SignaturesVerifyWithThePublicKeyAlone) {
  auto secret =
      ParseWebhookSecret("whsk_" + Base64Encode(std::string(32, '\x07')));
  ASSERT_TRUE(secret.ok()) << secret.status();
  auto header = SignWebhook({*secret}, kId, kTimestamp, kBody);
  ASSERT_TRUE(header.ok()) << header.status();
  ASSERT_TRUE(absl::StartsWith(*header, "v1a,"));
  auto signature = Base64Decode(header->substr(4));
  auto public_key = PublicKeyOf(*secret);
  ASSERT_TRUE(signature.ok() && public_key.ok());
  auto raw_public = Base64Decode(public_key->substr(5));  // after "whpk_"
  ASSERT_TRUE(raw_public.ok());
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(raw_public->data()),
      raw_public->size());
  ASSERT_NE(key, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string message = absl::StrCat(kId, ".", kTimestamp, ".", kBody);
  EXPECT_EQ(EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestVerify(
                ctx, reinterpret_cast<const unsigned char*>(signature->data()),
                signature->size(),
                reinterpret_cast<const unsigned char*>(message.data()),
                message.size()),
            1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
}

TEST(WebhookSigner, BadSecretsAreRefusedWithoutQuotingThem) {
  for (const char* bad : {"s3cr3t-no-prefix", "whsec_!!!not-base64!!",
                          "whsec_c2hvcnQ=", "whsk_c2hvcnQ="}) {
    auto secret = ParseWebhookSecret(bad);
    ASSERT_FALSE(secret.ok()) << bad;
    EXPECT_TRUE(absl::IsInvalidArgument(secret.status()));
    EXPECT_THAT(secret.status().message(), Not(HasSubstr(bad)));
  }
}

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (const std::string bytes : {"", "a", "ab", "abc", "abcd"}) {
    if (bytes.empty()) continue;  // empty text is refused on decoding
    auto decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded.ok()) << bytes;
    EXPECT_EQ(*decoded, bytes);
  }
}

}  // namespace
}  // namespace cxone

#include "server/api/tls_credentials.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/flag_file.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace cxone {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioDeleter> Bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// The first certificate of `pem`, or null.
std::unique_ptr<X509, X509Deleter> FirstCertificate(const std::string& pem) {
  auto bio = Bio(pem);
  return std::unique_ptr<X509, X509Deleter>(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

absl::Status CheckFiles(const TlsServerFiles& files, std::string* cert_pem,
                        std::string* key_pem) {
  absl::StatusOr<std::string> cert = ReadFlagFile("tls-cert-file", files.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFlagFile("tls-key-file", files.key_file);
  if (!key.ok()) return key.status();
  auto certificate = FirstCertificate(*cert);
  ERR_clear_error();
  if (certificate == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-cert-file \"", files.cert_file,
        "\": no PEM certificate in it (-----BEGIN CERTIFICATE-----)"));
  }
  auto key_bio = Bio(*key);
  std::unique_ptr<EVP_PKEY, KeyDeleter> private_key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (private_key == nullptr) {
    // The key's contents never reach the message.
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key-file \"", files.key_file,
                     "\": no unencrypted PEM private key in it"));
  }
  if (X509_check_private_key(certificate.get(), private_key.get()) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls-key-file \"", files.key_file,
        "\" is not the private key of the certificate in --tls-cert-file \"",
        files.cert_file, "\""));
  }
  if (!files.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFlagFile("tls-client-ca-file", files.client_ca_file);
    if (!ca.ok()) return ca.status();
    auto authority = FirstCertificate(*ca);
    ERR_clear_error();
    if (authority == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls-client-ca-file \"", files.client_ca_file,
          "\": no PEM certificate in it"));
    }
  }
  *cert_pem = *std::move(cert);
  *key_pem = *std::move(key);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeTlsServerCredentials(const TlsServerFiles& files) {
  std::string cert_pem;
  std::string key_pem;
  if (absl::Status checked = CheckFiles(files, &cert_pem, &key_pem);
      !checked.ok()) {
    return checked;
  }
  const unsigned int interval_s = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(files.reload_interval)));
  auto provider =
      files.client_ca_file.empty()
          ? std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                files.key_file, files.cert_file, interval_s)
          : std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                files.key_file, files.cert_file, files.client_ca_file,
                interval_s);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (files.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::experimental::TlsServerCredentials(options);
  if (credentials == nullptr) {
    return absl::InvalidArgumentError("gRPC refused the TLS settings");
  }
  return credentials;
}

bool IsLoopbackAddress(absl::string_view address) {
  absl::string_view host = address.substr(0, address.rfind(':'));
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (absl::EqualsIgnoreCase(host, "localhost") || host == "::1") return true;
  const std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view part : parts) {
    int value = 0;
    if (part.empty() || !absl::SimpleAtoi(part, &value) || value < 0 ||
        value > 255) {
      return false;
    }
  }
  return true;
}

}  // namespace cxone

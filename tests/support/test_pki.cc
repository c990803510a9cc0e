#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace cxone::testing {
namespace {

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertDeleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Cert = std::unique_ptr<X509, CertDeleter>;

absl::Status Failed(const std::string& what) {
  return absl::InternalError(absl::StrCat("TestPki: ", what));
}

Key NewKey() { return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

absl::Status WritePem(const std::string& path, X509* cert, EVP_PKEY* key) {
  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return Failed(absl::StrCat("cannot write ", path));
  const int written =
      cert != nullptr
          ? PEM_write_X509(file, cert)
          : PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  return written == 1 ? absl::OkStatus()
                      : Failed(absl::StrCat("cannot write PEM to ", path));
}

absl::StatusOr<Key> ReadKey(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return Failed(absl::StrCat("cannot read ", path));
  Key key(PEM_read_PrivateKey(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  if (key == nullptr) return Failed(absl::StrCat("no key in ", path));
  return key;
}

absl::StatusOr<Cert> ReadCert(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return Failed(absl::StrCat("cannot read ", path));
  Cert cert(PEM_read_X509(file, nullptr, nullptr, nullptr));
  std::fclose(file);
  if (cert == nullptr) return Failed(absl::StrCat("no certificate in ", path));
  return cert;
}

bool AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension =
      X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) return false;
  const bool added = X509_add_ext(cert, extension, -1) == 1;
  X509_EXTENSION_free(extension);
  return added;
}

// A certificate of `key` named `common_name`, valid over the window, its
// issuer `issuer` (null: itself).
Cert NewCert(EVP_PKEY* key, const std::string& common_name, long serial,
             absl::Duration not_before, absl::Duration not_after, X509* issuer) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()),
                  absl::ToInt64Seconds(not_before));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  absl::ToInt64Seconds(not_after));
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr
                                       ? X509_get_subject_name(issuer)
                                       : name);
  return cert;
}

}  // namespace

absl::StatusOr<IssuedFiles> TestPki::MakeCa(const std::string& name) {
  Key key = NewKey();
  if (key == nullptr) return Failed("cannot make a key");
  Cert cert = NewCert(key.get(), name, serial_++, -absl::Hours(1),
                      absl::Hours(24 * 30), nullptr);
  if (!AddExtension(cert.get(), cert.get(), NID_basic_constraints,
                    "critical,CA:TRUE") ||
      !AddExtension(cert.get(), cert.get(), NID_key_usage,
                    "critical,keyCertSign,cRLSign") ||
      !AddExtension(cert.get(), cert.get(), NID_subject_key_identifier,
                    "hash") ||
      X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Failed("cannot make the CA");
  }
  IssuedFiles files{absl::StrCat(directory_, "/", name, ".pem"),
                    absl::StrCat(directory_, "/", name, ".key")};
  if (absl::Status written = WritePem(files.cert_file, cert.get(), nullptr);
      !written.ok()) {
    return written;
  }
  if (absl::Status written = WritePem(files.key_file, nullptr, key.get());
      !written.ok()) {
    return written;
  }
  return files;
}

absl::StatusOr<IssuedFiles> TestPki::Issue(const IssuedFiles& ca,
                                           const Request& request) {
  absl::StatusOr<Cert> ca_cert = ReadCert(ca.cert_file);
  if (!ca_cert.ok()) return ca_cert.status();
  absl::StatusOr<Key> ca_key = ReadKey(ca.key_file);
  if (!ca_key.ok()) return ca_key.status();
  Key key = NewKey();
  if (key == nullptr) return Failed("cannot make a key");
  Cert cert = NewCert(key.get(), request.common_name, serial_++,
                      request.not_before, request.not_after, ca_cert->get());
  std::string san;
  if (request.server) san = "IP:127.0.0.1,IP:::1,DNS:localhost";
  if (!request.uri_san.empty()) {
    san = absl::StrCat(san, san.empty() ? "" : ",", "URI:", request.uri_san);
  }
  if (!AddExtension(cert.get(), ca_cert->get(), NID_basic_constraints,
                    "critical,CA:FALSE") ||
      !AddExtension(cert.get(), ca_cert->get(), NID_ext_key_usage,
                    request.server ? "serverAuth" : "clientAuth") ||
      (!san.empty() && !AddExtension(cert.get(), ca_cert->get(),
                                     NID_subject_alt_name, san)) ||
      !AddExtension(cert.get(), ca_cert->get(), NID_authority_key_identifier,
                    "keyid:always") ||
      X509_sign(cert.get(), ca_key->get(), EVP_sha256()) == 0) {
    return Failed(absl::StrCat("cannot issue ", request.name));
  }
  IssuedFiles files{absl::StrCat(directory_, "/", request.name, ".pem"),
                    absl::StrCat(directory_, "/", request.name, ".key")};
  if (absl::Status written = WritePem(files.cert_file, cert.get(), nullptr);
      !written.ok()) {
    return written;
  }
  if (absl::Status written = WritePem(files.key_file, nullptr, key.get());
      !written.ok()) {
    return written;
  }
  return files;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace cxone::testing

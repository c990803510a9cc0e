// TestPki: certificate authorities and the certificates they sign, written
// as PEM files into a directory, for the TLS and mTLS tests — made with
// OpenSSL's API, so that a test can ask for what the openssl command cannot
// easily give (a certificate that expired an hour ago).
//
// Keys are EC P-256. A server certificate names 127.0.0.1, ::1 and
// localhost; a client certificate carries its subject CN and, when given, a
// URI SAN (a SPIFFE id).
//
// Thread-compatible.
#ifndef CXONE_TESTS_SUPPORT_TEST_PKI_H_
#define CXONE_TESTS_SUPPORT_TEST_PKI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cxone::testing {

// The files of one certificate: its PEM certificate and private key.
struct IssuedFiles {
  std::string cert_file;
  std::string key_file;
};

class TestPki {
 public:
  // Files go to `directory`, which must exist.
  explicit TestPki(std::string directory) : directory_(std::move(directory)) {}

  // A self-signed CA `name`: `name`.pem and `name`.key.
  absl::StatusOr<IssuedFiles> MakeCa(const std::string& name);

  struct Request {
    std::string name;          // file names: name.pem, name.key
    std::string common_name;   // subject CN
    std::string uri_san;       // e.g. spiffe://example.org/ci; may be empty
    bool server = false;       // SANs 127.0.0.1, ::1, localhost
    // Validity, relative to now.
    absl::Duration not_before = -absl::Hours(1);
    absl::Duration not_after = absl::Hours(24);
  };
  // A server certificate `name` (CN "gateway"), and a client certificate
  // `name` with `common_name` and `uri_san`, both valid from an hour ago
  // for a day.
  static Request Server(const std::string& name) {
    Request request = Client(name, "gateway");
    request.server = true;
    return request;
  }
  static Request Client(const std::string& name, const std::string& common_name,
                        const std::string& uri_san = "") {
    Request request;
    request.name = name;
    request.common_name = common_name;
    request.uri_san = uri_san;
    return request;
  }

  // A certificate for `request`, signed by the CA in `ca`.
  absl::StatusOr<IssuedFiles> Issue(const IssuedFiles& ca,
                                    const Request& request);

 private:
  std::string directory_;
  long serial_ = 1;
};

// The contents of `path`, or "" when it cannot be read.
std::string ReadWholeFile(const std::string& path);

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_TEST_PKI_H_

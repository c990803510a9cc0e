// The gRPC port's transport security: TLS with the gateway's certificate,
// and mTLS when a client CA is given (every client must present a
// certificate that CA signed), with the files reloaded while the gateway
// runs so that certificates rotate without a restart.
//
// Rotation: gRPC's FileWatcherCertificateProvider re-reads the three files
// every `reload_interval` and, when their contents changed and the new key
// matches the new certificate, uses them for every handshake from then on
// (connections already open keep theirs). A half-written rotation — a new
// certificate whose key has not been written yet — is ignored until both
// match, so a rotation is safe in either order. At start-up the files are
// checked here, so that a wrong path or a key that does not match the
// certificate fails the start naming the file rather than every handshake.
//
// Thread-safety: pure functions.
#ifndef CXONE_SERVER_API_TLS_CREDENTIALS_H_
#define CXONE_SERVER_API_TLS_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"

namespace cxone {

struct TlsServerFiles {
  // PEM: the gateway's certificate chain and its private key.
  std::string cert_file;
  std::string key_file;
  // PEM: the CAs a client certificate must chain to; empty: no client
  // certificate is asked for (TLS, not mTLS).
  std::string client_ca_file;
  // How often the files are re-read for a rotation.
  absl::Duration reload_interval = absl::Seconds(10);
};

// Checks `files` now (each readable, PEM, the key the certificate's, the
// CA file holding at least one certificate) and returns the credentials.
// InvalidArgument naming the file and the problem otherwise.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
MakeTlsServerCredentials(const TlsServerFiles& files);

// Whether `address` (HOST:PORT, [V6]:PORT) listens on loopback only:
// 127.0.0.0/8, ::1 or localhost. 0.0.0.0, [::] and every other host are
// reachable from elsewhere.
bool IsLoopbackAddress(absl::string_view address);

}  // namespace cxone

#endif  // CXONE_SERVER_API_TLS_CREDENTIALS_H_

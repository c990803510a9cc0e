// The gRPC channel cxone-compile talks to the gateway over, and where that
// gateway is: GatewayEndpoint, from --server and the --tls-* flags.
//
// --server takes
//   HOST:PORT                     plaintext, unless a --tls-* flag is given
//   https://HOST[:PORT]           TLS (port 443 when none)
//   dns:[//AUTHORITY/]HOST[:PORT] a gRPC target URI, passed to gRPC as it is
//                                 (its resolver finds every address)
// TLS verifies the gateway's certificate against --tls-ca (PEM; the
// system's roots when none), and presents --tls-cert and --tls-key to a
// gateway that asks for a client certificate (mTLS). The files are read
// once, when the command line is checked: an unreadable one is a usage
// error naming it (never its contents). --token-file names a file holding a
// bearer token for a gateway that identifies callers by token; it is sent
// as `authorization: Bearer TOKEN` on every call.
//
// A watch may sit silent for minutes while CXone compiles, so the channel
// sends HTTP/2 keepalive pings: a gateway that died or became unreachable
// without closing the connection (host gone, network partition) is noticed
// within about keepalive time + timeout, and the call then fails UNAVAILABLE
// (exit 3) instead of hanging. The gateway must allow pings this often
// (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS <= 30s) or it
// answers them with GOAWAY "too_many_pings".
//
// Each channel has connections of its own, never shared with another
// channel to the same address (see CompileConnection::Replace).
#ifndef CXONE_CLIENT_GATEWAY_CHANNEL_H_
#define CXONE_CLIENT_GATEWAY_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace cxone::client {

struct GatewayEndpoint {
  // The gRPC target: HOST:PORT or a URI.
  std::string target = "127.0.0.1:50051";
  bool tls = false;
  // PEM contents (not paths): the CAs that verify the gateway (empty: the
  // system's), and the client certificate chain and key (empty: none).
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // Sent as `authorization: Bearer TOKEN` on every call; empty: none.
  std::string bearer_token;
};

// What the flags said; paths, not contents.
struct GatewayFlags {
  std::string server = "127.0.0.1:50051";
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // A file holding the bearer token (a flag would show in process
  // listings).
  std::string token_file;
};

// The endpoint `flags` name. InvalidArgument naming the flag for a
// malformed --server, --tls-cert without --tls-key (or the other way
// round), TLS files with a scheme that is not TLS, or a file that cannot be
// read.
absl::StatusOr<GatewayEndpoint> ResolveGatewayEndpoint(
    const GatewayFlags& flags);

struct GatewayChannelOptions {
  // Interval between keepalive pings on an idle connection.
  absl::Duration keepalive_time = absl::Seconds(30);
  // How long a ping may go unanswered before the connection is closed.
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

// A channel to `endpoint`. Never fails: connecting is lazy, and an
// unreachable gateway (or a failed handshake) makes the first call fail
// UNAVAILABLE.
std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const GatewayEndpoint& endpoint, const GatewayChannelOptions& options = {});
// The same for a plaintext HOST:PORT or target URI (tests, benchmarks).
std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const std::string& target, const GatewayChannelOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATEWAY_CHANNEL_H_

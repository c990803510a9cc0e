// The gRPC channel cxone-compile talks to the gateway over.
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
//
// The channel uses insecure credentials: the gateway is meant to be reached
// on a trusted network or through a TLS-terminating proxy.
#ifndef CXONE_CLIENT_GATEWAY_CHANNEL_H_
#define CXONE_CLIENT_GATEWAY_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace cxone::client {

struct GatewayChannelOptions {
  // Interval between keepalive pings on an idle connection.
  absl::Duration keepalive_time = absl::Seconds(30);
  // How long a ping may go unanswered before the connection is closed.
  absl::Duration keepalive_timeout = absl::Seconds(10);
};

// A channel to `address` (HOST:PORT or any gRPC target URI). Never fails:
// connecting is lazy, and an unreachable address makes the first call fail
// UNAVAILABLE.
std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const std::string& address, const GatewayChannelOptions& options = {});

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATEWAY_CHANNEL_H_

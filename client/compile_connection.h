// CompileConnection: the CompileService stub one command calls through, and
// the means to replace its connection.
//
// gRPC puts every call of a channel on the channel's one HTTP/2 connection
// while that connection looks healthy. A connection can be wedged without
// looking broken (a proxy or NAT that stopped forwarding, a gateway stuck
// mid-write): calls on it hang, and only the keepalive ping's timeout
// (client/gateway_channel.h, ~40 s) closes it. A watch that noticed the
// silence itself (IdleWatchdog) therefore calls Replace() before it
// reconnects, so the next stream goes over a new TCP connection instead of
// the wedged one.
//
// Thread-compatible.
#ifndef CXONE_CLIENT_COMPILE_CONNECTION_H_
#define CXONE_CLIENT_COMPILE_CONNECTION_H_

#include <functional>
#include <memory>
#include <string>

#include "client/gateway_channel.h"
#include "cxone/compile/v1/compile.grpc.pb.h"

namespace cxone::client {

// Makes the stub for the gateway at `endpoint`, on a channel of its own.
using StubFactory =
    std::function<std::unique_ptr<compile::v1::CompileService::StubInterface>(
        const GatewayEndpoint& endpoint)>;

class CompileConnection {
 public:
  // Connects to `endpoint` with `connect` now and again at each Replace().
  CompileConnection(StubFactory connect, GatewayEndpoint endpoint);
  // Calls through `stub` and never replaces it: Replace() does nothing
  // (tests, and callers that own their channel). REQUIRES: non-null.
  explicit CompileConnection(compile::v1::CompileService::StubInterface* stub);
  CompileConnection(const CompileConnection&) = delete;
  CompileConnection& operator=(const CompileConnection&) = delete;

  // The current stub; valid until the next Replace().
  compile::v1::CompileService::StubInterface* stub() const { return stub_; }

  // Drops the current stub and its channel and connects afresh. Calls still
  // open on the old stub must have finished.
  void Replace();

 private:
  const StubFactory connect_;
  const GatewayEndpoint endpoint_;
  std::unique_ptr<compile::v1::CompileService::StubInterface> owned_;
  compile::v1::CompileService::StubInterface* stub_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMPILE_CONNECTION_H_

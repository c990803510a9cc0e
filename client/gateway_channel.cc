#include "client/gateway_channel.h"

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace cxone::client {

std::shared_ptr<grpc::Channel> MakeGatewayChannel(
    const std::string& address, const GatewayChannelOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_time)));
  args.SetInt(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.keepalive_timeout)));
  // The CLI opens the connection for one call at a time; pinging between
  // calls (e.g. between StartCompile and WatchCompile) keeps the check going.
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC shares connections between channels with equal arguments (the
  // global subchannel pool): a new channel would get the old one's
  // connection back, wedged or not. CompileConnection::Replace() needs a
  // new connection, so each channel keeps its own.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

}  // namespace cxone::client

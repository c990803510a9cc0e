#include "client/compile_connection.h"

#include <utility>

namespace cxone::client {

CompileConnection::CompileConnection(StubFactory connect,
                                     GatewayEndpoint endpoint)
    : connect_(std::move(connect)),
      endpoint_(std::move(endpoint)),
      owned_(connect_(endpoint_)),
      stub_(owned_.get()) {}

CompileConnection::CompileConnection(
    compile::v1::CompileService::StubInterface* stub)
    : stub_(stub) {}

void CompileConnection::Replace() {
  if (!connect_) return;
  // The old channel goes first: its wedged connection is not kept open
  // beside the new one.
  owned_.reset();
  owned_ = connect_(endpoint_);
  stub_ = owned_.get();
}

}  // namespace cxone::client

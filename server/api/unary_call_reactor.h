// UnaryCallReactor: the reactor of every unary call of the gateway's
// services. It keeps the call counted in OpenCalls until gRPC is done
// with it — the status sent, or the call cancelled — which is later than
// Finish(): a shutdown that cut the connections at Finish() could lose the
// status on its way out.
#ifndef CXONE_SERVER_API_UNARY_CALL_REACTOR_H_
#define CXONE_SERVER_API_UNARY_CALL_REACTOR_H_

#include "grpcpp/grpcpp.h"
#include "server/api/open_calls.h"

namespace cxone {

class UnaryCallReactor final : public grpc::ServerUnaryReactor {
 public:
  // Made with new by a handler, which returns it to gRPC; it deletes
  // itself when gRPC is done. `calls` must outlive every call.
  explicit UnaryCallReactor(OpenCalls* calls) : call_(calls->Open()) {}

  void OnDone() override { delete this; }

 private:
  OpenCalls::Call call_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_UNARY_CALL_REACTOR_H_

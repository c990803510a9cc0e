// OpenCalls: how many unary calls the gateway is serving, so that a
// shutdown waits for them and for nothing else.
//
// gRPC's graceful shutdown waits until every connection has answered a
// ping, and a client with no call open may answer late: a C++ channel
// without a call is read only by its backup poller, every 5 s. The
// shutdown grace is for calls, so the Gateway waits here until no call is
// open (or the grace ends) and then cuts the shutdown short.
//
// Each unary call holds a Call from the moment its handler runs until gRPC
// is done with it (UnaryCallReactor, unary_call_reactor.h). Watch streams
// are not counted: they never end by themselves, the drain before the
// shutdown ends them.
//
// Thread-safe.
#ifndef CXONE_SERVER_API_OPEN_CALLS_H_
#define CXONE_SERVER_API_OPEN_CALLS_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace cxone {

class OpenCalls {
 public:
  // One open call; closes it when destroyed. Move-only.
  class Call {
   public:
    Call(Call&& other) noexcept : calls_(other.calls_) {
      other.calls_ = nullptr;
    }
    Call& operator=(Call&&) = delete;
    Call(const Call&) = delete;
    ~Call() {
      if (calls_ != nullptr) calls_->Close();
    }

   private:
    friend class OpenCalls;
    explicit Call(OpenCalls* calls) : calls_(calls) {}
    OpenCalls* calls_;
  };

  // `clock` must outlive this; so must this every Call it opened.
  explicit OpenCalls(Clock* clock) : clock_(clock) {}
  OpenCalls(const OpenCalls&) = delete;
  OpenCalls& operator=(const OpenCalls&) = delete;

  Call Open();

  int64_t count() const;

  // Waits until no call is open or the clock reaches `deadline`; whether
  // none is open. Blocks: never call from a gRPC reactor.
  bool AwaitNone(absl::Time deadline);

 private:
  void Close();

  Clock* const clock_;
  mutable absl::Mutex mu_;
  int64_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_OPEN_CALLS_H_

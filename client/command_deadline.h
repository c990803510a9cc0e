// CommandDeadline: the CLI's own --timeout, shared by every call of one
// command (StartCompile, each WatchCompile of a reconnecting watch, the
// GetCompile of a recovery) and by the waits between them, so that the
// command as a whole is bounded.
//
// Measured on the steady clock: gRPC enforces deadlines on its monotonic
// clock, and a wall-clock jump must not turn a gateway error into a timeout
// or the other way round. (This is not the injectable cxone::Clock: a fake
// clock could not drive gRPC's timer.)
//
// Thread-safe: immutable after construction.
#ifndef CXONE_CLIENT_COMMAND_DEADLINE_H_
#define CXONE_CLIENT_COMMAND_DEADLINE_H_

#include <chrono>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/client_context.h"

namespace cxone::client {

class CommandDeadline {
 public:
  // `timeout` from now; zero (or negative) means no deadline.
  explicit CommandDeadline(absl::Duration timeout);

  // Sets the remaining time as the deadline of a call about to start.
  void Apply(grpc::ClientContext& context) const;

  // Whether the deadline has passed, i.e. a DEADLINE_EXCEEDED is ours and
  // not the gateway's. A little slack absorbs gRPC rounding the deadline to
  // milliseconds when converting it to its own clock.
  bool Expired() const;

  // Sleeps for `duration`, or until the deadline if that comes first.
  // Returns false if the deadline has passed on waking.
  bool SleepFor(absl::Duration duration) const;

  // "--timeout 5m expired before " + `awaited`.
  std::string ExpiredMessage(absl::string_view awaited) const;

 private:
  const absl::Duration timeout_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMMAND_DEADLINE_H_

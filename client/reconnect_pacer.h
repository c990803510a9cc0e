// ReconnectPacer: when a reconnecting watch may open its next stream, and
// when it must give up instead. Shared by CompileWatch (one compile) and
// CollectionWatch (a whole collection), so that both reconnect alike.
//
// Each reconnect waits a Backoff delay that grows with the reconnects in a
// row that received nothing, and writes one line to the error stream
// ("stream broke (REASON); reconnecting in 1.2s after sequence 7"); after
// `max_reconnects` such reconnects the watch gives up (exit 3). Anything
// delivered (Delivered()) means the gateway was reachable: the count and the
// backoff start again.
//
// Thread-compatible.
#ifndef CXONE_CLIENT_RECONNECT_PACER_H_
#define CXONE_CLIENT_RECONNECT_PACER_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/command_deadline.h"
#include "common/backoff.h"
#include "grpcpp/support/status.h"

namespace cxone::client {

// How a failed call or stream bears on a reconnecting watch.
enum class CallFailure {
  // DEADLINE_EXCEEDED once the command's own deadline has passed: the
  // --timeout, not the gateway.
  kClientTimeout,
  // An error worth reconnecting after (IsRetryableWatchError).
  kRetryable,
  // Anything else: it would recur, so the watch ends (exit 3).
  kFinal,
};
CallFailure ClassifyCallFailure(const grpc::Status& status,
                                const CommandDeadline& deadline);

// The reconnect reason of a stream the IdleWatchdog cancelled after
// `idle_limit` of silence.
std::string SilenceReason(absl::Duration idle_limit);

struct WatchOptions {
  // Reconnects in a row that may receive nothing before the watch gives up;
  // 0 never reconnects.
  int max_reconnects = 50;
  // Delays between reconnects.
  BackoffPolicy backoff = {absl::Milliseconds(200), absl::Seconds(10)};
  // Seed of the backoff's jitter.
  uint64_t jitter_seed = 0;
};

class ReconnectPacer {
 public:
  // `err` and `deadline` must outlive the pacer.
  ReconnectPacer(std::ostream& err, const CommandDeadline& deadline,
                 const WatchOptions& options);
  ReconnectPacer(const ReconnectPacer&) = delete;
  ReconnectPacer& operator=(const ReconnectPacer&) = delete;

  // Something arrived from the gateway: the next reconnect is the first in
  // a row again.
  void Delivered() { reconnects_without_message_ = 0; }

  // Before reconnecting after `reason`: writes the reconnect line (ending in
  // `resume_point`, e.g. " after sequence 7", when not empty) and sleeps the
  // backoff delay. Returns the exit code when the watch must end instead:
  // kExitGatewayError after max_reconnects reconnects in a row without a
  // message (the message says so), kExitClientTimeout when the deadline
  // expires during the delay (nothing written: the caller says what it was
  // waiting for).
  std::optional<int> BeforeReconnect(absl::string_view reason,
                                     absl::string_view resume_point);

 private:
  std::ostream& err_;
  const CommandDeadline& deadline_;
  const WatchOptions options_;
  Backoff backoff_;
  int reconnects_without_message_ = 0;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_RECONNECT_PACER_H_

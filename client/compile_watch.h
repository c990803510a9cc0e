// CompileWatch: follows one compile with WatchCompile until it reaches a
// terminal state, surviving broken streams. This is what `watch` and
// `start --wait` run.
//
// A stream that ends without the terminal event is resumed:
//
// - Retryable endings (see IsRetryableWatchError: the gateway draining or
//   restarting, a reset connection, …) and a stream silent for twice its
//   `heartbeat_interval` (an IdleWatchdog cancels it) reconnect after a
//   Backoff delay. The silence is measured from the moment a stream is
//   opened, with the last interval a stream stated, so that a reconnect
//   that never receives its first message is cancelled too; and after a
//   silence the next stream goes over a new connection
//   (CompileConnection::Replace), since the old one may be wedged. Each
//   stream resumes with `after_sequence` set to the last
//   `resume_after_sequence` received (no `after_sequence`, i.e. a snapshot,
//   until something was received). Each reconnect writes one line to the
//   error stream and nothing to the output, which stays clean for --json.
// - A watch started by flow (`flow_id`) learns the compile's `name` from the
//   first event and resumes by name.
// - OUT_OF_RANGE on a resumed stream (the events after `after_sequence` are
//   no longer kept), or a resumed stream ending OK at once: the compile is
//   fetched with GetCompile and printed; a terminal state is the result,
//   otherwise the watch starts again from a snapshot.
// - Any other error is final (exit 3), as is the --timeout (exit 124).
// - `max_reconnects` reconnects in a row that receive nothing end the
//   watch (exit 3). A stream that delivered anything, a marker included,
//   resets the count and the backoff: the gateway was reachable.
//
// An event is never printed twice: a replayed event whose sequence is at or
// below the last printed one is skipped (markers have no sequence; they are
// printed in JSON mode only, see EventPrinter).
//
// Thread-compatible: Follow() runs on the calling thread (plus one watchdog
// thread per stream, joined before the stream ends) and may be called once.
#ifndef CXONE_CLIENT_COMPILE_WATCH_H_
#define CXONE_CLIENT_COMPILE_WATCH_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "client/command_deadline.h"
#include "client/compile_connection.h"
#include "client/event_printer.h"
#include "client/guarded_stream.h"
#include "client/reconnect_pacer.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace cxone::client {

// What to watch: exactly one of the two is set.
struct WatchTarget {
  static WatchTarget Name(std::string name) {
    return {std::move(name), "", std::nullopt};
  }
  static WatchTarget Flow(std::string flow_id) {
    return {"", std::move(flow_id), std::nullopt};
  }

  // A compile name, flows/FLOW_ID/compiles/COMPILE_ID.
  std::string name;
  // A flow id: watch the newest compile of this flow.
  std::string flow_id;
  // With `name`: the first stream replays the events after this one
  // instead of starting with a snapshot.
  std::optional<uint64_t> after_sequence;
};

class CompileWatch {
 public:
  // All arguments must outlive the watch.
  CompileWatch(CompileConnection& connection, EventPrinter& printer,
               std::ostream& err, const CommandDeadline& deadline,
               const WatchOptions& options);
  CompileWatch(const CompileWatch&) = delete;
  CompileWatch& operator=(const CompileWatch&) = delete;

  // Prints `target`'s events until its terminal state and returns the
  // process exit code (an ExitCode): the terminal state's, 3 for a final
  // error or giving up, 124 when the deadline expires. Errors go to the
  // error stream as "cxone-compile: message".
  int Follow(const WatchTarget& target);

 private:
  // How one WatchCompile stream went (see client/guarded_stream.h).
  struct StreamResult : GuardedStreamResult {
    // Whether the request carried `after_sequence`.
    bool resumed = false;
  };

  // What recovering with GetCompile decided: the watch is over
  // (`exit_code`), or the call failed retryably (`retry_reason`), or neither:
  // watch again from a snapshot at once.
  struct Recovery {
    std::optional<int> exit_code;
    std::optional<std::string> retry_reason;
  };

  StreamResult ReadStream();
  // Handles one received message; the exit code when the watch is over.
  std::optional<int> Take(const compile::v1::CompileEvent& event);
  // After OUT_OF_RANGE (`why`) or, with `ended_ok`, a resumed stream that
  // ended OK without a terminal event.
  Recovery Recover(const grpc::Status& why, bool ended_ok);
  // Waits out the backoff before the next reconnect after `reason`; the
  // exit code if the watch must end instead.
  std::optional<int> BeforeReconnect(absl::string_view reason);

  std::string DisplayName() const;
  int NoResult();
  int TimedOut();
  int Fail(int exit_code, absl::string_view message);

  CompileConnection& connection_;
  EventPrinter& printer_;
  std::ostream& err_;
  const CommandDeadline& deadline_;
  ReconnectPacer pacer_;

  // The compile's name; empty while a watch by flow has received nothing.
  std::string name_;
  std::string flow_id_;
  // The `after_sequence` for the next stream; unset means a snapshot.
  std::optional<uint64_t> resume_after_;
  // Twice the heartbeat interval the last stream stated: how long the next
  // stream may stay silent, its first message included. Zero until a
  // stream stated one (the gateway's interval is not known before).
  absl::Duration idle_limit_ = absl::ZeroDuration();
  // The sequence of the last logged event printed.
  std::optional<uint64_t> last_printed_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COMPILE_WATCH_H_

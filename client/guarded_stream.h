// ReadGuardedStream: reads one server stream of a watch under an
// IdleWatchdog, the part CompileWatch and CollectionWatch share.
//
// The gateway states the stream's heartbeat interval on its first message
// (and on markers) and never stays silent longer. The watchdog is armed
// before the call with the limit the previous stream stated (twice its
// interval), so a stream that never delivers its first message — a wedged
// connection — is cancelled as surely as one that goes silent later; each
// stated interval re-arms it, every other message touches it.
//
// Thread-compatible: runs on the calling thread, plus the watchdog's thread,
// joined before it returns.
#ifndef CXONE_CLIENT_GUARDED_STREAM_H_
#define CXONE_CLIENT_GUARDED_STREAM_H_

#include <memory>
#include <optional>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "client/idle_watchdog.h"
#include "google/protobuf/duration.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/sync_stream.h"

namespace cxone::client {

// How one stream went.
struct GuardedStreamResult {
  // Set when the reader ended the watch (`take` returned an exit code).
  std::optional<int> exit_code;
  // How the stream ended, when it ended without an exit code.
  grpc::Status status;
  // Whether any message arrived.
  bool received = false;
  // Whether the IdleWatchdog cancelled the stream, and after how long a
  // silence.
  bool idle = false;
  absl::Duration idle_limit;
};

inline absl::Duration DurationFromProto(
    const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

// Opens the stream with `open(context)` and hands each message to `take`
// until it returns an exit code (the stream is then cancelled and drained)
// or the stream ends. A message's `heartbeat_interval`, when set, is the
// interval it states (CompileEvent and WatchCompilesResponse both carry
// one). `idle_limit` is the silence allowed before the first message; it is
// updated to twice each interval stated, for the next stream. `context`
// must be fresh and outlive the call.
template <typename Message>
GuardedStreamResult ReadGuardedStream(
    grpc::ClientContext& context,
    absl::FunctionRef<std::unique_ptr<grpc::ClientReaderInterface<Message>>(
        grpc::ClientContext&)>
        open,
    absl::FunctionRef<std::optional<int>(const Message&)> take,
    absl::Duration& idle_limit) {
  GuardedStreamResult result;
  IdleWatchdog watchdog([&context] { context.TryCancel(); });
  result.idle_limit = idle_limit;
  watchdog.Arm(idle_limit);
  std::unique_ptr<grpc::ClientReaderInterface<Message>> stream = open(context);
  Message message;
  while (stream->Read(&message)) {
    result.received = true;
    const absl::Duration heartbeat =
        message.has_heartbeat_interval()
            ? DurationFromProto(message.heartbeat_interval())
            : absl::ZeroDuration();
    if (heartbeat > absl::ZeroDuration()) {
      idle_limit = 2 * heartbeat;
      result.idle_limit = idle_limit;
      watchdog.Arm(idle_limit);
    } else {
      watchdog.Touch();
    }
    if (std::optional<int> code = take(message); code.has_value()) {
      watchdog.Shutdown();
      // The rest of the stream is not wanted: cancel it and let gRPC
      // release it.
      context.TryCancel();
      while (stream->Read(&message)) {
      }
      stream->Finish().IgnoreError();
      result.exit_code = code;
      return result;
    }
  }
  watchdog.Shutdown();
  result.status = stream->Finish();
  result.idle = watchdog.fired() &&
                result.status.error_code() == grpc::StatusCode::CANCELLED;
  return result;
}

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GUARDED_STREAM_H_

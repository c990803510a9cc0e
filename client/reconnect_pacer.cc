#include "client/reconnect_pacer.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/call_status.h"
#include "client/exit_codes.h"

namespace cxone::client {
namespace {

constexpr absl::string_view kProgram = "cxone-compile";

// "1.2s" from a second up, "350ms" below.
std::string FormatDelay(absl::Duration delay) {
  if (delay >= absl::Seconds(1)) {
    return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(delay));
  }
  return absl::StrCat(absl::ToInt64Milliseconds(delay), "ms");
}

}  // namespace

CallFailure ClassifyCallFailure(const grpc::Status& status,
                                const CommandDeadline& deadline) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED &&
      deadline.Expired()) {
    return CallFailure::kClientTimeout;
  }
  return IsRetryableWatchError(status.error_code()) ? CallFailure::kRetryable
                                                    : CallFailure::kFinal;
}

std::string SilenceReason(absl::Duration idle_limit) {
  return absl::StrCat("no message for ", absl::FormatDuration(idle_limit),
                      ", twice the heartbeat interval");
}

ReconnectPacer::ReconnectPacer(std::ostream& err,
                               const CommandDeadline& deadline,
                               const WatchOptions& options)
    : err_(err),
      deadline_(deadline),
      options_(options),
      backoff_(options.backoff, options.jitter_seed) {}

std::optional<int> ReconnectPacer::BeforeReconnect(
    absl::string_view reason, absl::string_view resume_point) {
  if (reconnects_without_message_ >= options_.max_reconnects) {
    err_ << kProgram << ": ";
    if (options_.max_reconnects <= 0) {
      err_ << reason << '\n';
    } else {
      err_ << "stream broke (" << reason << "); giving up after "
           << reconnects_without_message_
           << " reconnects in a row received nothing (--max-reconnects "
           << options_.max_reconnects << ")\n";
    }
    err_.flush();
    return kExitGatewayError;
  }
  const absl::Duration delay = backoff_.Delay(reconnects_without_message_);
  ++reconnects_without_message_;
  err_ << kProgram << ": stream broke (" << reason << "); reconnecting in "
       << FormatDelay(delay) << resume_point << '\n';
  err_.flush();
  if (!deadline_.SleepFor(delay)) return kExitClientTimeout;
  return std::nullopt;
}

}  // namespace cxone::client

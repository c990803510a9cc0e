#include "client/compile_watch.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/call_status.h"
#include "client/exit_codes.h"
#include "grpcpp/support/sync_stream.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

constexpr absl::string_view kProgram = "cxone-compile";

}  // namespace

CompileWatch::CompileWatch(CompileConnection& connection, EventPrinter& printer,
                           std::ostream& err, const CommandDeadline& deadline,
                           const WatchOptions& options)
    : connection_(connection),
      printer_(printer),
      err_(err),
      deadline_(deadline),
      pacer_(err, deadline, options) {}

int CompileWatch::Follow(const WatchTarget& target) {
  name_ = target.name;
  flow_id_ = target.flow_id;
  resume_after_ = target.after_sequence;
  while (true) {
    StreamResult stream = ReadStream();
    if (stream.exit_code.has_value()) return *stream.exit_code;
    if (stream.received) pacer_.Delivered();

    const grpc::Status& status = stream.status;
    std::string reason;
    if (stream.idle) {
      reason = SilenceReason(stream.idle_limit);
      // The stream is finished, so nothing uses the old stub any more.
      connection_.Replace();
    } else if (status.ok() && !stream.resumed) {
      // The API ends a stream with OK only after the terminal event; an OK
      // without one is a broken gateway, and nothing says the flow compiled.
      return NoResult();
    } else if (status.ok() ||
               (status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
                stream.resumed)) {
      Recovery recovery = Recover(status, status.ok());
      if (recovery.exit_code.has_value()) return *recovery.exit_code;
      if (!recovery.retry_reason.has_value()) continue;  // from a snapshot
      reason = *std::move(recovery.retry_reason);
    } else {
      switch (ClassifyCallFailure(status, deadline_)) {
        case CallFailure::kClientTimeout:
          return TimedOut();
        case CallFailure::kFinal:
          return Fail(kExitGatewayError, DescribeStatus(status));
        case CallFailure::kRetryable:
          reason = DescribeStatus(status);
          break;
      }
    }
    if (std::optional<int> code = BeforeReconnect(reason); code.has_value()) {
      return *code;
    }
  }
}

CompileWatch::StreamResult CompileWatch::ReadStream() {
  StreamResult result;
  grpc::ClientContext context;
  deadline_.Apply(context);
  v1::WatchCompileRequest request;
  if (!name_.empty()) {
    request.set_name(name_);
    if (resume_after_.has_value()) {
      request.set_after_sequence(*resume_after_);
      result.resumed = true;
    }
  } else {
    request.set_flow_id(flow_id_);
  }
  static_cast<GuardedStreamResult&>(result) =
      ReadGuardedStream<v1::CompileEvent>(
          context,
          [&](grpc::ClientContext& call) {
            return connection_.stub()->WatchCompile(&call, request);
          },
          [this](const v1::CompileEvent& event) { return Take(event); },
          idle_limit_);
  return result;
}

std::optional<int> CompileWatch::Take(const v1::CompileEvent& event) {
  if (name_.empty() && !event.name().empty()) name_ = event.name();
  const bool marker = IsMarker(event.type());
  uint64_t resume = event.resume_after_sequence();
  // A logged event is itself delivered, whether or not the gateway filled
  // in resume_after_sequence.
  if (!marker) resume = std::max(resume, event.sequence());
  resume_after_ = std::max(resume_after_.value_or(0), resume);

  const bool replayed = !marker && last_printed_.has_value() &&
                        event.sequence() <= *last_printed_;
  if (!replayed) {
    if (absl::Status printed = printer_.PrintEvent(event); !printed.ok()) {
      return Fail(kExitGatewayError, printed.message());
    }
    if (!marker) last_printed_ = event.sequence();
  }
  if (!marker && IsTerminal(event.state())) {
    // Terminal states never change again, so the result is known: stop
    // here instead of relying on the gateway to close the stream.
    printer_.PrintSummary(event.name().empty() ? name_ : event.name(),
                          event.state(), event.errors_size(),
                          event.warnings_size());
    return ExitCodeOfTerminal(event.state());
  }
  return std::nullopt;
}

CompileWatch::Recovery CompileWatch::Recover(const grpc::Status& why,
                                             bool ended_ok) {
  Recovery recovery;
  const std::optional<uint64_t> lost_after = resume_after_;
  // Whatever happens next, resuming after that sequence cannot work again.
  resume_after_.reset();

  grpc::ClientContext context;
  deadline_.Apply(context);
  v1::GetCompileRequest request;
  request.set_name(name_);
  v1::Compile compile;
  grpc::Status status =
      connection_.stub()->GetCompile(&context, request, &compile);
  if (!status.ok()) {
    switch (ClassifyCallFailure(status, deadline_)) {
      case CallFailure::kClientTimeout:
        recovery.exit_code = TimedOut();
        break;
      case CallFailure::kRetryable:
        recovery.retry_reason =
            absl::StrCat("GetCompile ", name_, " after ", DescribeStatus(why),
                         ": ", DescribeStatus(status));
        break;
      case CallFailure::kFinal:
        recovery.exit_code = Fail(kExitGatewayError, DescribeStatus(status));
        break;
    }
    return recovery;
  }
  pacer_.Delivered();

  if (absl::Status printed = printer_.PrintCompile(compile); !printed.ok()) {
    recovery.exit_code = Fail(kExitGatewayError, printed.message());
    return recovery;
  }
  if (IsTerminal(compile.state())) {
    printer_.PrintSummary(compile.name().empty() ? name_ : compile.name(),
                          compile.state(), compile.errors_size(),
                          compile.warnings_size());
    recovery.exit_code = ExitCodeOfTerminal(compile.state());
    return recovery;
  }
  if (ended_ok) {
    recovery.exit_code = NoResult();
    return recovery;
  }
  err_ << kProgram << ": the gateway no longer has the events after sequence "
       << lost_after.value_or(0) << " (" << DescribeStatus(why)
       << "); watching " << name_ << " again from a snapshot\n";
  err_.flush();
  return recovery;
}

std::optional<int> CompileWatch::BeforeReconnect(absl::string_view reason) {
  std::string resume_point;
  if (resume_after_.has_value() && !name_.empty()) {
    resume_point = absl::StrCat(" after sequence ", *resume_after_);
  }
  std::optional<int> code = pacer_.BeforeReconnect(reason, resume_point);
  if (code == kExitClientTimeout) return TimedOut();
  return code;
}

std::string CompileWatch::DisplayName() const {
  if (!name_.empty()) return name_;
  return absl::StrCat("the newest compile of flow ", flow_id_);
}

int CompileWatch::NoResult() {
  return Fail(kExitGatewayError,
              absl::StrCat("the watch stream of ", DisplayName(),
                           " ended without a result (no terminal state "
                           "received); the outcome is unknown"));
}

int CompileWatch::TimedOut() {
  return Fail(kExitClientTimeout, deadline_.ExpiredMessage(absl::StrCat(
                                      DisplayName(), " finished")));
}

int CompileWatch::Fail(int exit_code, absl::string_view message) {
  err_ << kProgram << ": " << message << '\n';
  err_.flush();
  return exit_code;
}

}  // namespace cxone::client

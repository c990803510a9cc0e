#include "client/collection_watch.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/call_status.h"
#include "client/exit_codes.h"
#include "grpcpp/client_context.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

constexpr absl::string_view kProgram = "cxone-compile";

}  // namespace

absl::Status PrintingCollectionObserver::OnMessage(
    const v1::WatchCompilesResponse& message) {
  return printer_.PrintCollectionMessage(message);
}

absl::Status PrintingCollectionObserver::OnListed(const v1::Compile& compile) {
  return printer_.PrintCompile(compile);
}

void PrintingCollectionObserver::OnFinished(absl::string_view name,
                                            v1::State state, int error_count,
                                            int warning_count) {
  printer_.PrintSummary(name, state, error_count, warning_count);
}

void PrintingCollectionObserver::OnAllFinished(int completed, int failed,
                                               int timed_out) {
  printer_.PrintCollectionSummary(completed, failed, timed_out);
}

CollectionWatch::CollectionWatch(CompileConnection& connection,
                                 CollectionObserver& observer,
                                 std::ostream& err,
                                 const CommandDeadline& deadline,
                                 const WatchOptions& options)
    : connection_(connection),
      observer_(observer),
      err_(err),
      deadline_(deadline),
      pacer_(err, deadline, options) {}

int CollectionWatch::Follow(const CollectionTarget& target) {
  target_ = target;
  resume_after_ = target.after_revision;
  if (target_.until_done) {
    // The starting list: which compiles are running, and the revision to
    // watch from.
    while (true) {
      Relisted listed = Relist();
      if (listed.exit_code.has_value()) return *listed.exit_code;
      if (!listed.retry_reason.has_value()) break;
      if (std::optional<int> code =
              pacer_.BeforeReconnect(*listed.retry_reason, "");
          code.has_value()) {
        return *code == kExitClientTimeout ? TimedOut() : *code;
      }
    }
    if (AllFinished()) return Outcome();
  }
  while (true) {
    GuardedStreamResult stream = ReadStream();
    if (stream.exit_code.has_value()) return *stream.exit_code;
    if (stream.received) pacer_.Delivered();

    const grpc::Status& status = stream.status;
    std::string reason;
    if (stream.idle) {
      reason = SilenceReason(stream.idle_limit);
      // The stream is finished, so nothing uses the old stub any more.
      connection_.Replace();
    } else if (status.ok()) {
      // WatchCompiles never ends OK: a gateway that does is broken.
      return Fail(kExitGatewayError,
                  "the WatchCompiles stream ended without an error, which it "
                  "never does; the compiles' outcome is unknown");
    } else if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE &&
               resume_after_.has_value()) {
      err_ << kProgram << ": the gateway no longer has the events after "
           << "revision " << *resume_after_ << " (" << DescribeStatus(status)
           << "); listing the compiles again\n";
      err_.flush();
      Relisted listed = Relist();
      if (listed.exit_code.has_value()) return *listed.exit_code;
      if (!listed.retry_reason.has_value()) {
        if (target_.until_done && AllFinished()) return Outcome();
        continue;
      }
      reason = *std::move(listed.retry_reason);
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
    if (std::optional<int> code = pacer_.BeforeReconnect(reason, ResumePoint());
        code.has_value()) {
      return *code == kExitClientTimeout ? TimedOut() : *code;
    }
  }
}

GuardedStreamResult CollectionWatch::ReadStream() {
  grpc::ClientContext context;
  deadline_.Apply(context);
  v1::WatchCompilesRequest request;
  *request.mutable_filter() = target_.filter;
  if (resume_after_.has_value()) request.set_after_revision(*resume_after_);
  return ReadGuardedStream<v1::WatchCompilesResponse>(
      context,
      [&](grpc::ClientContext& call) {
        return connection_.stub()->WatchCompiles(&call, request);
      },
      [this](const v1::WatchCompilesResponse& message) {
        return Take(message);
      },
      idle_limit_);
}

std::optional<int> CollectionWatch::Take(
    const v1::WatchCompilesResponse& message) {
  const v1::CompileEvent& event = message.event();
  const bool marker = IsMarker(event.type());
  uint64_t resume = message.resume_after_revision();
  // A logged event is itself delivered, whether or not the gateway filled
  // in resume_after_revision.
  if (!marker) resume = std::max(resume, event.revision());
  resume_after_ = std::max(resume_after_.value_or(0), resume);

  if (!marker && (!Followed(event.name()) ||
                  Seen(event.name(), event.revision()))) {
    return std::nullopt;
  }
  if (absl::Status told = observer_.OnMessage(message); !told.ok()) {
    return Fail(kExitGatewayError, told.message());
  }
  if (marker) return std::nullopt;
  Observe(event.name(), event.state(), event.revision(), event.errors_size(),
          event.warnings_size());
  if (target_.until_done && AllFinished()) return Outcome();
  return std::nullopt;
}

CollectionWatch::Relisted CollectionWatch::Relist() {
  Relisted relisted;
  v1::ListCompilesRequest request;
  *request.mutable_filter() = target_.filter;
  request.set_page_size(1000);
  std::optional<uint64_t> revision;
  absl::flat_hash_set<std::string> listed;
  do {
    grpc::ClientContext context;
    deadline_.Apply(context);
    v1::ListCompilesResponse page;
    grpc::Status status =
        connection_.stub()->ListCompiles(&context, request, &page);
    if (!status.ok()) {
      switch (ClassifyCallFailure(status, deadline_)) {
        case CallFailure::kClientTimeout:
          relisted.exit_code = TimedOut();
          break;
        case CallFailure::kRetryable:
          relisted.retry_reason =
              absl::StrCat("ListCompiles: ", DescribeStatus(status));
          break;
        case CallFailure::kFinal:
          relisted.exit_code = Fail(kExitGatewayError, DescribeStatus(status));
          break;
      }
      return relisted;
    }
    pacer_.Delivered();
    // The first page's revision: the pages after it may be newer, but
    // newest-first order puts a compile started meanwhile before them, and
    // its events come after that revision (see ListCompiles in the proto).
    if (!revision.has_value()) revision = page.revision();
    for (const v1::Compile& compile : page.compiles()) {
      if (!Followed(compile.name())) continue;
      if (!target_.names.empty()) listed.insert(compile.name());
      const auto known = compiles_.find(compile.name());
      if (known != compiles_.end() && known->second.state == compile.state()) {
        known->second.revision =
            std::max(known->second.revision, compile.revision());
        continue;
      }
      if (absl::Status told = observer_.OnListed(compile); !told.ok()) {
        relisted.exit_code = Fail(kExitGatewayError, told.message());
        return relisted;
      }
      Observe(compile.name(), compile.state(), compile.revision(),
              compile.errors_size(), compile.warnings_size());
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  resume_after_ = revision;
  if (target_.until_done) {
    for (const std::string& name : target_.names) {
      if (listed.contains(name) || vanished_.contains(name)) continue;
      const auto known = compiles_.find(name);
      if (known != compiles_.end() && IsTerminal(known->second.state)) continue;
      vanished_.insert(name);
      ++names_finished_;
      observer_.OnVanished(name);
    }
  }
  return relisted;
}

bool CollectionWatch::Seen(const std::string& name, uint64_t revision) const {
  const auto known = compiles_.find(name);
  return known != compiles_.end() && revision <= known->second.revision;
}

void CollectionWatch::Observe(const std::string& name, v1::State state,
                              uint64_t revision, int error_count,
                              int warning_count) {
  auto [it, inserted] = compiles_.try_emplace(name);
  Known& known = it->second;
  known.revision = std::max(known.revision, revision);
  if (!inserted && known.state == state) return;
  const bool was_running = !inserted && !IsTerminal(known.state);
  const bool running = !IsTerminal(state);
  known.state = state;
  running_ += static_cast<int>(running) - static_cast<int>(was_running);
  if (!running && (inserted || was_running)) {
    if (!target_.names.empty()) ++names_finished_;
    observer_.OnFinished(name, state, error_count, warning_count);
  }
}

bool CollectionWatch::Followed(const std::string& name) const {
  return target_.names.empty() || target_.names.contains(name);
}

bool CollectionWatch::AllFinished() const {
  if (target_.names.empty()) return running_ == 0;
  return names_finished_ == static_cast<int>(target_.names.size());
}

int CollectionWatch::Outcome() {
  int completed = 0;
  int failed = 0;
  int timed_out = 0;
  for (const auto& [name, known] : compiles_) {
    const v1::State state = known.state;
    if (state == v1::STATE_COMPLETED) {
      ++completed;
    } else if (state == v1::STATE_FAILED) {
      ++failed;
    } else if (IsTerminal(state)) {
      ++timed_out;
    }
  }
  observer_.OnAllFinished(completed, failed, timed_out);
  if (failed > 0) return kExitCompileFailed;
  if (timed_out > 0) return kExitGatewayTimedOut;
  return kExitCompleted;
}

std::string CollectionWatch::ResumePoint() const {
  if (!resume_after_.has_value()) return "";
  return absl::StrCat(" after revision ", *resume_after_);
}

int CollectionWatch::TimedOut() {
  return Fail(kExitClientTimeout,
              deadline_.ExpiredMessage(
                  target_.until_done
                      ? "every matching compile finished"
                      : "the watch ended (without --until-done it ends only "
                        "at --timeout)"));
}

int CollectionWatch::Fail(int exit_code, absl::string_view message) {
  err_ << kProgram << ": " << message << '\n';
  err_.flush();
  return exit_code;
}

}  // namespace cxone::client

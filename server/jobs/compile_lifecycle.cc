#include "server/jobs/compile_lifecycle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"

namespace cxone {
namespace {

using compilev1::CompileEvent;
using compilev1::State;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(time));
}

// Position in the forward order; terminal states share the last rank.
int Rank(State state) {
  switch (state) {
    case compilev1::STATE_QUEUED:
      return 1;
    case compilev1::STATE_IN_PROGRESS:
      return 2;
    case compilev1::STATE_COMPLETED:
    case compilev1::STATE_FAILED:
    case compilev1::STATE_TIMED_OUT:
      return 3;
    default:
      return 0;
  }
}

}  // namespace

State StateFromUpstream(const std::string& status) {
  if (status == "QUEUED") return compilev1::STATE_QUEUED;
  if (status == "IN_PROGRESS") return compilev1::STATE_IN_PROGRESS;
  if (status == "COMPLETED") return compilev1::STATE_COMPLETED;
  if (status == "FAILED") return compilev1::STATE_FAILED;
  return compilev1::STATE_UNSPECIFIED;
}

bool IsTerminal(State state) { return Rank(state) == 3; }

bool IsLegalMove(State from, State to) {
  if (to == compilev1::STATE_UNSPECIFIED || to == compilev1::STATE_TIMED_OUT) {
    return false;  // CXone never reports these
  }
  if (from == compilev1::STATE_UNSPECIFIED) return true;
  if (IsTerminal(from)) return false;
  return Rank(to) > Rank(from);
}

compilev1::ErrorCategory CategoryOf(const std::string& code) {
  if (code == "SYNTAX_ERROR") return compilev1::ERROR_CATEGORY_SYNTAX;
  if (code == "VALIDATION_ERROR") return compilev1::ERROR_CATEGORY_VALIDATION;
  if (code == "REFERENCE_ERROR") return compilev1::ERROR_CATEGORY_REFERENCE;
  return compilev1::ERROR_CATEGORY_UNKNOWN;
}

compilev1::CompileError ToCompileError(const upstream::Diagnostic& diagnostic,
                                       bool is_warning) {
  compilev1::CompileError error;
  error.set_category(is_warning && diagnostic.code.empty()
                         ? compilev1::ERROR_CATEGORY_UNKNOWN
                         : CategoryOf(diagnostic.code));
  error.set_code(diagnostic.code);
  error.set_message(diagnostic.message);
  if (diagnostic.line > 0) {
    error.mutable_location()->set_line(static_cast<uint32_t>(diagnostic.line));
    error.mutable_location()->set_column(
        static_cast<uint32_t>(std::max(diagnostic.column, 0)));
  }
  return error;
}

std::string StateName(State state) {
  return std::string(absl::StripPrefix(compilev1::State_Name(state), "STATE_"));
}

CompileLifecycle::CompileLifecycle(const CompileName& name, absl::Time now,
                                   LifecycleTimeouts timeouts,
                                   const Labels& labels,
                                   const std::string& tenant)
    : timeouts_(timeouts),
      last_change_(now),
      counting_since_(now),
      last_answer_(now) {
  compile_.set_name(name.ToString());
  compile_.set_flow_id(name.flow_id);
  compile_.set_compile_id(name.compile_id);
  compile_.mutable_labels()->insert(labels.begin(), labels.end());
  compile_.set_tenant(tenant);
  *compile_.mutable_create_time() = ToTimestamp(now);
  *compile_.mutable_update_time() = ToTimestamp(now);
}

CompileLifecycle::CompileLifecycle(const compilev1::Compile& recorded,
                                   uint64_t last_sequence, absl::Time now,
                                   LifecycleTimeouts timeouts)
    : compile_(recorded),
      timeouts_(timeouts),
      last_sequence_(last_sequence),
      last_change_(
          IsTerminal(recorded.state())
              ? absl::FromUnixMicros(
                    google::protobuf::util::TimeUtil::TimestampToMicroseconds(
                        recorded.update_time()))
              : now),
      counting_since_(now),
      last_answer_(now) {}

bool CompileLifecycle::terminal() const { return IsTerminal(compile_.state()); }

CompileEvent CompileLifecycle::NewEvent(compilev1::EventType type,
                                        State previous, absl::Time now) {
  CompileEvent event;
  event.set_sequence(++last_sequence_);
  event.set_type(type);
  event.set_state(compile_.state());
  event.set_previous_state(previous);
  *event.mutable_errors() = compile_.errors();
  *event.mutable_warnings() = compile_.warnings();
  *event.mutable_time() = ToTimestamp(now);
  event.set_name(compile_.name());
  event.set_upstream_status(compile_.upstream_status());
  event.set_resume_after_sequence(last_sequence_);
  return event;
}

CompileEvent CompileLifecycle::Anomaly(const std::string& raw,
                                       std::string detail, absl::Time now) {
  last_anomaly_ = detail;
  CompileEvent event =
      NewEvent(compilev1::EVENT_TYPE_UPSTREAM_ANOMALY, compile_.state(), now);
  event.set_upstream_status(raw);
  event.set_detail(std::move(detail));
  return event;
}

void CompileLifecycle::MoveTo(State state, absl::Time now) {
  compile_.set_state(state);
  *compile_.mutable_update_time() = ToTimestamp(now);
  last_change_ = now;
  quiet_counted_ = absl::ZeroDuration();
  answering_ = true;
  counting_since_ = now;
  last_answer_ = now;
  stuck_reported_ = false;
  last_anomaly_.clear();
}

void CompileLifecycle::NoteAnswer(absl::Time now) {
  if (!answering_) {
    answering_ = true;
    counting_since_ = now;
  }
  last_answer_ = std::max(last_answer_, now);
}

absl::Duration CompileLifecycle::QuietFor(absl::Time now) const {
  if (!answering_) return quiet_counted_;
  return quiet_counted_ + std::max(absl::ZeroDuration(), now - counting_since_);
}

std::vector<CompileEvent> CompileLifecycle::OnUpstreamStatus(
    const upstream::CompileStatus& status, absl::Time now) {
  std::vector<CompileEvent> events;
  NoteAnswer(now);
  const State current = compile_.state();
  const State reported = StateFromUpstream(status.status);
  if (reported == compilev1::STATE_UNSPECIFIED) {
    compile_.set_upstream_status(status.status);
    std::string detail = absl::StrCat(
        "CXone reported status \"", status.status,
        "\", which is not one of QUEUED, IN_PROGRESS, COMPLETED, FAILED; "
        "keeping state ",
        StateName(current), " and polling on");
    if (detail != last_anomaly_) {
      events.push_back(Anomaly(status.status, std::move(detail), now));
    }
    return events;
  }
  if (reported == current) {
    compile_.set_upstream_status(status.status);
    return events;
  }
  if (!IsLegalMove(current, reported)) {
    std::string detail = absl::StrCat(
        "CXone moved the compile from ", StateName(current), " to ",
        StateName(reported), ", which the lifecycle does not allow; keeping ",
        StateName(current));
    if (detail != last_anomaly_) {
      events.push_back(Anomaly(status.status, std::move(detail), now));
    }
    return events;
  }
  compile_.set_upstream_status(status.status);
  compile_.clear_errors();
  compile_.clear_warnings();
  for (const upstream::Diagnostic& error : status.errors) {
    *compile_.add_errors() = ToCompileError(error, /*is_warning=*/false);
  }
  for (const upstream::Diagnostic& warning : status.warnings) {
    *compile_.add_warnings() = ToCompileError(warning, /*is_warning=*/true);
  }
  MoveTo(reported, now);
  events.push_back(NewEvent(compilev1::EVENT_TYPE_STATE_CHANGED, current, now));
  return events;
}

std::vector<CompileEvent> CompileLifecycle::OnUpstreamError(
    const absl::Status& error, absl::Time now) {
  std::vector<CompileEvent> events;
  if (terminal()) return events;
  // Only "no such compile" is news about this compile. A refusal of the
  // gateway itself (credentials rejected, a scope missing) says nothing
  // about it: like an outage, it stops the quiet clock.
  if (absl::IsNotFound(error)) {
    NoteAnswer(now);
  } else {
    StopQuietClock();
  }
  std::string detail = absl::StrCat("polling CXone failed: ", error.message());
  if (detail != last_anomaly_) {
    events.push_back(
        Anomaly(compile_.upstream_status(), std::move(detail), now));
  }
  return events;
}

void CompileLifecycle::StopQuietClock() {
  if (!answering_ || terminal()) return;
  // CXone stopped answering some time after its last answer; count no more
  // than up to that answer.
  quiet_counted_ +=
      std::max(absl::ZeroDuration(), last_answer_ - counting_since_);
  answering_ = false;
}

std::vector<CompileEvent> CompileLifecycle::OnUpstreamUnreachable() {
  StopQuietClock();
  return {};
}

std::vector<CompileEvent> CompileLifecycle::OnThrottled(absl::Time until,
                                                        absl::Time now) {
  std::vector<CompileEvent> events;
  if (terminal() || until <= throttled_until_ || until <= now) return events;
  // Time spent paused is not time CXone spent not moving the compile: the
  // quiet clock stops now and starts again when the pause ends.
  if (answering_) {
    quiet_counted_ += std::max(absl::ZeroDuration(), now - counting_since_);
    counting_since_ = std::max(counting_since_, until);
  }
  throttled_until_ = until;
  CompileEvent event =
      NewEvent(compilev1::EVENT_TYPE_THROTTLED, compile_.state(), now);
  *event.mutable_throttled_until() = ToTimestamp(until);
  event.set_detail(absl::StrCat(
      "CXone is rate-limiting the account; the gateway sends nothing upstream "
      "for ",
      absl::FormatDuration(absl::Ceil(until - now, absl::Milliseconds(1))),
      ", then resumes; the compile itself is not affected"));
  events.push_back(std::move(event));
  return events;
}

std::vector<CompileEvent> CompileLifecycle::OnTick(absl::Time now) {
  std::vector<CompileEvent> events;
  if (terminal()) return events;
  const absl::Duration quiet = QuietFor(now);
  if (quiet >= timeouts_.give_up_timeout) {
    const State previous = compile_.state();
    MoveTo(compilev1::STATE_TIMED_OUT, now);
    CompileEvent event =
        NewEvent(compilev1::EVENT_TYPE_STATE_CHANGED, previous, now);
    event.set_detail(absl::StrCat(
        "gave up: CXone reported no change for ", absl::FormatDuration(quiet),
        " (give-up timeout ", absl::FormatDuration(timeouts_.give_up_timeout),
        "); the upstream compile may still finish"));
    events.push_back(std::move(event));
    return events;
  }
  if (quiet >= timeouts_.stuck_timeout && !stuck_reported_) {
    stuck_reported_ = true;
    CompileEvent event =
        NewEvent(compilev1::EVENT_TYPE_STUCK, compile_.state(), now);
    event.set_detail(absl::StrCat(
        "CXone has reported no change for ", absl::FormatDuration(quiet),
        " (state ", StateName(compile_.state()), "); still polling"));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace cxone

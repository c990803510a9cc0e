#include "server/watch_reactor.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/slice.h"

namespace cxone {
namespace {

// A slice over a logged event's bytes that keeps the event alive for as
// long as gRPC holds the slice: no copy, and no lifetime to get wrong.
grpc::Slice SharedSlice(SharedEvent event) {
  auto* holder = new SharedEvent(std::move(event));
  const std::string& wire = (*holder)->wire;
  grpc_slice slice = grpc_slice_new_with_user_data(
      const_cast<char*>(wire.data()), wire.size(),
      [](void* user_data) { delete static_cast<SharedEvent*>(user_data); },
      holder);
  return grpc::Slice(slice, grpc::Slice::STEAL_REF);
}

google::protobuf::Duration ToDuration(absl::Duration duration) {
  return google::protobuf::util::TimeUtil::MicrosecondsToDuration(
      absl::ToInt64Microseconds(duration));
}

}  // namespace

WatchReactor::WatchReactor(std::shared_ptr<CompileJob> job,
                           std::optional<uint64_t> after_sequence,
                           WatcherSet* watchers)
    : job_(std::move(job)), watchers_(watchers) {
  // Added before taking mu_: the set calls watchers with its own lock held
  // and then takes theirs, so the other order could deadlock. Until
  // started_ is set, those calls only record what they want.
  registered_ = watchers_->Add(this);
  absl::MutexLock lock(&mu_);
  started_ = true;
  if (!registered_) {
    FinishLocked(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("server draining; resume with after_sequence=",
                     after_sequence.value_or(0), " on another gateway")));
    return;
  }
  if (!after_sequence.has_value()) {
    compilev1::CompileEvent snapshot = job_->SnapshotEvent();
    cursor_ = snapshot.sequence();
    *snapshot.mutable_heartbeat_interval() =
        ToDuration(watchers_->heartbeat_interval());
    WriteMessageLocked(std::move(snapshot));
    return;
  }
  // Past the end of a live compile means "the next event".
  cursor_ = std::min(*after_sequence, job_->last_sequence());
  if (job_->IsFinishedAfter(cursor_)) {
    FinishLocked(grpc::Status::OK);  // nothing more will ever come
    return;
  }
  WriteMessageLocked(Marker(compilev1::EVENT_TYPE_HEARTBEAT));
}

WatchReactor::WatchReactor(const grpc::Status& error) {
  absl::MutexLock lock(&mu_);
  FinishLocked(error);
}

compilev1::CompileEvent WatchReactor::Marker(compilev1::EventType type) const {
  compilev1::CompileEvent marker;
  marker.set_type(type);
  marker.set_resume_after_sequence(cursor_);
  marker.set_name(job_->name());
  *marker.mutable_heartbeat_interval() =
      ToDuration(watchers_->heartbeat_interval());
  return marker;
}

void WatchReactor::WriteMessageLocked(compilev1::CompileEvent event) {
  grpc::Slice slice(event.SerializeAsString());
  out_ = grpc::ByteBuffer(&slice, 1);
  write_in_flight_ = true;
  StartWrite(&out_);
}

void WatchReactor::WriteNextLocked() {
  if (!started_ || finished_ || write_in_flight_) return;
  if (cancelled_) {
    FinishLocked(
        grpc::Status(grpc::StatusCode::CANCELLED, "the watcher cancelled"));
    return;
  }
  if (SharedEvent next = job_->NextEvent(cursor_, this)) {
    cursor_ = next->event.sequence();
    grpc::Slice slice = SharedSlice(std::move(next));
    out_ = grpc::ByteBuffer(&slice, 1);
    write_in_flight_ = true;
    StartWrite(&out_);
    return;
  }
  // Caught up with the log.
  if (absl::Status retained = job_->CheckRetained(cursor_); !retained.ok()) {
    FinishLocked(grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                              std::string(retained.message())));
    return;
  }
  if (job_->IsFinishedAfter(cursor_)) {
    FinishLocked(grpc::Status::OK);
    return;
  }
  if (draining_) {
    FinishLocked(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("server draining; resume with after_sequence=", cursor_)));
    return;
  }
  if (!synced_) {
    synced_ = true;
    WriteMessageLocked(Marker(compilev1::EVENT_TYPE_SYNCED));
    return;
  }
  if (heartbeat_due_) {
    heartbeat_due_ = false;
    WriteMessageLocked(Marker(compilev1::EVENT_TYPE_HEARTBEAT));
  }
  // Otherwise the job, a heartbeat or the drain calls us back.
}

void WatchReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  write_in_flight_ = false;
  out_.Clear();
  if (!ok) {
    FinishLocked(
        grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
    return;
  }
  WriteNextLocked();
}

void WatchReactor::OnEventAvailable() {
  absl::MutexLock lock(&mu_);
  WriteNextLocked();
}

void WatchReactor::OnHeartbeatDue() {
  absl::MutexLock lock(&mu_);
  heartbeat_due_ = true;
  WriteNextLocked();
}

void WatchReactor::OnDrain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  WriteNextLocked();
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  // With a write in flight, OnWriteDone(false) finishes instead.
  if (!write_in_flight_) {
    FinishLocked(
        grpc::Status(grpc::StatusCode::CANCELLED, "the watcher cancelled"));
  }
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void WatchReactor::OnDone() {
  if (job_ != nullptr) job_->RemoveListener(this);
  if (registered_) watchers_->Remove(this);
  delete this;
}

}  // namespace cxone

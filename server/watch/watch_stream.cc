#include "server/watch/watch_stream.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "grpc/slice.h"
#include "server/api/grpc_status.h"
#include "server/api/request_decoder.h"
#include "server/api/rpc_audit.h"

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

void WatchStream::Request(WatchStreamHost* host,
                          grpc::ServerCompletionQueue* cq) {
  host->StreamCreated();
  auto* stream = new WatchStream(host, cq);
  // Asked for before the call starts, so that a cancelled call is noticed
  // even while nothing is being written.
  stream->context_.AsyncNotifyWhenDone(&stream->done_tag_);
  host->RequestCall(&stream->context_, &stream->request_, &stream->writer_, cq,
                    &stream->request_tag_);
}

WatchStream::WatchStream(WatchStreamHost* host, grpc::ServerCompletionQueue* cq)
    : host_(host), cq_(cq), writer_(&context_) {}

void WatchStream::OnCompletion(Op op, bool ok) {
  if (op == Op::kRequest) {
    if (!ok) {
      // The server is shutting down: no call arrived, and none of the
      // other tags will ever complete.
      host_->StreamEnded();
      delete this;
      return;
    }
    host_->RequestNext(cq_);
    // The audit line's latency is measured on the audit log's clock.
    if (AuditLog* audit = host_->audit(); audit != nullptr) {
      arrived_ = audit->clock().Now();
    }
    Begin();
  } else {
    absl::MutexLock lock(&mu_);
    switch (op) {
      case Op::kWrite:
        write_in_flight_ = false;
        out_.Clear();
        if (ok) {
          WriteNextLocked();
        } else {
          broken_ = true;  // the client went away
        }
        break;
      case Op::kFinish:
        finish_in_flight_ = false;
        break;
      case Op::kDone:
        done_ = true;
        break;
      case Op::kRequest:
        break;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (!EndedLocked()) return;
  }
  // Only this queue's thread completes this stream's operations, so no
  // other completion can race this; event and heartbeat calls from other
  // threads are over once the job and the set have let go of the stream.
  if (job_ != nullptr) job_->RemoveListener(this);
  if (registered_) host_->watchers()->Remove(this);
  if (arrived_.has_value()) {
    RpcAudit audit(host_->audit(),
                   "/cxone.compile.v1.CompileService/WatchCompile", context_,
                   *arrived_);
    if (job_ != nullptr) {
      audit.set_compile(job_->name());
      audit.set_flow_id(job_->compile_name().flow_id);
    }
    absl::MutexLock lock(&mu_);
    audit.Finish(finished_ ? final_status_
                           : grpc::Status(grpc::StatusCode::CANCELLED, ""));
  }
  host_->StreamEnded();
  delete this;
}

bool WatchStream::EndedLocked() const {
  return done_ && !write_in_flight_ && !finish_in_flight_;
}

void WatchStream::Begin() {
  compilev1::WatchCompileRequest parsed;
  absl::StatusOr<std::shared_ptr<CompileJob>> job = [&] {
    absl::Status decoded = DecodeRequest(request_, &parsed);
    if (!decoded.ok()) {
      return absl::StatusOr<std::shared_ptr<CompileJob>>(decoded);
    }
    return host_->ResolveWatch(parsed);
  }();
  if (!job.ok()) {
    absl::MutexLock lock(&mu_);
    started_ = true;
    FinishLocked(ToGrpcStatus(job.status(), host_->redactor()));
    return;
  }
  job_ = *std::move(job);
  // Added before taking mu_: the set calls watchers with its own lock held
  // and then takes theirs, so the other order could deadlock. Until
  // started_ is set, those calls only record what they want.
  registered_ = host_->watchers()->Add(this);
  absl::MutexLock lock(&mu_);
  started_ = true;
  // A heartbeat asked for before the first message is not due: the
  // stream has not been silent.
  heartbeat_due_ = false;
  std::optional<uint64_t> after_sequence;
  if (parsed.has_after_sequence()) after_sequence = parsed.after_sequence();
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
        ToDuration(host_->watchers()->heartbeat_interval());
    WriteMessageLocked(snapshot);
    return;
  }
  // At or past the last event: a finished compile has nothing more to
  // send (WriteNextLocked ends the stream OK); a live one's stream is
  // caught up at the last event (SYNCED says so at once) and continues
  // with the next one logged.
  cursor_ = std::min(*after_sequence, job_->last_sequence());
  // The first message is the first replayed event, or SYNCED: no marker
  // before it, which would delay both by a write.
  WriteNextLocked();
}

compilev1::CompileEvent WatchStream::Marker(compilev1::EventType type) const {
  compilev1::CompileEvent marker;
  marker.set_type(type);
  marker.set_resume_after_sequence(cursor_);
  marker.set_name(job_->name());
  *marker.mutable_heartbeat_interval() =
      ToDuration(host_->watchers()->heartbeat_interval());
  return marker;
}

void WatchStream::WriteMessageLocked(const compilev1::CompileEvent& event) {
  grpc::Slice slice(event.SerializeAsString());
  StartWriteLocked(grpc::ByteBuffer(&slice, 1));
}

void WatchStream::StartWriteLocked(grpc::ByteBuffer message) {
  out_ = std::move(message);
  write_in_flight_ = true;
  interval_stated_ = true;
  sent_since_beat_ = true;
  heartbeat_due_ = false;  // the stream is not silent
  writer_.Write(out_, &write_tag_);
}

void WatchStream::WriteNextLocked() {
  if (!started_ || finished_ || broken_ || done_ || write_in_flight_) return;
  if (SharedEvent next = job_->NextEvent(cursor_, this)) {
    cursor_ = next->event.sequence();
    host_->CountEventSent();
    grpc::Slice slices[2] = {SharedSlice(std::move(next))};
    if (interval_stated_) {
      StartWriteLocked(grpc::ByteBuffer(slices, 1));
      return;
    }
    // The first message of a stream states the heartbeat interval. A
    // logged event's bytes are shared, so the field is appended to them:
    // protobuf reads concatenated encodings as one message.
    compilev1::CompileEvent interval;
    *interval.mutable_heartbeat_interval() =
        ToDuration(host_->watchers()->heartbeat_interval());
    slices[1] = grpc::Slice(interval.SerializeAsString());
    StartWriteLocked(grpc::ByteBuffer(slices, 2));
    return;
  }
  // Caught up with the log.
  if (absl::Status retained = job_->CheckRetained(cursor_); !retained.ok()) {
    FinishLocked(ToGrpcStatus(retained, host_->redactor()));
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

void WatchStream::OnEventAvailable() {
  absl::MutexLock lock(&mu_);
  WriteNextLocked();
}

void WatchStream::OnHeartbeatDue() {
  absl::MutexLock lock(&mu_);
  // Beats come every half interval (see WatcherSet): one with nothing sent
  // since the one before means at least half an interval of silence, and
  // the next would let the silence exceed the interval.
  if (sent_since_beat_ || write_in_flight_) {
    sent_since_beat_ = false;
    return;
  }
  heartbeat_due_ = true;
  WriteNextLocked();
}

void WatchStream::OnDrain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  WriteNextLocked();
}

void WatchStream::FinishLocked(const grpc::Status& status) {
  if (finished_ || broken_ || done_) return;
  finished_ = true;
  final_status_ = status;
  finish_in_flight_ = true;
  writer_.Finish(status, &finish_tag_);
}

}  // namespace cxone

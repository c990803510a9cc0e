#include "server/watch/stream_call.h"

#include <utility>

#include "google/protobuf/util/time_util.h"
#include "server/api/grpc_status.h"

namespace cxone {

StreamCall::StreamCall(WatchStreamHost* host, grpc::ServerCompletionQueue* cq,
                       absl::string_view method)
    : host_(host), cq_(cq), writer_(&context_), method_(method) {}

void StreamCall::Arm() {
  host_->StreamCreated();
  // Asked for before the call starts, so that a cancelled call is noticed
  // even while nothing is being written.
  context_.AsyncNotifyWhenDone(&done_tag_);
  RequestCall();
}

google::protobuf::Duration StreamCall::HeartbeatInterval() const {
  return google::protobuf::util::TimeUtil::MicrosecondsToDuration(
      absl::ToInt64Microseconds(host_->watchers()->heartbeat_interval()));
}

bool StreamCall::RegisterWithWatchers() {
  registered_ = host_->watchers()->Add(this);
  return registered_;
}

void StreamCall::OnCompletion(Op op, bool ok) {
  if (op == Op::kRequest) {
    if (!ok) {
      // The server is shutting down: no call arrived, and none of the
      // other tags will ever complete.
      host_->StreamEnded();
      delete this;
      return;
    }
    RequestNextCall();
    // The audit line's latency is measured on the audit log's clock.
    if (AuditLog* audit = host_->audit(); audit != nullptr) {
      arrived_ = audit->clock().Now();
    }
    absl::StatusOr<AdmittedWatch> admitted = [&] {
      absl::StatusOr<Principal> principal = host_->Authenticate(context_);
      if (!principal.ok()) {
        return absl::StatusOr<AdmittedWatch>(principal.status());
      }
      principal_ = principal->name;
      return host_->AdmitWatch(principal_, context_.peer());
    }();
    if (!admitted.ok()) {
      // Nothing of the request is read for a caller who may not watch.
      absl::MutexLock lock(&mu_);
      FinishLocked(ToGrpcStatus(admitted.status(), host_->redactor()));
      return;
    }
    caller_ = std::move(admitted->caller);
    watch_lease_ = std::move(admitted->lease);
    connection_slot_ = std::move(admitted->connection_slot);
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
  // other completion can race this; item and heartbeat calls from other
  // threads are over once the source and the set have let go of the stream.
  Unregister();
  if (registered_) host_->watchers()->Remove(this);
  if (arrived_.has_value()) {
    RpcAudit audit(host_->audit(), method_, context_, *arrived_);
    if (!principal_.empty()) audit.set_principal(principal_);
    DescribeForAudit(audit);
    absl::MutexLock lock(&mu_);
    audit.Finish(finished_ ? final_status_
                           : grpc::Status(grpc::StatusCode::CANCELLED, ""));
  }
  host_->StreamEnded();
  delete this;
}

bool StreamCall::EndedLocked() const {
  return done_ && !write_in_flight_ && !finish_in_flight_;
}

void StreamCall::WriteBytesLocked(std::string bytes) {
  grpc::Slice slice(std::move(bytes));
  StartWriteLocked(grpc::ByteBuffer(&slice, 1));
}

void StreamCall::StartWriteLocked(grpc::ByteBuffer message) {
  out_ = std::move(message);
  write_in_flight_ = true;
  interval_stated_ = true;
  sent_since_beat_ = true;
  heartbeat_due_ = false;  // the stream is not silent
  writer_.Write(out_, &write_tag_);
}

void StreamCall::WriteNextLocked() {
  if (!started_ || finished_ || broken_ || done_ || write_in_flight_) return;
  if (WriteNextItemLocked()) return;
  // Caught up with the source.
  if (draining_) {
    FinishLocked(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, DrainMessageLocked()));
    return;
  }
  if (!synced_) {
    synced_ = true;
    WriteBytesLocked(MarkerLocked(compilev1::EVENT_TYPE_SYNCED));
    return;
  }
  if (heartbeat_due_) {
    heartbeat_due_ = false;
    WriteBytesLocked(MarkerLocked(compilev1::EVENT_TYPE_HEARTBEAT));
  }
  // Otherwise the source, a heartbeat or the drain calls us back.
}

void StreamCall::OnEventAvailable() {
  absl::MutexLock lock(&mu_);
  WriteNextLocked();
}

void StreamCall::OnHeartbeatDue() {
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

void StreamCall::OnDrain() {
  absl::MutexLock lock(&mu_);
  draining_ = true;
  WriteNextLocked();
}

void StreamCall::FinishLocked(const grpc::Status& status) {
  if (finished_ || broken_ || done_) return;
  finished_ = true;
  final_status_ = status;
  finish_in_flight_ = true;
  writer_.Finish(status, &finish_tag_);
}

}  // namespace cxone

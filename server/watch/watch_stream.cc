#include "server/watch/watch_stream.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/api/grpc_status.h"
#include "server/api/request_decoder.h"
#include "server/api/rpc_audit.h"

namespace cxone {

void WatchStream::Request(WatchStreamHost* host,
                          grpc::ServerCompletionQueue* cq) {
  (new WatchStream(host, cq))->Arm();
}

WatchStream::WatchStream(WatchStreamHost* host, grpc::ServerCompletionQueue* cq)
    : StreamCall(host, cq, "/cxone.compile.v1.CompileService/WatchCompile") {}

void WatchStream::RequestCall() {
  host_->RequestCall(&context_, &request_, &writer_, cq_, request_tag());
}

void WatchStream::RequestNextCall() { host_->RequestNext(cq_); }

void WatchStream::Unregister() {
  if (job_ != nullptr) job_->RemoveListener(this);
}

void WatchStream::DescribeForAudit(RpcAudit& audit) const {
  if (job_ == nullptr) return;
  audit.set_compile(job_->name());
  audit.set_flow_id(job_->compile_name().flow_id);
}

void WatchStream::Begin() {
  compilev1::WatchCompileRequest parsed;
  absl::StatusOr<std::shared_ptr<CompileJob>> job = [&] {
    absl::Status decoded = DecodeRequest(request_, &parsed);
    if (!decoded.ok()) {
      return absl::StatusOr<std::shared_ptr<CompileJob>>(decoded);
    }
    return host_->ResolveWatch(*caller_, parsed);
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
  const bool registered = RegisterWithWatchers();
  absl::MutexLock lock(&mu_);
  started_ = true;
  // A heartbeat asked for before the first message is not due: the
  // stream has not been silent.
  heartbeat_due_ = false;
  std::optional<uint64_t> after_sequence;
  if (parsed.has_after_sequence()) after_sequence = parsed.after_sequence();
  if (!registered) {
    FinishLocked(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("server draining; resume with after_sequence=",
                     after_sequence.value_or(0), " on another gateway")));
    return;
  }
  if (!after_sequence.has_value()) {
    compilev1::CompileEvent snapshot = job_->SnapshotEvent();
    cursor_ = snapshot.sequence();
    *snapshot.mutable_heartbeat_interval() = HeartbeatInterval();
    WriteBytesLocked(snapshot.SerializeAsString());
    return;
  }
  // At or past the last event: a finished compile has nothing more to
  // send (WriteNextItemLocked ends the stream OK); a live one's stream is
  // caught up at the last event (SYNCED says so at once) and continues
  // with the next one logged.
  cursor_ = std::min(*after_sequence, job_->last_sequence());
  // The first message is the first replayed event, or SYNCED: no marker
  // before it, which would delay both by a write.
  WriteNextLocked();
}

std::string WatchStream::MarkerLocked(compilev1::EventType type) const {
  compilev1::CompileEvent marker;
  marker.set_type(type);
  marker.set_resume_after_sequence(cursor_);
  marker.set_name(job_->name());
  *marker.mutable_heartbeat_interval() = HeartbeatInterval();
  return marker.SerializeAsString();
}

std::string WatchStream::DrainMessageLocked() const {
  return absl::StrCat("server draining; resume with after_sequence=", cursor_);
}

bool WatchStream::WriteNextItemLocked() {
  if (SharedEvent next = job_->NextEvent(cursor_, this)) {
    cursor_ = next->event.sequence();
    host_->CountEventSent();
    StartSharedWriteLocked<compilev1::CompileEvent>(
        SharedWireSlice(std::move(next)));
    return true;
  }
  // Caught up with the log.
  if (absl::Status retained = job_->CheckRetained(cursor_); !retained.ok()) {
    FinishLocked(ToGrpcStatus(retained, host_->redactor()));
    return true;
  }
  if (job_->IsFinishedAfter(cursor_)) {
    FinishLocked(grpc::Status::OK);
    return true;
  }
  return false;
}

}  // namespace cxone

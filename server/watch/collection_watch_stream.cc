#include "server/watch/collection_watch_stream.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/api/grpc_status.h"
#include "server/api/request_decoder.h"

namespace cxone {

void CollectionWatchStream::Request(WatchStreamHost* host,
                                    grpc::ServerCompletionQueue* cq) {
  (new CollectionWatchStream(host, cq))->Arm();
}

CollectionWatchStream::CollectionWatchStream(WatchStreamHost* host,
                                             grpc::ServerCompletionQueue* cq)
    : StreamCall(host, cq, "/cxone.compile.v1.CompileService/WatchCompiles") {}

void CollectionWatchStream::RequestCall() {
  host_->RequestCollectionCall(&context_, &request_, &writer_, cq_,
                               request_tag());
}

void CollectionWatchStream::RequestNextCall() {
  host_->RequestNextCollectionWatch(cq_);
}

void CollectionWatchStream::Unregister() {
  if (!listening_) return;
  host_->collection()->RemoveListener(this);
  host_->collection()->CloseCursor();
}

void CollectionWatchStream::DescribeForAudit(RpcAudit& /*audit*/) const {}

void CollectionWatchStream::Begin() {
  compilev1::WatchCompilesRequest parsed;
  absl::Status valid = DecodeRequest(request_, &parsed);
  if (valid.ok()) {
    absl::StatusOr<CompileQuery> query =
        CompileQuery::FromFilter(parsed.filter());
    if (query.ok()) {
      query_ = *std::move(query);
      // A caller follows its own tenant's compiles only.
      query_.RestrictToTenant(caller_->tenant_name());
    } else {
      valid = query.status();
    }
  }
  if (!valid.ok()) {
    absl::MutexLock lock(&mu_);
    started_ = true;
    FinishLocked(ToGrpcStatus(valid, host_->redactor()));
    return;
  }
  listening_ = true;
  host_->collection()->OpenCursor();
  // Before taking mu_ (see WatchStream::Begin).
  const bool registered = RegisterWithWatchers();
  const uint64_t now = host_->collection()->revision();
  absl::MutexLock lock(&mu_);
  started_ = true;
  heartbeat_due_ = false;
  cursor_ = parsed.has_after_revision() ? std::min(parsed.after_revision(), now)
                                        : now;
  if (!registered) {
    FinishLocked(grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("server draining; resume with after_revision=", cursor_,
                     " on another gateway")));
    return;
  }
  WriteNextLocked();
}

bool CollectionWatchStream::Matches(const CollectionEntry& entry) const {
  return query_.MatchesTenant(entry.tenant) &&
         query_.MatchesIgnoringState(entry.flow_id, entry.create_time,
                                     *entry.labels) &&
         (query_.MatchesState(entry.state) ||
          query_.MatchesState(entry.previous_state));
}

bool CollectionWatchStream::WriteNextItemLocked() {
  CompileCollection& collection = *host_->collection();
  while (true) {
    absl::StatusOr<SharedEntry> next = collection.NextEntry(cursor_, this);
    if (!next.ok()) {
      FinishLocked(ToGrpcStatus(next.status(), host_->redactor()));
      return true;
    }
    if (*next == nullptr) return false;
    cursor_ = (*next)->revision;
    if (!Matches(**next)) continue;
    host_->CountCollectionEventSent();
    StartSharedWriteLocked<compilev1::WatchCompilesResponse>(
        SharedWireSlice(*std::move(next)));
    return true;
  }
}

std::string CollectionWatchStream::MarkerLocked(
    compilev1::EventType type) const {
  compilev1::WatchCompilesResponse marker;
  marker.mutable_event()->set_type(type);
  marker.set_resume_after_revision(cursor_);
  *marker.mutable_heartbeat_interval() = HeartbeatInterval();
  return marker.SerializeAsString();
}

std::string CollectionWatchStream::DrainMessageLocked() const {
  return absl::StrCat("server draining; resume with after_revision=", cursor_);
}

}  // namespace cxone

// CollectionWatchStream: one WatchCompiles call — a cursor into the
// collection's history of events (CompileCollection), filtered by a
// CompileQuery, written to the client at the client's own pace.
//
// The stream replays the matching entries after `after_revision` (or
// starts at the current revision), sends SYNCED once caught up, then every
// matching entry as it is added; entries that do not match move the
// cursor without a message, so markers carry how far the stream has looked
// (bookmarks). An entry matches when its compile matches the query apart
// from the states, and its state or previous state is one of the query's
// (the change by which a compile leaves the states is news). The stream
// never ends OK: it ends on a drain (UNAVAILABLE naming where to resume) or
// when its cursor falls behind the history (OUT_OF_RANGE).
//
// Entries go out as the bytes the collection made once for every stream; a
// stream costs its cursor and the one write in flight, however far it lags.
// The rest (writes, markers, drain, end) is StreamCall's.
//
// Thread-safe: server/LOCKING.md.
#ifndef CXONE_SERVER_WATCH_COLLECTION_WATCH_STREAM_H_
#define CXONE_SERVER_WATCH_COLLECTION_WATCH_STREAM_H_

#include <cstdint>
#include <string>

#include "server/jobs/compile_query.h"
#include "server/watch/stream_call.h"
#include "server/watch/watch_stream_host.h"

namespace cxone {

class CollectionWatchStream final : public StreamCall {
 public:
  // Asks the server for the next WatchCompiles call on `cq`. The stream
  // owns itself from here on. `host` must outlive it.
  static void Request(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);

 private:
  CollectionWatchStream(WatchStreamHost* host, grpc::ServerCompletionQueue* cq);
  ~CollectionWatchStream() override = default;

  void RequestCall() override;
  void RequestNextCall() override;
  void Begin() override;
  bool WriteNextItemLocked() override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string MarkerLocked(compilev1::EventType type) const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string DrainMessageLocked() const override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unregister() override;
  void DescribeForAudit(RpcAudit& audit) const override;

  bool Matches(const CollectionEntry& entry) const;

  // Set by Begin() before the first write, then constant.
  CompileQuery query_;
  bool listening_ = false;
  // The revision of the last entry looked at.
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_COLLECTION_WATCH_STREAM_H_

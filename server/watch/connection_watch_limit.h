// ConnectionWatchLimit: at most N watches (WatchCompile and WatchCompiles
// streams) open on one client connection, so that a client cannot hold all
// of a connection's HTTP/2 streams (--max-streams-per-connection) with
// watches and leave no room for its unary calls, nor one connection pin an
// unbounded share of the server's watch capacity. A connection is told
// apart by gRPC's peer string (`ipv4:127.0.0.1:40122`): one per TCP
// connection, as its client port is.
//
// Thread-safe.
#ifndef CXONE_SERVER_WATCH_CONNECTION_WATCH_LIMIT_H_
#define CXONE_SERVER_WATCH_CONNECTION_WATCH_LIMIT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace cxone {

class ConnectionWatchLimit {
 public:
  // REQUIRES: max_per_connection >= 1.
  explicit ConnectionWatchLimit(int64_t max_per_connection)
      : max_per_connection_(max_per_connection) {}
  ConnectionWatchLimit(const ConnectionWatchLimit&) = delete;
  ConnectionWatchLimit& operator=(const ConnectionWatchLimit&) = delete;

  // A place for one more watch on the connection `peer`, given back when
  // the returned handle is destroyed (it must not outlive the limit); or
  // ResourceExhausted saying how many the connection has open.
  absl::StatusOr<std::shared_ptr<void>> Admit(const std::string& peer);

  // Watches open on `peer` now.
  int64_t open(const std::string& peer) const;

 private:
  void Release(const std::string& peer);

  const int64_t max_per_connection_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int64_t> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_CONNECTION_WATCH_LIMIT_H_

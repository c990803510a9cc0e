// GatewayMetrics: the gateway's Prometheus metrics, served over HTTP on
// /metrics.
//
// Gauges are read when Prometheus scrapes, from functions the owner of each
// number registers (the watcher set's size, the scheduler's live compiles),
// so no code path has to remember to update them.
//
// Thread-safe (scrapes run on the HTTP server's threads).
#ifndef CXONE_SERVER_GATEWAY_METRICS_H_
#define CXONE_SERVER_GATEWAY_METRICS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace prometheus {
class Exposer;
}

namespace cxone {

class GatewayMetrics {
 public:
  // Serves /metrics on `listen` (host:port; port 0 picks a free one).
  // Unavailable, naming the address, when it cannot listen.
  static absl::StatusOr<std::unique_ptr<GatewayMetrics>> Serve(
      const std::string& listen);

  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;
  ~GatewayMetrics();

  // Adds a gauge `name` whose value is `read()` at every scrape. `read` must
  // stay callable for the life of this object.
  void AddGauge(std::string name, std::string help,
                std::function<double()> read);

  // The port /metrics is served on.
  int port() const;

 private:
  class Collector;
  GatewayMetrics();

  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_GATEWAY_METRICS_H_

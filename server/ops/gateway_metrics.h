// GatewayMetrics: the gateway's HTTP endpoint for operators — Prometheus
// metrics on /metrics, and the probes /healthz (the process answers) and
// /readyz (200 while the gateway can do its job, else 503).
//
// Every number is read when Prometheus scrapes, from functions the owner of
// each number registers (the watcher set's size, the upstream client's
// request counts, ...), so no code path has to remember to update a
// metric, and no component below main knows Prometheus.
//
// Thread-safe (scrapes run on the HTTP server's threads). Lock order (the
// read functions run with the metrics locked): server/LOCKING.md.
#ifndef CXONE_SERVER_OPS_GATEWAY_METRICS_H_
#define CXONE_SERVER_OPS_GATEWAY_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/counter_set.h"

namespace httplib {
class Server;
}

namespace cxone {

class GatewayMetrics {
 public:
  // Label values of one sample, in the order of the family's label names.
  using Samples = std::map<CounterSet::Labels, double>;
  using Histograms = std::map<CounterSet::Labels, Histogram::Snapshot>;

  // Serves on `listen` (host:port; port 0 picks a free one). Unavailable,
  // naming the address, when it cannot listen.
  static absl::StatusOr<std::unique_ptr<GatewayMetrics>> Serve(
      const std::string& listen);

  GatewayMetrics(const GatewayMetrics&) = delete;
  GatewayMetrics& operator=(const GatewayMetrics&) = delete;
  // Stops serving.
  ~GatewayMetrics();

  // A gauge `name` whose value is `read()` at every scrape. Every `read`
  // registered here must stay callable for the life of this object.
  void AddGauge(std::string name, std::string help,
                std::function<double()> read);
  // Families with labels `label_names`; `read` returns every sample.
  void AddGauges(std::string name, std::string help,
                 std::vector<std::string> label_names,
                 std::function<Samples()> read);
  void AddCounters(std::string name, std::string help,
                   std::vector<std::string> label_names,
                   std::function<Samples()> read);
  void AddHistograms(std::string name, std::string help,
                     std::vector<std::string> label_names,
                     std::function<Histograms()> read);

  // What /readyz reports: ready() true → 200, else 503 with `why()`.
  void SetReadiness(std::function<bool()> ready,
                    std::function<std::string()> why);

  // The port it serves on.
  int port() const { return port_; }

 private:
  struct Family;
  GatewayMetrics();
  std::string Render() const;

  mutable absl::Mutex mu_;
  std::vector<Family> families_ ABSL_GUARDED_BY(mu_);
  std::function<bool()> ready_ ABSL_GUARDED_BY(mu_);
  std::function<std::string()> why_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_GATEWAY_METRICS_H_

#include "server/gateway_metrics.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/metric_family.h"

namespace cxone {

class GatewayMetrics::Collector final : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, std::function<double()> read) {
    absl::MutexLock lock(&mu_);
    gauges_.push_back({std::move(name), std::move(help), std::move(read)});
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> families;
    for (const Gauge& gauge : gauges_) {
      prometheus::MetricFamily family;
      family.name = gauge.name;
      family.help = gauge.help;
      family.type = prometheus::MetricType::Gauge;
      prometheus::ClientMetric metric;
      metric.gauge.value = gauge.read();
      family.metric.push_back(std::move(metric));
      families.push_back(std::move(family));
    }
    return families;
  }

 private:
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  mutable absl::Mutex mu_;
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

GatewayMetrics::GatewayMetrics() : collector_(std::make_shared<Collector>()) {}

GatewayMetrics::~GatewayMetrics() = default;

absl::StatusOr<std::unique_ptr<GatewayMetrics>> GatewayMetrics::Serve(
    const std::string& listen) {
  std::unique_ptr<GatewayMetrics> metrics(new GatewayMetrics());
  // prometheus-cpp reports a failure to listen by throwing; it stops here.
  try {
    metrics->exposer_ = std::make_unique<prometheus::Exposer>(listen);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", error.what()));
  }
  metrics->exposer_->RegisterCollectable(metrics->collector_);
  return metrics;
}

void GatewayMetrics::AddGauge(std::string name, std::string help,
                              std::function<double()> read) {
  collector_->Add(std::move(name), std::move(help), std::move(read));
}

int GatewayMetrics::port() const {
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace cxone

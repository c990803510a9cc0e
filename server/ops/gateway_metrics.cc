#include "server/ops/gateway_metrics.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "prometheus/metric_family.h"
#include "prometheus/text_serializer.h"

namespace cxone {

struct GatewayMetrics::Family {
  std::string name;
  std::string help;
  prometheus::MetricType type;
  std::vector<std::string> label_names;
  std::function<Samples()> samples;        // gauges and counters
  std::function<Histograms()> histograms;  // histograms
};

namespace {

std::vector<prometheus::ClientMetric::Label> LabelsOf(
    const std::vector<std::string>& names, const CounterSet::Labels& values) {
  std::vector<prometheus::ClientMetric::Label> labels;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    labels.push_back({names[i], values[i]});
  }
  return labels;
}

}  // namespace

GatewayMetrics::GatewayMetrics()
    : server_(std::make_unique<httplib::Server>()) {}

GatewayMetrics::~GatewayMetrics() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::unique_ptr<GatewayMetrics>> GatewayMetrics::Serve(
    const std::string& listen) {
  std::unique_ptr<GatewayMetrics> metrics(new GatewayMetrics());
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics-listen must be HOST:PORT, got \"", listen, "\""));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') {
    host = host.substr(1, host.size() - 2);
  }
  GatewayMetrics* self = metrics.get();
  metrics->server_->Get(
      "/metrics", [self](const httplib::Request&, httplib::Response& response) {
        response.set_content(self->Render(), "text/plain; version=0.0.4");
      });
  metrics->server_->Get(
      "/healthz", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("ok\n", "text/plain");
      });
  metrics->server_->Get("/readyz", [self](const httplib::Request&,
                                          httplib::Response& response) {
    std::function<bool()> ready;
    std::function<std::string()> why;
    {
      absl::MutexLock lock(&self->mu_);
      ready = self->ready_;
      why = self->why_;
    }
    if (!ready || ready()) {
      response.set_content("ready\n", "text/plain");
    } else {
      response.status = 503;
      response.set_content(absl::StrCat("not ready: ", why ? why() : "", "\n"),
                           "text/plain");
    }
  });
  const int bound =
      port == 0 ? metrics->server_->bind_to_any_port(host)
                : (metrics->server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen,
                     ": the address is in use or not local"));
  }
  metrics->port_ = bound;
  metrics->thread_ =
      std::thread([self] { self->server_->listen_after_bind(); });
  return metrics;
}

void GatewayMetrics::AddGauge(std::string name, std::string help,
                              std::function<double()> read) {
  AddGauges(std::move(name), std::move(help), {}, [read = std::move(read)] {
    return Samples{{{}, read()}};
  });
}

void GatewayMetrics::AddGauges(std::string name, std::string help,
                               std::vector<std::string> label_names,
                               std::function<Samples()> read) {
  absl::MutexLock lock(&mu_);
  families_.push_back({std::move(name), std::move(help),
                       prometheus::MetricType::Gauge, std::move(label_names),
                       std::move(read), nullptr});
}

void GatewayMetrics::AddCounters(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::function<Samples()> read) {
  absl::MutexLock lock(&mu_);
  families_.push_back({std::move(name), std::move(help),
                       prometheus::MetricType::Counter, std::move(label_names),
                       std::move(read), nullptr});
}

void GatewayMetrics::AddHistograms(std::string name, std::string help,
                                   std::vector<std::string> label_names,
                                   std::function<Histograms()> read) {
  absl::MutexLock lock(&mu_);
  families_.push_back({std::move(name), std::move(help),
                       prometheus::MetricType::Histogram,
                       std::move(label_names), nullptr, std::move(read)});
}

void GatewayMetrics::SetReadiness(std::function<bool()> ready,
                                  std::function<std::string()> why) {
  absl::MutexLock lock(&mu_);
  ready_ = std::move(ready);
  why_ = std::move(why);
}

std::string GatewayMetrics::Render() const {
  std::vector<prometheus::MetricFamily> families;
  absl::MutexLock lock(&mu_);
  for (const Family& source : families_) {
    prometheus::MetricFamily family;
    family.name = source.name;
    family.help = source.help;
    family.type = source.type;
    if (source.samples) {
      for (const auto& [values, value] : source.samples()) {
        prometheus::ClientMetric metric;
        metric.label = LabelsOf(source.label_names, values);
        if (source.type == prometheus::MetricType::Counter) {
          metric.counter.value = value;
        } else {
          metric.gauge.value = value;
        }
        family.metric.push_back(std::move(metric));
      }
    } else {
      for (const auto& [values, snapshot] : source.histograms()) {
        prometheus::ClientMetric metric;
        metric.label = LabelsOf(source.label_names, values);
        metric.histogram.sample_count = snapshot.count;
        metric.histogram.sample_sum = snapshot.sum;
        for (size_t i = 0; i < snapshot.bounds.size(); ++i) {
          metric.histogram.bucket.push_back(
              {snapshot.cumulative[i], snapshot.bounds[i]});
        }
        metric.histogram.bucket.push_back(
            {snapshot.count, std::numeric_limits<double>::infinity()});
        family.metric.push_back(std::move(metric));
      }
    }
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace cxone

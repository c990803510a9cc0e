// CounterSet and Histogram: numbers a component keeps for its metrics, read
// by the metrics endpoint at scrape time, so that components need not know
// Prometheus.
//
// Thread-safe.
#ifndef CXONE_COMMON_COUNTER_SET_H_
#define CXONE_COMMON_COUNTER_SET_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace cxone {

// Counters keyed by label values (e.g. {"status", "200"}).
class CounterSet {
 public:
  using Labels = std::vector<std::string>;

  void Add(const Labels& labels, double amount = 1) {
    absl::MutexLock lock(&mu_);
    counts_[labels] += amount;
  }
  std::map<Labels, double> Snapshot() const {
    absl::MutexLock lock(&mu_);
    return counts_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<Labels, double> counts_ ABSL_GUARDED_BY(mu_);
};

// Observations counted into buckets with fixed upper bounds.
class Histogram {
 public:
  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound
    uint64_t count = 0;
    double sum = 0;
  };

  // `bounds` ascending.
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {}

  void Observe(double value) {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < bounds_.size(); ++i) {
      if (value <= bounds_[i]) {
        ++counts_[i];
        break;
      }
    }
    ++count_;
    sum_ += value;
  }

  Snapshot Read() const {
    absl::MutexLock lock(&mu_);
    Snapshot snapshot{bounds_, {}, count_, sum_};
    uint64_t running = 0;
    for (uint64_t count : counts_) {
      running += count;
      snapshot.cumulative.push_back(running);
    }
    return snapshot;
  }

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_COMMON_COUNTER_SET_H_

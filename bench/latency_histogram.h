// LatencyHistogram: latencies the benchmarks record from many threads at
// once, and their percentiles.
#ifndef CXONE_BENCH_LATENCY_HISTOGRAM_H_
#define CXONE_BENCH_LATENCY_HISTOGRAM_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

namespace cxone::bench {

// Latencies in 100 us buckets up to 60 s (the last bucket takes the rest);
// recorded from many threads at once (gRPC's, say) without a lock.
class LatencyHistogram {
 public:
  static constexpr int64_t kBucketUs = 100;
  static constexpr int64_t kBuckets = 600'001;

  LatencyHistogram()
      : buckets_(std::make_unique<std::atomic<uint64_t>[]>(kBuckets)) {
    for (int64_t i = 0; i < kBuckets; ++i) buckets_[i].store(0);
  }

  void Record(int64_t micros) {
    if (micros < 0) {
      negative_.fetch_add(1, std::memory_order_relaxed);
      micros = 0;
    }
    const int64_t bucket = std::min(micros / kBucketUs, kBuckets - 1);
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    int64_t max = max_us_.load(std::memory_order_relaxed);
    while (micros > max && !max_us_.compare_exchange_weak(max, micros)) {
    }
  }

  // The upper edge of the bucket holding the p-quantile, in ms.
  double PercentileMs(double p) const {
    const uint64_t count = count_.load();
    if (count == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(
        std::max(1.0, p * static_cast<double>(count) + 0.5));
    uint64_t seen = 0;
    for (int64_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i].load();
      if (seen >= rank) {
        return std::min(static_cast<double>((i + 1) * kBucketUs),
                        static_cast<double>(max_us_.load())) /
               1000.0;
      }
    }
    return MaxMs();
  }
  double MaxMs() const { return static_cast<double>(max_us_.load()) / 1000; }
  uint64_t count() const { return count_.load(); }
  uint64_t negative() const { return negative_.load(); }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> negative_{0};
  std::atomic<int64_t> max_us_{0};
};

}  // namespace cxone::bench

#endif  // CXONE_BENCH_LATENCY_HISTOGRAM_H_

#include "server/ops/compile_outcomes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"

namespace cxone {
namespace {

// Seconds: compiles take from a second to many minutes.
const std::vector<double> kDurationBounds = {1,  2,   5,   10,  20,  30,
                                             60, 120, 300, 600, 1800};

}  // namespace

void CompileOutcomes::OnEvents(const CompileJob& job,
                               const std::vector<SharedEvent>& events) {
  for (const SharedEvent& logged : events) {
    const compilev1::CompileEvent& event = logged->event;
    if (event.type() != compilev1::EVENT_TYPE_STATE_CHANGED ||
        !IsTerminal(event.state())) {
      continue;
    }
    const std::string outcome = absl::AsciiStrToLower(
        absl::StripPrefix(compilev1::State_Name(event.state()), "STATE_"));
    finished_.Add({outcome});
    using google::protobuf::util::TimeUtil;
    const double seconds =
        static_cast<double>(
            TimeUtil::TimestampToMicroseconds(event.time()) -
            TimeUtil::TimestampToMicroseconds(job.Snapshot().create_time())) /
        1e6;
    absl::MutexLock lock(&mu_);
    durations_.try_emplace(outcome, kDurationBounds)
        .first->second.Observe(std::max(0.0, seconds));
  }
}

std::map<CounterSet::Labels, Histogram::Snapshot> CompileOutcomes::durations()
    const {
  absl::MutexLock lock(&mu_);
  std::map<CounterSet::Labels, Histogram::Snapshot> snapshots;
  for (const auto& [outcome, histogram] : durations_) {
    snapshots[{outcome}] = histogram.Read();
  }
  return snapshots;
}

}  // namespace cxone

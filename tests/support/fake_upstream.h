// FakeUpstream: a scripted CompileUpstream for tests of starting and
// polling compiles without HTTP.
//
// Trigger answers from `trigger_result` (or blocks until Release() when
// `hold_triggers` is set); GetStatus answers from a per-compile queue of
// statuses, repeating the last one.
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_FAKE_UPSTREAM_H_
#define CXONE_TESTS_SUPPORT_FAKE_UPSTREAM_H_

#include <deque>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "server/upstream/compile_upstream.h"

namespace cxone::testing {

class FakeUpstream final : public upstream::CompileUpstream {
 public:
  absl::StatusOr<upstream::TriggerResult> Trigger(
      const std::string& flow_id, const nlohmann::json& directives) override {
    absl::MutexLock lock(&mu_);
    ++triggers_;
    last_directives_ = directives;
    last_flow_ = flow_id;
    auto released = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !hold_triggers_;
    };
    mu_.Await(absl::Condition(&released));
    return trigger_result_;
  }

  absl::StatusOr<upstream::CompileStatus> GetStatus(
      const std::string& flow_id, const std::string& compile_id) override {
    absl::MutexLock lock(&mu_);
    ++polls_;
    auto& queue = statuses_[compile_id];
    if (queue.empty()) return absl::UnavailableError("no status scripted");
    absl::StatusOr<upstream::CompileStatus> next = queue.front();
    if (queue.size() > 1) queue.pop_front();
    if (next.ok()) {
      next->flow_id = flow_id;
      next->compile_id = compile_id;
    }
    return next;
  }

  void SetTriggerResult(absl::StatusOr<upstream::TriggerResult> result) {
    absl::MutexLock lock(&mu_);
    trigger_result_ = std::move(result);
  }
  void HoldTriggers(bool hold) {
    absl::MutexLock lock(&mu_);
    hold_triggers_ = hold;
  }
  // Queues the statuses the compile reports, in order.
  void Script(const std::string& compile_id,
              std::deque<absl::StatusOr<upstream::CompileStatus>> statuses) {
    absl::MutexLock lock(&mu_);
    statuses_[compile_id] = std::move(statuses);
  }
  int triggers() const {
    absl::MutexLock lock(&mu_);
    return triggers_;
  }
  int polls() const {
    absl::MutexLock lock(&mu_);
    return polls_;
  }
  nlohmann::json last_directives() const {
    absl::MutexLock lock(&mu_);
    return last_directives_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::StatusOr<upstream::TriggerResult> trigger_result_ ABSL_GUARDED_BY(mu_) =
      absl::UnavailableError("no trigger scripted");
  bool hold_triggers_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, std::deque<absl::StatusOr<upstream::CompileStatus>>>
      statuses_ ABSL_GUARDED_BY(mu_);
  int triggers_ ABSL_GUARDED_BY(mu_) = 0;
  int polls_ ABSL_GUARDED_BY(mu_) = 0;
  nlohmann::json last_directives_ ABSL_GUARDED_BY(mu_);
  std::string last_flow_ ABSL_GUARDED_BY(mu_);
};

// A status with `status` and no diagnostics.
inline upstream::CompileStatus Status(std::string status) {
  upstream::CompileStatus result;
  result.status = std::move(status);
  return result;
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_UPSTREAM_H_

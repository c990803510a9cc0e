#include "server/jobs/poll_scheduler.h"

#include <vector>

namespace cxone {
namespace {

// The scheduler thread re-checks at least this often (early polls depend on
// the budget refilling, which signals nothing).
constexpr absl::Duration kMaxIdle = absl::Milliseconds(50);

}  // namespace

PollScheduler::PollScheduler(PollSchedulerConfig config,
                             upstream::CompileUpstream* upstream,
                             const upstream::RateBudget* budget,
                             WorkerPool* workers, Clock* clock, JsonLog* log,
                             absl::flat_hash_map<std::string, double> tenant_weights)
    : config_(config),
      upstream_(upstream),
      budget_(budget),
      workers_(workers),
      clock_(clock),
      log_(log),
      tenant_weights_(std::move(tenant_weights)) {}

size_t PollScheduler::TenantIndexLocked(const std::string& tenant) {
  for (size_t i = 0; i < tenants_.size(); ++i) {
    if (tenants_[i].name == tenant) return i;
  }
  auto weight = tenant_weights_.find(tenant);
  tenants_.push_back(TenantShare{
      tenant, weight == tenant_weights_.end() ? 1 : weight->second, 0});
  return tenants_.size() - 1;
}

double PollScheduler::StartTagLocked(size_t index) const {
  return std::max(virtual_time_, tenants_[index].finish_tag);
}

PollScheduler::~PollScheduler() { Shutdown(); }

absl::Duration PollScheduler::IntervalFor(const CompileJob& job) const {
  return job.Snapshot().state() == compilev1::STATE_QUEUED
             ? config_.queued_poll_interval
             : config_.in_progress_poll_interval;
}

void PollScheduler::Track(std::shared_ptr<CompileJob> job) {
  if (job->terminal()) return;
  const absl::Time now = clock_->Now();
  const absl::Duration interval = IntervalFor(*job);
  absl::MutexLock lock(&mu_);
  const CompileJob* key = job.get();
  const size_t tenant = TenantIndexLocked(job->tenant());
  entries_.try_emplace(key,
                       Entry{std::move(job), now + interval, now, false, tenant});
  ++changes_;
}

PollScheduler::Entry* PollScheduler::PickLocked(absl::Time now) {
  if (outstanding_ >= config_.max_outstanding_polls) return nullptr;
  // During a Retry-After pause a poll could only wait (or time out): hand
  // none out until it ends.
  if (budget_ != nullptr && budget_->paused_until() != absl::InfinitePast()) {
    return nullptr;
  }
  // The earliest entry overall (for an early poll), and among the due ones
  // the earliest of the tenant whose turn it is.
  Entry* earliest = nullptr;
  Entry* fair = nullptr;
  std::vector<double> tags(tenants_.size());
  for (size_t i = 0; i < tenants_.size(); ++i) tags[i] = StartTagLocked(i);
  for (auto& [key, entry] : entries_) {
    if (entry.outstanding) continue;
    if (earliest == nullptr || entry.due < earliest->due) earliest = &entry;
    if (entry.due > now) continue;
    if (fair == nullptr || tags[entry.tenant] < tags[fair->tenant] ||
        (tags[entry.tenant] == tags[fair->tenant] && entry.due < fair->due)) {
      fair = &entry;
    }
  }
  if (earliest == nullptr) return nullptr;
  if (fair != nullptr) return fair;
  // Nothing is due: poll early only with budget to spare beyond the polls
  // already handed out, leaving a reserve for interactive requests.
  if (budget_ == nullptr) return nullptr;
  const int64_t reserve = std::max<int64_t>(1, budget_->config().burst / 2);
  if (budget_->AvailableTokens() < outstanding_ + reserve + 1) return nullptr;
  if (now - earliest->last_poll < config_.min_poll_interval) return nullptr;
  return earliest;
}

int PollScheduler::DispatchDue() {
  std::vector<std::shared_ptr<CompileJob>> to_poll;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return 0;
    const absl::Time now = clock_->Now();
    while (Entry* entry = PickLocked(now)) {
      TenantShare& share = tenants_[entry->tenant];
      virtual_time_ = StartTagLocked(entry->tenant);
      share.finish_tag = virtual_time_ + 1 / share.weight;
      entry->outstanding = true;
      ++outstanding_;
      to_poll.push_back(entry->job);
    }
  }
  for (std::shared_ptr<CompileJob>& job : to_poll) {
    if (!workers_->Submit([this, job] { PollOnce(job); })) {
      // Shutting down: the job stays as it is, unpolled.
      absl::MutexLock lock(&mu_);
      --outstanding_;
    }
  }
  return static_cast<int>(to_poll.size());
}

void PollScheduler::PollOnce(std::shared_ptr<CompileJob> job) {
  const CompileName& name = job->compile_name();
  absl::StatusOr<upstream::CompileStatus> status =
      upstream_->GetStatus(name.flow_id, name.compile_id);
  const absl::Time now = clock_->Now();
  bool terminal = false;
  if (status.ok()) {
    terminal = job->ApplyStatus(*status, now);
  } else if (absl::IsUnavailable(status.status()) ||
             absl::IsDeadlineExceeded(status.status())) {
    // CXone could not be asked: no news, and no time counted as "no
    // change" (a compile never times out because CXone was unreachable).
    job->NoteUnreachable();
    if (!stopping()) {
      log_->Warn("status poll failed; will poll again",
                 {{"compile", job->name()},
                  {"error", std::string(status.status().message())}});
    }
  } else {
    log_->Error("status poll refused by CXone",
                {{"compile", job->name()},
                 {"code", absl::StatusCodeToString(status.status().code())},
                 {"error", std::string(status.status().message())}});
    terminal = job->ApplyError(status.status(), now);
  }
  if (!terminal) terminal = job->Tick(now);
  if (terminal) {
    const compilev1::Compile compile = job->Snapshot();
    log_->Info("compile finished", {{"compile", job->name()},
                                    {"state", StateName(compile.state())},
                                    {"errors", compile.errors_size()}});
  }
  const absl::Duration interval = IntervalFor(*job);
  absl::MutexLock lock(&mu_);
  --outstanding_;
  ++changes_;
  auto it = entries_.find(job.get());
  if (it == entries_.end()) return;
  if (terminal) {
    entries_.erase(it);
    return;
  }
  it->second.outstanding = false;
  it->second.last_poll = now;
  it->second.due = now + interval;
}

void PollScheduler::OnUpstreamPaused(absl::Time until) {
  std::vector<std::shared_ptr<CompileJob>> jobs;
  {
    absl::MutexLock lock(&mu_);
    jobs.reserve(entries_.size());
    for (auto& [key, entry] : entries_) jobs.push_back(entry.job);
  }
  const absl::Time now = clock_->Now();
  for (const std::shared_ptr<CompileJob>& job : jobs) {
    job->NoteThrottled(until, now);
  }
}

void PollScheduler::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PollScheduler::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    ++changes_;
  }
  if (thread_.joinable()) thread_.join();
}

bool PollScheduler::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

int64_t PollScheduler::live_compiles() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(entries_.size());
}

int64_t PollScheduler::outstanding_polls() const {
  absl::MutexLock lock(&mu_);
  return outstanding_;
}

void PollScheduler::Run() {
  while (true) {
    DispatchDue();
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    // Sleep until the earliest due time, a change (new compile, finished
    // poll, shutdown), or kMaxIdle, whichever comes first.
    absl::Duration wait = kMaxIdle;
    const absl::Time now = clock_->Now();
    for (const auto& [key, entry] : entries_) {
      if (!entry.outstanding) wait = std::min(wait, entry.due - now);
    }
    if (wait <= absl::ZeroDuration()) {
      // Due but not dispatched (at the outstanding cap): wait for a change.
      wait = kMaxIdle;
    }
    const uint64_t seen = changes_;
    auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return changes_ != seen;
    };
    clock_->AwaitWithDeadline(mu_, absl::Condition(&changed), now + wait);
  }
}

}  // namespace cxone

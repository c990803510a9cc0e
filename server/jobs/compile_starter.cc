#include "server/jobs/compile_starter.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "google/protobuf/util/time_util.h"
#include "server/jobs/directives_json.h"

namespace cxone {
namespace {

constexpr size_t kMaxRequestIdLength = 256;

}  // namespace

CompileStarter::CompileStarter(
    upstream::CompileUpstream* upstream, JobRegistry* registry,
    RequestIdIndex* request_ids, PollScheduler* scheduler, WorkerPool* workers,
    Clock* clock, JsonLog* log, LifecycleTimeouts timeouts,
    int64_t max_pending_starts, Journal* journal, JobObserver* observer)
    : upstream_(upstream),
      registry_(registry),
      request_ids_(request_ids),
      scheduler_(scheduler),
      workers_(workers),
      clock_(clock),
      log_(log),
      timeouts_(timeouts),
      max_pending_starts_(max_pending_starts),
      journal_(journal),
      observer_(observer),
      own_key_prefix_(
          absl::StrCat(kOwnKeyPrefix, absl::ToUnixMicros(clock->Now()), "-")) {}

void CompileStarter::Start(const compilev1::StartCompileRequest& request,
                           Done done) {
  if (absl::Status valid = ValidateFlowId(request.flow_id()); !valid.ok()) {
    done(valid);
    return;
  }
  if (request.request_id().size() > kMaxRequestIdLength) {
    done(absl::InvalidArgumentError(absl::StrCat(
        "request_id is ", request.request_id().size(), " bytes long; at most ",
        kMaxRequestIdLength, " are allowed")));
    return;
  }
  if (absl::StartsWith(request.request_id(), "~")) {
    done(absl::InvalidArgumentError(
        "request_id must not start with \"~\" (reserved for the gateway)"));
    return;
  }
  absl::StatusOr<nlohmann::json> directives = DirectivesJson(request);
  if (!directives.ok()) {
    done(directives.status());
    return;
  }
  auto finish = [done](const RequestIdIndex::JobOrError& job) {
    if (!job.ok()) {
      done(job.status());
    } else {
      done((*job)->Snapshot());
    }
  };
  const std::string flow_id = request.flow_id();
  const std::string request_id = request.request_id();
  if (!request_id.empty()) {
    absl::StatusOr<RequestIdIndex::Claim> claim =
        request_ids_->ClaimOrJoin(request_id, flow_id, finish);
    if (!claim.ok()) {
      done(claim.status());
      return;
    }
    if (*claim != RequestIdIndex::Claim::kFirst) return;
  }
  auto refuse = [this, request_id, done](absl::Status error) {
    if (!request_id.empty()) request_ids_->Complete(request_id, error);
    done(std::move(error));
  };
  if (pending_starts_.fetch_add(1) >= max_pending_starts_) {
    pending_starts_.fetch_sub(1);
    refuse(absl::ResourceExhaustedError(absl::StrCat(
        "too many compiles are waiting to be started (", max_pending_starts_,
        "); CXone's rate limit is the bottleneck, retry with backoff")));
    return;
  }
  SubmitTrigger(flow_id, *std::move(directives), request_id, refuse, finish);
}

void CompileStarter::ResumePending(const StoredRequestId& intent) {
  nlohmann::json directives;
  if (!intent.directives_json.empty()) {
    directives = nlohmann::json::parse(intent.directives_json, nullptr,
                                       /*allow_exceptions=*/false);
    if (directives.is_discarded()) directives = nlohmann::json();
  }
  auto report = [this, intent](const RequestIdIndex::JobOrError& job) {
    if (job.ok()) {
      log_->Info(
          "resumed an interrupted start",
          {{"request_id", intent.request_id}, {"compile", (*job)->name()}});
    } else {
      log_->Warn("an interrupted start failed again",
                 {{"request_id", intent.request_id},
                  {"error", std::string(job.status().message())}});
    }
  };
  absl::StatusOr<RequestIdIndex::Claim> claim =
      request_ids_->ClaimOrJoin(intent.request_id, intent.flow_id, report);
  if (!claim.ok() || *claim != RequestIdIndex::Claim::kFirst) return;
  auto refuse = [this, intent, report](absl::Status error) {
    request_ids_->Complete(intent.request_id, error);
    report(error);
  };
  pending_starts_.fetch_add(1);
  SubmitTrigger(intent.flow_id, std::move(directives), intent.request_id,
                refuse, report);
}

void CompileStarter::SubmitTrigger(
    const std::string& flow_id, nlohmann::json directives,
    const std::string& request_id, std::function<void(absl::Status)> refuse,
    std::function<void(RequestIdIndex::JobOrError)> finish) {
  auto trigger = [this, flow_id, request_id, directives = std::move(directives),
                  finish] {
    RequestIdIndex::JobOrError job =
        TriggerAndRegister(flow_id, directives, request_id);
    pending_starts_.fetch_sub(1);
    if (!request_id.empty()) request_ids_->Complete(request_id, job);
    finish(job);
  };
  if (!workers_->Submit(trigger)) {
    pending_starts_.fetch_sub(1);
    refuse(absl::UnavailableError(
        "the gateway is shutting down; retry elsewhere"));
  }
}

absl::Status CompileStarter::CheckNotReused(
    const upstream::TriggerResult& triggered, const CompileJob& known,
    absl::Time sent_at) {
  const compilev1::Compile compile = known.Snapshot();
  const absl::Time created = absl::FromUnixMicros(
      google::protobuf::util::TimeUtil::TimestampToMicroseconds(
          compile.create_time()));
  // A fresh compile cannot be one the gateway knew before it asked; a
  // running one cannot be one CXone reported finished before the gateway
  // asked (TIMED_OUT is the gateway's own verdict: CXone may well still be
  // running that compile). Otherwise CXone gave an old compile's id to a
  // new one.
  const bool finished_upstream =
      compile.state() == compilev1::STATE_COMPLETED ||
      compile.state() == compilev1::STATE_FAILED;
  const bool reused = triggered.already_running
                          ? finished_upstream && known.last_change() < sent_at
                          : created < sent_at;
  if (!reused) return absl::OkStatus();
  reused_compile_ids_.fetch_add(1);
  log_->Error("upstream anomaly: CXone reused a compile id",
              {{"compile", known.name()},
               {"answer", triggered.already_running ? "409" : "201"},
               {"known_state", StateName(compile.state())}});
  return absl::AbortedError(absl::StrCat(
      "CXone answered the request to compile flow \"",
      known.compile_name().flow_id, "\" with compile id \"",
      triggered.compile_id, "\", an id it had already given to ", known.name(),
      " (", StateName(compile.state()),
      "); the gateway cannot tell the two compiles apart and will not "
      "report the old one's result as the new one's. The new compile is not "
      "followed (a retry starts another)"));
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileStarter::TriggerAndRegister(
    const std::string& flow_id, const nlohmann::json& directives,
    const std::string& request_id) {
  // The intent first: if it cannot be recorded, CXone is not called.
  const std::string key =
      !request_id.empty()
          ? request_id
          : absl::StrCat(own_key_prefix_, own_keys_.fetch_add(1));
  const StoredRequestId record{key, flow_id,
                               directives.is_null() ? "" : directives.dump(),
                               "", clock_->Now()};
  StoreBatch intent;
  intent.request_ids.push_back(record);
  if (absl::Status recorded = journal_->Commit(std::move(intent));
      !recorded.ok()) {
    log_->Error(
        "cannot record a start",
        {{"flow", flow_id}, {"error", std::string(recorded.message())}});
    return absl::UnavailableError(absl::StrCat(
        "the gateway cannot record new compiles (", recorded.message(),
        "); nothing was started, retry later"));
  }
  // Drops the intent of a start that ends in an error: the caller was told,
  // so the key is free for a retry and a restart does not trigger it.
  auto forget_key = [&] {
    StoreBatch forget;
    forget.forgotten_request_ids.push_back(key);
    (void)journal_->Commit(std::move(forget));
  };
  // What binds the key to the compile, in the compile's first commit; a key
  // of the gateway's own is done with once the compile is recorded.
  auto binding = [&](const std::string& compile_name) {
    StoreBatch batch;
    if (request_id.empty()) {
      batch.forgotten_request_ids.push_back(key);
    } else {
      batch.request_ids.push_back(record);
      batch.request_ids.back().compile_name = compile_name;
    }
    return batch;
  };
  const absl::Time sent_at = clock_->Now();
  absl::StatusOr<upstream::TriggerResult> triggered =
      upstream_->Trigger(flow_id, directives);
  if (!triggered.ok()) {
    log_->Warn("trigger failed",
               {{"flow", flow_id},
                {"code", absl::StatusCodeToString(triggered.status().code())},
                {"error", std::string(triggered.status().message())}});
    forget_key();
    if (http::MayHaveBeenDelivered(triggered.status())) {
      return absl::Status(
          triggered.status().code(),
          absl::StrCat(
              triggered.status().message(),
              request_id.empty()
                  ? ". Starting this flow again starts another compile unless "
                    "CXone reports one running; with a request_id a retry "
                    "would adopt the running one"
                  : ". Retry with the same request_id: the gateway asks CXone "
                    "again and adopts the compile CXone reports as running "
                    "(CXone cannot list a flow's compiles: if that one has "
                    "already finished, a new one is started)"));
    }
    return triggered.status();
  }
  const CompileName name{flow_id, triggered->compile_id};
  auto attach = [&](std::shared_ptr<CompileJob> existing)
      -> absl::StatusOr<std::shared_ptr<CompileJob>> {
    if (absl::Status bound = journal_->Commit(binding(existing->name()));
        !bound.ok()) {
      return absl::UnavailableError(
          absl::StrCat("the gateway cannot record the compile (",
                       bound.message(), "); retry with the same request_id"));
    }
    log_->Info("attached to running compile", {{"compile", existing->name()}});
    return existing;
  };
  if (std::shared_ptr<CompileJob> existing = registry_->Find(name.ToString())) {
    if (absl::Status reused = CheckNotReused(*triggered, *existing, sent_at);
        !reused.ok()) {
      forget_key();  // nothing the gateway follows can the key name
      return reused;
    }
    return attach(std::move(existing));
  }
  auto job = std::make_shared<CompileJob>(name, clock_->Now(), timeouts_,
                                          journal_, observer_);
  upstream::CompileStatus first;
  if (triggered->already_running) {
    // CXone named a compile the gateway did not start: learn its state now
    // so the caller gets a real answer, not a guess.
    absl::StatusOr<upstream::CompileStatus> status =
        upstream_->GetStatus(flow_id, triggered->compile_id);
    if (!status.ok()) return status.status();
    first = *std::move(status);
  } else {
    first.flow_id = flow_id;
    first.compile_id = triggered->compile_id;
    first.status = triggered->status;
  }
  if (absl::Status recorded =
          job->ApplyFirstStatus(first, clock_->Now(), binding(job->name()));
      !recorded.ok()) {
    // Another start may have recorded this compile first (CXone named it
    // to both); else the store is failing.
    if (std::shared_ptr<CompileJob> existing =
            registry_->Find(name.ToString())) {
      return attach(std::move(existing));
    }
    log_->Error(
        "cannot record a started compile",
        {{"compile", job->name()}, {"error", std::string(recorded.message())}});
    return absl::UnavailableError(
        absl::StrCat("CXone started compile ", job->name(),
                     " but the gateway cannot record it (", recorded.message(),
                     "); retry with the same request_id to adopt it"));
  }
  auto [registered, added] = registry_->AddIfAbsent(job);
  if (!added) return attach(std::move(registered));
  log_->Info(triggered->already_running ? "attached to running compile"
                                        : "compile started",
             {{"compile", registered->name()},
              {"state", StateName(registered->Snapshot().state())}});
  scheduler_->Track(registered);
  return registered;
}

}  // namespace cxone

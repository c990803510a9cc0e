#include "server/jobs/compile_starter.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "google/protobuf/util/time_util.h"
#include "server/jobs/directives_json.h"

namespace cxone {
namespace {

// Whether `intent` is under a key of the gateway's own (a start without a
// request_id), which no caller can name.
bool IsOwnKey(const StoredRequestId& intent) {
  return absl::StartsWith(intent.request_id, kOwnKeyPrefix);
}

// What binds `intent` to the compile `compile_name`, committed with the
// compile's first record (or alone, when attaching to a known compile). A
// key of the gateway's own is done with once the compile is recorded.
StoreBatch Binding(const StoredRequestId& intent,
                   const std::string& compile_name) {
  StoreBatch batch;
  if (IsOwnKey(intent)) {
    batch.forgotten_request_ids.push_back({intent.tenant, intent.request_id});
  } else {
    batch.request_ids.push_back(intent);
    batch.request_ids.back().compile_name = compile_name;
  }
  return batch;
}

// A request's labels, in key order.
Labels LabelsOf(const compilev1::StartCompileRequest& request) {
  return Labels(request.labels().begin(), request.labels().end());
}

}  // namespace

CompileStarter::CompileStarter(
    upstream::CompileUpstream* upstream, JobRegistry* registry,
    RequestIdIndex* request_ids, PollScheduler* scheduler, WorkerPool* workers,
    Clock* clock, JsonLog* log, LifecycleTimeouts timeouts,
    int64_t max_pending_starts, Journal* journal, JobObserver* observer,
    absl::flat_hash_map<std::string, double> tenant_weights)
    : upstream_(upstream),
      registry_(registry),
      request_ids_(request_ids),
      scheduler_(scheduler),
      triggers_(workers, workers->threads(), std::move(tenant_weights)),
      clock_(clock),
      log_(log),
      timeouts_(timeouts),
      max_pending_starts_(max_pending_starts),
      journal_(journal),
      observer_(observer),
      own_key_prefix_(
          absl::StrCat(kOwnKeyPrefix, absl::ToUnixMicros(clock->Now()), "-")) {}

void CompileStarter::Start(const compilev1::StartCompileRequest& request,
                           const std::string& tenant, Done done) {
  if (absl::Status valid = ValidateFlowId(request.flow_id()); !valid.ok()) {
    done(valid);
    return;
  }
  if (absl::Status valid = ValidateRequestId(request.request_id());
      !valid.ok()) {
    done(valid);
    return;
  }
  absl::StatusOr<nlohmann::json> directives = DirectivesJson(request);
  if (!directives.ok()) {
    done(directives.status());
    return;
  }
  Labels labels = LabelsOf(request);
  if (absl::Status valid = ValidateLabels(labels); !valid.ok()) {
    done(valid);
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
  const RequestIdKey key(tenant, request.request_id());
  if (!key.request_id.empty()) {
    absl::StatusOr<RequestIdIndex::Claim> claim =
        request_ids_->ClaimOrJoin(key, flow_id, labels, finish);
    if (!claim.ok()) {
      done(claim.status());
      return;
    }
    if (*claim != RequestIdIndex::Claim::kFirst) return;
  }
  auto refuse = [this, key, done](absl::Status error) {
    if (!key.request_id.empty()) request_ids_->Complete(key, error);
    done(std::move(error));
  };
  if (pending_starts_.fetch_add(1) >= max_pending_starts_) {
    pending_starts_.fetch_sub(1);
    refuse(absl::ResourceExhaustedError(absl::StrCat(
        "too many compiles are waiting to be started (", max_pending_starts_,
        "); CXone's rate limit is the bottleneck, retry with backoff")));
    return;
  }
  SubmitTrigger(flow_id, *std::move(directives), std::move(labels), key, refuse,
                finish);
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
  const RequestIdKey key(intent.tenant, intent.request_id);
  absl::StatusOr<RequestIdIndex::Claim> claim =
      request_ids_->ClaimOrJoin(key, intent.flow_id, intent.labels, report);
  if (!claim.ok() || *claim != RequestIdIndex::Claim::kFirst) return;
  auto refuse = [this, key, report](absl::Status error) {
    request_ids_->Complete(key, error);
    report(error);
  };
  pending_starts_.fetch_add(1);
  SubmitTrigger(intent.flow_id, std::move(directives), intent.labels, key,
                refuse, report);
}

void CompileStarter::SubmitTrigger(
    const std::string& flow_id, nlohmann::json directives, Labels labels,
    const RequestIdKey& key, std::function<void(absl::Status)> refuse,
    std::function<void(RequestIdIndex::JobOrError)> finish) {
  auto trigger = [this, flow_id, key, directives = std::move(directives),
                  labels = std::move(labels), finish] {
    RequestIdIndex::JobOrError job =
        TriggerAndRegister(flow_id, directives, labels, key);
    pending_starts_.fetch_sub(1);
    if (!key.request_id.empty()) request_ids_->Complete(key, job);
    finish(job);
  };
  triggers_.Submit(key.tenant, std::move(trigger), [this, refuse] {
    pending_starts_.fetch_sub(1);
    refuse(absl::UnavailableError(
        "the gateway is shutting down; retry elsewhere"));
  });
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
    const Labels& labels, const RequestIdKey& key) {
  const StoredRequestId intent = NewIntent(flow_id, directives, labels, key);
  if (absl::Status recorded = RecordIntent(intent); !recorded.ok()) {
    return FailStart(StartStep::kRecordIntent, intent, recorded);
  }
  absl::StatusOr<CheckedTrigger> triggered =
      TriggerUpstream(intent, directives);
  if (!triggered.ok()) {
    return FailStart(StartStep::kTrigger, intent, triggered.status());
  }
  absl::StatusOr<std::shared_ptr<CompileJob>> adopted =
      Adopt(intent, *triggered);
  if (!adopted.ok()) {
    return FailStart(StartStep::kAdopt, intent, adopted.status());
  }
  return adopted;
}

StoredRequestId CompileStarter::NewIntent(const std::string& flow_id,
                                          const nlohmann::json& directives,
                                          const Labels& labels,
                                          const RequestIdKey& key) {
  return {key.request_id.empty()
              ? absl::StrCat(own_key_prefix_, own_keys_.fetch_add(1))
              : key.request_id,
          flow_id,
          directives.is_null() ? "" : directives.dump(),
          "",
          clock_->Now(),
          labels,
          key.tenant};
}

absl::Status CompileStarter::RecordIntent(const StoredRequestId& intent) {
  StoreBatch batch;
  batch.request_ids.push_back(intent);
  absl::Status recorded = journal_->Commit(std::move(batch));
  if (!recorded.ok()) {
    log_->Error(
        "cannot record a start",
        {{"flow", intent.flow_id}, {"error", std::string(recorded.message())}});
  }
  return recorded;
}

absl::StatusOr<CompileStarter::CheckedTrigger> CompileStarter::TriggerUpstream(
    const StoredRequestId& intent, const nlohmann::json& directives) {
  const absl::Time sent_at = clock_->Now();
  absl::StatusOr<upstream::TriggerResult> answer =
      upstream_->Trigger(intent.flow_id, directives);
  if (!answer.ok()) {
    log_->Warn("trigger failed",
               {{"flow", intent.flow_id},
                {"code", absl::StatusCodeToString(answer.status().code())},
                {"error", std::string(answer.status().message())}});
    return answer.status();
  }
  CheckedTrigger checked{*std::move(answer), nullptr};
  const CompileName name{intent.flow_id, checked.answer.compile_id};
  if (std::shared_ptr<CompileJob> known = registry_->Find(name.ToString())) {
    if (absl::Status reused = CheckNotReused(checked.answer, *known, sent_at);
        !reused.ok()) {
      return reused;
    }
    if (absl::Status same = CheckSameTenant(intent, *known); !same.ok()) {
      return same;
    }
    checked.known = std::move(known);
  }
  return checked;
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileStarter::Adopt(
    const StoredRequestId& intent, const CheckedTrigger& triggered) {
  if (triggered.known != nullptr) return Attach(intent, triggered.known);
  const CompileName name{intent.flow_id, triggered.answer.compile_id};
  auto job =
      std::make_shared<CompileJob>(name, clock_->Now(), timeouts_, journal_,
                                   observer_, intent.labels, intent.tenant);
  absl::StatusOr<upstream::CompileStatus> first =
      FirstStatus(intent, triggered);
  if (!first.ok()) return first.status();
  if (absl::Status recorded = job->ApplyFirstStatus(
          *first, clock_->Now(), Binding(intent, job->name()));
      !recorded.ok()) {
    // Another start may have recorded this compile first (CXone named it
    // to both); else the store is failing.
    if (std::shared_ptr<CompileJob> existing =
            registry_->Find(name.ToString())) {
      return Attach(intent, std::move(existing));
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
  if (!added) return Attach(intent, std::move(registered));
  log_->Info(triggered.answer.already_running ? "attached to running compile"
                                              : "compile started",
             {{"compile", registered->name()},
              {"state", StateName(registered->Snapshot().state())}});
  scheduler_->Track(registered);
  return registered;
}

absl::StatusOr<upstream::CompileStatus> CompileStarter::FirstStatus(
    const StoredRequestId& intent, const CheckedTrigger& triggered) {
  if (triggered.answer.already_running) {
    return upstream_->GetStatus(intent.flow_id, triggered.answer.compile_id);
  }
  upstream::CompileStatus first;
  first.flow_id = intent.flow_id;
  first.compile_id = triggered.answer.compile_id;
  first.status = triggered.answer.status;
  return first;
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileStarter::Attach(
    const StoredRequestId& intent, std::shared_ptr<CompileJob> existing) {
  if (absl::Status same = CheckSameTenant(intent, *existing); !same.ok()) {
    // Another tenant's start recorded the compile CXone named to both
    // first. CXone started nothing for this one: the intent goes, as for a
    // refused trigger, so that a restart does not trigger it again.
    return FailStart(StartStep::kTrigger, intent, same);
  }
  if (absl::Status bound = journal_->Commit(Binding(intent, existing->name()));
      !bound.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the gateway cannot record the compile (", bound.message(),
                     "); retry with the same request_id"));
  }
  log_->Info("attached to running compile", {{"compile", existing->name()}});
  return existing;
}

absl::Status CompileStarter::CheckSameTenant(const StoredRequestId& intent,
                                             const CompileJob& known) {
  if (known.tenant() == intent.tenant) return absl::OkStatus();
  // Neither the compile's name nor its tenant is told: it is not this
  // caller's to see.
  return absl::AbortedError(absl::StrCat(
      "CXone is already compiling flow \"", intent.flow_id,
      "\" for another tenant, and compiles a flow once at a time; start it "
      "again when that compile has finished"));
}

absl::Status CompileStarter::FailStart(StartStep step,
                                       const StoredRequestId& intent,
                                       const absl::Status& error) {
  switch (step) {
    case StartStep::kRecordIntent:
      // Nothing was recorded and CXone was not called: nothing to undo.
      return absl::UnavailableError(
          absl::StrCat("the gateway cannot record new compiles (",
                       error.message(), "); nothing was started, retry later"));
    case StartStep::kTrigger: {
      // CXone started nothing the gateway may follow (it refused, its
      // answer was lost, or it named a compile the gateway knew as
      // another). The caller is told, so the intent goes: the key is free
      // for a retry, and a restart does not trigger it behind the
      // caller's back. A forget that cannot be committed leaves the intent
      // pending, as a crash before it would.
      StoreBatch forget;
      forget.forgotten_request_ids.push_back(
          {intent.tenant, intent.request_id});
      (void)journal_->Commit(std::move(forget));
      if (!http::MayHaveBeenDelivered(error)) return error;
      return absl::Status(
          error.code(),
          absl::StrCat(
              error.message(),
              IsOwnKey(intent)
                  ? ". Starting this flow again starts another compile unless "
                    "CXone reports one running; with a request_id a retry "
                    "would adopt the running one"
                  : ". Retry with the same request_id: the gateway asks CXone "
                    "again and adopts the compile CXone reports as running "
                    "(CXone cannot list a flow's compiles: if that one has "
                    "already finished, a new one is started)"));
    }
    case StartStep::kAdopt:
      // CXone holds a compile the gateway could not learn the state of or
      // record. The intent stays pending: a retry with the same
      // request_id, or a restart (ResumePending), triggers again, and
      // CXone's 409 names that compile while it runs.
      return error;
  }
  return error;
}

}  // namespace cxone

#include "server/compile_starter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "google/protobuf/util/json_util.h"

namespace cxone {
namespace {

constexpr size_t kMaxRequestIdLength = 256;

// The request's directives as the JSON object CXone receives.
absl::StatusOr<nlohmann::json> DirectivesJson(
    const compilev1::StartCompileRequest& request) {
  if (!request.has_directives()) return nlohmann::json();
  std::string text;
  auto status =
      google::protobuf::util::MessageToJsonString(request.directives(), &text);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("directives cannot be encoded as JSON: ",
                     status.message().as_string()));
  }
  nlohmann::json directives =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!directives.is_object()) {
    return absl::InvalidArgumentError("directives must be a JSON object");
  }
  return directives;
}

}  // namespace

CompileStarter::CompileStarter(upstream::CompileUpstream* upstream,
                               JobRegistry* registry,
                               RequestIdIndex* request_ids,
                               PollScheduler* scheduler, WorkerPool* workers,
                               Clock* clock, JsonLog* log,
                               LifecycleTimeouts timeouts,
                               int64_t max_pending_starts)
    : upstream_(upstream),
      registry_(registry),
      request_ids_(request_ids),
      scheduler_(scheduler),
      workers_(workers),
      clock_(clock),
      log_(log),
      timeouts_(timeouts),
      max_pending_starts_(max_pending_starts) {}

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
  auto refuse = [&](absl::Status error) {
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
  auto trigger = [this, flow_id, request_id, directives = *directives, finish] {
    RequestIdIndex::JobOrError job = TriggerAndRegister(flow_id, directives);
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

absl::StatusOr<std::shared_ptr<CompileJob>> CompileStarter::TriggerAndRegister(
    const std::string& flow_id, const nlohmann::json& directives) {
  absl::StatusOr<upstream::TriggerResult> triggered =
      upstream_->Trigger(flow_id, directives);
  if (!triggered.ok()) {
    log_->Warn("trigger failed",
               {{"flow", flow_id},
                {"code", absl::StatusCodeToString(triggered.status().code())},
                {"error", std::string(triggered.status().message())}});
    return triggered.status();
  }
  const CompileName name{flow_id, triggered->compile_id};
  if (std::shared_ptr<CompileJob> existing = registry_->Find(name.ToString())) {
    log_->Info("attached to running compile", {{"compile", existing->name()}});
    return existing;
  }
  auto job = std::make_shared<CompileJob>(name, clock_->Now(), timeouts_);
  if (triggered->already_running) {
    // CXone named a compile the gateway did not start: learn its state now
    // so the caller gets a real answer, not a guess.
    absl::StatusOr<upstream::CompileStatus> status =
        upstream_->GetStatus(flow_id, triggered->compile_id);
    if (!status.ok()) return status.status();
    job->ApplyStatus(*status, clock_->Now());
  } else {
    upstream::CompileStatus initial;
    initial.flow_id = flow_id;
    initial.compile_id = triggered->compile_id;
    initial.status = triggered->status;
    job->ApplyStatus(initial, clock_->Now());
  }
  auto [registered, added] = registry_->AddIfAbsent(job);
  if (added) {
    log_->Info(triggered->already_running ? "attached to running compile"
                                          : "compile started",
               {{"compile", registered->name()},
                {"state", StateName(registered->Snapshot().state())}});
    scheduler_->Track(registered);
  }
  return registered;
}

}  // namespace cxone

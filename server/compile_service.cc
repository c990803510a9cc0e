#include "server/compile_service.h"

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "server/grpc_status.h"
#include "server/watch_reactor.h"

namespace cxone {

CompileService::CompileService(CompileStarter* starter, JobRegistry* registry,
                               WatcherSet* watchers, const Redactor* redactor,
                               JsonLog* log)
    : starter_(starter),
      registry_(registry),
      watchers_(watchers),
      redactor_(redactor),
      log_(log) {}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::FindJob(
    const std::string& name) const {
  absl::StatusOr<CompileName> parsed = CompileName::Parse(name);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<CompileJob> job = registry_->Find(parsed->ToString());
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("no compile named \"", name,
                                            "\" is known to this gateway"));
  }
  return job;
}

grpc::ServerUnaryReactor* CompileService::StartCompile(
    grpc::CallbackServerContext* context,
    const compilev1::StartCompileRequest* request,
    compilev1::Compile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  starter_->Start(*request, [this, reactor, response](
                                absl::StatusOr<compilev1::Compile> compile) {
    if (compile.ok()) *response = *std::move(compile);
    reactor->Finish(ToGrpcStatus(compile.status(), *redactor_));
  });
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::GetCompile(
    grpc::CallbackServerContext* context,
    const compilev1::GetCompileRequest* request, compilev1::Compile* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<std::shared_ptr<CompileJob>> job = FindJob(request->name());
  if (job.ok()) *response = (*job)->Snapshot();
  reactor->Finish(ToGrpcStatus(job.status(), *redactor_));
  return reactor;
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::ResolveWatch(
    const compilev1::WatchCompileRequest& request) const {
  if (!request.name().empty() && !request.flow_id().empty()) {
    return absl::InvalidArgumentError("set either name or flow_id, not both");
  }
  if (!request.flow_id().empty()) {
    if (absl::Status valid = ValidateFlowId(request.flow_id()); !valid.ok()) {
      return valid;
    }
    if (request.has_after_sequence()) {
      return absl::InvalidArgumentError(
          "after_sequence needs name: sequences belong to one compile, and "
          "flow_id may name a newer one");
    }
    std::shared_ptr<CompileJob> job =
        registry_->NewestOfFlow(request.flow_id());
    if (job == nullptr) {
      return absl::NotFoundError(absl::StrCat("no compile of flow \"",
                                              request.flow_id(),
                                              "\" is known to this gateway"));
    }
    return job;
  }
  if (request.name().empty()) {
    return absl::InvalidArgumentError("name or flow_id is required");
  }
  absl::StatusOr<std::shared_ptr<CompileJob>> found = FindJob(request.name());
  if (!found.ok()) return found.status();
  if (request.has_after_sequence()) {
    absl::Status retained = (*found)->CheckRetained(request.after_sequence());
    if (!retained.ok()) return retained;
  }
  return found;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* CompileService::WatchCompile(
    grpc::CallbackServerContext* /*context*/, const grpc::ByteBuffer* request) {
  compilev1::WatchCompileRequest parsed;
  grpc::ByteBuffer copy(*request);
  if (!grpc::SerializationTraits<compilev1::WatchCompileRequest>::Deserialize(
           &copy, &parsed)
           .ok()) {
    return new WatchReactor(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                     "the request is not a valid WatchCompileRequest"));
  }
  absl::StatusOr<std::shared_ptr<CompileJob>> job = ResolveWatch(parsed);
  if (!job.ok()) {
    return new WatchReactor(ToGrpcStatus(job.status(), *redactor_));
  }
  std::optional<uint64_t> after;
  if (parsed.has_after_sequence()) after = parsed.after_sequence();
  return new WatchReactor(*std::move(job), after, watchers_);
}

}  // namespace cxone

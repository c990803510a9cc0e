#include "server/api/compile_service.h"

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "server/api/call_admission.h"
#include "server/api/grpc_status.h"
#include "server/api/page_token.h"
#include "server/api/request_decoder.h"
#include "server/api/rpc_audit.h"
#include "server/api/unary_call_reactor.h"

namespace cxone {
namespace {

// `message` as the response's bytes.
template <typename Message>
grpc::Status Respond(const Message& message, grpc::ByteBuffer* response) {
  bool own_buffer = false;
  return grpc::SerializationTraits<Message>::Serialize(message, response,
                                                       &own_buffer);
}

// The page size a request asks for, checked: 100 when unset.
absl::StatusOr<size_t> PageSizeOf(
    const compilev1::ListCompilesRequest& request) {
  constexpr int32_t kDefaultPageSize = 100;
  constexpr int32_t kMaxPageSize = 1000;
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: ", request.page_size(), " is out of range; give 1 to ",
        kMaxPageSize, ", or 0 for ", kDefaultPageSize));
  }
  return static_cast<size_t>(request.page_size() == 0 ? kDefaultPageSize
                                                      : request.page_size());
}

// The page `request` of a caller of `tenant` asks for, or why it cannot be
// given.
absl::StatusOr<compilev1::ListCompilesResponse> ListPage(
    const CompileCollection& collection, const std::string& tenant,
    const compilev1::ListCompilesRequest& request) {
  absl::StatusOr<CompileQuery> query =
      CompileQuery::FromFilter(request.filter());
  if (!query.ok()) return query.status();
  query->RestrictToTenant(tenant);
  absl::StatusOr<size_t> page_size = PageSizeOf(request);
  if (!page_size.ok()) return page_size.status();
  const std::string fingerprint = query->Fingerprint();
  std::optional<CollectionCursor> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<CollectionCursor> cursor =
        DecodePageToken(request.page_token(), fingerprint);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  const CollectionPage page = collection.List(*query, after, *page_size);
  compilev1::ListCompilesResponse response;
  for (const auto& compile : page.compiles) *response.add_compiles() = *compile;
  if (page.next.has_value()) {
    response.set_next_page_token(EncodePageToken(*page.next, fingerprint));
  }
  response.set_revision(page.revision);
  return response;
}

}  // namespace

CompileService::CompileService(CompileStarter* starter, BatchStarter* batches,
                               JobRegistry* registry,
                               const CompileCollection* collection,
                               const RequestIdIndex* request_ids,
                               OpenCalls* calls, const Redactor* redactor,
                               const AccessControl* access,
                               AuditLog* audit, TenantUsage* usage)
    : starter_(starter),
      batches_(batches),
      registry_(registry),
      collection_(collection),
      request_ids_(request_ids),
      calls_(calls),
      redactor_(redactor),
      access_(access),
      audit_(audit),
      usage_(usage) {}

std::optional<Caller> CompileService::Admit(
    const grpc::ServerContextBase& context, Role role, RpcAudit& audit,
    grpc::ServerUnaryReactor* reactor) const {
  return AdmitUnaryCall(*access_, role, context, *redactor_, audit, reactor);
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::FindJob(
    const Caller& caller, const std::string& name) const {
  absl::StatusOr<CompileName> parsed = CompileName::Parse(name);
  if (!parsed.ok()) return parsed.status();
  std::shared_ptr<CompileJob> job = registry_->Find(parsed->ToString());
  if (job == nullptr || job->tenant() != caller.tenant_name()) {
    return absl::NotFoundError(absl::StrCat("no compile named \"", name,
                                            "\" is known to this gateway"));
  }
  return job;
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::FindByRequestId(
    const Caller& caller, const std::string& request_id) const {
  if (request_id.empty()) {
    return absl::InvalidArgumentError(
        "request_id is required: the request_id a StartCompile was given");
  }
  if (absl::Status valid = ValidateRequestId(request_id); !valid.ok()) {
    return valid;
  }
  return request_ids_->Find(RequestIdKey(caller.tenant_name(), request_id));
}

void CompileService::StartOne(const Caller& caller,
                              const compilev1::StartCompileRequest& request,
                              CompileStarter::Done done) {
  if (!caller.tenant->MayCompile(request.flow_id())) {
    done(absl::PermissionDeniedError(absl::StrCat(
        "tenant \"", caller.tenant_name(), "\" may not compile flow \"",
        request.flow_id(), "\" (see its flows in the policy file)")));
    return;
  }
  std::shared_ptr<TenantUsage::StartTicket> ticket;
  if (usage_ != nullptr) {
    absl::StatusOr<std::shared_ptr<TenantUsage::StartTicket>> admitted =
        usage_->AdmitStart(*caller.tenant);
    if (!admitted.ok()) {
      done(admitted.status());
      return;
    }
    ticket = *std::move(admitted);
  }
  // The ticket is held until the start is answered: by then a compile it
  // started counts as live.
  starter_->Start(request, caller.tenant_name(),
                  [done = std::move(done), ticket = std::move(ticket)](
                      absl::StatusOr<compilev1::Compile> compile) mutable {
                    done(std::move(compile));
                    ticket.reset();
                  });
}

grpc::ServerUnaryReactor* CompileService::StartCompile(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls_);
  auto audit = std::make_shared<RpcAudit>(
      audit_, "/cxone.compile.v1.CompileService/StartCompile", *context);
  std::optional<Caller> caller = Admit(*context, Role::kStart, *audit, reactor);
  if (!caller.has_value()) return reactor;
  auto finish = [this, reactor, response,
                 audit](absl::StatusOr<compilev1::Compile> compile) {
    grpc::Status status = ToGrpcStatus(compile.status(), *redactor_);
    if (compile.ok()) {
      audit->set_compile(compile->name());
      status = Respond(*compile, response);
    }
    audit->Finish(status);
    reactor->Finish(status);
  };
  compilev1::StartCompileRequest parsed;
  if (absl::Status decoded = DecodeRequest(*request, &parsed); !decoded.ok()) {
    finish(decoded);
    return reactor;
  }
  audit->set_flow_id(parsed.flow_id());
  StartOne(*caller, parsed, std::move(finish));
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::BatchStartCompiles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  constexpr int kMaxItems = 1000;
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls_);
  auto audit = std::make_shared<RpcAudit>(
      audit_, "/cxone.compile.v1.CompileService/BatchStartCompiles", *context);
  std::optional<Caller> caller = Admit(*context, Role::kStart, *audit, reactor);
  if (!caller.has_value()) return reactor;
  auto fail = [&](const absl::Status& error) {
    const grpc::Status status = ToGrpcStatus(error, *redactor_);
    audit->Finish(status);
    reactor->Finish(status);
    return reactor;
  };
  compilev1::BatchStartCompilesRequest parsed;
  if (absl::Status decoded = DecodeRequest(*request, &parsed); !decoded.ok()) {
    return fail(decoded);
  }
  if (parsed.requests_size() == 0 || parsed.requests_size() > kMaxItems) {
    return fail(absl::InvalidArgumentError(absl::StrCat(
        "requests: ", parsed.requests_size(), " items; a batch holds 1 to ",
        kMaxItems, " (split larger ones)")));
  }
  std::vector<compilev1::StartCompileRequest> items(
      std::make_move_iterator(parsed.mutable_requests()->begin()),
      std::make_move_iterator(parsed.mutable_requests()->end()));
  auto start_item = [this, caller = *caller](
                        const compilev1::StartCompileRequest& item,
                        CompileStarter::Done done) {
    StartOne(caller, item, std::move(done));
  };
  batches_->Start(std::move(items), std::move(start_item),
                  [this, reactor, response,
                   audit](BatchStarter::Results results) {
    compilev1::BatchStartCompilesResponse answer;
    for (absl::StatusOr<compilev1::Compile>& result : results) {
      compilev1::BatchStartResult* item = answer.add_results();
      if (result.ok()) {
        *item->mutable_compile() = *std::move(result);
        continue;
      }
      const grpc::Status status = ToGrpcStatus(result.status(), *redactor_);
      item->mutable_status()->set_code(status.error_code());
      item->mutable_status()->set_message(status.error_message());
    }
    const grpc::Status status = Respond(answer, response);
    audit->Finish(status);
    reactor->Finish(status);
  });
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::GetCompile(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls_);
  RpcAudit audit(audit_, "/cxone.compile.v1.CompileService/GetCompile",
                 *context);
  std::optional<Caller> caller = Admit(*context, Role::kWatch, audit, reactor);
  if (!caller.has_value()) return reactor;
  compilev1::GetCompileRequest parsed;
  absl::StatusOr<std::shared_ptr<CompileJob>> job = [&] {
    absl::Status decoded = DecodeRequest(*request, &parsed);
    if (!decoded.ok())
      return absl::StatusOr<std::shared_ptr<CompileJob>>(decoded);
    audit.set_compile(parsed.name());
    return FindJob(*caller, parsed.name());
  }();
  grpc::Status status = ToGrpcStatus(job.status(), *redactor_);
  if (job.ok()) {
    const compilev1::Compile compile = (*job)->Snapshot();
    audit.set_flow_id(compile.flow_id());
    status = Respond(compile, response);
  }
  audit.Finish(status);
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::ListCompiles(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls_);
  RpcAudit audit(audit_, "/cxone.compile.v1.CompileService/ListCompiles",
                 *context);
  std::optional<Caller> caller = Admit(*context, Role::kWatch, audit, reactor);
  if (!caller.has_value()) return reactor;
  compilev1::ListCompilesRequest parsed;
  absl::StatusOr<compilev1::ListCompilesResponse> page = [&] {
    absl::Status decoded = DecodeRequest(*request, &parsed);
    if (!decoded.ok()) {
      return absl::StatusOr<compilev1::ListCompilesResponse>(decoded);
    }
    return ListPage(*collection_, caller->tenant_name(), parsed);
  }();
  grpc::Status status = ToGrpcStatus(page.status(), *redactor_);
  if (page.ok()) {
    status = Respond(*page, response);
  }
  audit.Finish(status);
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* CompileService::LookupCompile(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls_);
  RpcAudit audit(audit_, "/cxone.compile.v1.CompileService/LookupCompile",
                 *context);
  std::optional<Caller> caller = Admit(*context, Role::kWatch, audit, reactor);
  if (!caller.has_value()) return reactor;
  compilev1::LookupCompileRequest parsed;
  absl::StatusOr<std::shared_ptr<CompileJob>> job = [&] {
    absl::Status decoded = DecodeRequest(*request, &parsed);
    if (!decoded.ok())
      return absl::StatusOr<std::shared_ptr<CompileJob>>(decoded);
    return FindByRequestId(*caller, parsed.request_id());
  }();
  grpc::Status status = ToGrpcStatus(job.status(), *redactor_);
  if (job.ok()) {
    const compilev1::Compile compile = (*job)->Snapshot();
    audit.set_flow_id(compile.flow_id());
    audit.set_compile(compile.name());
    status = Respond(compile, response);
  }
  audit.Finish(status);
  reactor->Finish(status);
  return reactor;
}

absl::StatusOr<std::shared_ptr<CompileJob>> CompileService::ResolveWatch(
    const Caller& caller, const compilev1::WatchCompileRequest& request) const {
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
        registry_->NewestOfFlow(request.flow_id(), caller.tenant_name());
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
  absl::StatusOr<std::shared_ptr<CompileJob>> found =
      FindJob(caller, request.name());
  if (!found.ok()) return found.status();
  if (request.has_after_sequence()) {
    absl::Status retained = (*found)->CheckRetained(request.after_sequence());
    if (!retained.ok()) return retained;
  }
  return found;
}

}  // namespace cxone

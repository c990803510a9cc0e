#include "simulator/sim_http_server.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <regex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/resource_name.h"
#include "simulator/oauth_request.h"

namespace cxone::sim {
namespace {

constexpr char kJsonContentType[] = "application/json";

void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  // `replace`: a value echoed from the request may hold invalid UTF-8, which
  // must not turn into an exception.
  res.set_content(
      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      kJsonContentType);
}

// The error shape of the flow API: {"error": …, "message": …}.
void SendError(httplib::Response& res, int status, absl::string_view error,
               absl::string_view message) {
  SendJson(res, status, {{"error", error}, {"message", message}});
}

// The error shape of the token endpoint (RFC 6749 §5.2).
void SendOAuthError(httplib::Response& res, int status, absl::string_view error,
                    absl::string_view description) {
  SendJson(res, status, {{"error", error}, {"error_description", description}});
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone());
}

nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json list = nlohmann::json::array();
  for (const Diagnostic& diagnostic : diagnostics) {
    list.push_back(diagnostic.ToJson());
  }
  return list;
}

// The status endpoint's body: {"flowId","compileId","status","errors",
// "warnings"}.
nlohmann::json CompileJson(const CompileSnapshot& compile) {
  return {{"flowId", compile.flow_id},
          {"compileId", compile.compile_id},
          {"status", compile.status},
          {"errors", DiagnosticsJson(compile.errors)},
          {"warnings", DiagnosticsJson(compile.warnings)}};
}

// What /_sim/compiles shows of a compile: the status body plus what the
// simulator knows.
nlohmann::json DebugCompileJson(const CompileSnapshot& compile) {
  nlohmann::json json = CompileJson(compile);
  json["directives"] = compile.directives;
  json["triggeredAt"] = Rfc3339(compile.triggered_at);
  nlohmann::json transitions = nlohmann::json::array();
  for (const Transition& transition : compile.transitions) {
    transitions.push_back({{"status", CompileStateName(transition.state)},
                           {"at_unix_ms", absl::ToUnixMillis(transition.at)}});
  }
  json["transitions"] = std::move(transitions);
  json["terminal_polls"] = compile.terminal_polls;
  json["status_requests"] = compile.status_requests;
  return json;
}

// A JSON body cut off a few characters into the "status" value (or, should
// it have none, in the middle): `{…"status":"QUE`. Never valid JSON, since
// the object is left open.
std::string CutShort(const std::string& body) {
  static constexpr char kStatusKey[] = "\"status\":\"";
  const size_t at = body.find(kStatusKey);
  const size_t length = at == std::string::npos
                            ? body.size() / 2
                            : at + sizeof(kStatusKey) - 1 + 3;
  return body.substr(0, std::min(length, body.size() - 1));
}

// Answers 200 with a Content-Length the body never reaches: the provider
// writes part of it and fails, so httplib closes the connection and the
// client sees a transport error (a truncated body), not a response.
void DropConnection(httplib::Response& res) {
  static constexpr char kPartial[] = "{\"status\": \"IN_PRO";
  constexpr size_t kPartialSize = sizeof(kPartial) - 1;
  res.status = 200;
  res.set_content_provider(
      /*length=*/4 * kPartialSize, kJsonContentType,
      [](size_t offset, size_t, httplib::DataSink& sink) {
        if (offset == 0) sink.write(kPartial, kPartialSize);
        return false;
      });
}

}  // namespace

SimHttpServer::SimHttpServer(SimState* state, Clock* clock, JsonLog* log,
                             SimHttpOptions options)
    : state_(state), clock_(clock), log_(log), options_(std::move(options)) {
  const int threads = options_.worker_threads;
  server_.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server_.set_payload_max_length(options_.max_body_bytes);
  RegisterRoutes();
}

SimHttpServer::~SimHttpServer() { Shutdown(); }

void SimHttpServer::RegisterRoutes() {
  using httplib::Request;
  using httplib::Response;
  AddPost("/api/v2/oauth/token", [this](const Request& req, Response& res) {
    ServeApi(Endpoint::kToken, req, res);
  });
  AddPost(R"(/api/v2/flows/([^/]+)/compile)",
          [this](const Request& req, Response& res) {
            ServeApi(Endpoint::kTrigger, req, res);
          });
  server_.Get(R"(/api/v2/flows/([^/]+)/compile/([^/]+))",
              [this](const Request& req, Response& res) {
                ServeApi(Endpoint::kStatus, req, res);
              });
  server_.Get("/_sim/stats", [this](const Request& req, Response& res) {
    HandleStats(req, res);
  });
  AddPost("/_sim/reset",
          [this](const Request& req, Response& res) { HandleReset(req, res); });
  server_.Get("/_sim/faults", [this](const Request& req, Response& res) {
    HandleGetFaults(req, res);
  });
  AddPost("/_sim/faults", [this](const Request& req, Response& res) {
    HandleSetFaults(req, res);
  });
  server_.Get("/_sim/compiles", [this](const Request& req, Response& res) {
    HandleDebugCompiles(req, res);
  });
  server_.Get(R"(/_sim/compiles/([^/]+))",
              [this](const Request& req, Response& res) {
                HandleDebugCompile(req, res);
              });

  // httplib 0.11 answers 400 to a POST with neither Content-Length nor
  // Transfer-Encoding, although such a request simply has no body (RFC 9112
  // §6.3) and `curl -X POST` sends exactly that. The pre-routing handler
  // runs before httplib tries to read a body, so serve those POSTs here.
  server_.set_pre_routing_handler([this](const Request& req, Response& res) {
    if (req.method != "POST" || req.has_header("Content-Length") ||
        req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    for (const auto& [pattern, handler] : post_routes_) {
      Request bodyless = req;
      if (std::regex_match(bodyless.path, bodyless.matches, pattern)) {
        handler(bodyless, res);
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    // No route: answer now rather than after httplib waits out its read
    // timeout for a body that will not come.
    SendError(res, 404, "not_found",
              absl::StrCat("no such endpoint: POST ", req.path));
    return httplib::Server::HandlerResponse::Handled;
  });

  // httplib calls this for every response of status >= 400. Our handlers
  // always write a body; an empty one means httplib itself answered (no
  // route, malformed request, body too large) and it still deserves JSON.
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const Request& req, Response& res) {
        if (!res.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        switch (res.status) {
          case 404:
            SendError(
                res, 404, "not_found",
                absl::StrCat("no such endpoint: ", req.method, " ", req.path));
            break;
          case 413:
            SendError(res, 413, "payload_too_large",
                      "request body is too large");
            break;
          default:
            SendError(res, res.status,
                      res.status < 500 ? "bad_request" : "internal",
                      absl::StrCat("request rejected with HTTP ", res.status));
            break;
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  // The handlers do not throw; this is the last line of defence so that a
  // bug answers 500 JSON instead of dropping the connection.
  server_.set_exception_handler([this](const Request& req, Response& res,
                                       std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_->Error("handler threw",
                {{"method", req.method}, {"path", req.path}, {"what", what}});
    SendError(res, 500, "internal", "internal error in the simulator");
  });
  server_.set_logger([this](const Request& req, const Response& res) {
    log_->Info(
        "request",
        {{"method", req.method}, {"path", req.path}, {"status", res.status}});
  });
}

void SimHttpServer::AddPost(const std::string& pattern,
                            httplib::Server::Handler handler) {
  server_.Post(pattern, handler);
  post_routes_.emplace_back(std::regex(pattern), std::move(handler));
}

absl::StatusOr<int> SimHttpServer::Start() {
  int port;
  if (options_.port == 0) {
    port = server_.bind_to_any_port(options_.host);
  } else {
    port =
        server_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.host, ":", options_.port));
  }
  serving_thread_ = std::thread([this] {
    server_.listen_after_bind();
    serving_returned_ = true;
  });
  // httplib's stop() does nothing until the accept loop has begun, so a
  // Shutdown() right after Start() could hang: wait for the loop to start
  // (it does so at once; the wait is a handful of milliseconds at most).
  while (!server_.is_running() && !serving_returned_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (serving_returned_) {
    serving_thread_.join();
    return absl::UnavailableError(absl::StrCat(
        "the accept loop on ", options_.host, ":", port, " ended at once"));
  }
  return port;
}

void SimHttpServer::Shutdown() {
  if (!serving_thread_.joinable()) return;
  server_.stop();
  serving_thread_.join();
}

void SimHttpServer::ServeApi(Endpoint endpoint, const httplib::Request& req,
                             httplib::Response& res) {
  using Verdict = SimState::Admission::Verdict;
  const bool status = endpoint == Endpoint::kStatus;
  SimState::ActiveRequest active =
      state_->EnterRequest(endpoint, status ? req.matches[1].str() : "",
                           status ? req.matches[2].str() : "");
  const SimState::Admission admission = state_->Admit(endpoint);
  if (admission.latency > absl::ZeroDuration()) {
    clock_->SleepFor(admission.latency);
  }
  switch (admission.verdict) {
    case Verdict::kServe:
      switch (endpoint) {
        case Endpoint::kToken:
          HandleToken(req, res);
          break;
        case Endpoint::kTrigger:
          HandleTrigger(req, res);
          break;
        case Endpoint::kStatus:
          HandleStatus(req, res, admission.malformed);
          break;
      }
      break;
    case Verdict::kPaused:
    case Verdict::kRateLimited:
      res.set_header("Retry-After", admission.retry_after);
      SendError(res, 429, "rate_limited",
                admission.verdict == Verdict::kPaused
                    ? absl::StrCat("the account is paused after exceeding its "
                                   "rate limit; retry after ",
                                   admission.retry_after)
                    : absl::StrCat("rate limit exceeded; retry after ",
                                   admission.retry_after));
      break;
    case Verdict::kTokenEndpointDown:
      SendOAuthError(res, 503, "temporarily_unavailable",
                     "the token endpoint is down (simulated)");
      break;
    case Verdict::kError:
      SendError(res, 503, "unavailable",
                "simulated transient failure (error_rate)");
      break;
    case Verdict::kDrop:
      DropConnection(res);
      active.RecordDropped();
      log_->Info("dropping the connection (simulated)",
                 {{"method", req.method}, {"path", req.path}});
      return;
  }
  active.RecordStatus(res.status);
}

bool SimHttpServer::Authorize(const httplib::Request& req,
                              httplib::Response& res, const char* scope) {
  absl::StatusOr<std::string> token =
      ParseBearerToken(req.get_header_value("Authorization"));
  absl::Status status =
      token.ok() ? state_->Authorize(*token, scope) : token.status();
  if (status.ok()) return true;
  if (absl::IsPermissionDenied(status)) {
    res.set_header("WWW-Authenticate",
                   absl::StrCat("Bearer error=\"insufficient_scope\", scope=\"",
                                scope, "\""));
    SendError(res, 403, "insufficient_scope", status.message());
  } else {
    res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    SendError(res, 401, "invalid_token", status.message());
  }
  return false;
}

void SimHttpServer::HandleToken(const httplib::Request& req,
                                httplib::Response& res) {
  absl::StatusOr<TokenRequest> request =
      ParseTokenRequest(req.get_header_value("Content-Type"), req.body,
                        req.get_header_value("Authorization"));
  absl::StatusOr<TokenGrant> grant = absl::UnknownError("not attempted");
  if (!request.ok()) {
    grant = request.status();
  } else {
    grant = state_->IssueToken(request->client_id, request->client_secret,
                               request->scope);
    if (absl::IsUnauthenticated(grant.status()) &&
        (request->raw_client_id != request->client_id ||
         request->raw_client_secret != request->client_secret)) {
      grant = state_->IssueToken(request->raw_client_id,
                                 request->raw_client_secret, request->scope);
    }
  }
  if (!grant.ok()) {
    const absl::Status& status = grant.status();
    if (absl::IsUnauthenticated(status)) {
      res.set_header("WWW-Authenticate", "Basic realm=\"cxone-sim\"");
      SendOAuthError(res, 401, "invalid_client", status.message());
    } else if (absl::IsUnimplemented(status)) {
      SendOAuthError(res, 400, "unsupported_grant_type", status.message());
    } else if (absl::IsInvalidArgument(status) && request.ok()) {
      // Parsing succeeded, so the state refused the requested scopes.
      SendOAuthError(res, 400, "invalid_scope", status.message());
    } else {
      SendOAuthError(res, 400, "invalid_request", status.message());
    }
    log_->Warn("token refused", {{"reason", status.message()}});
    return;
  }
  const std::string scope = absl::StrJoin(grant->scopes, " ");
  // RFC 6749 §5.1: responses carrying tokens must not be cached.
  res.set_header("Cache-Control", "no-store");
  res.set_header("Pragma", "no-cache");
  SendJson(res, 200,
           {{"access_token", grant->access_token},
            {"token_type", "Bearer"},
            {"expires_in", absl::ToInt64Seconds(grant->expires_in)},
            {"scope", scope}});
  log_->Info("token issued",
             {{"scope", scope},
              {"expires_in_s", absl::ToInt64Seconds(grant->expires_in)}});
}

void SimHttpServer::HandleTrigger(const httplib::Request& req,
                                  httplib::Response& res) {
  if (!Authorize(req, res, kScopeWrite)) return;
  const std::string flow_id = req.matches[1].str();
  if (absl::Status valid = ValidateFlowId(flow_id); !valid.ok()) {
    SendError(res, 400, "invalid_argument", valid.message());
    return;
  }
  nlohmann::json directives;  // null: none sent
  if (!absl::StripAsciiWhitespace(req.body).empty()) {
    const nlohmann::json body = nlohmann::json::parse(
        req.body, /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) {
      SendError(res, 400, "invalid_argument", "request body is not valid JSON");
      return;
    }
    if (!body.is_object()) {
      SendError(res, 400, "invalid_argument",
                absl::StrCat("request body must be a JSON object, got ",
                             body.type_name()));
      return;
    }
    if (auto it = body.find("flowId"); it != body.end()) {
      if (!it->is_string() || it->get<std::string>() != flow_id) {
        SendError(res, 400, "invalid_argument",
                  "flowId in the body does not match the flow in the path");
        return;
      }
    }
    if (auto it = body.find("directives"); it != body.end()) {
      if (!it->is_object() && !it->is_null()) {
        SendError(res, 400, "invalid_argument",
                  absl::StrCat("directives must be an object, got ",
                               it->type_name()));
        return;
      }
      directives = *it;
    }
  }
  absl::StatusOr<CompileSnapshot> compile =
      state_->Trigger(flow_id, std::move(directives));
  if (!compile.ok()) {
    const absl::Status& status = compile.status();
    switch (status.code()) {
      case absl::StatusCode::kNotFound:
        SendError(res, 404, "not_found", status.message());
        break;
      case absl::StatusCode::kUnavailable:
        SendError(res, 503, "unavailable", status.message());
        break;
      case absl::StatusCode::kAlreadyExists:
        SendJson(res, 409,
                 {{"error", "conflict"},
                  {"message", status.message()},
                  {"compileId", RunningCompileIdOf(status).value_or("")}});
        break;
      case absl::StatusCode::kInvalidArgument:
        SendError(res, 400, "invalid_argument", status.message());
        break;
      default:
        log_->Error("trigger failed",
                    {{"flowId", flow_id}, {"error", status.ToString()}});
        SendError(res, 500, "internal", status.message());
        break;
    }
    return;
  }
  const SimState::TriggerAnswer answer = state_->TakeTriggerAnswer();
  if (answer.delay > absl::ZeroDuration()) clock_->SleepFor(answer.delay);
  if (answer.lost) {
    DropConnection(res);
    return;
  }
  SendJson(res, 201,
           {{"compileId", compile->compile_id},
            {"flowId", compile->flow_id},
            {"status", compile->status}});
  log_->Info("compile triggered",
             {{"flowId", flow_id}, {"compileId", compile->compile_id}});
}

void SimHttpServer::HandleStatus(const httplib::Request& req,
                                 httplib::Response& res, bool malformed) {
  if (!Authorize(req, res, kScopeRead)) return;
  const std::string flow_id = req.matches[1].str();
  const std::string compile_id = req.matches[2].str();
  if (absl::Status valid = ValidateFlowId(flow_id); !valid.ok()) {
    SendError(res, 400, "invalid_argument", valid.message());
    return;
  }
  if (state_->faults().echo_authorization_flows.contains(flow_id)) {
    // The credential goes into the body only: the log line never shows it.
    SendError(res, 400, "invalid_request",
              absl::StrCat("request refused (simulated); it was sent with "
                           "Authorization: ",
                           req.get_header_value("Authorization")));
    log_->Info("echoing the Authorization header in a 400 (simulated)",
               {{"flowId", flow_id}, {"compileId", compile_id}});
    return;
  }
  absl::StatusOr<CompileSnapshot> compile =
      state_->AnswerStatus(flow_id, compile_id, /*intact=*/!malformed);
  if (!compile.ok()) {
    if (absl::IsUnavailable(compile.status())) {
      SendError(res, 503, "unavailable", compile.status().message());
    } else {
      SendError(res, 404, "not_found", compile.status().message());
    }
    return;
  }
  SendJson(res, 200, CompileJson(*compile));
  if (malformed) {
    res.body = CutShort(res.body);
    log_->Info("answering a malformed body (simulated)",
               {{"flowId", flow_id}, {"compileId", compile_id}});
  }
}

nlohmann::json SimHttpServer::StatsJson() const {
  const SimStats stats = state_->stats();
  nlohmann::json json = {
      {"requests",
       {{"token", stats.token_requests},
        {"trigger", stats.trigger_requests},
        {"status", stats.status_requests}}},
      {"status_codes", stats.status_codes},
      {"rate_limited", stats.rate_limited},
      {"requests_during_pause", stats.requests_during_pause},
      {"requests_in_flight_at_pause", stats.requests_in_flight_at_pause},
      {"max_concurrent", stats.max_concurrent},
      {"in_flight", stats.in_flight},
      {"status_polls_after_terminal", stats.status_polls_after_terminal},
      {"last_trigger", nullptr}};
  if (std::optional<CompileSnapshot> last = state_->LastTrigger()) {
    json["last_trigger"] = {{"flowId", last->flow_id},
                            {"compileId", last->compile_id},
                            {"directives", last->directives}};
  }
  return json;
}

void SimHttpServer::HandleStats(const httplib::Request&,
                                httplib::Response& res) {
  SendJson(res, 200, StatsJson());
}

void SimHttpServer::HandleReset(const httplib::Request&,
                                httplib::Response& res) {
  state_->ResetStats();
  log_->Info("stats reset");
  SendJson(res, 200, StatsJson());
}

void SimHttpServer::HandleGetFaults(const httplib::Request&,
                                    httplib::Response& res) {
  SendJson(res, 200, state_->FaultsJson());
}

void SimHttpServer::HandleSetFaults(const httplib::Request& req,
                                    httplib::Response& res) {
  const nlohmann::json patch = nlohmann::json::parse(
      req.body, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (patch.is_discarded()) {
    SendError(res, 400, "invalid_argument",
              "the body must be a JSON object of faults");
    return;
  }
  if (absl::Status status = state_->UpdateFaults(patch); !status.ok()) {
    SendJson(res, 400,
             {{"error", "invalid_argument"},
              {"message", status.message()},
              {"field", FaultFieldOf(status).value_or("")}});
    return;
  }
  const nlohmann::json faults = state_->FaultsJson();
  log_->Info("faults changed", {{"patch", patch}, {"faults", faults}});
  SendJson(res, 200, faults);
}

void SimHttpServer::HandleDebugCompile(const httplib::Request& req,
                                       httplib::Response& res) {
  absl::StatusOr<CompileSnapshot> compile =
      state_->FindCompile(req.matches[1].str());
  if (!compile.ok()) {
    SendError(res, 404, "not_found", compile.status().message());
    return;
  }
  SendJson(res, 200, DebugCompileJson(*compile));
}

void SimHttpServer::HandleDebugCompiles(const httplib::Request&,
                                        httplib::Response& res) {
  nlohmann::json list = nlohmann::json::array();
  for (const CompileSnapshot& compile : state_->AllCompiles()) {
    list.push_back(DebugCompileJson(compile));
  }
  SendJson(res, 200, list);
}

}  // namespace cxone::sim

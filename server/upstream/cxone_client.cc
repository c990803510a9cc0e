#include "server/upstream/cxone_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/upstream/response_parser.h"

namespace cxone::upstream {
namespace {

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

// The answer to a 4xx that no call handles specially.
absl::Status OtherClientError(const http::HttpResponse& response,
                              absl::string_view what,
                              const Redactor& redactor) {
  std::string message =
      absl::StrCat("CXone refused to ", what, " (HTTP ", response.status_code,
                   ": ", SummarizeErrorBody(response.body, redactor), ")");
  if (response.status_code == 400 || response.status_code == 422) {
    return absl::InvalidArgumentError(message);
  }
  return absl::FailedPreconditionError(message);
}

}  // namespace

CxoneClient::CxoneClient(CxoneClientConfig config, http::HttpClient* http,
                         TokenCache* tokens, Backoff* backoff, Clock* clock,
                         JsonLog* log, const Redactor* redactor)
    : config_(std::move(config)),
      http_(http),
      tokens_(tokens),
      backoff_(backoff),
      clock_(clock),
      log_(log),
      redactor_(redactor),
      stop_(clock) {}

absl::StatusOr<http::HttpResponse> CxoneClient::Call(
    const std::string& method, const std::string& path, const std::string& body,
    http::RequestPriority priority, absl::string_view what,
    const Validator& validate, bool may_repeat) {
  const int max_attempts = std::max(1, backoff_->policy().max_attempts);
  const absl::Time deadline = clock_->Now() + config_.max_call_duration;
  bool reauthenticated = false;
  int rate_limited = 0;
  absl::Status last_failure;
  int attempt = 0;
  while (attempt < max_attempts) {
    if (clock_->Now() >= deadline) break;
    absl::StatusOr<std::string> token = tokens_->Get(deadline);
    if (!token.ok() && absl::IsResourceExhausted(token.status())) {
      // The token request was rate-limited: as for any 429, the budget has
      // paused the account; only time is spent.
      last_failure = token.status();
      if (++rate_limited <= config_.max_rate_limited_retries) continue;
      break;
    }
    if (!token.ok() && absl::IsCancelled(token.status())) {
      return absl::UnavailableError("the gateway is shutting down");
    }
    if (!token.ok()) {
      if (!IsTransient(token.status())) return token.status();
      last_failure = token.status();
    } else {
      http::HttpRequest request;
      request.operation = method == "POST" ? "trigger" : "status";
      request.method = method;
      request.url = absl::StrCat(config_.base_url, path);
      // Giving up on a trigger early would leave its outcome unknown.
      request.timeout = may_repeat ? config_.request_timeout
                                   : std::max(config_.request_timeout,
                                              deadline - clock_->Now());
      request.priority = priority;
      request.deadline = deadline;
      request.idempotent = may_repeat;
      request.headers.emplace_back("Authorization",
                                   absl::StrCat("Bearer ", *token));
      request.headers.emplace_back("Accept", "application/json");
      if (method == "POST") {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body;
      }
      absl::StatusOr<http::HttpResponse> response = http_->Send(request);
      if (!response.ok() && absl::IsCancelled(response.status())) {
        return absl::UnavailableError("the gateway is shutting down");
      }
      if (!response.ok() && !may_repeat &&
          http::MayHaveBeenDelivered(response.status())) {
        return http::MarkMayHaveBeenDelivered(
            absl::UnavailableError(absl::StrCat(
                "CXone did not answer the request to ", what,
                ", which may have reached it: ", response.status().message())));
      }
      if (!response.ok()) {
        last_failure = response.status();
      } else if (response->status_code == 401) {
        if (reauthenticated) {
          return absl::FailedPreconditionError(absl::StrCat(
              "CXone rejected a freshly issued access token (HTTP 401) when "
              "asked to ",
              what, "; check the gateway's client credentials"));
        }
        // The token expired or was revoked early: one new token, one retry,
        // and this does not count as a failed attempt.
        tokens_->Invalidate(*token);
        reauthenticated = true;
        continue;
      } else if (response->status_code == 429) {
        // The budget under us has paused the account for the Retry-After;
        // the next Send() waits for it. Only time is spent, not attempts.
        last_failure = absl::UnavailableError(
            absl::StrCat("CXone rate-limited the request to ", what));
        if (++rate_limited <= config_.max_rate_limited_retries) continue;
        break;
      } else if (response->status_code >= 500) {
        last_failure = absl::UnavailableError(absl::StrCat(
            "CXone answered HTTP ", response->status_code, " when asked to ",
            what, ": ", SummarizeErrorBody(response->body, *redactor_)));
        // 503 says the request was not handled; any other 5xx (500: it
        // failed while being handled; 502, 504: a proxy lost the answer)
        // may come after CXone acted on it.
        if (!may_repeat && response->status_code != 503) {
          return http::MarkMayHaveBeenDelivered(last_failure);
        }
      } else if (response->status_code / 100 == 2 && validate) {
        absl::Status valid = validate(*response);
        if (valid.ok()) return response;
        last_failure = valid;
      } else {
        return response;
      }
    }
    ++attempt;
    if (attempt >= max_attempts) break;
    const absl::Duration wait = backoff_->Delay(attempt - 1);
    if (clock_->Now() + wait >= deadline) break;
    log_->Warn("upstream call failed; retrying",
               {{"call", what},
                {"attempt", attempt},
                {"retry_in_ms", absl::ToInt64Milliseconds(wait)},
                {"error", std::string(last_failure.message())}});
    if (!stop_.SleepFor(wait)) {
      return absl::UnavailableError("the gateway is shutting down");
    }
  }
  return absl::UnavailableError(absl::StrCat(
      "CXone did not answer the request to ", what, " after ", attempt,
      attempt == 1 ? " attempt" : " attempts",
      rate_limited > 0
          ? absl::StrCat(" and ", rate_limited, " rate-limited tries")
          : "",
      "; last error: ", last_failure.message()));
}

absl::StatusOr<TriggerResult> CxoneClient::Trigger(
    const std::string& flow_id, const nlohmann::json& directives) {
  nlohmann::json body = {{"flowId", flow_id}};
  if (directives.is_object()) body["directives"] = directives;
  const std::string what =
      absl::StrCat("start compiling flow \"", flow_id, "\"");
  absl::StatusOr<TriggerResult> first = TriggerOnce(flow_id, body.dump(), what);
  if (first.ok() || !http::MayHaveBeenDelivered(first.status())) return first;
  // The request may have started a compile whose answer never reached us.
  // Ask again: if it did, the compile is running and CXone's 409 names it.
  log_->Warn(
      "the answer to a trigger was lost; asking CXone again",
      {{"flow", flow_id}, {"error", std::string(first.status().message())}});
  absl::StatusOr<TriggerResult> again =
      stop_.SleepFor(backoff_->Delay(0))
          ? TriggerOnce(flow_id, body.dump(), what)
          : absl::StatusOr<TriggerResult>(
                absl::UnavailableError("the gateway is shutting down"));
  if (again.ok()) {
    if (!again->already_running) {
      log_->Info(
          "CXone had no compile of the flow running when asked again: the "
          "lost request started none, or one that has already finished",
          {{"flow", flow_id}, {"compile_id", again->compile_id}});
    }
    return again;
  }
  // Whatever stopped the second request, the first may have started a
  // compile: the outcome stays unknown, and nothing more is sent.
  return http::MarkMayHaveBeenDelivered(absl::UnavailableError(
      absl::StrCat("the outcome of the request to ", what,
                   " is unknown: CXone may have started a compile (",
                   first.status().message(), "), and asking again failed (",
                   again.status().message(), "); nothing more was sent")));
}

absl::StatusOr<TriggerResult> CxoneClient::TriggerOnce(
    const std::string& flow_id, const std::string& body,
    const std::string& what) {
  absl::StatusOr<http::HttpResponse> response = Call(
      "POST", absl::StrCat("/api/v2/flows/", flow_id, "/compile"), body,
      http::RequestPriority::kInteractive, what, nullptr, /*may_repeat=*/false);
  if (!response.ok()) return response.status();
  switch (response->status_code) {
    case 200:
    case 201:
    case 202: {
      absl::StatusOr<TriggerResult> result =
          ParseTriggerResponse(response->body, *redactor_);
      if (!result.ok()) {
        // CXone started a compile whose id we cannot read.
        return http::MarkMayHaveBeenDelivered(absl::UnavailableError(
            absl::StrCat("CXone accepted the request to ", what,
                         " but its answer could not be read: ",
                         result.status().message())));
      }
      return result;
    }
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat("CXone denied the request to ", what,
                       ": the gateway's access token lacks scope flow:write (",
                       SummarizeErrorBody(response->body, *redactor_), ")"));
    case 404:
      return absl::NotFoundError(
          absl::StrCat("CXone does not know flow \"", flow_id, "\""));
    case 409: {
      std::string running = ParseConflictCompileId(response->body, *redactor_);
      if (running.empty()) {
        return absl::AbortedError(absl::StrCat(
            "flow \"", flow_id,
            "\" is already compiling in CXone, which did not say which "
            "compile is running; retry when it has finished"));
      }
      return TriggerResult{running, "", /*already_running=*/true};
    }
    default:
      return OtherClientError(*response, what, *redactor_);
  }
}

absl::StatusOr<CompileStatus> CxoneClient::GetStatus(
    const std::string& flow_id, const std::string& compile_id) {
  const std::string what = absl::StrCat("report compile \"", compile_id,
                                        "\" of flow \"", flow_id, "\"");
  // A malformed body is transient: retried like a 5xx, within this call.
  absl::StatusOr<CompileStatus> parsed;
  auto parse = [this, &parsed](const http::HttpResponse& response) {
    parsed = ParseStatusResponse(response.body, *redactor_);
    return parsed.status();
  };
  absl::StatusOr<http::HttpResponse> response = Call(
      "GET", absl::StrCat("/api/v2/flows/", flow_id, "/compile/", compile_id),
      "", http::RequestPriority::kBackground, what, parse, /*may_repeat=*/true);
  if (!response.ok()) return response.status();
  switch (response->status_code) {
    case 200:
      return parsed;
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat("CXone denied the request to ", what,
                       ": the gateway's access token lacks scope flow:read (",
                       SummarizeErrorBody(response->body, *redactor_), ")"));
    case 404:
      return absl::NotFoundError(absl::StrCat("CXone does not know compile \"",
                                              compile_id, "\" of flow \"",
                                              flow_id, "\""));
    default:
      return OtherClientError(*response, what, *redactor_);
  }
}

}  // namespace cxone::upstream

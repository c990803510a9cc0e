#include "server/upstream/cxone_client.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/upstream/response_parser.h"
#include "server/upstream/retry_after.h"

namespace cxone::upstream {
namespace {

bool IsTransient(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

// The answer to a 4xx that no call handles specially.
absl::Status OtherClientError(const HttpResponse& response,
                              absl::string_view what) {
  std::string message =
      absl::StrCat("CXone refused to ", what, " (HTTP ", response.status_code,
                   ": ", SummarizeErrorBody(response.body), ")");
  if (response.status_code == 400 || response.status_code == 422) {
    return absl::InvalidArgumentError(message);
  }
  return absl::FailedPreconditionError(message);
}

}  // namespace

CxoneClient::CxoneClient(CxoneClientConfig config, HttpClient* http,
                         TokenCache* tokens, Backoff* backoff, Clock* clock,
                         JsonLog* log)
    : config_(std::move(config)),
      http_(http),
      tokens_(tokens),
      backoff_(backoff),
      clock_(clock),
      log_(log) {}

absl::StatusOr<HttpResponse> CxoneClient::Call(const std::string& method,
                                               const std::string& path,
                                               const std::string& body,
                                               absl::string_view what) {
  const int max_attempts = std::max(1, backoff_->policy().max_attempts);
  bool reauthenticated = false;
  absl::Status last_failure;
  for (int attempt = 0; attempt < max_attempts;) {
    absl::Duration wait = absl::ZeroDuration();
    absl::StatusOr<std::string> token = tokens_->Get();
    if (!token.ok()) {
      if (!IsTransient(token.status())) return token.status();
      last_failure = token.status();
    } else {
      HttpRequest request;
      request.method = method;
      request.url = absl::StrCat(config_.base_url, path);
      request.timeout = config_.request_timeout;
      request.headers.emplace_back("Authorization",
                                   absl::StrCat("Bearer ", *token));
      request.headers.emplace_back("Accept", "application/json");
      if (method == "POST") {
        request.headers.emplace_back("Content-Type", "application/json");
        request.body = body;
      }
      absl::StatusOr<HttpResponse> response = http_->Send(request);
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
        last_failure = absl::UnavailableError(
            absl::StrCat("CXone rate-limited the request to ", what));
        std::optional<absl::Duration> retry_after =
            ParseRetryAfter(response->Header("retry-after"), clock_->Now());
        if (!retry_after.has_value()) {
          log_->Warn("malformed or missing Retry-After on 429; backing off",
                     {{"value", response->Header("retry-after")}});
        }
        wait = std::min(retry_after.value_or(backoff_->Ceiling(attempt)),
                        config_.max_retry_after);
      } else if (response->status_code >= 500) {
        last_failure = absl::UnavailableError(absl::StrCat(
            "CXone answered HTTP ", response->status_code, " when asked to ",
            what, ": ", SummarizeErrorBody(response->body)));
      } else {
        return response;
      }
    }
    ++attempt;
    if (attempt >= max_attempts) break;
    if (wait == absl::ZeroDuration()) wait = backoff_->Delay(attempt - 1);
    log_->Warn("upstream call failed; retrying",
               {{"call", what},
                {"attempt", attempt},
                {"retry_in_ms", absl::ToInt64Milliseconds(wait)},
                {"error", std::string(last_failure.message())}});
    clock_->SleepFor(wait);
  }
  return absl::UnavailableError(absl::StrCat(
      "CXone did not answer the request to ", what, " after ", max_attempts,
      " attempts; last error: ", last_failure.message()));
}

absl::StatusOr<TriggerResult> CxoneClient::Trigger(
    const std::string& flow_id, const nlohmann::json& directives) {
  nlohmann::json body = {{"flowId", flow_id}};
  if (directives.is_object()) body["directives"] = directives;
  const std::string what =
      absl::StrCat("start compiling flow \"", flow_id, "\"");
  absl::StatusOr<HttpResponse> response =
      Call("POST", absl::StrCat("/api/v2/flows/", flow_id, "/compile"),
           body.dump(), what);
  if (!response.ok()) return response.status();
  switch (response->status_code) {
    case 200:
    case 201:
    case 202: {
      absl::StatusOr<TriggerResult> result =
          ParseTriggerResponse(response->body);
      if (!result.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "CXone accepted the request to ", what,
            " but its answer could not be read: ", result.status().message()));
      }
      return result;
    }
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat("CXone denied the request to ", what,
                       ": the gateway's access token lacks scope flow:write (",
                       SummarizeErrorBody(response->body), ")"));
    case 404:
      return absl::NotFoundError(
          absl::StrCat("CXone does not know flow \"", flow_id, "\""));
    case 409: {
      std::string running = ParseConflictCompileId(response->body);
      if (running.empty()) {
        return absl::AbortedError(absl::StrCat(
            "flow \"", flow_id,
            "\" is already compiling in CXone, which did not say which "
            "compile is running; retry when it has finished"));
      }
      return TriggerResult{running, "", /*already_running=*/true};
    }
    default:
      return OtherClientError(*response, what);
  }
}

absl::StatusOr<CompileStatus> CxoneClient::GetStatus(
    const std::string& flow_id, const std::string& compile_id) {
  const std::string what = absl::StrCat("report compile \"", compile_id,
                                        "\" of flow \"", flow_id, "\"");
  absl::StatusOr<HttpResponse> response = Call(
      "GET", absl::StrCat("/api/v2/flows/", flow_id, "/compile/", compile_id),
      "", what);
  if (!response.ok()) return response.status();
  switch (response->status_code) {
    case 200:
      return ParseStatusResponse(response->body);
    case 403:
      return absl::PermissionDeniedError(
          absl::StrCat("CXone denied the request to ", what,
                       ": the gateway's access token lacks scope flow:read (",
                       SummarizeErrorBody(response->body), ")"));
    case 404:
      return absl::NotFoundError(absl::StrCat("CXone does not know compile \"",
                                              compile_id, "\" of flow \"",
                                              flow_id, "\""));
    default:
      return OtherClientError(*response, what);
  }
}

}  // namespace cxone::upstream

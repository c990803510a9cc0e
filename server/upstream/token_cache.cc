#include "server/upstream/token_cache.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/upstream/response_parser.h"

namespace cxone::upstream {

std::string FormEncode(absl::string_view value) {
  std::string encoded;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&encoded, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  // absl::Hex prints lower case; RFC 3986 §2.1 prefers upper case.
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '%') {
      encoded[i + 1] = absl::ascii_toupper(encoded[i + 1]);
      encoded[i + 2] = absl::ascii_toupper(encoded[i + 2]);
    }
  }
  return encoded;
}

namespace {

// The credentials of an HTTP Basic Authorization header (RFC 6749 §2.3.1:
// id and secret are form-encoded before base64).
std::string BasicCredentials(const TokenEndpointConfig& config) {
  return absl::Base64Escape(absl::StrCat(FormEncode(config.client_id), ":",
                                         FormEncode(config.client_secret)));
}

}  // namespace

TokenCache::TokenCache(TokenEndpointConfig config, http::HttpClient* http,
                       Clock* clock, Redactor* redactor)
    : config_(std::move(config)),
      http_(http),
      clock_(clock),
      redactor_(redactor) {
  redactor_->AddPermanentSecret(config_.client_secret);
  if (config_.auth_method == ClientAuthMethod::kHttpBasic) {
    // Its base64 hides the secret from a match of the secret itself.
    redactor_->AddPermanentSecret(BasicCredentials(config_));
  }
}

absl::StatusOr<std::string> TokenCache::Get(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  while (true) {
    const absl::Time now = clock_->Now();
    if (!token_.empty() && now < refresh_at_) return token_;
    if (!fetching_ && now < next_fetch_at_) {
      // Backing off: every caller gets the last failure instead of a
      // request of its own.
      return absl::Status(
          last_fetch_status_.code(),
          absl::StrCat(last_fetch_status_.message(), " (", failures_in_a_row_,
                       failures_in_a_row_ == 1 ? " failure" : " failures",
                       " in a row; the next token request goes in ",
                       absl::FormatDuration(absl::Milliseconds(
                           absl::ToInt64Milliseconds(next_fetch_at_ - now))),
                       ")"));
    }
    if (!fetching_) break;
    // Another caller is fetching: wait for it and share its outcome.
    const uint64_t generation = fetch_generation_;
    auto fetch_ended = [this, generation]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return fetch_generation_ != generation;
    };
    // On the clock: `deadline` is the clock's time.
    if (!clock_->AwaitWithDeadline(mu_, absl::Condition(&fetch_ended),
                                   deadline)) {
      return absl::DeadlineExceededError(
          "timed out waiting for the access token being fetched");
    }
    if (!last_fetch_status_.ok()) return last_fetch_status_;
  }
  fetching_ = true;
  mu_.Unlock();
  absl::StatusOr<std::string> fetched = Fetch(deadline);
  refreshes_.Add({fetched.ok() ? "ok" : "error"});
  mu_.Lock();
  fetching_ = false;
  if (fetched.ok()) {
    failing_since_ = absl::InfinitePast();
  } else if (failing_since_ == absl::InfinitePast() &&
             !absl::IsResourceExhausted(fetched.status()) &&
             !absl::IsCancelled(fetched.status())) {
    failing_since_ = clock_->Now();
  }
  BackOffAfter(fetched.status());
  ++fetch_generation_;
  last_fetch_status_ = fetched.status();
  return fetched;
}

void TokenCache::BackOffAfter(const absl::Status& fetched) {
  if (fetched.ok()) {
    failures_in_a_row_ = 0;
    next_fetch_at_ = absl::InfinitePast();
    return;
  }
  // Only failures of the endpoint (unreachable, 5xx, malformed, rejected
  // credentials) back it off; a 429 has paused the whole budget already,
  // and a deadline or shutdown says nothing about the endpoint.
  if (!absl::IsUnavailable(fetched) && !absl::IsFailedPrecondition(fetched)) {
    return;
  }
  const int retry = std::min(failures_in_a_row_, 30);
  ++failures_in_a_row_;
  // Half the ceiling at least (so no draw sends the next request at once),
  // jittered over the other half.
  const absl::Duration wait =
      backoff_.Ceiling(retry) / 2 + backoff_.Delay(retry) / 2;
  next_fetch_at_ = clock_->Now() + wait;
}

absl::Duration TokenCache::RefreshMargin(absl::Duration life) const {
  return std::min(config_.refresh_margin,
                  life * config_.max_refresh_margin_fraction);
}

absl::Time TokenCache::failing_since() const {
  absl::MutexLock lock(&mu_);
  return failing_since_;
}

void TokenCache::Invalidate(const std::string& token) {
  absl::MutexLock lock(&mu_);
  if (token_ == token) {
    token_.clear();
    expiry_ = absl::InfinitePast();
    refresh_at_ = absl::InfinitePast();
  }
}

int64_t TokenCache::fetch_count() const {
  absl::MutexLock lock(&mu_);
  return fetch_count_;
}

std::string TokenCache::RequestBody() const {
  std::string body = "grant_type=client_credentials";
  if (config_.auth_method == ClientAuthMethod::kFormFields) {
    absl::StrAppend(&body, "&client_id=", FormEncode(config_.client_id),
                    "&client_secret=", FormEncode(config_.client_secret));
  }
  if (!config_.scope.empty()) {
    absl::StrAppend(&body, "&scope=", FormEncode(config_.scope));
  }
  return body;
}

absl::StatusOr<std::string> TokenCache::Fetch(absl::Time deadline) {
  http::HttpRequest request;
  request.operation = "token";
  request.method = "POST";
  request.url = config_.url;
  request.timeout = config_.request_timeout;
  request.priority = http::RequestPriority::kInteractive;
  request.deadline = std::min(deadline, clock_->Now() + config_.max_wait);
  request.headers.emplace_back("Content-Type",
                               "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  if (config_.auth_method == ClientAuthMethod::kHttpBasic) {
    request.headers.emplace_back(
        "Authorization", absl::StrCat("Basic ", BasicCredentials(config_)));
  }
  request.body = RequestBody();
  const absl::Time sent_at = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    ++fetch_count_;
  }
  absl::StatusOr<http::HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    if (absl::IsCancelled(response.status())) return response.status();
    return absl::UnavailableError(absl::StrCat(
        "CXone token endpoint unreachable: ", response.status().message()));
  }
  const int code = response->status_code;
  if (code == 429) {
    // Not a failure of the endpoint: the budget has paused the account.
    return absl::ResourceExhaustedError("CXone rate-limited the token request");
  }
  if (code == 400 || code == 401) {
    return absl::FailedPreconditionError(absl::StrCat(
        "CXone token endpoint rejected the client credentials of client_id \"",
        config_.client_id, "\" (HTTP ", code, ": ",
        SummarizeErrorBody(response->body, *redactor_), ")"));
  }
  if (code != 200) {
    return absl::UnavailableError(
        absl::StrCat("CXone token endpoint answered HTTP ", code, ": ",
                     SummarizeErrorBody(response->body, *redactor_)));
  }
  absl::StatusOr<AccessToken> token = ParseTokenResponse(response->body);
  if (!token.ok()) {
    // The body may hold a token in a field we could not read: never quote it.
    return absl::UnavailableError(
        "CXone token endpoint answered 200 with a body that is not a valid "
        "token response");
  }
  // Expiry counts from when the request was sent: the token's life started
  // no later than that.
  const absl::Time expiry = sent_at + token->expires_in;
  redactor_->AddExpiringSecret(token->value, expiry, clock_->Now());
  absl::MutexLock lock(&mu_);
  token_ = token->value;
  expiry_ = expiry;
  refresh_at_ = expiry_ - RefreshMargin(token->expires_in);
  return token_;
}

}  // namespace cxone::upstream

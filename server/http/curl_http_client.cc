#include "server/http/curl_http_client.h"

#include <curl/curl.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/loopback.h"
#include "common/private_network.h"

namespace cxone::http {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  absl::string_view line(data, size * count);
  // A new status line (after a redirect or 100-continue) starts a new set.
  if (absl::StartsWith(line, "HTTP/")) {
    headers->clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != absl::string_view::npos) {
    std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(colon + 1));
    (*headers)[name] = std::string(value);
  }
  return size * count;
}

// Unlinks a curl_slist when the request is done.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

}  // namespace

CurlHttpClient::~CurlHttpClient() {
  absl::MutexLock lock(&mu_);
  for (void* handle : idle_handles_)
    curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlHttpClient::TakeHandle() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CurlHttpClient::ReturnHandle(void* handle) {
  absl::MutexLock lock(&mu_);
  idle_handles_.push_back(handle);
}

absl::StatusOr<HttpResponse> CurlHttpClient::Send(const HttpRequest& request) {
  CURL* curl = static_cast<CURL*>(TakeHandle());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(curl);

  HttpResponse response;
  HeaderList headers;
  for (const auto& [name, value] : request.headers) {
    headers.list = curl_slist_append(headers.list,
                                     absl::StrCat(name, ": ", value).c_str());
  }
  // curl would otherwise send "Expect: 100-continue" for larger bodies and
  // wait a second for an answer that many servers never send.
  headers.list = curl_slist_append(headers.list, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  if (!request.idempotent) {
    // curl silently sends a request again when a reused connection closes
    // before answering; on a fresh connection it never does.
    curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
  }
  // 0 means "no timeout" to curl: round up, and never below 1 ms.
  const long timeout_ms =
      std::max<long>(1, static_cast<long>(absl::ToInt64Milliseconds(absl::Ceil(
                            request.timeout, absl::Milliseconds(1)))));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   std::min<long>(timeout_ms, 5000));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &AppendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  if (!ca_file_.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
  if (request.refuse_loopback || request.refuse_private_network) {
    // Checked on the address actually connected to, after DNS: a name that
    // resolves to 127.0.0.1 (or 10.0.0.1) is refused as well as the literal.
    curl_easy_setopt(curl, CURLOPT_PREREQDATA, &request);
    curl_easy_setopt(
        curl, CURLOPT_PREREQFUNCTION,
        +[](void* data, char* primary_ip, char*, int, int) -> int {
          const auto* sent = static_cast<const HttpRequest*>(data);
          const bool refused =
              (sent->refuse_loopback && IsLoopbackHost(primary_ip)) ||
              (sent->refuse_private_network && IsPrivateNetworkHost(primary_ip));
          return refused ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
        });
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode code = curl_easy_perform(curl);
  long status_code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status_code);
  // Past "pre-transfer" curl had a connection and began sending: from then
  // on the server may have the request, whatever went wrong after. Only
  // failures to connect at all certainly left nothing there.
  curl_off_t pretransfer_us = 0;
  curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us);
  const bool never_connected =
      code == CURLE_COULDNT_RESOLVE_HOST ||
      code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_COULDNT_CONNECT ||
      code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT ||
      code == CURLE_SSL_CONNECT_ERROR ||
      code == CURLE_PEER_FAILED_VERIFICATION ||
      (code == CURLE_OPERATION_TIMEDOUT && pretransfer_us == 0);
  const bool began_sending = !never_connected;
  auto failed = [began_sending](absl::Status status) {
    return began_sending ? MarkMayHaveBeenDelivered(std::move(status)) : status;
  };
  // Reset before pooling so no pointer to this call's locals stays behind.
  curl_easy_reset(curl);
  ReturnHandle(curl);

  if (code == CURLE_OPERATION_TIMEDOUT) {
    return failed(absl::DeadlineExceededError(
        absl::StrCat(request.method, " ", request.url, " timed out after ",
                     absl::FormatDuration(request.timeout),
                     began_sending ? " without an answer" : " connecting")));
  }
  if (code == CURLE_ABORTED_BY_CALLBACK &&
      (request.refuse_loopback || request.refuse_private_network)) {
    return absl::UnavailableError(absl::StrCat(
        request.method, " ", request.url,
        " refused: it resolves to a loopback or private-network address, "
        "which webhooks may reach only with allow_loopback or "
        "allow_private_network"));
  }
  if (code != CURLE_OK) {
    return failed(absl::UnavailableError(
        absl::StrCat(request.method, " ", request.url,
                     " failed: ", curl_easy_strerror(code))));
  }
  response.status_code = static_cast<int>(status_code);
  return response;
}

}  // namespace cxone::http

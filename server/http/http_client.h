// HttpClient: the one door through which the gateway talks HTTP to CXone.
//
// An interface so that the upstream client can be tested against a scripted
// fake; CurlHttpClient is the real implementation.
//
// Thread-safety: implementations must allow concurrent Send() calls.
#ifndef CXONE_SERVER_HTTP_HTTP_CLIENT_H_
#define CXONE_SERVER_HTTP_HTTP_CLIENT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/time/time.h"

namespace cxone::http {

enum class RequestPriority { kInteractive, kBackground };

struct HttpRequest {
  // What the request is for ("token", "trigger", "status"), for metrics.
  std::string operation;
  std::string method;  // "GET" or "POST"
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(10);
  // Interactive requests (someone waits: tokens, triggers) go before
  // background ones (status polls) when the rate budget is short.
  RequestPriority priority = RequestPriority::kInteractive;
  // The latest time the request may still be sent; waiting for the rate
  // budget counts against it.
  absl::Time deadline = absl::InfiniteFuture();
  // Refuse to connect to a loopback address, whatever the name resolved to
  // (the SSRF guard of webhook deliveries): Unavailable instead.
  bool refuse_loopback = false;
  // The same for private and link-local networks (10/8, 172.16/12,
  // 192.168/16, 169.254/16, 100.64/10, fc00::/7, fe80::/10).
  bool refuse_private_network = false;
  // False for a request the server must receive at most once (a trigger):
  // it is sent on a fresh connection that is not kept, because an HTTP
  // client resends a request on its own when a kept-alive connection it
  // reused closes without an answer — and that one may have been acted on.
  bool idempotent = true;
};

struct HttpResponse {
  int status_code = 0;
  // Header names lower-cased; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;

  // The header's value, or "" when absent. `name` must be lower-case.
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;

  // Sends `request` and returns the response, whatever its status code.
  // Transport failures (refused, reset, DNS, TLS) are Unavailable; a request
  // that took longer than its timeout is DeadlineExceeded. A failure after
  // the request may have reached the server (it was being sent or answered
  // when the connection broke or the timeout struck) is marked with
  // MarkMayHaveBeenDelivered. Messages name the method and URL but never a
  // header value or the body (they hold secrets).
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

// The payload that marks a failed request as possibly delivered: the server
// may have acted on it though no complete answer came back. Such a request
// is sent again only if doing it twice is harmless (a GET); a trigger is
// not (it could start a second compile).
inline constexpr char kMayHaveBeenDeliveredPayload[] =
    "type.cxone/may-have-been-delivered";

inline absl::Status MarkMayHaveBeenDelivered(absl::Status status) {
  status.SetPayload(kMayHaveBeenDeliveredPayload, absl::Cord("1"));
  return status;
}

// True for a failure marked by MarkMayHaveBeenDelivered; false for one
// that certainly left nothing at the server (no connection, a deadline that
// passed before sending) and for OK.
inline bool MayHaveBeenDelivered(const absl::Status& status) {
  return status.GetPayload(kMayHaveBeenDeliveredPayload).has_value();
}

}  // namespace cxone::http

#endif  // CXONE_SERVER_HTTP_HTTP_CLIENT_H_

// FakeHttpClient: an HttpClient that answers from a script and records what
// it was sent, for unit tests of the upstream client.
//
// Handlers are matched by URL substring, first match wins; each handler
// returns the response (or transport error) for one request.
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_FAKE_HTTP_CLIENT_H_
#define CXONE_TESTS_SUPPORT_FAKE_HTTP_CLIENT_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/http/http_client.h"

namespace cxone::testing {

class FakeHttpClient final : public http::HttpClient {
 public:
  using Handler = std::function<absl::StatusOr<http::HttpResponse>(
      const http::HttpRequest&)>;

  void On(std::string url_part, Handler handler) {
    absl::MutexLock lock(&mu_);
    handlers_.emplace_back(std::move(url_part), std::move(handler));
  }

  absl::StatusOr<http::HttpResponse> Send(
      const http::HttpRequest& request) override {
    Handler handler;
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(request);
      for (const auto& [part, candidate] : handlers_) {
        if (request.url.find(part) != std::string::npos) {
          handler = candidate;
          break;
        }
      }
    }
    if (!handler)
      return absl::UnavailableError("no handler for " + request.url);
    return handler(request);
  }

  std::vector<http::HttpRequest> requests() const {
    absl::MutexLock lock(&mu_);
    return requests_;
  }

  int CountTo(const std::string& url_part) const {
    absl::MutexLock lock(&mu_);
    int count = 0;
    for (const auto& request : requests_) {
      if (request.url.find(url_part) != std::string::npos) ++count;
    }
    return count;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, Handler>> handlers_ ABSL_GUARDED_BY(mu_);
  std::vector<http::HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

// A response with `code`, a JSON `body` and optional headers.
inline http::HttpResponse Respond(
    int code, std::string body,
    std::map<std::string, std::string> headers = {}) {
  http::HttpResponse response;
  response.status_code = code;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_HTTP_CLIENT_H_

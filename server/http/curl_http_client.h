// CurlHttpClient: HttpClient over libcurl's easy interface.
//
// Easy handles are pooled and reused, so connections to CXone stay open
// between requests (keep-alive) instead of a TCP and TLS handshake per poll.
// The pool grows to the peak number of concurrent Send() calls.
//
// REQUIRES: curl_global_init() was called (main does it) before the first
// Send().
//
// Thread-safe.
#ifndef CXONE_SERVER_HTTP_CURL_HTTP_CLIENT_H_
#define CXONE_SERVER_HTTP_CURL_HTTP_CLIENT_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/http/http_client.h"

namespace cxone::http {

class CurlHttpClient final : public HttpClient {
 public:
  // `ca_file`: the PEM CA bundle that verifies TLS servers instead of the
  // system's; empty: the system's. Verification is never off.
  explicit CurlHttpClient(std::string ca_file = "") : ca_file_(std::move(ca_file)) {}
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;
  ~CurlHttpClient() override;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  void* TakeHandle();
  void ReturnHandle(void* handle);

  const std::string ca_file_;
  absl::Mutex mu_;
  std::vector<void*> idle_handles_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::http

#endif  // CXONE_SERVER_HTTP_CURL_HTTP_CLIENT_H_

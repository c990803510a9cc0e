#include "server/upstream/curl_http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/webhook_receiver.h"

namespace cxone::upstream {
namespace {

using ::testing::HasSubstr;

TEST(CurlHttpClient, RefusesALoopbackPeerWhenAsked) {
  testing::WebhookReceiver receiver;  // listens on 127.0.0.1
  CurlHttpClient http;
  HttpRequest request;
  request.method = "POST";
  request.url = receiver.url();
  request.body = "{}";
  request.refuse_loopback = true;
  absl::StatusOr<HttpResponse> refused = http.Send(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("loopback"));
  EXPECT_TRUE(receiver.received().empty());

  request.refuse_loopback = false;  // the same request, allowed
  absl::StatusOr<HttpResponse> allowed = http.Send(request);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->status_code, 204);
}

// A loopback TCP port that completes connections (the kernel's backlog)
// but never reads or answers: a server that took the request and hung.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 8);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(CurlHttpClient, AnUnansweredRequestMayHaveBeenDelivered) {
  SilentListener listener;
  CurlHttpClient http;
  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat("http://127.0.0.1:", listener.port(), "/x");
  request.body = "{}";
  request.timeout = absl::Milliseconds(300);
  absl::StatusOr<HttpResponse> response = http.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status()))
      << response.status();
  EXPECT_TRUE(MayHaveBeenDelivered(response.status())) << response.status();
}

TEST(CurlHttpClient, ARefusedConnectionDeliveredNothing) {
  int port = 0;
  {
    SilentListener closed;  // a port that was free a moment ago
    port = closed.port();
  }
  CurlHttpClient http;
  HttpRequest request;
  request.method = "POST";
  request.url = absl::StrCat("http://127.0.0.1:", port, "/x");
  request.timeout = absl::Milliseconds(300);
  absl::StatusOr<HttpResponse> response = http.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(absl::IsUnavailable(response.status())) << response.status();
  EXPECT_FALSE(MayHaveBeenDelivered(response.status())) << response.status();
}

}  // namespace
}  // namespace cxone::upstream

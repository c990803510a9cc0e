#include "server/http/curl_http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/webhook_receiver.h"

namespace cxone::http {
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

  // Refusing private networks leaves loopback alone: each check is its
  // own (and both read the request the connect-time check is given).
  request.refuse_private_network = true;
  absl::StatusOr<HttpResponse> loopback = http.Send(request);
  ASSERT_TRUE(loopback.ok()) << loopback.status();
  request.refuse_loopback = true;
  absl::StatusOr<HttpResponse> both = http.Send(request);
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.status().message(), HasSubstr("allow_private_network"));
}

// A socket listening on a free loopback port (written to `port`).
int ListenOnLoopback(int* port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  listen(fd, 8);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  return fd;
}

// A loopback TCP port that completes connections (the kernel's backlog)
// but never reads or answers: a server that took the request and hung.
class SilentListener {
 public:
  SilentListener() : fd_(ListenOnLoopback(&port_)) {}
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int port_ = 0;  // before fd_: its initializer writes it
  int fd_ = -1;
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
  EXPECT_TRUE(absl::IsDeadlineExceeded(response.status())) << response.status();
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

// A keep-alive HTTP server on loopback that answers every request 200,
// except a request to /trigger: it reads that one whole, then closes the
// connection without a byte — a server that acted on it and whose answer
// was lost.
class DroppingServer {
 public:
  DroppingServer() : fd_(ListenOnLoopback(&port_)) {
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~DroppingServer() {
    shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int connection : connections_) shutdown(connection, SHUT_RDWR);
    for (std::thread& handler : handlers_) handler.join();
    for (int connection : connections_) close(connection);
    close(fd_);
  }
  std::string url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int triggers() const { return triggers_.load(); }

 private:
  void Accept() {
    while (true) {
      const int connection = accept(fd_, nullptr, nullptr);
      if (connection < 0) return;
      std::lock_guard<std::mutex> lock(mu_);
      connections_.push_back(connection);
      handlers_.emplace_back([this, connection] { Serve(connection); });
    }
  }
  // The request line of the next request on `connection`, its body read;
  // "" when the connection closed.
  static std::string ReadRequest(int connection) {
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) return "";
      data.append(buffer, static_cast<size_t>(n));
    }
    const size_t header_end = data.find("\r\n\r\n") + 4;
    const size_t field = data.find("Content-Length: ");
    size_t body = data.size() - header_end;
    const size_t length =
        field == std::string::npos ? 0 : std::stoul(data.substr(field + 16));
    while (body < length) {
      const ssize_t n = recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      body += static_cast<size_t>(n);
    }
    return data.substr(0, data.find("\r\n"));
  }
  void Serve(int connection) {
    while (true) {
      const std::string line = ReadRequest(connection);
      if (line.empty()) return;
      if (line.find("/trigger") != std::string::npos) {
        ++triggers_;
        shutdown(connection, SHUT_RDWR);  // no answer at all
        return;
      }
      static constexpr char kOk[] =
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      send(connection, kOk, sizeof kOk - 1, MSG_NOSIGNAL);
    }
  }

  int port_ = 0;  // before fd_: its initializer writes it
  int fd_ = -1;
  std::atomic<int> triggers_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> connections_;
  std::vector<std::thread> handlers_;
};

// curl resends a request when a kept-alive connection it reused closes
// without an answer; a request that may not repeat must reach the server
// once.
TEST(CurlHttpClient, ARequestThatMayNotRepeatIsSentOnceWhenItsAnswerIsLost) {
  DroppingServer server;
  CurlHttpClient http;
  HttpRequest warm_up;  // leaves a kept-alive connection behind
  warm_up.method = "POST";
  warm_up.url = server.url("/token");
  warm_up.body = "x";
  warm_up.timeout = absl::Seconds(5);
  ASSERT_TRUE(http.Send(warm_up).ok());
  HttpRequest trigger = warm_up;
  trigger.url = server.url("/trigger");
  trigger.idempotent = false;
  absl::StatusOr<HttpResponse> response = http.Send(trigger);
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(MayHaveBeenDelivered(response.status())) << response.status();
  EXPECT_EQ(server.triggers(), 1);
}

}  // namespace
}  // namespace cxone::http

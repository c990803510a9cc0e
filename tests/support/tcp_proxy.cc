#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace cxone::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpProxy>> TcpProxy::Start(int target_port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const std::string error = std::strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("proxy listen: ", error));
  }
  return std::unique_ptr<TcpProxy>(
      new TcpProxy(fd, ntohs(address.sin_port), target_port));
}

TcpProxy::TcpProxy(int listen_fd, int port, int target_port)
    : listen_fd_(listen_fd), port_(port), target_port_(target_port) {
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  acceptor_.join();
  close(listen_fd_);
  BreakAll();
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mu_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
}

void TcpProxy::BreakAll() {
  absl::MutexLock lock(&mu_);
  // shutdown() wakes the pumps' poll(); each pump closes its own fds.
  for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
}

void TcpProxy::WedgeAll() {
  absl::MutexLock lock(&mu_);
  // open_fds_ holds each connection's client fd then its server fd.
  for (size_t i = 0; i < open_fds_.size(); i += 2) {
    wedged_fds_.push_back(open_fds_[i]);
  }
}

bool TcpProxy::Wedged(int client_fd) const {
  absl::MutexLock lock(&mu_);
  return std::find(wedged_fds_.begin(), wedged_fds_.end(), client_fd) !=
         wedged_fds_.end();
}

void TcpProxy::Retarget(int target_port) {
  absl::MutexLock lock(&mu_);
  target_port_ = target_port;
}

int TcpProxy::accepted() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

void TcpProxy::Accept() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (poll(&waiting, 1, 50) <= 0) continue;  // re-checks stopping_
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int target_port = 0;
    {
      absl::MutexLock lock(&mu_);
      target_port = target_port_;
    }
    sockaddr_in target = Loopback(target_port);
    if (server < 0 || connect(server, reinterpret_cast<sockaddr*>(&target),
                              sizeof target) != 0) {
      if (server >= 0) close(server);
      close(client);
      continue;
    }
    absl::MutexLock lock(&mu_);
    ++accepted_;
    open_fds_.push_back(client);
    open_fds_.push_back(server);
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
  }
}

void TcpProxy::Pump(int client_fd, int server_fd) {
  char buffer[16384];
  pollfd fds[2] = {{client_fd, POLLIN, 0}, {server_fd, POLLIN, 0}};
  bool open = true;
  while (open) {
    if (Wedged(client_fd)) {
      // Read nothing, so nothing is forwarded, until BreakAll() or the
      // destructor shuts the sockets down (POLLHUP).
      pollfd idle[2] = {{client_fd, 0, 0}, {server_fd, 0, 0}};
      if (poll(idle, 2, 100) < 0 && errno != EINTR) break;
      if ((idle[0].revents | idle[1].revents) & (POLLHUP | POLLERR)) break;
      continue;
    }
    if (poll(fds, 2, 100) < 0 && errno != EINTR) break;
    // Wedged while polling: what arrived stays unread.
    if (Wedged(client_fd)) continue;
    for (int i = 0; i < 2 && open; ++i) {
      if (fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        open = false;
        break;
      }
      const int to = fds[1 - i].fd;
      for (ssize_t sent = 0; sent < n;) {
        // MSG_NOSIGNAL: a peer already gone must not kill the test (SIGPIPE).
        ssize_t written = send(to, buffer + sent, static_cast<size_t>(n - sent),
                               MSG_NOSIGNAL);
        if (written <= 0) {
          open = false;
          break;
        }
        sent += written;
      }
    }
  }
  absl::MutexLock lock(&mu_);
  for (int fd : {client_fd, server_fd}) {
    open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd),
                    open_fds_.end());
    wedged_fds_.erase(std::remove(wedged_fds_.begin(), wedged_fds_.end(), fd),
                      wedged_fds_.end());
    shutdown(fd, SHUT_RDWR);
    close(fd);
  }
}

}  // namespace cxone::testing

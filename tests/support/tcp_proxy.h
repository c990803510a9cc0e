// TcpProxy: a loopback TCP forwarder a test can cut, to break a client's
// connection to a server without stopping either.
//
// Accepts on 127.0.0.1 (port chosen by the kernel), connects each accepted
// connection to 127.0.0.1:target_port and copies bytes both ways. BreakAll()
// resets every open connection; WedgeAll() makes every open connection stop
// forwarding while staying open (a proxy or NAT that lost its state: the
// client's writes are accepted by TCP and nothing ever comes back); new
// connections are still accepted and forwarded in both cases. The destructor
// stops accepting, breaks everything and joins every thread.
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_TCP_PROXY_H_
#define CXONE_TESTS_SUPPORT_TCP_PROXY_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace cxone::testing {

class TcpProxy {
 public:
  static absl::StatusOr<std::unique_ptr<TcpProxy>> Start(int target_port);

  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;
  ~TcpProxy();

  int port() const { return port_; }

  // Resets every connection open now.
  void BreakAll();

  // Stops forwarding on every connection open now, in both directions,
  // without closing it.
  void WedgeAll();

  // Forwards the connections accepted from now on to `target_port` (a
  // server restarted on a new port); open ones stay where they are.
  void Retarget(int target_port);

  // Connections accepted so far.
  int accepted() const;

 private:
  TcpProxy(int listen_fd, int port, int target_port);
  void Accept();
  void Pump(int client_fd, int server_fd);
  bool Wedged(int client_fd) const;

  const int listen_fd_;
  const int port_;
  std::thread acceptor_;
  mutable absl::Mutex mu_;
  int target_port_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int accepted_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int> open_fds_ ABSL_GUARDED_BY(mu_);
  // The client fds of the wedged connections.
  std::vector<int> wedged_fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_TCP_PROXY_H_

// cxone-compile-server: reads the flags, runs one Gateway until SIGINT or
// SIGTERM (drains, then stops), and reopens the audit log on SIGHUP.
#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/gateway.h"
#include "server/ops/protobuf_log.h"
#include "server/server_config.h"

namespace cxone {
namespace {

// Runs the gateway until a stop signal; returns the exit code.
int Run(const ServerConfig& config, sigset_t* stop_signals) {
  absl::StatusOr<std::unique_ptr<Gateway>> gateway = Gateway::Create(config);
  if (!gateway.ok()) {
    // Create() logged it; the operator reads it here.
    std::fprintf(stderr, "cxone-compile-server: %s\n",
                 std::string(gateway.status().message()).c_str());
    return 1;
  }
  // libprotobuf's own complaints as JSON lines too (a process-wide route,
  // so main owns it).
  ProtobufLogRoute protobuf_logs(&(*gateway)->log());
  (*gateway)->Serve();
  int signal_number = 0;
  while (true) {
    sigwait(stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    // logrotate moved the audit log: write to a new file of that name.
    if (absl::Status reopened = (*gateway)->ReopenAuditLog(); !reopened.ok()) {
      (*gateway)->log().Error("cannot reopen the audit log",
                              {{"error", std::string(reopened.message())}});
    } else {
      (*gateway)->log().Info("audit log reopened");
    }
  }
  (*gateway)->log().Info("shutting down", {{"signal", signal_number}});
  (*gateway)->Drain();
  (*gateway)->Stop();
  return 0;
}

}  // namespace
}  // namespace cxone

int main(int argc, char** argv) {
  // Debian builds Abseil with mutex deadlock detection on: it costs every
  // lock (gRPC's included) a graph update, 15% of the server's CPU and
  // about 1 KB per open watch in the watcher benchmark. The lock order is
  // written down in server/LOCKING.md instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and only sigwait() in Run() receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<cxone::ParsedServerConfig> parsed =
      cxone::ParseServerConfig(cxone::ArgsOf(argc, argv), cxone::ProcessEnv());
  if (!parsed.ok()) {
    std::fprintf(stderr, "cxone-compile-server: %s\n",
                 std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->help_requested) {
    std::fputs(parsed->usage.c_str(), stdout);
    return 0;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = cxone::Run(parsed->config, &stop_signals);
  curl_global_cleanup();
  return code;
}

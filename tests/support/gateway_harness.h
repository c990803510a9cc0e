// GatewayHarness: the real simulator and the real gateway server, started
// as subprocesses on loopback (port 0), with a gRPC stub to the gateway and
// an HTTP client to the simulator's /_sim endpoints.
//
// Every integration test of the gateway starts one of these. The processes
// are killed when the harness is destroyed.
#ifndef CXONE_TESTS_SUPPORT_GATEWAY_HARNESS_H_
#define CXONE_TESTS_SUPPORT_GATEWAY_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace cxone::testing {

// The client secret the harness gives both processes; tests grep logs for it.
inline constexpr char kHarnessClientSecret[] = "harness-s3cret-7f1d";

// The simulator, started as a subprocess on loopback with the harness's
// credentials and the repository's flows, plus `extra_args`.
struct RunningSimulator {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::string url;  // http://127.0.0.1:PORT
};
absl::StatusOr<RunningSimulator> StartSimulator(
    const std::vector<std::string>& extra_args);

struct HarnessOptions {
  // Extra simulator flags (the harness sets port, flows dir, credentials).
  // The phases are long enough that a poll every 50 ms sees each of them
  // even on a loaded machine.
  std::vector<std::string> sim_args = {"--queued-ms=300",
                                       "--in-progress-ms=1500"};
  // Extra server flags (the harness sets listen, base URL, client id).
  std::vector<std::string> server_args = {
      "--poll-interval=50ms", "--queued-poll-interval=50ms",
      "--min-poll-interval=50ms", "--upstream-rps=200", "--upstream-burst=20"};
  // The secret the server presents (default: the one the simulator accepts).
  std::string server_client_secret = kHarnessClientSecret;
  // When set, the server's base URL (e.g. a closed port) instead of the
  // simulator's.
  std::string base_url_override;
  // The server's --state-dir; empty: a fresh directory of the harness's own,
  // removed with it.
  std::string state_dir;
};

class GatewayHarness {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayHarness>> Start(
      HarnessOptions options = {});

  compile::v1::CompileService::Stub& stub() { return *stub_; }
  const std::string& gateway_address() const { return gateway_address_; }
  const std::string& sim_url() const { return sim_url_; }
  int metrics_port() const { return metrics_port_; }
  ChildProcess& server() { return *server_; }
  ChildProcess& sim() { return *sim_; }

  // GET /_sim/stats, parsed.
  absl::StatusOr<nlohmann::json> SimStats();
  // POST /_sim/reset.
  absl::Status ResetSimStats();
  // POST /_sim/faults with `patch`.
  absl::Status SetSimFaults(const nlohmann::json& patch);
  // GET `path` on the simulator, parsed.
  absl::StatusOr<nlohmann::json> SimGet(const std::string& path);

  // The current value of the gateway's metric `name` (from /metrics).
  absl::StatusOr<double> Metric(const std::string& name);

  // Every line both processes printed so far (every server's, across
  // restarts).
  std::vector<std::string> AllLogLines() const;

  // Kills the server with SIGKILL (no chance to clean up) and reaps it.
  absl::Status KillServer();
  // Starts the server again with the same flags and state dir; the stub
  // then talks to the new one (on a new port).
  absl::Status RestartServer();

  const std::string& state_dir() const { return state_dir_; }

 private:
  GatewayHarness() = default;
  absl::Status StartServer();

  // Declared first, so removed after the processes are gone.
  std::unique_ptr<ScopedTempDir> own_state_dir_;
  std::unique_ptr<ChildProcess> sim_;
  std::unique_ptr<ChildProcess> server_;
  std::vector<std::string> server_args_;
  std::string server_client_secret_;
  std::string state_dir_;
  // Lines of servers killed before the current one.
  std::vector<std::string> earlier_server_lines_;
  std::string sim_url_;
  int sim_port_ = 0;
  std::string gateway_address_;
  int metrics_port_ = 0;
  std::unique_ptr<compile::v1::CompileService::Stub> stub_;
};

// Starts a compile and returns it (or the RPC's error).
absl::StatusOr<compile::v1::Compile> StartCompile(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::StartCompileRequest& request);

// The compile StartCompile bound `request_id` to (or the RPC's error).
absl::StatusOr<compile::v1::Compile> LookupCompile(
    compile::v1::CompileService::Stub& stub, const std::string& request_id);

// One page of compiles (or the RPC's error), within `timeout`.
absl::StatusOr<compile::v1::ListCompilesResponse> ListCompiles(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::ListCompilesRequest& request,
    absl::Duration timeout = absl::Seconds(10));

// A batch's results (or the call's error), within `timeout` (a batch takes
// as long as the rate budget needs).
absl::StatusOr<compile::v1::BatchStartCompilesResponse> BatchStartCompiles(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::BatchStartCompilesRequest& request,
    absl::Duration timeout = absl::Seconds(120));

// Starts compiles of flows PREFIX-0 … PREFIX-(count-1), 32 at a time;
// compile i is the i-th (empty where its start failed).
std::vector<compile::v1::Compile> StartCompiles(
    compile::v1::CompileService::Stub& stub, const std::string& prefix,
    int64_t count);

// Watches `name` to the end of the stream (at most `timeout`); returns the
// events and the stream's final status.
struct WatchResult {
  std::vector<compile::v1::CompileEvent> events;
  grpc::Status status;
};
// `events` without the SYNCED and HEARTBEAT markers (which carry no
// sequence of their own).
std::vector<compile::v1::CompileEvent> WithoutMarkers(
    const std::vector<compile::v1::CompileEvent>& events);

WatchResult WatchToEnd(compile::v1::CompileService::Stub& stub,
                       const std::string& name,
                       absl::Duration timeout = absl::Seconds(30));

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_GATEWAY_HARNESS_H_

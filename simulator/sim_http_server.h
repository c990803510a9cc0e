// SimHttpServer: the simulator's HTTP face. Serves the CXone flow
// compilation REST API (the upstream contract the gateway speaks) on top of a
// SimState, plus the simulator's own endpoints:
//
//   POST /api/v2/oauth/token                         client credentials
//   POST /api/v2/flows/{flowId}/compile              trigger (flow:write)
//   GET  /api/v2/flows/{flowId}/compile/{compileId}  status (flow:read)
//   GET  /_sim/stats                                 request counters
//   POST /_sim/reset                                 zero the counters
//   GET  /_sim/faults                                the faults injected
//   POST /_sim/faults                                change some of them
//   GET  /_sim/compiles                              every compile, in the
//                                                    form below
//   GET  /_sim/compiles/{compileId}                  a compile, with the
//                                                    directives it received,
//                                                    its transitions and
//                                                    terminal_polls
//
// The faults (sim_faults.h, simulator/README.md) apply to the three API
// endpoints only, never to /_sim/*.
//
// Every response body is JSON with Content-Type application/json, errors
// included (unknown paths answer 404 JSON), except where a fault says
// otherwise (malformed_rate, drop_rate). Handlers never throw: bad input of
// any kind is answered with a 4xx.
//
// Owns the httplib::Server and the thread that runs its accept loop; the
// requests themselves run on httplib's worker pool.
//
// Thread-safety: Start() and Shutdown() must be called from one thread (main
// or a test). Handlers run concurrently on the worker threads.
#ifndef CXONE_SIMULATOR_SIM_HTTP_SERVER_H_
#define CXONE_SIMULATOR_SIM_HTTP_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "nlohmann/json.hpp"
#include "simulator/sim_state.h"

namespace cxone::sim {

struct SimHttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: pick a free port
  int worker_threads = 32;
  size_t max_body_bytes = 1 << 20;
};

class SimHttpServer {
 public:
  // `state`, `clock` and `log` must outlive the server.
  SimHttpServer(SimState* state, Clock* clock, JsonLog* log,
                SimHttpOptions options);
  SimHttpServer(const SimHttpServer&) = delete;
  SimHttpServer& operator=(const SimHttpServer&) = delete;
  // Calls Shutdown().
  ~SimHttpServer();

  // Binds to host:port and starts serving in the background. Returns the
  // port bound (the one picked if options.port was 0), or Unavailable if the
  // address cannot be bound. REQUIRES: called at most once.
  absl::StatusOr<int> Start();

  // Stops accepting, lets requests in progress finish and joins the
  // serving thread. Idempotent; a no-op if Start() did not succeed.
  void Shutdown();

 private:
  void RegisterRoutes();
  // Registers a POST route with httplib and in post_routes_.
  void AddPost(const std::string& pattern, httplib::Server::Handler handler);

  // The frame of every API request: counts it, applies the request-level
  // faults (SimState::Admit(): latency, 429, 503, drop) and, if the request
  // survives them, calls the endpoint's handler; records the outcome.
  void ServeApi(Endpoint endpoint, const httplib::Request& req,
                httplib::Response& res);

  void HandleToken(const httplib::Request& req, httplib::Response& res);
  void HandleTrigger(const httplib::Request& req, httplib::Response& res);
  // `malformed`: a 200 answer's body is to be cut short.
  void HandleStatus(const httplib::Request& req, httplib::Response& res,
                    bool malformed);
  void HandleStats(const httplib::Request& req, httplib::Response& res);
  void HandleReset(const httplib::Request& req, httplib::Response& res);
  void HandleGetFaults(const httplib::Request& req, httplib::Response& res);
  void HandleSetFaults(const httplib::Request& req, httplib::Response& res);
  void HandleDebugCompile(const httplib::Request& req, httplib::Response& res);
  void HandleDebugCompiles(const httplib::Request& req, httplib::Response& res);

  // Checks the Bearer token (401) and its scope (403); returns false after
  // having written the error response.
  bool Authorize(const httplib::Request& req, httplib::Response& res,
                 const char* scope);

  nlohmann::json StatsJson() const;

  SimState* const state_;
  Clock* const clock_;
  JsonLog* const log_;
  const SimHttpOptions options_;

  // The POST routes again, for requests without a body length that httplib
  // would refuse (see RegisterRoutes()). Written only by the constructor.
  std::vector<std::pair<std::regex, httplib::Server::Handler>> post_routes_;
  httplib::Server server_;
  std::thread serving_thread_;
  std::atomic<bool> serving_returned_{false};
};

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_SIM_HTTP_SERVER_H_

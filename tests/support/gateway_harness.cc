#include "tests/support/gateway_harness.h"

#include <csignal>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"

namespace cxone::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);

absl::StatusOr<int> PortAfter(const std::string& line,
                              const std::string& marker) {
  size_t at = line.rfind(marker);
  int port = 0;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(line.substr(at + marker.size()), &port)) {
    return absl::InternalError(absl::StrCat("no port in \"", line, "\""));
  }
  return port;
}

// A unary call made by `call(context, &response)` with a deadline
// `timeout` away: its response, or its status as an absl::Status.
template <typename Response, typename Call>
absl::StatusOr<Response> CallWithin(absl::Duration timeout, Call call) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  Response response;
  const grpc::Status status = call(&context, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

}  // namespace

absl::StatusOr<RunningSimulator> StartSimulator(
    const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {
      "--port=0", "--client-id=harness-client",
      absl::StrCat("--flows-dir=", CXONE_SOURCE_DIR, "/simulator/flows")};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      ChildProcess::Start(CXONE_SIM_BINARY, args,
                          {{"CXONE_SIM_CLIENT_SECRET", kHarnessClientSecret}});
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> line = (*process)->WaitForLine(
      [](const std::string& line) {
        return absl::StartsWith(line, "cxone-sim listening on ");
      },
      kStartTimeout);
  if (!line.ok()) return line.status();
  absl::StatusOr<int> port = PortAfter(*line, ":");
  if (!port.ok()) return port.status();
  RunningSimulator sim;
  sim.process = *std::move(process);
  sim.port = *port;
  sim.url = absl::StrCat("http://127.0.0.1:", *port);
  return sim;
}

absl::StatusOr<std::unique_ptr<GatewayHarness>> GatewayHarness::Start(
    HarnessOptions options) {
  auto harness = std::unique_ptr<GatewayHarness>(new GatewayHarness());
  absl::StatusOr<RunningSimulator> sim = StartSimulator(options.sim_args);
  if (!sim.ok()) return sim.status();
  harness->sim_ = std::move(sim->process);
  harness->sim_port_ = sim->port;
  harness->sim_url_ = sim->url;

  harness->state_dir_ = options.state_dir;
  if (harness->state_dir_.empty()) {
    harness->own_state_dir_ = std::make_unique<ScopedTempDir>();
    harness->state_dir_ = harness->own_state_dir_->path();
    if (harness->state_dir_.empty()) {
      return absl::InternalError("cannot make a state directory");
    }
  }
  harness->server_args_ = {
      "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
      "--client-id=harness-client",
      absl::StrCat("--state-dir=", harness->state_dir_),
      absl::StrCat("--cxone-base-url=", options.base_url_override.empty()
                                            ? harness->sim_url_
                                            : options.base_url_override)};
  harness->server_args_.insert(harness->server_args_.end(),
                               options.server_args.begin(),
                               options.server_args.end());
  harness->server_client_secret_ = options.server_client_secret;
  if (absl::Status started = harness->StartServer(); !started.ok()) {
    return started;
  }
  return harness;
}

absl::Status GatewayHarness::StartServer() {
  auto server =
      ChildProcess::Start(CXONE_SERVER_BINARY, server_args_,
                          {{"CXONE_CLIENT_SECRET", server_client_secret_}});
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  auto listening = server_->WaitForLine(
      [](const std::string& line) {
        return absl::StrContains(line, "\"msg\":\"listening\"");
      },
      kStartTimeout);
  if (!listening.ok()) return listening.status();
  auto port = nlohmann::json::parse(*listening, nullptr, false)["port"];
  if (!port.is_number_integer()) {
    return absl::InternalError(absl::StrCat("no port in ", *listening));
  }
  gateway_address_ = absl::StrCat("127.0.0.1:", port.get<int>());
  auto metrics_port =
      nlohmann::json::parse(*listening, nullptr, false)["metrics_port"];
  if (metrics_port.is_number_integer()) {
    metrics_port_ = metrics_port.get<int>();
  }
  stub_ = compile::v1::CompileService::NewStub(grpc::CreateChannel(
      gateway_address_, grpc::InsecureChannelCredentials()));
  return absl::OkStatus();
}

absl::Status GatewayHarness::KillServer() {
  server_->Signal(SIGKILL);
  absl::StatusOr<int> exited = server_->Wait(absl::Seconds(30));
  if (!exited.ok()) return exited.status();
  std::vector<std::string> lines = server_->Lines();
  earlier_server_lines_.insert(earlier_server_lines_.end(), lines.begin(),
                               lines.end());
  return absl::OkStatus();
}

absl::Status GatewayHarness::RestartServer() { return StartServer(); }

absl::StatusOr<nlohmann::json> GatewayHarness::SimGet(const std::string& path) {
  httplib::Client client("127.0.0.1", sim_port_);
  auto response = client.Get(path.c_str());
  if (!response) return absl::UnavailableError("simulator unreachable");
  if (response->status != 200) {
    return absl::InternalError(
        absl::StrCat("GET ", path, " answered ", response->status));
  }
  auto json = nlohmann::json::parse(response->body, nullptr, false);
  if (json.is_discarded())
    return absl::InternalError("simulator sent non-JSON");
  return json;
}

absl::StatusOr<nlohmann::json> GatewayHarness::SimStats() {
  return SimGet("/_sim/stats");
}

absl::Status GatewayHarness::ResetSimStats() {
  httplib::Client client("127.0.0.1", sim_port_);
  auto response = client.Post("/_sim/reset");
  if (!response || response->status != 200) {
    return absl::InternalError("POST /_sim/reset failed");
  }
  return absl::OkStatus();
}

absl::Status GatewayHarness::SetSimFaults(const nlohmann::json& patch) {
  httplib::Client client("127.0.0.1", sim_port_);
  auto response = client.Post("/_sim/faults", patch.dump(), "application/json");
  if (!response || response->status != 200) {
    return absl::InternalError(absl::StrCat(
        "POST /_sim/faults failed: ", response ? response->body : "no answer"));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> GatewayHarness::Metric(const std::string& name) {
  httplib::Client client("127.0.0.1", metrics_port_);
  auto response = client.Get("/metrics");
  if (!response || response->status != 200) {
    return absl::UnavailableError("GET /metrics failed");
  }
  for (absl::string_view line : absl::StrSplit(response->body, '\n')) {
    if (!absl::StartsWith(line, name)) continue;
    absl::string_view rest = line.substr(name.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    double value;
    if (absl::SimpleAtod(rest.substr(rest.rfind(' ') + 1), &value))
      return value;
  }
  return absl::NotFoundError(absl::StrCat("no metric ", name));
}

std::vector<std::string> GatewayHarness::AllLogLines() const {
  std::vector<std::string> lines = sim_->Lines();
  lines.insert(lines.end(), earlier_server_lines_.begin(),
               earlier_server_lines_.end());
  std::vector<std::string> server_lines = server_->Lines();
  lines.insert(lines.end(), server_lines.begin(), server_lines.end());
  return lines;
}

absl::StatusOr<compile::v1::Compile> StartCompile(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::StartCompileRequest& request) {
  return CallWithin<compile::v1::Compile>(
      absl::Seconds(60), [&](grpc::ClientContext* context, auto* response) {
        return stub.StartCompile(context, request, response);
      });
}

absl::StatusOr<compile::v1::Compile> LookupCompile(
    compile::v1::CompileService::Stub& stub, const std::string& request_id) {
  compile::v1::LookupCompileRequest request;
  request.set_request_id(request_id);
  return CallWithin<compile::v1::Compile>(
      absl::Seconds(10), [&](grpc::ClientContext* context, auto* response) {
        return stub.LookupCompile(context, request, response);
      });
}

absl::StatusOr<compile::v1::ListCompilesResponse> ListCompiles(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::ListCompilesRequest& request, absl::Duration timeout) {
  return CallWithin<compile::v1::ListCompilesResponse>(
      timeout, [&](grpc::ClientContext* context, auto* response) {
        return stub.ListCompiles(context, request, response);
      });
}

absl::StatusOr<compile::v1::BatchStartCompilesResponse> BatchStartCompiles(
    compile::v1::CompileService::Stub& stub,
    const compile::v1::BatchStartCompilesRequest& request,
    absl::Duration timeout) {
  return CallWithin<compile::v1::BatchStartCompilesResponse>(
      timeout, [&](grpc::ClientContext* context, auto* response) {
        return stub.BatchStartCompiles(context, request, response);
      });
}

std::vector<compile::v1::Compile> StartCompiles(
    compile::v1::CompileService::Stub& stub, const std::string& prefix,
    int64_t count) {
  std::vector<compile::v1::Compile> compiles(static_cast<size_t>(count));
  std::vector<std::thread> threads;
  constexpr int64_t kStarters = 32;
  for (int64_t t = 0; t < kStarters; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = t; i < count; i += kStarters) {
        compile::v1::StartCompileRequest request;
        request.set_flow_id(absl::StrCat(prefix, "-", i));
        auto compile = StartCompile(stub, request);
        if (compile.ok()) compiles[static_cast<size_t>(i)] = *compile;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return compiles;
}

std::vector<compile::v1::CompileEvent> WithoutMarkers(
    const std::vector<compile::v1::CompileEvent>& events) {
  std::vector<compile::v1::CompileEvent> logged;
  for (const compile::v1::CompileEvent& event : events) {
    if (event.type() == compile::v1::EVENT_TYPE_SYNCED ||
        event.type() == compile::v1::EVENT_TYPE_HEARTBEAT) {
      continue;
    }
    logged.push_back(event);
  }
  return logged;
}

WatchResult WatchToEnd(compile::v1::CompileService::Stub& stub,
                       const std::string& name, absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  compile::v1::WatchCompileRequest request;
  request.set_name(name);
  WatchResult result;
  auto reader = stub.WatchCompile(&context, request);
  compile::v1::CompileEvent event;
  while (reader->Read(&event)) result.events.push_back(event);
  result.status = reader->Finish();
  return result;
}

}  // namespace cxone::testing

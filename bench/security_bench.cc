// security_bench: the cost of security — TLS, mTLS and JWT caller identity
// — against plaintext without auth, side by side in one run.
//
// Starts, on loopback, one simulator and gateway for each setting:
//   plaintext   no TLS, no auth (every caller anonymous)
//   TLS         a server certificate, no auth
//   TLS+JWT     TLS, and every call carries `authorization: Bearer JWT`
//               (ES256, or RS256 with --jwt-alg=rs256), verified by the
//               gateway against a JWKS file on every call
//   mTLS+JWT    TLS with a client certificate, and the JWT too
// (certificates from tests/support/test_pki.h, JWTs from test_jwt.h), and
// measures, the settings taking turns round by round so that a change in
// the machine's load falls on all of them alike:
//   1. StartCompile latency p50/p99/max: `calls` calls per setting, each
//      with a request_id of its own, `concurrency` at a time over one
//      connection, the account limit high enough that the upstream is never
//      the bottleneck; and the gateway's CPU per 1,000 calls;
//   2. watch delivery p50/p99/max: the client's receive time minus the
//      event's `time` (when the gateway observed the change), for every
//      live event to every watcher of `watch-compiles` compiles ×
//      `watchers-per-compile` streams, in `delivery-rounds` rounds;
//   3. handshake rate: `handshakes` new connections per setting, each a new
//      channel (TCP, the TLS handshake, then one GetCompile of a known
//      compile with the setting's credentials), `handshake-concurrency` at
//      a time;
//   4. gateway RSS per idle watcher: `memory-watchers` WatchCompile streams
//      over `memory-channels` connections, plaintext against TLS and
//      mTLS+JWT, each on a fresh gateway (VmRSS before and after opening
//      them).
// Then prints the verdicts: TLS+JWT may add at most 1 ms to the p99s of 1
// and 2.
// Not a test: it prints figures. Every loop is bounded in count, every
// wait in time, the whole run by --time-limit-s. Exits 1 if the run did
// not complete (a call failed, a watcher missed its terminal event, the
// time ran out), else 0.
//
// Usage: security_bench [--calls=2000] [--concurrency=8] [--rounds=4]
//   [--watch-compiles=20] [--watchers-per-compile=25] [--delivery-rounds=3]
//   [--handshakes=500] [--handshake-concurrency=4] [--memory-watchers=10000]
//   [--memory-compiles=50] [--memory-channels=50] [--jwt-alg=es256]
//   [--time-limit-s=600]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_flags.h"
#include "bench/watch_clients.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/proc_status.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_jwt.h"
#include "tests/support/test_pki.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::ClientQueues;
using ::cxone::bench::Group;
using ::cxone::bench::Watch;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::IssuedFiles;
using ::cxone::testing::TestIssuer;
using ::cxone::testing::TestPki;

constexpr char kProgram[] = "security_bench";
constexpr char kIssuer[] = "https://idp.bench.example";
constexpr char kAudience[] = "cxone-compile-gateway";
// TLS+JWT may add this much to plaintext's p99s (the issue's target).
constexpr double kTargetOverheadMs = 1.0;
// The per-watcher memory target of watch_scale_bench, for comparison.
constexpr double kTargetKbPerWatcher = 10.0;

// How one gateway is secured.
struct Security {
  const char* name;  // column heading
  const char* slug;  // in flow ids and request_ids
  bool tls;
  bool client_certificates;
  bool jwt;
};
constexpr Security kPlaintext{"plaintext", "plain", false, false, false};
constexpr Security kTls{"TLS", "tls", true, false, false};
constexpr Security kTlsJwt{"TLS+JWT", "tls-jwt", true, false, true};
constexpr Security kMtlsJwt{"mTLS+JWT", "mtls-jwt", true, true, true};

// What every gateway and client of the run shares: a CA, the server's and
// the client's certificates it signed, the issuer's JWKS, and one JWT it
// signed.
struct Secrets {
  IssuedFiles ca;
  IssuedFiles server;
  IssuedFiles client;
  std::string jwks_file;
  std::string authorization;  // "Bearer JWT"
};

absl::StatusOr<Secrets> MakeSecrets(const std::string& dir,
                                    TestIssuer::Algorithm algorithm) {
  TestPki pki(dir);
  Secrets secrets;
  absl::StatusOr<IssuedFiles> ca = pki.MakeCa("ca");
  if (!ca.ok()) return ca.status();
  secrets.ca = *ca;
  absl::StatusOr<IssuedFiles> server =
      pki.Issue(secrets.ca, TestPki::Server("server"));
  if (!server.ok()) return server.status();
  secrets.server = *server;
  absl::StatusOr<IssuedFiles> client = pki.Issue(
      secrets.ca, TestPki::Client("client", "bench-runner",
                                  "spiffe://example.org/bench/runner"));
  if (!client.ok()) return client.status();
  secrets.client = *client;

  const TestIssuer issuer(algorithm, "bench-key");
  nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  jwks["keys"].push_back(issuer.Jwk());
  secrets.jwks_file = dir + "/jwks.json";
  std::ofstream out(secrets.jwks_file);
  out << jwks.dump();
  out.close();
  if (!out) return absl::InternalError("cannot write " + secrets.jwks_file);
  // Valid for longer than the longest run (--time-limit-s is at most 1 h).
  secrets.authorization =
      "Bearer " + issuer.Sign(TestIssuer::Claims(kIssuer, kAudience,
                                                 "bench-runner",
                                                 absl::Hours(2)));
  return secrets;
}

// The gateway's flags for `security`.
std::vector<std::string> SecurityArgs(const Security& security,
                                      const Secrets& secrets) {
  std::vector<std::string> args;
  if (security.tls) {
    args.push_back("--tls-cert-file=" + secrets.server.cert_file);
    args.push_back("--tls-key-file=" + secrets.server.key_file);
  }
  if (security.client_certificates) {
    args.push_back("--tls-client-ca-file=" + secrets.ca.cert_file);
  }
  if (security.jwt) {
    args.push_back("--auth-jwks-file=" + secrets.jwks_file);
    args.push_back(absl::StrCat("--auth-jwt-issuer=", kIssuer));
    args.push_back(absl::StrCat("--auth-jwt-audience=", kAudience));
  }
  return args;
}

// A client's channel credentials for `security`.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(
    const Security& security, const Secrets& secrets) {
  if (!security.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = cxone::testing::ReadWholeFile(secrets.ca.cert_file);
  if (security.client_certificates) {
    options.pem_cert_chain =
        cxone::testing::ReadWholeFile(secrets.client.cert_file);
    options.pem_private_key =
        cxone::testing::ReadWholeFile(secrets.client.key_file);
  }
  return grpc::SslCredentials(options);
}

// Exact percentile of `values` (nearest rank below), 0 when empty.
double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p *
                                    static_cast<double>(values.size() - 1))];
}

// Keeps the first of many errors reported from several threads.
class FirstError {
 public:
  void Note(const std::string& why) {
    absl::MutexLock lock(&mu_);
    if (error_.empty()) error_ = why;
  }
  std::string Get() {
    absl::MutexLock lock(&mu_);
    return error_;
  }

 private:
  absl::Mutex mu_;
  std::string error_ ABSL_GUARDED_BY(mu_);
};

// Handshake figures of one gateway.
struct Handshakes {
  int64_t attempted = 0;
  int64_t ok = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;  // channel creation to GetCompile's end
};

// One gateway under test, how its clients reach it, and its figures.
struct Gateway {
  Security security{};
  std::unique_ptr<GatewayHarness> harness;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string authorization;  // "" or "Bearer JWT"
  std::unique_ptr<v1::CompileService::Stub> stub;  // one connection
  std::string known_compile;  // a compile's name, for GetCompile

  std::vector<double> start_ms;  // every StartCompile that succeeded
  int64_t start_failures = 0;
  double start_cpu_s = 0;  // the gateway's, over its StartCompile rounds
  Group delivery;
  int64_t delivery_streams = 0;
  Handshakes handshakes;
  FirstError first_error;
};

// Starts a simulator and a gateway secured by `security` with `options`,
// and connects one channel to it.
absl::StatusOr<std::unique_ptr<Gateway>> StartGateway(
    const Security& security, const Secrets& secrets, HarnessOptions options) {
  for (std::string& arg : SecurityArgs(security, secrets)) {
    options.server_args.push_back(std::move(arg));
  }
  absl::StatusOr<std::unique_ptr<GatewayHarness>> harness =
      GatewayHarness::Start(options);
  if (!harness.ok()) return harness.status();
  auto gateway = std::make_unique<Gateway>();
  gateway->security = security;
  gateway->harness = *std::move(harness);
  gateway->credentials = ClientCredentials(security, secrets);
  gateway->authorization = security.jwt ? secrets.authorization : "";
  std::vector<std::unique_ptr<v1::CompileService::Stub>> stubs =
      cxone::bench::ConnectedStubs(gateway->harness->gateway_address(), 1,
                                   gateway->credentials);
  if (stubs.empty()) {
    return absl::UnavailableError(
        absl::StrCat(security.name, ": the channel did not connect"));
  }
  gateway->stub = std::move(stubs.front());
  return gateway;
}

// Starts `count` compiles of flows PREFIX-0 … on `gateway`'s connection,
// `concurrency` calls at a time, each with a request_id of its own; none
// after `deadline`. Returns the compiles (empty where the call failed or
// was not made) and appends each successful call's latency to `latencies`
// when not null; failures count into the gateway.
std::vector<v1::Compile> StartCompiles(Gateway& gateway,
                                       const std::string& prefix,
                                       int64_t count, int64_t concurrency,
                                       absl::Time deadline,
                                       std::vector<double>* latencies) {
  std::vector<v1::Compile> compiles(static_cast<size_t>(count));
  std::vector<double> ms(static_cast<size_t>(count), -1);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failures{0};
  std::vector<std::thread> threads;
  for (int64_t t = 0; t < std::min(concurrency, count); ++t) {
    threads.emplace_back([&] {
      for (int64_t i = next.fetch_add(1); i < count && absl::Now() < deadline;
           i = next.fetch_add(1)) {
        v1::StartCompileRequest request;
        request.set_flow_id(absl::StrCat(prefix, "-", i));
        request.set_request_id(absl::StrCat("req-", prefix, "-", i));
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        if (!gateway.authorization.empty()) {
          context.AddMetadata("authorization", gateway.authorization);
        }
        v1::Compile compile;
        const absl::Time sent = absl::Now();
        const grpc::Status status =
            gateway.stub->StartCompile(&context, request, &compile);
        const double elapsed_ms = absl::ToDoubleMilliseconds(absl::Now() - sent);
        if (status.ok()) {
          ms[static_cast<size_t>(i)] = elapsed_ms;
          compiles[static_cast<size_t>(i)] = std::move(compile);
        } else {
          failures.fetch_add(1);
          gateway.first_error.Note(absl::StrCat(
              "StartCompile: code ", status.error_code(), ": ",
              status.error_message()));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  gateway.start_failures += failures.load();
  if (latencies != nullptr) {
    for (double value : ms) {
      if (value >= 0) latencies->push_back(value);
    }
  }
  return compiles;
}

// Ends every stream of `watches` (cancelling those still open); if some
// hang, kills `gateway`'s server, which ends them (EndAll exits the
// program if even that does not).
void EndWatches(const std::vector<std::unique_ptr<Watch>>& watches,
                Gateway& gateway) {
  cxone::bench::EndAll(
      watches, [&gateway] { (void)gateway.harness->KillServer(); }, kProgram);
}

// One delivery round on `gateway`: starts `compiles` compiles, opens
// `watchers` streams on each right away, and waits (until `deadline` at
// most) until every stream has ended by itself after its terminal event.
void DeliveryRound(Gateway& gateway, int64_t round, int64_t compiles,
                   int64_t watchers, ClientQueues& queues,
                   absl::Time deadline) {
  const std::vector<v1::Compile> started = StartCompiles(
      gateway, absl::StrCat("watch-", gateway.security.slug, "-r", round),
      compiles, 8, deadline, nullptr);
  std::vector<std::unique_ptr<Watch>> watches;
  for (const v1::Compile& compile : started) {
    for (int64_t w = 0; w < watchers && !compile.name().empty(); ++w) {
      watches.push_back(std::make_unique<Watch>(&gateway.delivery));
      watches.back()->Start(*gateway.stub, compile.name(),
                            queues.queue(static_cast<int64_t>(watches.size())),
                            gateway.authorization);
    }
  }
  gateway.delivery_streams += compiles * watchers;
  const absl::Time round_deadline =
      std::min(deadline, absl::Now() + absl::Seconds(30));
  while (!cxone::bench::AllDone(watches) && absl::Now() < round_deadline) {
    absl::SleepFor(absl::Milliseconds(20));  // bounded by `round_deadline`
  }
  EndWatches(watches, gateway);
}

// `count` new connections to `gateway`, `concurrency` at a time, each a
// channel of its own (a local subchannel pool: no connection shared) that
// makes one GetCompile of the known compile; none after `deadline`.
void MeasureHandshakes(Gateway& gateway, int64_t count, int64_t concurrency,
                       absl::Time deadline) {
  Handshakes& result = gateway.handshakes;
  std::vector<double> ms(static_cast<size_t>(count), -1);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> attempted{0};
  std::vector<std::thread> threads;
  const absl::Time begin = absl::Now();
  for (int64_t t = 0; t < std::min(concurrency, count); ++t) {
    threads.emplace_back([&] {
      for (int64_t i = next.fetch_add(1); i < count && absl::Now() < deadline;
           i = next.fetch_add(1)) {
        attempted.fetch_add(1);
        const absl::Time opened = absl::Now();
        grpc::ChannelArguments args;
        args.SetInt("cxone.bench.connection", static_cast<int>(i));
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        auto stub = v1::CompileService::NewStub(grpc::CreateCustomChannel(
            gateway.harness->gateway_address(), gateway.credentials, args));
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
        if (!gateway.authorization.empty()) {
          context.AddMetadata("authorization", gateway.authorization);
        }
        v1::GetCompileRequest request;
        request.set_name(gateway.known_compile);
        v1::Compile compile;
        const grpc::Status status =
            stub->GetCompile(&context, request, &compile);
        if (status.ok()) {
          ms[static_cast<size_t>(i)] =
              absl::ToDoubleMilliseconds(absl::Now() - opened);
        } else {
          gateway.first_error.Note(absl::StrCat(
              "GetCompile on a new connection: code ", status.error_code(),
              ": ", status.error_message()));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  result.seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  result.attempted = attempted.load();
  for (double value : ms) {
    if (value >= 0) result.latencies_ms.push_back(value);
  }
  result.ok = static_cast<int64_t>(result.latencies_ms.size());
}

// The memory figures of one setting.
struct Memory {
  bool measured = false;
  int64_t watchers = 0;
  int64_t synced = 0;
  int64_t baseline_kib = 0;
  int64_t open_kib = 0;
  double open_seconds = 0;
  // KB (1000 B) of gateway RSS per open, idle watcher.
  double KbPerWatcher() const {
    return synced > 0 ? static_cast<double>(open_kib - baseline_kib) * 1.024 /
                            static_cast<double>(synced)
                      : 0;
  }
};

// On a fresh gateway secured by `security`: starts `compiles` compiles that
// stay QUEUED (silent), opens `watchers` idle streams on them over
// `channels` connections, and reads the gateway's VmRSS before and after.
Memory MeasureMemory(const Security& security, const Secrets& secrets,
                     int64_t watchers, int64_t compiles, int64_t channels,
                     absl::Time deadline, bool& complete) {
  Memory memory;
  memory.watchers = watchers;
  auto fail = [&complete, &security](const std::string& why) {
    std::fprintf(stderr, "%s: %s memory: %s\n", kProgram, security.name,
                 why.c_str());
    complete = false;
  };
  HarnessOptions options;
  // QUEUED for longer than the run may last: no event while measured.
  options.sim_args = {"--queued-ms=3600000", "--in-progress-ms=1000"};
  options.server_args = {
      "--poll-interval=2s", "--queued-poll-interval=2s",
      "--min-poll-interval=2s", "--account-rps-limit=5000",
      absl::StrCat("--upstream-workers=", compiles + 2),
      absl::StrCat("--max-pending-starts=", compiles + 8),
      // No heartbeat and no STUCK event while the streams are open.
      "--heartbeat-interval=2h", "--stuck-timeout=2h", "--give-up-timeout=3h"};
  absl::StatusOr<std::unique_ptr<Gateway>> started =
      StartGateway(security, secrets, options);
  if (!started.ok()) {
    fail(started.status().ToString());
    return memory;
  }
  Gateway& gateway = **started;
  const std::vector<v1::Compile> queued =
      StartCompiles(gateway, absl::StrCat("memory-", security.slug), compiles,
                    8, deadline, nullptr);
  std::vector<std::string> names;
  for (const v1::Compile& compile : queued) {
    if (!compile.name().empty()) names.push_back(compile.name());
  }
  if (names.empty()) {
    fail("no compile started: " + gateway.first_error.Get());
    return memory;
  }
  std::vector<std::unique_ptr<v1::CompileService::Stub>> stubs =
      cxone::bench::ConnectedStubs(gateway.harness->gateway_address(),
                                   channels, gateway.credentials);
  if (stubs.empty()) {
    fail("a channel did not connect");
    return memory;
  }
  const pid_t server_pid = gateway.harness->server().pid();
  absl::SleepFor(absl::Seconds(1));  // let the server settle
  memory.baseline_kib = cxone::testing::ProcStatusField(server_pid, "VmRSS");

  Group group;
  ClientQueues queues(4);
  std::vector<std::unique_ptr<Watch>> watches;
  watches.reserve(static_cast<size_t>(watchers));
  const absl::Time open_begin = absl::Now();
  constexpr int64_t kBatch = 1000;
  // Watcher i watches compile i % C through connection (i / C) % channels.
  for (int64_t opened = 0; opened < watchers;) {
    const int64_t until = std::min(watchers, opened + kBatch);
    for (; opened < until; ++opened) {
      const int64_t c = opened % static_cast<int64_t>(names.size());
      const int64_t connection =
          (opened / static_cast<int64_t>(names.size())) % channels;
      watches.push_back(std::make_unique<Watch>(&group));
      watches.back()->Start(*stubs[static_cast<size_t>(connection)],
                            names[static_cast<size_t>(c)],
                            queues.queue(opened), gateway.authorization);
    }
    const absl::Time batch_deadline =
        std::min(deadline, absl::Now() + absl::Seconds(30));
    while (group.synced.load() < opened && group.failed.load() == 0 &&
           absl::Now() < batch_deadline) {
      absl::SleepFor(absl::Milliseconds(20));  // bounded by `batch_deadline`
    }
    if (group.synced.load() < opened) {
      fail(absl::StrCat("only ", group.synced.load(), " of ", opened,
                        " streams synced; ", group.FirstError()));
      break;
    }
  }
  memory.open_seconds = absl::ToDoubleSeconds(absl::Now() - open_begin);
  absl::SleepFor(absl::Seconds(1));  // let the server settle
  memory.synced = group.synced.load();
  memory.open_kib = cxone::testing::ProcStatusField(server_pid, "VmRSS");
  memory.measured = memory.synced == watchers;
  EndWatches(watches, gateway);
  return memory;
}

// One row of the table: a label and a cell per setting.
void Row(const std::string& label, const std::vector<std::string>& cells) {
  std::printf("  %-36s", label.c_str());
  for (const std::string& cell : cells) std::printf(" %12s", cell.c_str());
  std::printf("\n");
}

std::string Ms(double ms) { return absl::StrFormat("%.2f ms", ms); }

}  // namespace

int main(int argc, char** argv) {
  int64_t calls = 2000;
  int64_t concurrency = 8;
  int64_t rounds = 4;
  int64_t warmup = 50;
  int64_t watch_compiles = 20;
  int64_t watchers_per_compile = 25;
  int64_t delivery_rounds = 3;
  int64_t handshakes = 500;
  int64_t handshake_concurrency = 4;
  int64_t memory_watchers = 10'000;
  int64_t memory_compiles = 50;
  int64_t memory_channels = 50;
  std::string jwt_alg = "es256";
  int64_t time_limit_s = 600;
  cxone::FlagParser flags(
      "",
      "security_bench: the cost of TLS, mTLS and JWT caller identity against "
      "plaintext, side by side (prints figures; not a test).\nUsage: "
      "security_bench [flags]");
  flags.AddInt("calls", &calls, {1, 100'000},
               "StartCompile calls per setting (distinct request_ids)");
  flags.AddInt("concurrency", &concurrency, {1, 256},
               "StartCompile calls at a time");
  flags.AddInt("rounds", &rounds, {1, 100},
               "rounds the calls are split into, the settings taking turns");
  flags.AddInt("warmup", &warmup, {1, 10'000},
               "StartCompile calls per setting before measuring (not counted)");
  flags.AddInt("watch-compiles", &watch_compiles, {1, 1000},
               "compiles watched per setting and delivery round");
  flags.AddInt("watchers-per-compile", &watchers_per_compile, {1, 1000},
               "WatchCompile streams on each of them");
  flags.AddInt("delivery-rounds", &delivery_rounds, {1, 100},
               "delivery rounds, the settings taking turns");
  flags.AddInt("handshakes", &handshakes, {1, 100'000},
               "new connections per setting");
  flags.AddInt("handshake-concurrency", &handshake_concurrency, {1, 64},
               "new connections at a time");
  flags.AddInt("memory-watchers", &memory_watchers, {1, 200'000},
               "idle WatchCompile streams for the memory figures");
  flags.AddInt("memory-compiles", &memory_compiles, {1, 1000},
               "compiles those streams are spread over");
  flags.AddInt("memory-channels", &memory_channels, {1, 1000},
               "connections those streams are spread over");
  flags.AddChoice("jwt-alg", &jwt_alg, {"es256", "rs256"},
                  "the JWTs' signature algorithm");
  flags.AddInt("time-limit-s", &time_limit_s, {10, 3600},
               "bound on the whole run, in seconds");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, kProgram);

  // Debian's Abseil runs deadlock detection on every absl::Mutex (gRPC's
  // too); the client only loads the machine the gateways share.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const absl::Time run_deadline = absl::Now() + absl::Seconds(time_limit_s);
  bool complete = true;
  auto fail = [&complete](const std::string& why) {
    std::fprintf(stderr, "%s: %s\n", kProgram, why.c_str());
    complete = false;
  };

  cxone::testing::ScopedTempDir dir;
  if (dir.path().empty()) {
    fail("cannot make a temporary directory");
    return 1;
  }
  const TestIssuer::Algorithm algorithm = jwt_alg == "rs256"
                                              ? TestIssuer::Algorithm::kRs256
                                              : TestIssuer::Algorithm::kEs256;
  absl::StatusOr<Secrets> secrets = MakeSecrets(dir.path(), algorithm);
  if (!secrets.ok()) {
    fail(secrets.status().ToString());
    return 1;
  }

  // Phases 1-3: one gateway per setting. Each compile is done (QUEUED
  // 200 ms, IN_PROGRESS 200 ms) by its first poll, 500 ms after its
  // trigger: one poll per compile, whatever the setting.
  const std::vector<Security> settings = {kPlaintext, kTls, kTlsJwt, kMtlsJwt};
  HarnessOptions options;
  options.sim_args = {"--queued-ms=200", "--in-progress-ms=200"};
  options.server_args = {"--poll-interval=500ms",
                         "--queued-poll-interval=500ms",
                         "--min-poll-interval=500ms",
                         "--account-rps-limit=5000",
                         "--max-inflight-requests=32",
                         "--upstream-workers=48",
                         "--max-pending-starts=1024"};
  std::vector<std::unique_ptr<Gateway>> gateways;
  for (const Security& security : settings) {
    absl::StatusOr<std::unique_ptr<Gateway>> gateway =
        StartGateway(security, *secrets, options);
    if (!gateway.ok()) {
      fail(absl::StrCat("cannot start the ", security.name,
                        " gateway: ", gateway.status().ToString()));
      return 1;
    }
    gateways.push_back(*std::move(gateway));
  }
  const int64_t setting_count = static_cast<int64_t>(gateways.size());

  // Warm-up: connections, tokens, the first compile each.
  for (auto& gateway : gateways) {
    std::vector<v1::Compile> warm =
        StartCompiles(*gateway, absl::StrCat("warm-", gateway->security.slug),
                      warmup, concurrency, run_deadline, nullptr);
    for (const v1::Compile& compile : warm) {
      if (!compile.name().empty()) {
        gateway->known_compile = compile.name();
        break;
      }
    }
    if (gateway->known_compile.empty()) {
      fail(absl::StrCat(gateway->security.name, ": no warm-up call succeeded: ",
                        gateway->first_error.Get()));
      return 1;
    }
    gateway->start_failures = 0;
  }

  // 1. StartCompile latency, the settings taking turns (each round starts
  // with the next one).
  const absl::Time starts_begin = absl::Now();
  for (int64_t round = 0; round < rounds; ++round) {
    const int64_t share =
        calls / rounds + (round < calls % rounds ? 1 : 0);
    for (int64_t turn = 0; turn < setting_count; ++turn) {
      Gateway& gateway = *gateways[static_cast<size_t>((round + turn) %
                                                       setting_count)];
      const pid_t pid = gateway.harness->server().pid();
      const double cpu_before = cxone::testing::ProcCpuSeconds(pid);
      StartCompiles(gateway,
                    absl::StrCat("start-", gateway.security.slug, "-r", round),
                    share, concurrency, run_deadline, &gateway.start_ms);
      gateway.start_cpu_s += cxone::testing::ProcCpuSeconds(pid) - cpu_before;
    }
  }
  const double starts_seconds =
      absl::ToDoubleSeconds(absl::Now() - starts_begin);

  // 2. Watch delivery: the compiles' phases spread out, so that the
  // streams open before the first change and the changes come one by one.
  for (auto& gateway : gateways) {
    if (absl::Status spread = gateway->harness->SetSimFaults(
            {{"queued_spread_ms", 1500}, {"in_progress_ms_max", 1500}});
        !spread.ok()) {
      fail(absl::StrCat(gateway->security.name, ": ", spread.ToString()));
    }
  }
  {
    ClientQueues queues(2);
    for (int64_t round = 0; round < delivery_rounds; ++round) {
      for (int64_t turn = 0; turn < setting_count; ++turn) {
        DeliveryRound(*gateways[static_cast<size_t>((round + turn) %
                                                    setting_count)],
                      round, watch_compiles, watchers_per_compile, queues,
                      run_deadline);
      }
    }
  }

  // 3. Handshakes.
  for (auto& gateway : gateways) {
    MeasureHandshakes(*gateway, handshakes, handshake_concurrency,
                      run_deadline);
  }

  // Every figure of phases 1-3 is in; stop those gateways before 4.
  for (auto& gateway : gateways) {
    const bool starts_ok = static_cast<int64_t>(gateway->start_ms.size()) ==
                               calls &&
                           gateway->start_failures == 0;
    const bool delivery_ok =
        gateway->delivery.terminal_ok.load() == gateway->delivery_streams;
    const bool handshakes_ok = gateway->handshakes.ok == handshakes;
    if (!starts_ok || !delivery_ok || !handshakes_ok) {
      std::string why = gateway->first_error.Get();
      if (why.empty()) why = gateway->delivery.FirstError();
      if (why.empty()) why = "the time limit";
      fail(absl::StrCat(gateway->security.name, ": incomplete (",
                        gateway->start_ms.size(), " of ", calls,
                        " StartCompile, ", gateway->delivery.terminal_ok.load(),
                        " of ", gateway->delivery_streams, " streams, ",
                        gateway->handshakes.ok, " of ", handshakes,
                        " connections): ", why));
    }
    gateway->harness.reset();
  }

  // 4. Memory, one fresh gateway at a time.
  const Memory plain_memory =
      MeasureMemory(kPlaintext, *secrets, memory_watchers, memory_compiles,
                    memory_channels, run_deadline, complete);
  const Memory tls_memory =
      MeasureMemory(kTls, *secrets, memory_watchers, memory_compiles,
                    memory_channels, run_deadline, complete);
  const Memory mtls_memory =
      MeasureMemory(kMtlsJwt, *secrets, memory_watchers, memory_compiles,
                    memory_channels, run_deadline, complete);

  // Print.
  double load[3] = {-1, -1, -1};
  std::sscanf(cxone::testing::ReadWholeFile("/proc/loadavg").c_str(),
              "%lf %lf %lf", &load[0], &load[1], &load[2]);
  std::printf(
      "%s: %ld gateways on loopback, each with its own simulator; JWTs %s; "
      "load average at the end %.2f %.2f %.2f\n",
      kProgram, setting_count, jwt_alg == "rs256" ? "RS256" : "ES256", load[0],
      load[1], load[2]);
  std::printf(
      "  StartCompile: %ld calls per setting, %ld at a time over one "
      "connection, distinct request_ids, %ld alternating rounds (%.1f s in "
      "all)\n",
      calls, concurrency, rounds, starts_seconds);
  std::printf(
      "  delivery: %ld rounds x %ld compiles x %ld watchers per setting; "
      "receive time - event time\n",
      delivery_rounds, watch_compiles, watchers_per_compile);
  std::printf(
      "  connections: %ld per setting, %ld at a time, each a new channel + "
      "one GetCompile\n",
      handshakes, handshake_concurrency);
  std::vector<std::string> heading;
  for (const auto& gateway : gateways) heading.push_back(gateway->security.name);
  auto cells = [&gateways](auto cell) {
    std::vector<std::string> row;
    for (const auto& gateway : gateways) row.push_back(cell(*gateway));
    return row;
  };
  Row("", heading);
  Row("StartCompile p50", cells([](Gateway& g) {
        return Ms(Percentile(g.start_ms, 0.5));
      }));
  Row("StartCompile p99", cells([](Gateway& g) {
        return Ms(Percentile(g.start_ms, 0.99));
      }));
  Row("StartCompile max", cells([](Gateway& g) {
        return Ms(Percentile(g.start_ms, 1.0));
      }));
  Row("StartCompile calls OK", cells([](Gateway& g) {
        return absl::StrCat(g.start_ms.size());
      }));
  Row("gateway CPU per 1,000 StartCompile", cells([](Gateway& g) {
        return absl::StrFormat(
            "%.3f s", g.start_ms.empty()
                          ? 0.0
                          : g.start_cpu_s * 1000 /
                                static_cast<double>(g.start_ms.size()));
      }));
  Row("watch delivery p50", cells([](Gateway& g) {
        return Ms(g.delivery.latency.PercentileMs(0.5));
      }));
  Row("watch delivery p99", cells([](Gateway& g) {
        return Ms(g.delivery.latency.PercentileMs(0.99));
      }));
  Row("watch delivery max", cells([](Gateway& g) {
        return Ms(g.delivery.latency.MaxMs());
      }));
  Row("live events measured", cells([](Gateway& g) {
        return absl::StrCat(g.delivery.latency.count());
      }));
  Row("streams with their terminal event", cells([](Gateway& g) {
        return absl::StrCat(g.delivery.terminal_ok.load(), "/",
                            g.delivery_streams);
      }));
  Row("new connections per second", cells([](Gateway& g) {
        return absl::StrFormat(
            "%.0f", g.handshakes.seconds > 0
                        ? static_cast<double>(g.handshakes.ok) /
                              g.handshakes.seconds
                        : 0.0);
      }));
  Row("new connection + GetCompile p50", cells([](Gateway& g) {
        return Ms(Percentile(g.handshakes.latencies_ms, 0.5));
      }));
  Row("new connection + GetCompile p99", cells([](Gateway& g) {
        return Ms(Percentile(g.handshakes.latencies_ms, 0.99));
      }));
  auto memory_cell = [](const Memory& memory) -> std::string {
    if (!memory.measured) return "-";
    return absl::StrFormat("%.2f KB", memory.KbPerWatcher());
  };
  Row(absl::StrCat("gateway RSS per idle watcher"),
      {memory_cell(plain_memory), memory_cell(tls_memory), "-",
       memory_cell(mtls_memory)});
  auto rss_cell = [](const Memory& memory, int64_t kib) -> std::string {
    if (!memory.measured) return "-";
    return absl::StrFormat("%.1f MiB", static_cast<double>(kib) / 1024);
  };
  Row("  gateway RSS before the watchers",
      {rss_cell(plain_memory, plain_memory.baseline_kib),
       rss_cell(tls_memory, tls_memory.baseline_kib), "-",
       rss_cell(mtls_memory, mtls_memory.baseline_kib)});
  Row("  gateway RSS with them open",
      {rss_cell(plain_memory, plain_memory.open_kib),
       rss_cell(tls_memory, tls_memory.open_kib), "-",
       rss_cell(mtls_memory, mtls_memory.open_kib)});
  Row("  time to open and sync them",
      {absl::StrFormat("%.1f s", plain_memory.open_seconds),
       absl::StrFormat("%.1f s", tls_memory.open_seconds), "-",
       absl::StrFormat("%.1f s", mtls_memory.open_seconds)});
  std::printf(
      "  (memory: %ld idle watchers on %ld compiles over %ld connections, "
      "each setting on a fresh gateway; 1 KB = 1000 B)\n",
      memory_watchers, memory_compiles, memory_channels);

  // Verdicts: TLS+JWT (and, for information, mTLS+JWT) against plaintext.
  const Gateway& plain = *gateways[0];
  std::printf("verdicts\n");
  for (const Gateway* secured : {gateways[2].get(), gateways[3].get()}) {
    const double start_overhead = Percentile(secured->start_ms, 0.99) -
                                  Percentile(plain.start_ms, 0.99);
    const double delivery_overhead =
        secured->delivery.latency.PercentileMs(0.99) -
        plain.delivery.latency.PercentileMs(0.99);
    for (const auto& [what, overhead] :
         {std::pair{"StartCompile p99", start_overhead},
          std::pair{"watch delivery p99", delivery_overhead}}) {
      // The target is TLS+JWT's; mTLS+JWT is held to the same bar, for
      // information.
      std::printf("  %s %s overhead %+.2f ms (%s <= +%.0f ms): %s\n",
                  secured->security.name, what, overhead,
                  secured == gateways[2].get() ? "target" : "same bar,",
                  kTargetOverheadMs,
                  overhead <= kTargetOverheadMs ? "met" : "MISSED");
    }
  }
  if (plain_memory.measured && mtls_memory.measured) {
    const double extra =
        mtls_memory.KbPerWatcher() - plain_memory.KbPerWatcher();
    std::printf(
        "  mTLS+JWT gateway RSS per watcher %.2f KB (%+.2f KB against "
        "plaintext; target <= %.0f KB): %s\n",
        mtls_memory.KbPerWatcher(), extra, kTargetKbPerWatcher,
        mtls_memory.KbPerWatcher() <= kTargetKbPerWatcher ? "met" : "MISSED");
  }
  std::fflush(stdout);
  if (!complete) std::fprintf(stderr, "%s: the run did not complete\n", kProgram);
  return complete ? 0 : 1;
}

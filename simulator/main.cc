// cxone-sim: a stand-in for NICE CXone's flow compilation REST API, for the
// gateway's tests and for demos. See sim_http_server.h for the endpoints and
// the flags below (`cxone-sim --help`) for what can be simulated.
//
// Prints exactly one line on stdout once it is listening:
//   cxone-sim listening on http://HOST:PORT
// Logs are JSON lines on stderr. SIGINT or SIGTERM stops it cleanly (exit 0);
// a bad flag exits 2, a failure to listen exits 1.
#include <pthread.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/flag_parser.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "common/resource_name.h"
#include "nlohmann/json.hpp"
#include "simulator/sim_faults.h"
#include "simulator/sim_http_server.h"
#include "simulator/sim_state.h"

namespace {

struct Flags {
  std::string host = "127.0.0.1";
  int64_t port = 0;
  std::string flows_dir;
  std::string client_id = "demo-client";
  std::string client_secret = "demo-secret";
  int64_t queued_ms = 1000;
  int64_t in_progress_ms = 3000;
  std::string scopes = "flow:read flow:write";
  std::string not_found_flows;
  std::string failing_flows;
  int64_t seed = 1;
  // Faults: each named after its /_sim/faults field, with its range there.
  int64_t rate_limit_rps = 0;
  std::string retry_after_form = "seconds";
  double retry_after_seconds = 1;
  double error_rate = 0;
  int64_t latency_ms = 0;
  double drop_rate = 0;
  double malformed_rate = 0;
  int64_t token_ttl_seconds = 3600;
  bool token_endpoint_down = false;
  std::string stuck_flows;
  std::string backwards_flows;
  std::string unknown_status_flows;
  std::string chatty_flows;
  std::string echo_authorization_flows;
  int64_t in_progress_ms_max = 0;
  int64_t queued_spread_ms = 0;
  // Older names, used when the new flag is left at its default.
  int64_t rate_limit_per_second = 0;
  absl::Duration response_delay = absl::ZeroDuration();
  absl::Duration token_ttl = absl::Seconds(3600);
};

// The longest simulated duration, in milliseconds (/_sim/faults' bound too).
constexpr int64_t kDayMs = 86'400'000;

void Register(cxone::FlagParser& flag_set, Flags& flags) {
  flag_set.AddString("host", &flags.host, "address to listen on");
  flag_set.AddInt("port", &flags.port, {0, 65535},
                  "port to listen on; 0 picks a free one");
  flag_set.AddString("flows-dir", &flags.flows_dir,
                     "directory of flow definitions, {flowId}.json; a flow "
                     "without a file compiles cleanly");
  flag_set.AddString("client-id", &flags.client_id,
                     "the OAuth client id that may obtain tokens");
  flag_set.AddString("client-secret", &flags.client_secret,
                     "that client's secret");
  flag_set.MarkSecret("client-secret");
  flag_set.AddInt("queued-ms", &flags.queued_ms, {0, kDayMs},
                  "milliseconds a compilation stays QUEUED");
  flag_set.AddInt("in-progress-ms", &flags.in_progress_ms, {0, kDayMs},
                  "milliseconds a compilation then stays IN_PROGRESS (the "
                  "shortest, with --in-progress-ms-max)");
  flag_set.AddString("scopes", &flags.scopes,
                     "space-separated scopes tokens may be granted");
  flag_set.AddString("not-found-flows", &flags.not_found_flows,
                     "comma-separated flow ids whose trigger answers 404");
  flag_set.AddString("failing-flows", &flags.failing_flows,
                     "comma-separated flow ids whose trigger and status "
                     "answer 503");
  flag_set.AddInt("seed", &flags.seed, {0, std::numeric_limits<int64_t>::max()},
                  "seed of every random draw (tokens, ids, faults, "
                  "durations): the same seed gives the same run");

  // Faults; POST /_sim/faults changes them at run time (simulator/README.md).
  flag_set.AddInt("rate-limit-rps", &flags.rate_limit_rps, {0, 1'000'000'000},
                  "API requests (token, trigger, status) admitted per rolling "
                  "second for the whole account; over it: 429 and a pause; "
                  "0 turns the limit off");
  flag_set.AddChoice("retry-after-form", &flags.retry_after_form,
                     {"seconds", "http-date"}, "form of a 429's Retry-After");
  flag_set.AddDouble("retry-after-seconds", &flags.retry_after_seconds,
                     {0, 86400},
                     "pause after exceeding the rate limit, in seconds");
  flag_set.AddDouble("error-rate", &flags.error_rate, {0, 1},
                     "fraction of API requests answered 503");
  flag_set.AddInt("latency-ms", &flags.latency_ms, {0, 600'000},
                  "milliseconds added to every API request");
  flag_set.AddDouble("drop-rate", &flags.drop_rate, {0, 1},
                     "fraction of API requests whose connection is dropped "
                     "before a complete response");
  flag_set.AddDouble("malformed-rate", &flags.malformed_rate, {0, 1},
                     "fraction of 200 status answers whose JSON body is cut "
                     "short");
  flag_set.AddInt("token-ttl-seconds", &flags.token_ttl_seconds,
                  {1, 100'000'000},
                  "lifetime of issued access tokens, in seconds");
  flag_set.AddBool("token-endpoint-down", &flags.token_endpoint_down,
                   "the token endpoint answers 503");
  flag_set.AddString("stuck-flows", &flags.stuck_flows,
                     "comma-separated flow ids whose compiles stay "
                     "IN_PROGRESS forever");
  flag_set.AddString("backwards-flows", &flags.backwards_flows,
                     "comma-separated flow ids whose compiles go back from "
                     "IN_PROGRESS to QUEUED once");
  flag_set.AddString("unknown-status-flows", &flags.unknown_status_flows,
                     "comma-separated flow ids whose compiles report status "
                     "VALIDATING before IN_PROGRESS");
  flag_set.AddString(
      "chatty-flows", &flags.chatty_flows,
      "comma-separated flow ids whose compiles report a new "
      "unknown status WORKING-<n> every 10 ms while in progress");
  flag_set.AddString("echo-authorization-flows",
                     &flags.echo_authorization_flows,
                     "comma-separated flow ids whose status requests are "
                     "answered 400 quoting their Authorization header");
  flag_set.AddInt("queued-spread-ms", &flags.queued_spread_ms, {0, kDayMs},
                  "extra QUEUED time drawn per compile from [0, this]");
  flag_set.AddInt("in-progress-ms-max", &flags.in_progress_ms_max, {0, kDayMs},
                  "longest IN_PROGRESS duration: each compile's is drawn "
                  "from [in-progress-ms, this]; 0 means in-progress-ms");

  flag_set.AddInt("rate-limit-per-second", &flags.rate_limit_per_second,
                  {0, 1'000'000'000}, "older name of --rate-limit-rps");
  flag_set.AddDuration("response-delay", &flags.response_delay,
                       {absl::ZeroDuration(), absl::Minutes(10)},
                       "older form of --latency-ms, as a duration");
  flag_set.AddDuration("token-ttl", &flags.token_ttl,
                       {absl::Seconds(1), absl::Hours(24 * 365)},
                       "older form of --token-ttl-seconds, as a duration");
}

std::vector<std::string> SplitList(absl::string_view text,
                                   absl::string_view separators) {
  std::vector<std::string> items;
  for (absl::string_view item :
       absl::StrSplit(text, absl::ByAnyChar(separators), absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::Status FillFlowSet(absl::string_view flag, absl::string_view list,
                         absl::flat_hash_set<std::string>* out) {
  for (const std::string& flow_id : SplitList(list, ",")) {
    if (absl::Status valid = cxone::ValidateFlowId(flow_id); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": ", valid.message()));
    }
    out->insert(flow_id);
  }
  return absl::OkStatus();
}

// The /_sim/faults patch that the fault flags amount to.
nlohmann::json FaultsPatchOf(const Flags& flags) {
  nlohmann::json patch = {
      {"rate_limit_rps", flags.rate_limit_rps != 0
                             ? flags.rate_limit_rps
                             : flags.rate_limit_per_second},
      {"retry_after_form", flags.retry_after_form},
      {"latency_ms", flags.latency_ms != 0
                         ? static_cast<double>(flags.latency_ms)
                         : absl::ToDoubleMilliseconds(flags.response_delay)},
      {"token_ttl_seconds", flags.token_ttl_seconds != 3600
                                ? static_cast<double>(flags.token_ttl_seconds)
                                : absl::ToDoubleSeconds(flags.token_ttl)},
      {"token_endpoint_down", flags.token_endpoint_down},
      {"in_progress_ms_max", flags.in_progress_ms_max},
      {"queued_spread_ms", flags.queued_spread_ms},
      {"retry_after_seconds", flags.retry_after_seconds},
      {"error_rate", flags.error_rate},
      {"drop_rate", flags.drop_rate},
      {"malformed_rate", flags.malformed_rate},
  };
  const std::pair<const char*, const std::string*> lists[] = {
      {"stuck_flows", &flags.stuck_flows},
      {"backwards_flows", &flags.backwards_flows},
      {"unknown_status_flows", &flags.unknown_status_flows},
      {"chatty_flows", &flags.chatty_flows},
      {"echo_authorization_flows", &flags.echo_authorization_flows}};
  for (const auto& [field, text] : lists) {
    patch[field] = SplitList(*text, ",");
  }
  return patch;
}

// Checks the values FlagParser cannot and turns them into the simulator's
// configuration.
absl::Status BuildConfig(const Flags& flags, cxone::sim::SimConfig* config,
                         cxone::sim::SimHttpOptions* options) {
  if (!flags.flows_dir.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(flags.flows_dir, error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--flows-dir ", flags.flows_dir, " is not a directory"));
    }
  }
  config->client_id = flags.client_id;
  config->client_secret = flags.client_secret;
  config->scopes = SplitList(flags.scopes, " ,");
  config->queued_duration = absl::Milliseconds(flags.queued_ms);
  config->in_progress_duration = absl::Milliseconds(flags.in_progress_ms);
  if (absl::Status status = FillFlowSet(
          "not-found-flows", flags.not_found_flows, &config->not_found_flows);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = FillFlowSet("failing-flows", flags.failing_flows,
                                        &config->failing_flows);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<cxone::sim::FaultsUpdate> faults =
      cxone::sim::ApplyFaultsPatch(cxone::sim::SimFaults{},
                                   FaultsPatchOf(flags),
                                   config->in_progress_duration);
  if (!faults.ok()) {
    // The message starts with the field; name the flag instead.
    const std::string field =
        cxone::sim::FaultFieldOf(faults.status()).value_or("");
    absl::string_view problem = faults.status().message();
    absl::ConsumePrefix(&problem, absl::StrCat(field, ": "));
    return absl::InvalidArgumentError(absl::StrCat(
        "--", absl::StrReplaceAll(field, {{"_", "-"}}), ": ", problem));
  }
  config->faults = std::move(faults->faults);
  options->host = flags.host;
  options->port = static_cast<int>(flags.port);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  cxone::FlagParser flag_set(
      "CXONE_SIM_",
      "cxone-sim: a stand-in for NICE CXone's flow compilation REST API.\n"
      "Usage: cxone-sim [flags]");
  Register(flag_set, flags);
  if (absl::Status parsed =
          flag_set.Parse(cxone::ArgsOf(argc, argv), cxone::ProcessEnv());
      !parsed.ok()) {
    std::fprintf(stderr, "cxone-sim: %s\n",
                 std::string(parsed.message()).c_str());
    return 2;
  }
  if (flag_set.help_requested()) {
    std::fputs(flag_set.Usage().c_str(), stdout);
    return 0;
  }
  cxone::sim::SimConfig config;
  cxone::sim::SimHttpOptions options;
  if (absl::Status status = BuildConfig(flags, &config, &options);
      !status.ok()) {
    std::fprintf(stderr, "cxone-sim: %s\n",
                 std::string(status.message()).c_str());
    return 2;
  }

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait() below ever receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  cxone::RealClock clock;
  cxone::Redactor redactor;
  // Only the client secret is registered: the simulator never logs the
  // tokens it issues.
  redactor.AddPermanentSecret(config.client_secret);
  cxone::JsonLog log(stderr, &clock, &redactor);
  log.Info("starting", {{"config", flag_set.EffectiveConfig()}});

  // The start time, in base 36: compile ids never repeat across restarts.
  config.compile_id_run = cxone::sim::Base36(
      static_cast<uint64_t>(absl::ToUnixMillis(clock.Now())));
  cxone::sim::SimState state(std::move(config), &clock,
                             cxone::sim::FlowsFromDirectory(flags.flows_dir),
                             static_cast<uint64_t>(flags.seed));
  log.Info("faults", {{"faults", state.FaultsJson()}});
  cxone::sim::SimHttpServer server(&state, &clock, &log, options);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) {
    log.Error("cannot start", {{"error", port.status().ToString()}});
    return 1;
  }
  const std::string host = flags.host.find(':') == std::string::npos
                               ? flags.host
                               : absl::StrCat("[", flags.host, "]");
  std::printf("cxone-sim listening on http://%s:%d\n", host.c_str(), *port);
  std::fflush(stdout);
  log.Info("listening", {{"host", flags.host}, {"port", *port}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log.Info("stopping", {{"signal", strsignal(signal_number)}});
  server.Shutdown();
  log.Info("stopped");
  return 0;
}

#include "client/webhook_commands.h"

#include <chrono>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "client/call_status.h"
#include "client/exit_codes.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;
using google::protobuf::util::TimeUtil;

constexpr char kProgram[] = "cxone-compile";
constexpr char kUsage[] =
    R"(cxone-compile webhooks: the gateway's webhook dead letters.

Usage:
  cxone-compile webhooks dead-letters [--endpoint NAME] [--compile NAME]
                [--since TIME] [--until TIME] [--limit N]
  cxone-compile webhooks replay [--endpoint NAME]
                (--compile NAME [--sequence N] | --since TIME [--until TIME])

dead-letters lists deliveries that failed every attempt (or that an endpoint
disabled by its receiver could not take), oldest first. replay delivers them
again with their original webhook-id, and enables an endpoint its receiver
had disabled. TIME is RFC 3339, e.g. 2026-11-26T10:00:00Z.
)";

absl::StatusOr<v1::DeadLetterSelector> SelectorOf(
    const WebhooksInvocation& invocation) {
  v1::DeadLetterSelector selector;
  selector.set_endpoint(invocation.endpoint);
  selector.set_compile(invocation.compile);
  if (invocation.sequence >= 0) {
    selector.set_sequence(static_cast<uint64_t>(invocation.sequence));
  }
  for (const auto& [flag, text, field] :
       {std::tuple{"--since", &invocation.since, selector.mutable_start_time()},
        std::tuple{"--until", &invocation.until,
                   selector.mutable_end_time()}}) {
    if (text->empty()) continue;
    absl::Time time;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, *text, &time, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, ": \"", *text, "\" is not an RFC 3339 time (",
                       "e.g. 2026-11-26T10:00:00Z)"));
    }
    *field = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
  }
  if (invocation.until.empty()) selector.clear_end_time();
  if (invocation.since.empty()) selector.clear_start_time();
  return selector;
}

absl::StatusOr<WebhooksInvocation> Parse(const std::vector<std::string>& args,
                                         const EnvLookup& env, bool* help) {
  WebhooksInvocation invocation;
  FlagSet flags("CXONE_", kUsage);
  AddWebhooksFlags(flags, invocation);
  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args, env);
  if (!positional.ok()) return positional.status();
  *help = flags.help_requested();
  if (*help) {
    return invocation;
  }
  if (positional->size() != 1 ||
      ((*positional)[0] != "dead-letters" && (*positional)[0] != "replay")) {
    return absl::InvalidArgumentError(
        "webhooks: expected one command: dead-letters or replay");
  }
  invocation.command = (*positional)[0];
  if (invocation.sequence >= 0 && invocation.compile.empty()) {
    return absl::InvalidArgumentError("--sequence needs --compile");
  }
  if (invocation.command == "replay" && invocation.compile.empty() &&
      invocation.since.empty() && invocation.until.empty()) {
    return absl::InvalidArgumentError(
        "replay: give --compile NAME or a time range (--since, --until)");
  }
  return invocation;
}

}  // namespace

void AddWebhooksFlags(FlagSet& flags, WebhooksInvocation& invocation) {
  flags.AddAddress("server", &invocation.server, PortUse::kConnect,
                   "Address (HOST:PORT) of cxone-compile-gateway.");
  flags.AddBool("json", &invocation.json, "One proto3 JSON object per line.");
  flags.AddString("endpoint", &invocation.endpoint,
                  "Only this endpoint's dead letters.");
  flags.AddString("compile", &invocation.compile,
                  "Only this compile's (flows/FLOW_ID/compiles/COMPILE_ID).");
  flags.AddInt("sequence", &invocation.sequence,
               {1, std::numeric_limits<int64_t>::max()},
               "Only this event of --compile.");
  flags.AddString("since", &invocation.since,
                  "Dead-lettered at or after TIME (RFC 3339).");
  flags.AddString("until", &invocation.until,
                  "Dead-lettered at or before TIME (RFC 3339).");
  flags.AddInt("limit", &invocation.limit, {1, 1000},
               "dead-letters: at most N.");
}

int RunWebhooksCli(const std::vector<std::string>& args, const EnvLookup& env,
                   const WebhookStubFactory& connect, std::ostream& out,
                   std::ostream& err) {
  bool help = false;
  absl::StatusOr<WebhooksInvocation> invocation = Parse(args, env, &help);
  absl::StatusOr<v1::DeadLetterSelector> selector =
      invocation.ok() ? SelectorOf(*invocation) : invocation.status();
  if (!selector.ok()) {
    err << kProgram << ": " << selector.status().message() << "\nRun '"
        << kProgram << " webhooks --help' for usage.\n";
    return kExitUsage;
  }
  if (help) {
    out << kUsage;
    return kExitCompleted;
  }
  std::unique_ptr<v1::WebhookService::StubInterface> stub =
      connect(invocation->server);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::Status status;
  if (invocation->command == "dead-letters") {
    v1::ListDeadLettersRequest request;
    *request.mutable_selector() = *selector;
    request.set_page_size(static_cast<int32_t>(invocation->limit));
    v1::ListDeadLettersResponse response;
    status = stub->ListDeadLetters(&context, request, &response);
    if (status.ok()) {
      for (const v1::DeadLetter& letter : response.dead_letters()) {
        if (invocation->json) {
          std::string line;
          (void)google::protobuf::util::MessageToJsonString(letter, &line);
          out << line << "\n";
        } else {
          out << absl::StrFormat("%s  %s  #%d  %s  %d attempts  %s  %s\n",
                                 TimeUtil::ToString(letter.dead_time()),
                                 letter.endpoint(), letter.sequence(),
                                 letter.compile(), letter.attempts(),
                                 letter.webhook_id(), letter.last_error());
        }
      }
      if (!invocation->json) {
        out << response.dead_letters_size() << " dead letters\n";
      }
    }
  } else {
    v1::ReplayDeadLettersRequest request;
    *request.mutable_selector() = *selector;
    v1::ReplayDeadLettersResponse response;
    status = stub->ReplayDeadLetters(&context, request, &response);
    if (status.ok()) out << "replayed " << response.replayed() << "\n";
  }
  if (!status.ok()) {
    err << kProgram << ": " << DescribeStatus(status) << "\n";
    return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT
               ? kExitUsage
               : kExitGatewayError;
  }
  return kExitCompleted;
}

}  // namespace cxone::client

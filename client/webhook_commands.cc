#include "client/webhook_commands.h"

#include <chrono>
#include <limits>

#include "absl/status/statusor.h"
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
  cxone-compile webhooks dead-letters [--endpoint NAME]
                [--compile NAME [--sequence N]] [--since TIME] [--until TIME]
                [--limit N]
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

// The flags of dead-letters and of replay: which dead letters.
void AddSelectorFlags(FlagCommand& command, WebhooksInvocation& invocation) {
  command.AddString("endpoint", &invocation.endpoint,
                    "Only this endpoint's dead letters.");
  command.AddString("compile", &invocation.compile,
                    "Only this compile's (flows/FLOW_ID/compiles/COMPILE_ID).");
  command.AddInt("sequence", &invocation.sequence,
                 {1, std::numeric_limits<int64_t>::max()},
                 "Only this event of --compile.");
  command.AddString("since", &invocation.since,
                    "Dead-lettered at or after TIME (RFC 3339).");
  command.AddString("until", &invocation.until,
                    "Dead-lettered at or before TIME (RFC 3339).");
}

}  // namespace

void AddWebhooksCommands(FlagParser& flags, WebhooksInvocation& invocation) {
  FlagCommand& webhooks = flags.AddCommand("webhooks", kUsage);
  // Their --help is webhooks': kUsage describes both.
  FlagCommand& dead_letters = webhooks.AddCommand("dead-letters", "");
  AddSelectorFlags(dead_letters, invocation);
  dead_letters.AddInt("limit", &invocation.limit, {1, 1000}, "At most N.");
  FlagCommand& replay = webhooks.AddCommand("replay", "");
  AddSelectorFlags(replay, invocation);
}

absl::Status FinishWebhooksInvocation(const std::vector<std::string>& command,
                                      const GlobalFlags& globals,
                                      WebhooksInvocation& invocation) {
  invocation.gateway = globals.endpoint;
  invocation.json = globals.json;
  if (command.size() != 2) {
    return absl::InvalidArgumentError(
        "webhooks: expected one command: dead-letters or replay");
  }
  invocation.command = command[1];
  if (invocation.sequence >= 0 && invocation.compile.empty()) {
    return absl::InvalidArgumentError("--sequence needs --compile");
  }
  if (invocation.command == "replay" && invocation.compile.empty() &&
      invocation.since.empty() && invocation.until.empty()) {
    return absl::InvalidArgumentError(
        "replay: give --compile NAME or a time range (--since, --until)");
  }
  return SelectorOf(invocation).status();
}

int RunWebhooks(const WebhooksInvocation& invocation,
                const WebhookStubFactory& connect, std::ostream& out,
                std::ostream& err) {
  absl::StatusOr<v1::DeadLetterSelector> selector = SelectorOf(invocation);
  if (!selector.ok()) {
    err << kProgram << ": " << selector.status().message() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<v1::WebhookService::StubInterface> stub =
      connect(invocation.gateway);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  grpc::Status status;
  if (invocation.command == "dead-letters") {
    v1::ListDeadLettersRequest request;
    *request.mutable_selector() = *selector;
    request.set_page_size(static_cast<int32_t>(invocation.limit));
    v1::ListDeadLettersResponse response;
    status = stub->ListDeadLetters(&context, request, &response);
    if (status.ok()) {
      for (const v1::DeadLetter& letter : response.dead_letters()) {
        if (invocation.json) {
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
      if (!invocation.json) {
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

// cxone-compile: the command-line client of cxone-compile-gateway. All logic
// is in compile_commands.h and webhook_commands.h; main only wires the
// process to them.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/compile_commands.h"
#include "client/gateway_channel.h"
#include "client/health_command.h"
#include "client/webhook_commands.h"
#include "common/flag_set.h"
#include "cxone/compile/v1/compile.grpc.pb.h"

int main(int argc, char** argv) {
  using ::cxone::compile::v1::CompileService;
  using ::cxone::compile::v1::WebhookService;
  std::vector<std::string> args = cxone::ArgsOf(argc, argv);
  if (!args.empty() && args.front() == "health") {
    args.erase(args.begin());
    return cxone::client::RunHealthCli(
        args, cxone::ProcessEnv(),
        [](const std::string& server)
            -> std::unique_ptr<grpc::health::v1::Health::StubInterface> {
          return grpc::health::v1::Health::NewStub(
              cxone::client::MakeGatewayChannel(server));
        },
        std::cout, std::cerr);
  }
  if (!args.empty() && args.front() == "webhooks") {
    args.erase(args.begin());
    return cxone::client::RunWebhooksCli(
        args, cxone::ProcessEnv(),
        [](const std::string& server)
            -> std::unique_ptr<WebhookService::StubInterface> {
          return WebhookService::NewStub(
              cxone::client::MakeGatewayChannel(server));
        },
        std::cout, std::cerr);
  }
  return cxone::client::RunCli(
      args, cxone::ProcessEnv(),
      [](const std::string& server)
          -> std::unique_ptr<CompileService::StubInterface> {
        return CompileService::NewStub(
            cxone::client::MakeGatewayChannel(server));
      },
      std::cout, std::cerr);
}

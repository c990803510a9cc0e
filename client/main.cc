// cxone-compile: the command-line client of cxone-compile-gateway. All logic
// is in command_line.h and the commands it runs; main only wires the process
// to them.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "client/command_line.h"
#include "client/gateway_channel.h"
#include "client/terminal.h"
#include "common/flag_parser.h"
#include "cxone/compile/v1/compile.grpc.pb.h"

int main(int argc, char** argv) {
  using ::cxone::compile::v1::CompileService;
  using ::cxone::compile::v1::WebhookService;
  cxone::client::Connectors connect;
  using cxone::client::GatewayEndpoint;
  using cxone::client::MakeGatewayChannel;
  connect.compile = [](const GatewayEndpoint& gateway)
      -> std::unique_ptr<CompileService::StubInterface> {
    return CompileService::NewStub(MakeGatewayChannel(gateway));
  };
  connect.health = [](const GatewayEndpoint& gateway)
      -> std::unique_ptr<grpc::health::v1::Health::StubInterface> {
    return grpc::health::v1::Health::NewStub(MakeGatewayChannel(gateway));
  };
  connect.webhooks = [](const GatewayEndpoint& gateway)
      -> std::unique_ptr<WebhookService::StubInterface> {
    return WebhookService::NewStub(MakeGatewayChannel(gateway));
  };
  cxone::client::CommandOptions options;
  options.out_terminal = cxone::client::TerminalOf(STDOUT_FILENO);
  options.err_terminal = cxone::client::TerminalOf(STDERR_FILENO);
  options.out_terminal_now = [] {
    return cxone::client::TerminalOf(STDOUT_FILENO);
  };
  options.err_terminal_now = [] {
    return cxone::client::TerminalOf(STDERR_FILENO);
  };
  return cxone::client::RunCommandLine(cxone::ArgsOf(argc, argv),
                                       cxone::ProcessEnv(), connect, std::cout,
                                       std::cerr, options);
}

// cxone-compile: the command-line client of cxone-compile-gateway. All logic
// is in compile_commands.h; main only wires the process to it.
#include <iostream>
#include <memory>
#include <string>

#include "client/compile_commands.h"
#include "client/gateway_channel.h"
#include "common/flag_set.h"
#include "cxone/compile/v1/compile.grpc.pb.h"

int main(int argc, char** argv) {
  using ::cxone::compile::v1::CompileService;
  return cxone::client::RunCli(
      cxone::ArgsOf(argc, argv), cxone::ProcessEnv(),
      [](const std::string& server)
          -> std::unique_ptr<CompileService::StubInterface> {
        return CompileService::NewStub(
            cxone::client::MakeGatewayChannel(server));
      },
      std::cout, std::cerr);
}

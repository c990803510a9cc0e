// The flags every cxone-compile command shares — where the gateway is and
// how to print — given before or after the command word
// (`cxone-compile --server ADDR health`, `cxone-compile health --server
// ADDR`), each also from its CXONE_* variable.
#ifndef CXONE_CLIENT_GLOBAL_FLAGS_H_
#define CXONE_CLIENT_GLOBAL_FLAGS_H_

#include <string>

#include "common/flag_parser.h"

namespace cxone::client {

struct GlobalFlags {
  // --server: the gateway's address.
  std::string server = "127.0.0.1:50051";
  // --json: proto3 JSON lines instead of text.
  bool json = false;
};

// Registers --server and --json on the program itself (flags' root command)
// over the fields of `globals`.
void AddGlobalFlags(FlagParser& flags, GlobalFlags& globals);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GLOBAL_FLAGS_H_

#include "client/global_flags.h"

namespace cxone::client {

void AddGlobalFlags(FlagParser& flags, GlobalFlags& globals) {
  flags.AddAddress("server", &globals.server, PortUse::kConnect,
                   "Address (HOST:PORT) of cxone-compile-gateway.");
  flags.AddBool("json", &globals.json,
                "Print proto3 JSON, one object per line, instead of text.");
}

}  // namespace cxone::client

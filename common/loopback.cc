#include "common/loopback.h"

#include <arpa/inet.h>

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace cxone {

bool IsLoopbackHost(const std::string& host) {
  const std::string lower = absl::AsciiStrToLower(host);
  if (lower == "localhost" || absl::EndsWith(lower, ".localhost")) {
    return true;
  }
  in_addr v4{};
  if (inet_pton(AF_INET, lower.c_str(), &v4) == 1) {
    const uint32_t address = ntohl(v4.s_addr);
    return (address >> 24) == 127 || address == 0;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, lower.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6) || IN6_IS_ADDR_UNSPECIFIED(&v6)) return true;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) return v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace cxone

#include "common/private_network.h"

#include <arpa/inet.h>

#include <cstdint>

namespace cxone {
namespace {

bool PrivateV4(uint32_t address) {
  const uint32_t a = address >> 24;
  const uint32_t b = (address >> 16) & 0xff;
  return a == 10 || (a == 172 && b >= 16 && b <= 31) ||
         (a == 192 && b == 168) || (a == 169 && b == 254) ||
         (a == 100 && b >= 64 && b <= 127);
}

}  // namespace

bool IsPrivateNetworkHost(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return PrivateV4(ntohl(v4.s_addr));
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    const uint8_t* bytes = v6.s6_addr;
    if ((bytes[0] & 0xfe) == 0xfc) return true;                       // fc00::/7
    if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) return true;   // fe80::/10
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
      return PrivateV4((uint32_t{bytes[12]} << 24) | (uint32_t{bytes[13]} << 16) |
                       (uint32_t{bytes[14]} << 8) | uint32_t{bytes[15]});
    }
  }
  return false;
}

}  // namespace cxone

// IsPrivateNetworkHost: whether an address belongs to a private or
// link-local network — what a webhook URL must not reach unless its
// endpoint allows it (the SSRF guard's second half; loopback is
// common/loopback.h's).
#ifndef CXONE_COMMON_PRIVATE_NETWORK_H_
#define CXONE_COMMON_PRIVATE_NETWORK_H_

#include <string>

namespace cxone {

// True for an address literal (IPv4, or IPv6 without brackets) in
// 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 169.254.0.0/16 (link-local,
// cloud metadata), 100.64.0.0/10 (carrier-grade NAT), fc00::/7 (unique
// local), fe80::/10 (link-local), or an IPv4-mapped IPv6 address of those.
// A name is not an address: false (the connect-time check sees the
// address it resolved to).
bool IsPrivateNetworkHost(const std::string& host);

}  // namespace cxone

#endif  // CXONE_COMMON_PRIVATE_NETWORK_H_

// IsLoopbackHost: whether a host name or address stays on this machine —
// the SSRF guard of webhook deliveries.
#ifndef CXONE_COMMON_LOOPBACK_H_
#define CXONE_COMMON_LOOPBACK_H_

#include <string>

namespace cxone {

// True for localhost (and *.localhost), 127.0.0.0/8, 0.0.0.0, ::1, :: and
// IPv4-mapped 127.x addresses. `host` is a name or an address, without
// brackets.
bool IsLoopbackHost(const std::string& host);

}  // namespace cxone

#endif  // CXONE_COMMON_LOOPBACK_H_

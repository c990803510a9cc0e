// Whether a file descriptor is a terminal, and its size: what decides how a
// command shows progress (a live display on a terminal, lines in a log).
#ifndef CXONE_CLIENT_TERMINAL_H_
#define CXONE_CLIENT_TERMINAL_H_

#include <optional>

namespace cxone::client {

struct TerminalSize {
  int columns = 80;
  int rows = 24;
};

// The size of the terminal `fd` is, or nullopt when it is not one (a pipe,
// a file) or $TERM is "dumb". A terminal that reports no size is 80 × 24.
std::optional<TerminalSize> TerminalOf(int fd);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_TERMINAL_H_

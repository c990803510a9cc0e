// EnvLookup: how a program reads its environment variables, injected so
// that tests never touch the process environment.
#ifndef CXONE_COMMON_ENV_LOOKUP_H_
#define CXONE_COMMON_ENV_LOOKUP_H_

#include <functional>
#include <optional>
#include <string>

namespace cxone {

// Looks up an environment variable; std::nullopt when unset (a variable set
// to "" is set).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment (getenv). Read it only from main's thread before
// other threads start: getenv races with setenv.
EnvLookup ProcessEnv();

}  // namespace cxone

#endif  // CXONE_COMMON_ENV_LOOKUP_H_

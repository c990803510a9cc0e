// WaitUntil: polls a condition until it holds or a deadline passes — the
// bounded wait tests use instead of sleeping and hoping.
#ifndef CXONE_TESTS_SUPPORT_WAIT_UNTIL_H_
#define CXONE_TESTS_SUPPORT_WAIT_UNTIL_H_

#include "absl/functional/function_ref.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cxone::testing {

// True as soon as `ready()` is; false if it still is not after `timeout`.
inline bool WaitUntil(absl::FunctionRef<bool()> ready,
                      absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!ready()) {
    if (absl::Now() > deadline) return ready();
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_WAIT_UNTIL_H_

// GoogleTest glue for GatewayHarness (kept out of gateway_harness.h, which
// the benchmarks include without GoogleTest).
#ifndef CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_
#define CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_

#include <memory>
#include <utility>

#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace cxone::testing {

// Starts the simulator and the gateway; on failure records a test failure
// naming why and returns null (callers ASSERT_NE it).
inline std::unique_ptr<GatewayHarness> MustStart(HarnessOptions options = {}) {
  auto harness = GatewayHarness::Start(std::move(options));
  EXPECT_TRUE(harness.ok()) << harness.status();
  return harness.ok() ? *std::move(harness) : nullptr;
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_

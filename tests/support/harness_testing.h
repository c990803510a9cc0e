// GoogleTest glue for GatewayHarness (kept out of gateway_harness.h, which
// the benchmarks include without GoogleTest).
#ifndef CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_
#define CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
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

// Starts a compile of `flow` (records a failure if it fails).
inline compile::v1::Compile MustStartCompile(
    GatewayHarness& gateway, const std::string& flow,
    const std::string& request_id = "") {
  compile::v1::StartCompileRequest request;
  request.set_flow_id(flow);
  request.set_request_id(request_id);
  auto compile = StartCompile(gateway.stub(), request);
  EXPECT_TRUE(compile.ok()) << compile.status();
  return compile.value_or(compile::v1::Compile());
}

// Runs `request` to the end of its stream (at most `timeout`).
inline WatchResult Watch(GatewayHarness& gateway,
                         compile::v1::WatchCompileRequest request,
                         absl::Duration timeout = absl::Seconds(30)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  WatchResult result;
  auto reader = gateway.stub().WatchCompile(&context, request);
  compile::v1::CompileEvent event;
  while (reader->Read(&event)) result.events.push_back(event);
  result.status = reader->Finish();
  return result;
}

// A request to watch `name` from just after event `after`.
inline compile::v1::WatchCompileRequest After(const std::string& name,
                                              uint64_t after) {
  compile::v1::WatchCompileRequest request;
  request.set_name(name);
  request.set_after_sequence(after);
  return request;
}

// The sequences of the logged events among `events` (markers left out).
inline std::vector<uint64_t> Sequences(
    const std::vector<compile::v1::CompileEvent>& events) {
  std::vector<uint64_t> sequences;
  for (const auto& event : WithoutMarkers(events)) {
    sequences.push_back(event.sequence());
  }
  return sequences;
}

// One ListCompiles call (10 s deadline); the RPC's error as a Status.
inline absl::StatusOr<compile::v1::ListCompilesResponse> ListPage(
    GatewayHarness& gateway, const compile::v1::ListCompilesRequest& request) {
  return ListCompiles(gateway.stub(), request);
}

// A whole list: every page's compiles in order, and the first page's
// revision (what a watch of the list resumes from).
struct Listing {
  std::vector<compile::v1::Compile> compiles;
  uint64_t revision = 0;
};

// Every page of `request`'s list (records a failure for a page that
// fails); `between` runs after each page but the last.
inline Listing ListAll(
    GatewayHarness& gateway, compile::v1::ListCompilesRequest request,
    const std::function<void()>& between = [] {}) {
  Listing listing;
  for (int page = 0; page < 1000; ++page) {
    absl::StatusOr<compile::v1::ListCompilesResponse> response =
        ListPage(gateway, request);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) break;
    if (page == 0) listing.revision = response->revision();
    listing.compiles.insert(listing.compiles.end(),
                            response->compiles().begin(),
                            response->compiles().end());
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
    between();
  }
  return listing;
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_HARNESS_TESTING_H_

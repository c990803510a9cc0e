// ListCompiles against the real gateway and simulator: newest first, in
// pages that stay valid while compiles are started, at a revision that
// matches the events, across a restart; bad requests named.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::MustStart;
using ::cxone::testing::MustStartCompile;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

std::vector<std::string> NamesOf(const std::vector<v1::Compile>& compiles) {
  std::vector<std::string> names;
  for (const v1::Compile& compile : compiles) names.push_back(compile.name());
  return names;
}

TEST(ListCompiles, NewestFirstEachAsItsNewestEventLeftIt) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  std::vector<std::string> started;  // oldest first
  for (int i = 0; i < 5; ++i) {
    started.push_back(
        MustStartCompile(*gateway, absl::StrCat("list-flow-", i)).name());
  }
  // Each to its end; remember its last event's revision.
  std::vector<uint64_t> last_revisions;
  uint64_t newest_revision = 0;
  for (const std::string& name : started) {
    v1::WatchCompileRequest request;
    request.set_name(name);
    testing::WatchResult watch = testing::Watch(*gateway, request);
    ASSERT_TRUE(watch.status.ok()) << watch.status.error_message();
    const std::vector<v1::CompileEvent> events =
        testing::WithoutMarkers(watch.events);
    ASSERT_FALSE(events.empty());
    last_revisions.push_back(events.back().revision());
    for (const v1::CompileEvent& event : events) {
      newest_revision = std::max(newest_revision, event.revision());
    }
  }

  v1::ListCompilesRequest request;
  request.set_page_size(2);
  absl::StatusOr<v1::ListCompilesResponse> first =
      testing::ListPage(*gateway, request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->compiles_size(), 2);
  EXPECT_FALSE(first->next_page_token().empty());
  // Nothing else happened since: the list reflects the newest event.
  EXPECT_EQ(first->revision(), newest_revision);

  const std::vector<v1::Compile> all =
      testing::ListAll(*gateway, request).compiles;
  std::vector<std::string> newest_first(started.rbegin(), started.rend());
  EXPECT_THAT(NamesOf(all), ElementsAreArray(newest_first));
  for (size_t i = 0; i < all.size(); ++i) {
    const size_t oldest_index = all.size() - 1 - i;
    EXPECT_EQ(all[i].revision(), last_revisions[oldest_index]) << all[i].name();
    EXPECT_EQ(all[i].state(), v1::STATE_COMPLETED) << all[i].name();
  }

  // A filter: one flow, by state.
  v1::ListCompilesRequest one_flow;
  one_flow.mutable_filter()->add_flow_ids("list-flow-3");
  one_flow.mutable_filter()->add_states(v1::STATE_COMPLETED);
  EXPECT_THAT(NamesOf(testing::ListAll(*gateway, one_flow).compiles),
              ElementsAreArray({started[3]}));
  v1::ListCompilesRequest none;
  none.mutable_filter()->add_states(v1::STATE_FAILED);
  EXPECT_TRUE(testing::ListAll(*gateway, none).compiles.empty());
}

TEST(ListCompiles, PagesStayValidWhileCompilesAreStarted) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  std::set<std::string> before;
  for (int i = 0; i < 12; ++i) {
    before.insert(
        MustStartCompile(*gateway, absl::StrCat("page-flow-", i)).name());
  }
  int added = 0;
  v1::ListCompilesRequest request;
  request.set_page_size(5);
  const std::vector<v1::Compile> listed =
      testing::ListAll(*gateway, request, [&] {
        // Two new compiles between every two pages.
        for (int j = 0; j < 2; ++j) {
          MustStartCompile(*gateway, absl::StrCat("new-flow-", added++));
        }
      }).compiles;
  // Exactly the compiles there before the first page: none twice, none
  // lost, none of the newer ones.
  const std::vector<std::string> names = NamesOf(listed);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()), before);
  EXPECT_EQ(names.size(), before.size());
  EXPECT_GT(added, 0);
}

TEST(ListCompiles, BadRequestsAreNamed) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  MustStartCompile(*gateway, "main-menu");
  MustStartCompile(*gateway, "broken-refs");
  auto expect_invalid = [&](const v1::ListCompilesRequest& request,
                            const std::string& message) {
    absl::StatusOr<v1::ListCompilesResponse> response =
        testing::ListPage(*gateway, request);
    ASSERT_FALSE(response.ok());
    EXPECT_TRUE(absl::IsInvalidArgument(response.status()))
        << response.status();
    EXPECT_THAT(response.status().message(), HasSubstr(message));
  };
  v1::ListCompilesRequest negative;
  negative.set_page_size(-1);
  expect_invalid(negative, "page_size: -1 is out of range");
  v1::ListCompilesRequest huge;
  huge.set_page_size(1001);
  expect_invalid(huge, "page_size: 1001 is out of range");
  v1::ListCompilesRequest garbage;
  garbage.set_page_token("definitely-not-a-token");
  expect_invalid(garbage, "page_token: not a page token");
  v1::ListCompilesRequest selector;
  selector.mutable_filter()->set_label_selector("a in (");
  expect_invalid(selector, "filter.label_selector");

  // A token is tied to its filter.
  v1::ListCompilesRequest paged;
  paged.set_page_size(1);
  absl::StatusOr<v1::ListCompilesResponse> first =
      testing::ListPage(*gateway, paged);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_FALSE(first->next_page_token().empty());
  v1::ListCompilesRequest other_filter = paged;
  other_filter.set_page_token(first->next_page_token());
  other_filter.mutable_filter()->add_flow_ids("main-menu");
  expect_invalid(other_filter, "page_token: made for another filter");
}

TEST(ListCompiles, TheListAndItsRevisionSurviveARestart) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 3; ++i) {
    MustStartCompile(*gateway, absl::StrCat("restart-flow-", i));
  }
  v1::ListCompilesRequest request;
  absl::StatusOr<v1::ListCompilesResponse> before =
      testing::ListPage(*gateway, request);
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->compiles_size(), 3);
  ASSERT_GT(before->revision(), 0u);

  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());
  absl::StatusOr<v1::ListCompilesResponse> after =
      testing::ListPage(*gateway, request);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_THAT(NamesOf({after->compiles().begin(), after->compiles().end()}),
              ElementsAreArray(NamesOf(
                  {before->compiles().begin(), before->compiles().end()})));
  // Polling may have moved them on meanwhile, never back.
  EXPECT_GE(after->revision(), before->revision());
  // A compile started now is numbered after everything before the restart.
  const v1::Compile started = MustStartCompile(*gateway, "restart-flow-new");
  EXPECT_GT(started.revision(), after->revision());
}

}  // namespace
}  // namespace cxone

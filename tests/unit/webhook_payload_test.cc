#include "server/webhooks/webhook_payload.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;

v1::CompileEvent Completed() {
  v1::CompileEvent event;
  event.set_name("flows/main-menu/compiles/c-1");
  event.set_sequence(3);
  event.set_revision(1042);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_state(v1::STATE_COMPLETED);
  event.set_previous_state(v1::STATE_IN_PROGRESS);
  event.mutable_time()->set_seconds(1'800'000'000);
  return event;
}

TEST(WebhookBody, DataNamesTheCompileAndCarriesItsLabels) {
  auto body = WebhookBody(
      Completed(), {{"example.com/team", "ivr"}, {"pipeline", "nightly"}});
  ASSERT_TRUE(body.ok()) << body.status();
  const nlohmann::json parsed = nlohmann::json::parse(*body);
  EXPECT_EQ(parsed["type"], "compile.state_changed");
  const nlohmann::json& data = parsed["data"];
  EXPECT_EQ(data["compile"], "flows/main-menu/compiles/c-1");
  EXPECT_EQ(data["flow_id"], "main-menu");
  EXPECT_EQ(data["compile_id"], "c-1");
  EXPECT_EQ(data["state"], "COMPLETED");
  EXPECT_EQ(data["sequence"], 3);
  EXPECT_EQ(data["revision"], 1042);
  EXPECT_EQ(data["labels"], (nlohmann::json{{"example.com/team", "ivr"},
                                            {"pipeline", "nightly"}}));
  EXPECT_EQ(data["event"]["state"], "STATE_COMPLETED");
}

TEST(WebhookBody, ACompileWithoutLabelsHasAnEmptyObject) {
  auto body = WebhookBody(Completed(), {});
  ASSERT_TRUE(body.ok()) << body.status();
  const nlohmann::json labels = nlohmann::json::parse(*body)["data"]["labels"];
  EXPECT_TRUE(labels.is_object()) << labels.dump();
  EXPECT_TRUE(labels.empty());
}

TEST(WebhookBody, AnEventNamingNoCompileIsRefused) {
  v1::CompileEvent event = Completed();
  event.set_name("not a compile");
  EXPECT_TRUE(absl::IsInvalidArgument(WebhookBody(event, {}).status()));
}

}  // namespace
}  // namespace cxone

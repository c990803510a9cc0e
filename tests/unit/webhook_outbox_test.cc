#include "server/webhooks/webhook_outbox.h"

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "common/json_log.h"
#include "common/redactor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_clock.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::testing::SizeIs;
namespace v1 = ::cxone::compile::v1;

class NoSink final : public DeliverySink {
 public:
  void Enqueue(std::vector<StoredDelivery>) override {}
};

// `compile`'s record with `labels` and one STATE_CHANGED event, as a job
// commits them.
void AddCompileAndEvent(StoreBatch& batch, const std::string& id,
                        const Labels& labels) {
  StoredCompile stored;
  stored.compile.set_name("flows/main/compiles/" + id);
  stored.compile.set_flow_id("main");
  stored.compile.set_compile_id(id);
  stored.compile.mutable_labels()->insert(labels.begin(), labels.end());
  batch.compiles.push_back(stored);
  v1::CompileEvent event;
  event.set_name(stored.compile.name());
  event.set_sequence(1);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_state(v1::STATE_QUEUED);
  batch.events.push_back(
      {stored.compile.name(), 1, event.SerializeAsString(), 7});
}

class WebhookOutboxTest : public ::testing::Test {
 protected:
  WebhookOutboxTest() : log_(std::tmpfile(), &clock_, &redactor_) {
    WebhookEndpointConfig endpoint;
    endpoint.name = "deploy-bot";
    config_.endpoints.push_back(endpoint);
  }

  FakeClock clock_;
  Redactor redactor_;
  JsonLog log_;
  WebhooksConfig config_;
  NoSink sink_;
  WebhookOutbox outbox_{&config_, &clock_, &sink_, &log_};
};

TEST_F(WebhookOutboxTest, EachBodyCarriesTheLabelsOfItsEventsCompile) {
  StoreBatch batch;
  AddCompileAndEvent(batch, "c-1", {{"pipeline", "nightly"}});
  AddCompileAndEvent(batch, "c-2", {{"pipeline", "checkout"}, {"team", "ivr"}});
  AddCompileAndEvent(batch, "c-3", {});
  outbox_.Prepare(batch);
  ASSERT_THAT(batch.deliveries, SizeIs(3));
  std::map<std::string, nlohmann::json> labels;
  for (const StoredDelivery& delivery : batch.deliveries) {
    const nlohmann::json body = nlohmann::json::parse(delivery.body);
    EXPECT_EQ(body["data"]["revision"], 7);
    labels[delivery.compile_name] = body["data"]["labels"];
  }
  EXPECT_EQ(labels["flows/main/compiles/c-1"],
            (nlohmann::json{{"pipeline", "nightly"}}));
  EXPECT_EQ(labels["flows/main/compiles/c-2"],
            (nlohmann::json{{"pipeline", "checkout"}, {"team", "ivr"}}));
  EXPECT_EQ(labels["flows/main/compiles/c-3"], nlohmann::json::object());
}

}  // namespace
}  // namespace cxone

#include "server/webhooks/webhook_dispatcher.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/group_committer.h"
#include "tests/support/fake_store.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeStore;
using ::cxone::testing::WaitUntil;
using ::testing::ElementsAre;

// Answers every request for a URL with a fixed status after a fixed delay
// (or, held, once released), recording the order requests arrived in.
class ScriptedReceivers final : public http::HttpClient {
 public:
  void Script(const std::string& url, int status, absl::Duration delay) {
    absl::MutexLock lock(&mu_);
    scripts_[url] = {status, delay};
  }
  // Requests to `url` wait until Release().
  void Hold(const std::string& url) {
    absl::MutexLock lock(&mu_);
    held_url_ = url;
  }
  void Release() { released_.Notify(); }

  absl::StatusOr<http::HttpResponse> Send(
      const http::HttpRequest& request) override {
    Answer script;
    {
      absl::MutexLock lock(&mu_);
      script = scripts_[request.url];
      arrivals_[request.url].push_back(request.body);
      ++in_flight_[request.url];
      max_in_flight_[request.url] =
          std::max(max_in_flight_[request.url], in_flight_[request.url]);
    }
    bool held;
    {
      absl::MutexLock lock(&mu_);
      held = request.url == held_url_;
    }
    if (held) released_.WaitForNotification();  // a receiver that hangs
    absl::SleepFor(script.delay);               // a slow receiver
    absl::MutexLock lock(&mu_);
    --in_flight_[request.url];
    http::HttpResponse response;
    response.status_code = script.status;
    return response;
  }
  std::vector<std::string> arrivals(const std::string& url) {
    absl::MutexLock lock(&mu_);
    return arrivals_[url];
  }
  int max_in_flight(const std::string& url) {
    absl::MutexLock lock(&mu_);
    return max_in_flight_[url];
  }

 private:
  struct Answer {
    int status = 204;
    absl::Duration delay;
  };
  absl::Notification released_;
  absl::Mutex mu_;
  std::string held_url_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Answer> scripts_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> arrivals_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> in_flight_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> max_in_flight_ ABSL_GUARDED_BY(mu_);
};

WebhookEndpointConfig Endpoint(const std::string& name, bool ordered,
                               int concurrency) {
  WebhookEndpointConfig endpoint;
  endpoint.name = name;
  endpoint.url = absl::StrCat("https://", name, ".example/hook");
  endpoint.secret =
      *ParseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  endpoint.ordered = ordered;
  endpoint.max_concurrency = concurrency;
  return endpoint;
}

StoredDelivery Delivery(const std::string& endpoint, const std::string& compile,
                        uint64_t sequence) {
  StoredDelivery delivery;
  delivery.endpoint = endpoint;
  delivery.compile_name = compile;
  delivery.sequence = sequence;
  delivery.webhook_id = absl::StrCat("msg_", compile, sequence);
  delivery.body = absl::StrCat(compile, "#", sequence);
  delivery.next_attempt = absl::InfinitePast();
  return delivery;
}

class WebhookDispatcherTest : public ::testing::Test {
 protected:
  void StartWith(std::vector<WebhookEndpointConfig> endpoints) {
    config_.endpoints = std::move(endpoints);
    ASSERT_TRUE(journal_.Start().ok());
    dispatcher_ = std::make_unique<WebhookDispatcher>(
        &config_, &journal_, &store_, &http_, &clock_, &log_, /*seed=*/1);
    dispatcher_->Start();
  }
  void TearDown() override {
    if (dispatcher_ != nullptr) dispatcher_->Shutdown();
  }

  RealClock clock_;
  Redactor redactor_;
  JsonLog log_{std::tmpfile(), &clock_, &redactor_};
  FakeStore store_;
  GroupCommitter journal_{&store_, &clock_};
  ScriptedReceivers http_;
  WebhooksConfig config_;
  std::unique_ptr<WebhookDispatcher> dispatcher_;
};

TEST_F(WebhookDispatcherTest,
       AnOrderedEndpointGetsACompilesEventsOneByOneInOrder) {
  StartWith({Endpoint("ordered", /*ordered=*/true, /*concurrency=*/8)});
  http_.Script("https://ordered.example/hook", 204, absl::Milliseconds(20));
  std::vector<StoredDelivery> deliveries;
  for (uint64_t sequence : {3, 1, 4, 2, 5}) {
    deliveries.push_back(Delivery("ordered", "flows/a/compiles/c", sequence));
  }
  dispatcher_->Enqueue(deliveries);
  ASSERT_TRUE(WaitUntil([&] {
    return http_.arrivals("https://ordered.example/hook").size() == 5;
  }));
  EXPECT_THAT(http_.arrivals("https://ordered.example/hook"),
              ElementsAre("flows/a/compiles/c#1", "flows/a/compiles/c#2",
                          "flows/a/compiles/c#3", "flows/a/compiles/c#4",
                          "flows/a/compiles/c#5"));
  EXPECT_EQ(http_.max_in_flight("https://ordered.example/hook"), 1);
}

TEST_F(WebhookDispatcherTest, ASlowReceiverDelaysNoOtherEndpoint) {
  StartWith({Endpoint("slow", false, 2), Endpoint("fast", false, 2)});
  http_.Hold("https://slow.example/hook");
  std::vector<StoredDelivery> deliveries;
  for (uint64_t sequence = 1; sequence <= 10; ++sequence) {
    deliveries.push_back(Delivery("slow", "flows/a/compiles/c", sequence));
    deliveries.push_back(Delivery("fast", "flows/a/compiles/c", sequence));
  }
  dispatcher_->Enqueue(deliveries);
  // All ten fast ones go while the hung receiver holds its first two.
  const bool fast_done =
      WaitUntil([&] { return dispatcher_->Stats()["fast"].delivered == 10; });
  EXPECT_TRUE(WaitUntil(
      [&] { return http_.arrivals("https://slow.example/hook").size() == 2; }));
  EXPECT_EQ(dispatcher_->Stats()["slow"].in_flight, 2);
  EXPECT_EQ(dispatcher_->Stats()["slow"].waiting, 8);
  http_.Release();
  EXPECT_TRUE(fast_done);
}

}  // namespace
}  // namespace cxone

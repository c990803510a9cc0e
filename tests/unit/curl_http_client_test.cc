#include "server/upstream/curl_http_client.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/webhook_receiver.h"

namespace cxone::upstream {
namespace {

using ::testing::HasSubstr;

TEST(CurlHttpClient, RefusesALoopbackPeerWhenAsked) {
  testing::WebhookReceiver receiver;  // listens on 127.0.0.1
  CurlHttpClient http;
  HttpRequest request;
  request.method = "POST";
  request.url = receiver.url();
  request.body = "{}";
  request.refuse_loopback = true;
  absl::StatusOr<HttpResponse> refused = http.Send(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("loopback"));
  EXPECT_TRUE(receiver.received().empty());

  request.refuse_loopback = false;  // the same request, allowed
  absl::StatusOr<HttpResponse> allowed = http.Send(request);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->status_code, 204);
}

}  // namespace
}  // namespace cxone::upstream

// The gateway describes itself through server reflection, as grpcurl and
// `buf curl` use it, including the health service.
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace cxone {
namespace {

using ::testing::Contains;
using ::testing::IsSupersetOf;
namespace reflection = ::grpc::reflection::v1alpha;

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto harness = testing::GatewayHarness::Start();
    ASSERT_TRUE(harness.ok()) << harness.status();
    gateway_ = *std::move(harness);
    channel_ = grpc::CreateChannel(gateway_->gateway_address(),
                                   grpc::InsecureChannelCredentials());
  }

  // Sends one reflection request and returns the answer.
  reflection::ServerReflectionResponse Ask(
      const reflection::ServerReflectionRequest& request) {
    auto stub = reflection::ServerReflection::NewStub(channel_);
    grpc::ClientContext context;
    auto stream = stub->ServerReflectionInfo(&context);
    EXPECT_TRUE(stream->Write(request));
    stream->WritesDone();
    reflection::ServerReflectionResponse response;
    EXPECT_TRUE(stream->Read(&response));
    EXPECT_TRUE(stream->Finish().ok());
    return response;
  }

  std::unique_ptr<testing::GatewayHarness> gateway_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ReflectionTest, ListsTheCompileAndHealthServices) {
  reflection::ServerReflectionRequest request;
  request.set_list_services("");
  auto response = Ask(request);
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(services, IsSupersetOf({"cxone.compile.v1.CompileService",
                                      "grpc.health.v1.Health"}));
}

TEST_F(ReflectionTest, DescribesEveryListedServiceIncludingHealth) {
  for (const std::string symbol :
       {"cxone.compile.v1.CompileService", "grpc.health.v1.Health"}) {
    reflection::ServerReflectionRequest request;
    request.set_file_containing_symbol(symbol);
    auto response = Ask(request);
    ASSERT_TRUE(response.has_file_descriptor_response())
        << symbol << ": " << response.error_response().error_message();
    // The file and its methods are there to list, as --list-methods does.
    std::vector<std::string> methods;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const auto& service : file.service()) {
        for (const auto& method : service.method()) {
          methods.push_back(file.package() + "." + service.name() + "." +
                            method.name());
        }
      }
    }
    if (symbol == "grpc.health.v1.Health") {
      EXPECT_THAT(methods, Contains("grpc.health.v1.Health.Check"));
    } else {
      EXPECT_THAT(methods,
                  IsSupersetOf({"cxone.compile.v1.CompileService.StartCompile",
                                "cxone.compile.v1.CompileService.WatchCompile",
                                "cxone.compile.v1.CompileService.GetCompile"}));
    }
  }
}

TEST_F(ReflectionTest, HealthIsServingOnceReady) {
  auto health = grpc::health::v1::Health::NewStub(channel_);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

}  // namespace
}  // namespace cxone

// Every input limit against the real server: each breach is a clear
// INVALID_ARGUMENT or RESOURCE_EXHAUSTED (or, for HTTP/2 streams, a call
// that waits in its client), and the server goes on serving.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;

// A stub on a connection of its own (no subchannel shared with others).
std::unique_ptr<v1::CompileService::Stub> OwnConnection(
    const std::string& address, int tag) {
  grpc::ChannelArguments args;
  args.SetInt("cxone.test.connection", tag);  // a distinct subchannel key
  return v1::CompileService::NewStub(grpc::CreateCustomChannel(
      address, grpc::InsecureChannelCredentials(), args));
}

grpc::Status StartWith(v1::CompileService::Stub& stub,
                       const v1::StartCompileRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::Compile compile;
  return stub.StartCompile(&context, request, &compile);
}

// A watch kept open until the test ends.
struct OpenWatch {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::CompileEvent>> reader;
  ~OpenWatch() {
    context.TryCancel();
    v1::CompileEvent event;
    while (reader->Read(&event)) {
    }
    (void)reader->Finish();
  }
};

std::unique_ptr<OpenWatch> Watch(v1::CompileService::Stub& stub,
                                 const std::string& name) {
  auto watch = std::make_unique<OpenWatch>();
  v1::WatchCompileRequest request;
  request.set_name(name);
  watch->reader = stub.WatchCompile(&watch->context, request);
  return watch;
}

TEST(InputLimits, AMessageBeyondTheLimitIsRefusedAndTheServerServesOn) {
  testing::HarnessOptions options;
  options.server_args.push_back("--max-receive-message-bytes=65536");
  auto gateway = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  (*request.mutable_directives()->mutable_fields())["note"].set_string_value(
      std::string(100'000, 'x'));
  const grpc::Status refused = StartWith((*gateway)->stub(), request);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("larger than max"));
  request.clear_directives();
  EXPECT_TRUE(StartWith((*gateway)->stub(), request).ok());
}

TEST(InputLimits, DirectivesLabelsAndBatchesAreBounded) {
  auto gateway = testing::GatewayHarness::Start({});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  v1::CompileService::Stub& stub = (*gateway)->stub();

  v1::StartCompileRequest big;
  big.set_flow_id("main-menu");
  (*big.mutable_directives()->mutable_fields())["note"].set_string_value(
      std::string(70'000, 'x'));
  const grpc::Status too_big = StartWith(stub, big);
  EXPECT_EQ(too_big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_big.error_message(),
              HasSubstr("directives: 70011 bytes as JSON; at most 65536"));

  v1::StartCompileRequest deep;
  deep.set_flow_id("main-menu");
  google::protobuf::Struct* level = deep.mutable_directives();
  for (int i = 0; i < 40; ++i) {
    level = (*level->mutable_fields())["a"].mutable_struct_value();
  }
  const grpc::Status too_deep = StartWith(stub, deep);
  EXPECT_EQ(too_deep.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_deep.error_message(), HasSubstr("nested deeper than 32"));

  v1::StartCompileRequest labelled;
  labelled.set_flow_id("main-menu");
  for (int i = 0; i < 65; ++i) {
    (*labelled.mutable_labels())[absl::StrCat("k", i)] = "v";
  }
  const grpc::Status too_many = StartWith(stub, labelled);
  EXPECT_EQ(too_many.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_many.error_message(), HasSubstr("64"));

  v1::BatchStartCompilesRequest batch;
  for (int i = 0; i < 1001; ++i) batch.add_requests()->set_flow_id("f");
  auto batched = testing::BatchStartCompiles(stub, batch);
  ASSERT_FALSE(batched.ok());
  EXPECT_EQ(batched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(batched.status().message(), HasSubstr("1 to 1000"));
}

// A gateway started with `limit_flag`, a compile that runs for 20 s, and
// two watches of it open on a connection of their own.
class TwoWatchesOnOneConnection : public ::testing::Test {
 protected:
  void Open(const std::string& limit_flag) {
    testing::HarnessOptions options;
    options.server_args.push_back(limit_flag);
    options.sim_args = {"--queued-ms=300", "--in-progress-ms=20000"};
    auto gateway = testing::GatewayHarness::Start(options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    v1::StartCompileRequest request;
    request.set_flow_id("main-menu");
    auto started = testing::StartCompile(gateway_->stub(), request);
    ASSERT_TRUE(started.ok()) << started.status();
    name_ = started->name();
    stub_ = OwnConnection(gateway_->gateway_address(), 1);
    for (int i = 0; i < 2; ++i) {
      open_.push_back(Watch(*stub_, name_));
      v1::CompileEvent event;
      ASSERT_TRUE(open_.back()->reader->Read(&event));  // it is open
    }
  }

  std::unique_ptr<testing::GatewayHarness> gateway_;
  std::string name_;
  std::unique_ptr<v1::CompileService::Stub> stub_;
  std::vector<std::unique_ptr<OpenWatch>> open_;
};

TEST_F(TwoWatchesOnOneConnection,
       WatchesPerConnectionAreBoundedAndUnaryCallsStillGo) {
  ASSERT_NO_FATAL_FAILURE(Open("--max-watches-per-connection=2"));
  grpc::ClientContext third;
  v1::WatchCompileRequest request;
  request.set_name(name_);
  auto third_reader = stub_->WatchCompile(&third, request);
  v1::CompileEvent event;
  EXPECT_FALSE(third_reader->Read(&event));
  const grpc::Status refused = third_reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("--max-watches-per-connection 2"));
  // Unary calls on the same connection, and watches on another, still go.
  grpc::ClientContext get_context;
  v1::GetCompileRequest get;
  get.set_name(name_);
  v1::Compile compile;
  EXPECT_TRUE(stub_->GetCompile(&get_context, get, &compile).ok());
  auto other = OwnConnection(gateway_->gateway_address(), 2);
  auto elsewhere = Watch(*other, name_);
  EXPECT_TRUE(elsewhere->reader->Read(&event));
  // A watch closed gives its place back.
  open_.pop_back();
  EXPECT_TRUE(testing::WaitUntil([&] {
    auto again = Watch(*stub_, name_);
    return again->reader->Read(&event);
  }));
}

TEST_F(TwoWatchesOnOneConnection, StreamsPerConnectionAreCappedByHttp2Settings) {
  ASSERT_NO_FATAL_FAILURE(Open("--max-streams-per-connection=2"));
  // A third stream waits in the client for one of the two to end.
  grpc::ClientContext waiting;
  waiting.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(500));
  v1::GetCompileRequest get;
  get.set_name(name_);
  v1::Compile compile;
  EXPECT_EQ(stub_->GetCompile(&waiting, get, &compile).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  open_.pop_back();
  grpc::ClientContext after;
  after.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
  EXPECT_TRUE(stub_->GetCompile(&after, get, &compile).ok());
}

}  // namespace
}  // namespace cxone

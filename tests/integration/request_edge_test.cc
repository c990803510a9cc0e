// Requests the gateway cannot decode, sent as raw bytes to the real server:
// every method answers INVALID_ARGUMENT naming the problem, audits the call,
// and prints nothing but JSON lines.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cxone/compile/v1/compile.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::MustStart;
using ::cxone::testing::WaitUntil;
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

constexpr char kStart[] = "/cxone.compile.v1.CompileService/StartCompile";
constexpr char kGet[] = "/cxone.compile.v1.CompileService/GetCompile";
constexpr char kWatch[] = "/cxone.compile.v1.CompileService/WatchCompile";
constexpr char kList[] = "/cxone.compile.v1.WebhookService/ListDeadLetters";
constexpr char kReplay[] = "/cxone.compile.v1.WebhookService/ReplayDeadLetters";

grpc::ByteBuffer Bytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Calls unary `method` with `bytes` as the request.
grpc::Status RawUnary(GatewayHarness& gateway, const std::string& method,
                      const std::string& bytes) {
  grpc::GenericStub stub(grpc::CreateChannel(
      gateway.gateway_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, method, Bytes(bytes), &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, &status);
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

// Calls the server-streaming `method` with `bytes` as the request and reads
// to the end.
grpc::Status RawStream(GatewayHarness& gateway, const std::string& method,
                       const std::string& bytes) {
  grpc::GenericStub stub(grpc::CreateChannel(
      gateway.gateway_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(&context, method, &cq);
  void* tag = nullptr;
  bool ok = false;
  int step = 0;
  call->StartCall(&step);
  cq.Next(&tag, &ok);
  call->WriteLast(Bytes(bytes), grpc::WriteOptions(), &step);
  cq.Next(&tag, &ok);
  grpc::ByteBuffer message;
  do {
    call->Read(&message, &step);
    cq.Next(&tag, &ok);
  } while (ok);
  grpc::Status status;
  call->Finish(&status, &step);
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

// A StartCompileRequest whose directives nest `depth` objects deep.
std::string NestedDirectives(int depth) {
  google::protobuf::Value leaf;
  leaf.set_bool_value(true);
  for (int level = depth; level > 1; --level) {
    google::protobuf::Value wrapper;
    (*wrapper.mutable_struct_value()->mutable_fields())["d"] = leaf;
    leaf = wrapper;
  }
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  (*request.mutable_directives()->mutable_fields())["d"] = leaf;
  return request.SerializeAsString();
}

// The audit lines of `method` with `code`.
int AuditLines(GatewayHarness& gateway, const std::string& method,
               const std::string& code) {
  int count = 0;
  for (const std::string& line : gateway.server().Lines()) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("audit", "") == "rpc" &&
        parsed.value("method", "") == method &&
        parsed.value("code", "") == code) {
      ++count;
    }
  }
  return count;
}

struct BadRequest {
  const char* method;
  std::string bytes;
  const char* problem;  // what the message must say
};

TEST(RequestEdge, UndecodableRequestsAreInvalidArgumentNamingTheProblem) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  const std::string garbage("\xff\xff\xff\xff", 4);
  const std::vector<BadRequest> unary = {
      {kStart, garbage, "not a valid cxone.compile.v1.StartCompileRequest"},
      {kStart, std::string("\x0a\x02\xff\xfe", 4), "flow_id: not valid UTF-8"},
      {kStart, NestedDirectives(50),
       "directives.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d.d."
       "d.d.d: nested deeper than 32 levels of objects and arrays"},
      {kGet, garbage, "not a valid cxone.compile.v1.GetCompileRequest"},
      {kGet, std::string("\x0a\x01\xc0", 3), "name: not valid UTF-8"},
      {kList, garbage, "not a valid cxone.compile.v1.ListDeadLettersRequest"},
      {kList, std::string("\x0a\x03\x12\x01\xff", 5),
       "selector.compile: not valid UTF-8"},
      {kReplay, garbage,
       "not a valid cxone.compile.v1.ReplayDeadLettersRequest"},
  };
  for (const BadRequest& bad : unary) {
    grpc::Status status = RawUnary(*gateway, bad.method, bad.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.method << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.problem)) << bad.method;
  }
  const std::vector<BadRequest> streaming = {
      {kWatch, garbage, "not a valid cxone.compile.v1.WatchCompileRequest"},
      {kWatch, std::string("\x0a\x01\xff", 3), "name: not valid UTF-8"},
  };
  for (const BadRequest& bad : streaming) {
    grpc::Status status = RawStream(*gateway, bad.method, bad.bytes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.method << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(bad.problem)) << bad.method;
  }
  // The nesting the contract allows is decoded (and reaches CXone).
  EXPECT_TRUE(RawUnary(*gateway, kStart, NestedDirectives(32)).ok());

  // Every call is audited like any other.
  EXPECT_TRUE(WaitUntil([&] {
    return AuditLines(*gateway, kStart, "INVALID_ARGUMENT") == 3 &&
           AuditLines(*gateway, kGet, "INVALID_ARGUMENT") == 2 &&
           AuditLines(*gateway, kList, "INVALID_ARGUMENT") == 2 &&
           AuditLines(*gateway, kReplay, "INVALID_ARGUMENT") == 1 &&
           AuditLines(*gateway, kWatch, "INVALID_ARGUMENT") == 2;
  }));
  // And the server printed nothing but JSON (libprotobuf included).
  for (const std::string& line : gateway->server().Lines()) {
    EXPECT_TRUE(nlohmann::json::parse(line, nullptr, false).is_object())
        << line;
  }
}

}  // namespace
}  // namespace cxone

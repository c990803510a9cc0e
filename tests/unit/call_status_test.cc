// Specification of how the CLI names call failures and which ones a watch
// survives by reconnecting.
#include "client/call_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

TEST(DescribeStatus, CodeNameThenMessage) {
  EXPECT_EQ(DescribeStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "gone")),
            "NOT_FOUND: gone");
  EXPECT_EQ(DescribeStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")),
            "UNAVAILABLE");
  // A code outside the canonical set, as a peer may send (ASan+UBSan
  // refused the grpc::StatusCode that used to hold it: not a valid value).
  EXPECT_EQ(CodeName(42), "CODE_42");
  EXPECT_EQ(CodeName(-7), "CODE_-7");
}

TEST(IsRetryableWatchError, ConnectionAndGatewayFailuresAreRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::INTERNAL, grpc::StatusCode::UNKNOWN,
        grpc::StatusCode::CANCELLED, grpc::StatusCode::RESOURCE_EXHAUSTED}) {
    EXPECT_TRUE(IsRetryableWatchError(code)) << CodeName(code);
  }
}

TEST(IsRetryableWatchError, AnswersThatWouldRecurAreFinal) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::OK, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::FAILED_PRECONDITION, grpc::StatusCode::OUT_OF_RANGE,
        grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::UNIMPLEMENTED,
        grpc::StatusCode::ALREADY_EXISTS, grpc::StatusCode::ABORTED,
        grpc::StatusCode::DATA_LOSS}) {
    EXPECT_FALSE(IsRetryableWatchError(code)) << CodeName(code);
  }
}

}  // namespace
}  // namespace cxone::client

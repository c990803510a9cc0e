#include "common/json_log.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace cxone {
namespace {

// Everything written to a FILE*, read back as lines.
class CapturedFile {
 public:
  CapturedFile() : file_(std::tmpfile()) {}
  ~CapturedFile() { std::fclose(file_); }
  std::FILE* file() { return file_; }
  std::vector<std::string> Lines() {
    std::fflush(file_);
    std::rewind(file_);
    std::string text;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) {
      text.append(buffer, n);
    }
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }

 private:
  std::FILE* file_;
};

TEST(JsonLog, WritesOneJsonObjectPerLine) {
  CapturedFile out;
  testing::FakeClock clock(absl::FromUnixMillis(1'800'000'000'123));
  Redactor redactor;
  JsonLog log(out.file(), &clock, &redactor);
  log.Info("compile started", {{"compile", "flows/a/compiles/b"}, {"n", 3}});
  log.Error("boom");
  std::vector<std::string> lines = out.Lines();
  ASSERT_EQ(lines.size(), 2u);
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["level"], "info");
  EXPECT_EQ(first["msg"], "compile started");
  EXPECT_EQ(first["compile"], "flows/a/compiles/b");
  EXPECT_EQ(first["n"], 3);
  EXPECT_EQ(first["time"], "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["level"], "error");
}

TEST(JsonLog, RedactsSecretsInAnyField) {
  CapturedFile out;
  testing::FakeClock clock;
  Redactor redactor;
  redactor.AddPermanentSecret("tok-abc");
  JsonLog log(out.file(), &clock, &redactor);
  log.Warn("bad tok-abc", {{"header", "Bearer tok-abc"}});
  std::vector<std::string> lines = out.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find("tok-abc"), std::string::npos) << lines[0];
  EXPECT_EQ(nlohmann::json::parse(lines[0])["header"], "Bearer [REDACTED]");
}

TEST(JsonLog, FieldsCannotOverwriteTheEnvelope) {
  CapturedFile out;
  testing::FakeClock clock;
  Redactor redactor;
  JsonLog log(out.file(), &clock, &redactor);
  log.Info("real message", {{"msg", "forged"}, {"level", "error"}});
  nlohmann::json line = nlohmann::json::parse(out.Lines().at(0));
  EXPECT_EQ(line["msg"], "real message");
  EXPECT_EQ(line["level"], "info");
}

}  // namespace
}  // namespace cxone

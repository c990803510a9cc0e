// The gate's JUnit XML report: its shape and escaping here; a real consumer
// (junitparser) reads it in tests/integration/gate_test.cc.
#include "client/gate_junit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gate_fixtures.h"

namespace cxone::client {
namespace {

using ::testing::HasSubstr;
using testing::MixedRun;
using testing::RunInfo;

TEST(GateJunit, ASuiteForTheRunAndACaseForEachFlow) {
  const std::string xml = FormatJunit(MixedRun(), RunInfo(1));
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"cxone-compile gate r1\" "
                             "tests=\"4\" failures=\"1\" errors=\"2\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"cxone-compile.gate\" "
                             "name=\"broken-refs\" "
                             "file=\"flows/broken-refs.json\" time=\"3.000\">"));
  EXPECT_THAT(xml, HasSubstr("flows/broken-refs.json:16:14: error: reference: "
                             "node &quot;menu&quot;"));
  EXPECT_THAT(xml, HasSubstr("<error type=\"TIMED_OUT\""));
  EXPECT_THAT(xml, HasSubstr("<error type=\"UNKNOWN\" message=\"could not "
                             "start: NOT_FOUND: flow lost does not exist\"/>"));
  EXPECT_THAT(xml, HasSubstr("<system-out>flows/main-menu.json: warning: flow "
                             "has no name\n</system-out>"));
}

TEST(GateJunit, EscapesMarkupAndWhatXmlCannotHold) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(XmlEscape("tab\there\nok"), "tab\there\nok");
  EXPECT_EQ(XmlEscape(std::string("nul\0bell\a", 9)),
            "nul\xEF\xBF\xBD" "bell\xEF\xBF\xBD");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(XmlEscape("bad\xC3"), "bad\xEF\xBF\xBD");
  EXPECT_EQ(XmlEscape("\xED\xA0\x80"),  // a UTF-16 surrogate, as UTF-8
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace cxone::client

#include "simulator/json_locator.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::sim {
namespace {

using ::testing::HasSubstr;

JsonLocation At(int line, int column) { return {line, column}; }

// Parses text that must be valid.
JsonValue Parse(const std::string& text) {
  JsonParseResult result = ParseJsonWithLocations(text);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : JsonValue{};
}

// Parses text that must be invalid.
JsonSyntaxError Fail(const std::string& text) {
  JsonParseResult result = ParseJsonWithLocations(text);
  EXPECT_FALSE(result.ok()) << "parsed: " << text;
  return result.ok() ? JsonSyntaxError{} : result.error();
}

TEST(JsonLocator, RecordsWhereEveryValueBegins) {
  const JsonValue root = Parse(
      "{\n"
      "  \"name\": \"x\",\n"
      "  \"list\": [1, true, null,\n"
      "           {\"k\": -2.5e3}]\n"
      "}\n");
  ASSERT_TRUE(root.is_object());
  EXPECT_EQ(root.location, At(1, 1));
  ASSERT_EQ(root.members.size(), 2u);
  EXPECT_EQ(root.members[0].key, "name");
  EXPECT_EQ(root.members[0].key_location, At(2, 3));
  EXPECT_EQ(root.members[0].value.location, At(2, 11));
  EXPECT_EQ(root.members[0].value.text, "x");

  const JsonValue* list = root.Find("list");
  ASSERT_NE(list, nullptr);
  ASSERT_TRUE(list->is_array());
  EXPECT_EQ(list->location, At(3, 11));
  ASSERT_EQ(list->items.size(), 4u);
  EXPECT_EQ(list->items[0].location, At(3, 12));
  EXPECT_EQ(list->items[0].number, 1);
  EXPECT_EQ(list->items[1].location, At(3, 15));
  EXPECT_TRUE(list->items[1].boolean);
  EXPECT_EQ(list->items[2].location, At(3, 21));
  EXPECT_TRUE(list->items[2].is_null());
  EXPECT_EQ(list->items[3].location, At(4, 12));
  const JsonValue* k = list->items[3].Find("k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->location, At(4, 18));
  EXPECT_EQ(k->number, -2500);
  EXPECT_EQ(k->text, "-2.5e3");
}

TEST(JsonLocator, CountsColumnsInCodePointsNotBytes) {
  // "é" is two bytes and "😀" four; each is one column.
  const JsonValue root = Parse("[\"é😀\", 7]");
  ASSERT_EQ(root.items.size(), 2u);
  EXPECT_EQ(root.items[0].text, "é😀");
  EXPECT_EQ(root.items[1].location, At(1, 8));
}

TEST(JsonLocator, CountsCrLfAsOneLineBreak) {
  const JsonValue root = Parse("{\r\n  \"a\": 1\r\n}");
  ASSERT_EQ(root.members.size(), 1u);
  EXPECT_EQ(root.members[0].value.location, At(2, 8));
}

TEST(JsonLocator, SkipsByteOrderMarkWithoutAColumn) {
  const JsonValue root = Parse("\xEF\xBB\xBF[1]");
  EXPECT_EQ(root.location, At(1, 1));
  EXPECT_EQ(root.items[0].location, At(1, 2));
}

TEST(JsonLocator, DecodesEscapesAndSurrogatePairs) {
  const JsonValue root =
      Parse(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\ud83d\ude00"])");
  EXPECT_EQ(root.items[0].text, "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(root.items[1].text, "é😀");
}

TEST(JsonLocator, KeepsNumbersAsWritten) {
  const JsonValue root = Parse("[12345678901234567890, 0, -0.5, 1E+2]");
  EXPECT_EQ(root.items[0].text, "12345678901234567890");
  EXPECT_EQ(root.items[2].number, -0.5);
  EXPECT_EQ(root.items[3].number, 100);
}

TEST(JsonLocator, FindReturnsTheLastOfDuplicatedKeys) {
  const JsonValue root = Parse(R"({"a": 1, "a": 2})");
  ASSERT_EQ(root.members.size(), 2u);
  EXPECT_EQ(root.Find("a")->number, 2);
  EXPECT_EQ(root.Find("b"), nullptr);
}

TEST(JsonLocator, ReportsMissingCommaInObjectAtFollowingToken) {
  const JsonSyntaxError error = Fail(
      "{\n"
      "  \"a\": 1\n"
      "  \"b\": 2\n"
      "}");
  EXPECT_EQ(error.location, At(3, 3));
  EXPECT_EQ(error.message,
            "expected ',' or '}' after an object member, found a string "
            "(missing ','?)");
}

TEST(JsonLocator, ReportsMissingCommaInArrayAtFollowingToken) {
  const JsonSyntaxError error = Fail("[1, 2 3]");
  EXPECT_EQ(error.location, At(1, 7));
  EXPECT_EQ(error.message,
            "expected ',' or ']' after an array element, found a number "
            "(missing ','?)");
}

TEST(JsonLocator, ReportsUnexpectedEndJustPastTheLastCharacter) {
  EXPECT_EQ(Fail("{\"a\": 1").location, At(1, 8));
  EXPECT_EQ(Fail("{\n  \"a\": [1,").location, At(2, 11));
  // A trailing newline is a character too: the end is on the next line.
  EXPECT_EQ(Fail("{\n  \"a\": [1,\n").location, At(3, 1));
  const JsonSyntaxError error = Fail("[\"abc");
  EXPECT_EQ(error.location, At(1, 6));
  EXPECT_THAT(error.message, HasSubstr("end of input inside a string"));
}

TEST(JsonLocator, ReportsEmptyInputAtLineOneColumnOne) {
  const JsonSyntaxError error = Fail("");
  EXPECT_EQ(error.location, At(1, 1));
  EXPECT_EQ(error.message, "unexpected end of input: expected a JSON value");
  EXPECT_EQ(Fail("  \n ").location, At(2, 2));
}

TEST(JsonLocator, ReportsStringErrorsAtTheOpeningQuote) {
  JsonSyntaxError error = Fail("[1, \"ab\\qc\"]");
  EXPECT_EQ(error.location, At(1, 5));
  EXPECT_EQ(error.message, "string has an invalid escape '\\q'");

  error = Fail("{\"a\": \"line\nbreak\"}");
  EXPECT_EQ(error.location, At(1, 7));
  EXPECT_THAT(error.message, HasSubstr("control character U+000A"));

  EXPECT_EQ(Fail("[\"\\u12G4\"]").location, At(1, 2));
  EXPECT_EQ(Fail("[\"\\ud83d\"]").message,
            "string has an unpaired UTF-16 high surrogate");
  EXPECT_EQ(Fail("[\"\\ude00\"]").message,
            "string has an unpaired UTF-16 low surrogate");
  error = Fail("[0, \"\xC3\x28\"]");
  EXPECT_EQ(error.location, At(1, 5));
  EXPECT_EQ(error.message, "string is not valid UTF-8");
}

TEST(JsonLocator, ReportsInvalidNumbersWhole) {
  JsonSyntaxError error = Fail("[1, 01]");
  EXPECT_EQ(error.location, At(1, 5));
  EXPECT_EQ(error.message, "invalid number '01'");
  EXPECT_EQ(Fail("[1.]").message, "invalid number '1.'");
  EXPECT_EQ(Fail("[-]").message, "invalid number '-'");
  EXPECT_EQ(Fail("[1e]").message, "invalid number '1e'");
  EXPECT_EQ(Fail("[12abc]").message, "invalid number '12abc'");
}

TEST(JsonLocator, ReportsInvalidLiterals) {
  const JsonSyntaxError error = Fail("{\"a\": tru}");
  EXPECT_EQ(error.location, At(1, 7));
  EXPECT_EQ(error.message,
            "invalid literal 'tru' (expected true, false or null)");
  EXPECT_EQ(Fail("[nulls]").message,
            "invalid literal 'nulls' (expected true, false or null)");
}

TEST(JsonLocator, ReportsStructuralMistakesAtTheOffendingToken) {
  JsonSyntaxError error = Fail("[1, 2,]");
  EXPECT_EQ(error.location, At(1, 7));
  EXPECT_EQ(error.message, "expected an array element, found ']'");

  error = Fail("{\"a\": 1,}");
  EXPECT_EQ(error.location, At(1, 9));
  EXPECT_EQ(error.message,
            "expected a member name (a string in double quotes), found '}'");

  error = Fail("{a: 1}");
  EXPECT_EQ(error.location, At(1, 2));
  EXPECT_EQ(error.message,
            "expected a member name (a string in double quotes), found 'a'");

  error = Fail("{\"a\" 1}");
  EXPECT_EQ(error.location, At(1, 6));
  EXPECT_EQ(error.message,
            "expected ':' after member name \"a\", found a number");

  error = Fail("{\"a\": }");
  EXPECT_EQ(error.location, At(1, 7));
  EXPECT_EQ(error.message, "expected a value for member \"a\", found '}'");
}

TEST(JsonLocator, RejectsContentAfterTheValue) {
  const JsonSyntaxError error = Fail("{}\n  {}");
  EXPECT_EQ(error.location, At(2, 3));
  EXPECT_EQ(error.message, "unexpected '{' after the end of the JSON value");
}

TEST(JsonLocator, DescribesNonPrintableBytes) {
  const JsonSyntaxError error = Fail("[\x01]");
  EXPECT_EQ(error.location, At(1, 2));
  EXPECT_EQ(error.message, "expected an array element, found byte 0x01");
}

TEST(JsonLocator, AcceptsNestingUpToTheLimit) {
  const std::string text =
      std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJsonWithLocations(text).ok());
}

TEST(JsonLocator, RejectsDeeperNestingWithoutExhaustingTheStack) {
  const std::string text(1'000'000, '[');
  const JsonSyntaxError error = Fail(text);
  EXPECT_EQ(error.location, At(1, kMaxJsonDepth + 1));
  EXPECT_THAT(error.message, HasSubstr("nested deeper than"));
}

}  // namespace
}  // namespace cxone::sim

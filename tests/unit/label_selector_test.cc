#include "common/label_selector.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// As a std::string, which gmock's string matchers take and print readably.
std::string MessageOf(const absl::Status& status) {
  return std::string(status.message());
}

// The selector `text` parses to; fails the test if it does not parse.
LabelSelector MustParse(absl::string_view text) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(text);
  EXPECT_TRUE(selector.ok()) << text << ": " << selector.status();
  return selector.ok() ? *selector : LabelSelector();
}

// `count` comma-separated items `{stem}{i}`.
std::string Numbered(absl::string_view stem, size_t count) {
  std::vector<std::string> items;
  for (size_t i = 0; i < count; ++i) items.push_back(absl::StrCat(stem, i));
  return absl::StrJoin(items, ",");
}

TEST(LabelSelector, EmptyTextMatchesEverything) {
  for (const char* text : {"", " ", " \t\r\n "}) {
    LabelSelector selector = MustParse(text);
    EXPECT_TRUE(selector.empty()) << text;
    EXPECT_EQ(selector.ToString(), "") << text;
    EXPECT_TRUE(selector.Matches({})) << text;
    EXPECT_TRUE(selector.Matches({{"a", "b"}})) << text;
  }
}

TEST(LabelSelector, DefaultConstructedIsTheEmptySelector) {
  LabelSelector selector;
  EXPECT_TRUE(selector.empty());
  EXPECT_EQ(selector, MustParse(""));
  EXPECT_TRUE(selector.Matches({{"a", "b"}}));
  EXPECT_FALSE(MustParse("a").empty());
}

TEST(LabelSelector, ParsesEveryOperatorToItsCanonicalForm) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (const Case& c : std::vector<Case>{
           {"a=b", "a=b"},
           {"a==b", "a=b"},
           {" a = b ", "a=b"},
           {"a\t==\nb", "a=b"},
           {"a!=b", "a!=b"},
           {"a != b", "a!=b"},
           {"a in (x,y)", "a in (x,y)"},
           {"a in( y , x )", "a in (x,y)"},
           {"a notin (y,x)", "a notin (x,y)"},
           {"a", "a"},
           {"!a", "!a"},
           {"! a", "!a"},
           {"a=", "a="},
           {"a==", "a="},
           {"a!=", "a!="},
           {"a=,b", "a=,b"},
           {"example.com/team=ivr", "example.com/team=ivr"},
           {"A.b-c_9=V.1-x_2", "A.b-c_9=V.1-x_2"},
           {"a=in", "a=in"},
           {"a in (in,notin)", "a in (in,notin)"},
           {"in=x", "in=x"},
           {"notin", "notin"},
           {"in in (x,y)", "in in (x,y)"},
       }) {
    EXPECT_EQ(MustParse(c.text).ToString(), c.canonical) << c.text;
  }
}

TEST(LabelSelector, CanonicalFormSortsAndFoldsEquivalentSpellings) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (const Case& c : std::vector<Case>{
           {"b=1,a=2", "a=2,b=1"},
           {"!a,a,a notin (x,y),a in (x,y),a!=z,a=w",
            "a=w,a!=z,a in (x,y),a notin (x,y),a,!a"},
           {"a=c,a=b", "a=b,a=c"},
           {"a in (y,z),a in (x,z)", "a in (x,z),a in (y,z)"},
           {"a=b,a=b", "a=b"},
           {"a, a", "a"},
           {"a in (x,x,y)", "a in (x,y)"},
           {"a in (x)", "a=x"},
           {"a in (x,x)", "a=x"},
           {"a notin (x)", "a!=x"},
           {"a in (x),a==x", "a=x"},
           {"b.io/k,a.io/k", "a.io/k,b.io/k"},
       }) {
    EXPECT_EQ(MustParse(c.text).ToString(), c.canonical) << c.text;
  }
}

TEST(LabelSelector, EquivalentSpellingsCompareEqual) {
  EXPECT_EQ(MustParse("b in (2,1), a==x"), MustParse("a=x,b in (1,2)"));
  EXPECT_EQ(MustParse("a notin (x)"), MustParse("a!=x"));
  EXPECT_NE(MustParse("a=x"), MustParse("a!=x"));
  EXPECT_NE(MustParse("a in (x,y)"), MustParse("a notin (x,y)"));
  EXPECT_NE(MustParse("a"), MustParse("!a"));
  EXPECT_NE(MustParse("a=x"), MustParse("a=y"));
}

TEST(LabelSelector, ParsingTheCanonicalFormGivesTheSameSelector) {
  for (const char* text :
       {"", "a=b", "a==", "a!=b", "a in (x,y,z)", "a notin (y,x)", "a", "!a",
        "z,!y,x=1,x in (1,2),w.io/v notin (a,b)", "in in (in,notin),notin",
        "a in (x)", "a=b,a=b,a=c"}) {
    LabelSelector selector = MustParse(text);
    absl::StatusOr<LabelSelector> again =
        LabelSelector::Parse(selector.ToString());
    ASSERT_TRUE(again.ok()) << text << ": " << again.status();
    EXPECT_EQ(*again, selector) << text;
    EXPECT_EQ(again->ToString(), selector.ToString()) << text;
  }
}

TEST(LabelSelector, CopiesAreEqualAndIndependentOfTheOriginal) {
  LabelSelector original = MustParse("a=b,c");
  LabelSelector copy = original;
  EXPECT_EQ(copy, original);
  original = MustParse("d");
  EXPECT_EQ(copy.ToString(), "a=b,c");
  EXPECT_TRUE(copy.Matches({{"a", "b"}, {"c", ""}}));
}

TEST(LabelSelector, MatchesAsKubernetesDoes) {
  struct Case {
    const char* selector;
    Labels labels;
    bool matches;
  };
  for (const Case& c : std::vector<Case>{
           {"a=b", {{"a", "b"}}, true},
           {"a=b", {{"a", "c"}}, false},
           {"a=b", {}, false},
           {"a=b", {{"b", "b"}}, false},
           {"a==b", {{"a", "b"}, {"c", "d"}}, true},
           {"a!=b", {{"a", "b"}}, false},
           {"a!=b", {{"a", "c"}}, true},
           {"a!=b", {}, true},
           {"a in (b,c)", {{"a", "b"}}, true},
           {"a in (b,c)", {{"a", "c"}}, true},
           {"a in (b,c)", {{"a", "d"}}, false},
           {"a in (b,c)", {}, false},
           {"a notin (b,c)", {{"a", "b"}}, false},
           {"a notin (b,c)", {{"a", "c"}}, false},
           {"a notin (b,c)", {{"a", "d"}}, true},
           {"a notin (b,c)", {}, true},
           {"a", {{"a", ""}}, true},
           {"a", {{"a", "x"}}, true},
           {"a", {}, false},
           {"a", {{"b", "a"}}, false},
           {"!a", {}, true},
           {"!a", {{"b", "a"}}, true},
           {"!a", {{"a", ""}}, false},
           {"a=", {{"a", ""}}, true},
           {"a=", {{"a", "x"}}, false},
           {"a=", {}, false},
           {"a!=", {{"a", ""}}, false},
           {"a!=", {{"a", "x"}}, true},
           {"a!=", {}, true},
           {"a=b,c=d", {{"a", "b"}, {"c", "d"}}, true},
           {"a=b,c=d", {{"a", "b"}}, false},
           {"a=b,c=d", {{"c", "d"}}, false},
           {"a=b,a=c", {{"a", "b"}}, false},
           {"a=b,a=c", {{"a", "c"}}, false},
           {"a,a!=x", {{"a", "y"}}, true},
           {"a,a!=x", {{"a", "x"}}, false},
           {"a,a!=x", {}, false},
           {"a in (x,y),a notin (y)", {{"a", "x"}}, true},
           {"a in (x,y),a notin (y)", {{"a", "y"}}, false},
           {"example.com/team=ivr", {{"example.com/team", "ivr"}}, true},
           {"example.com/team=ivr", {{"team", "ivr"}}, false},
           {"A=b", {{"a", "b"}}, false},
           {"a=B", {{"a", "b"}}, false},
       }) {
    EXPECT_EQ(MustParse(c.selector).Matches(c.labels), c.matches)
        << c.selector << " on " << c.labels.size() << " labels";
  }
}

TEST(LabelSelector, NamesTheSelectorAndThePositionOfAnEmptyRequirement) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse("a=b,,c");
  EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
  EXPECT_EQ(selector.status().message(),
            "label selector \"a=b,,c\": empty requirement at position 4");
}

TEST(LabelSelector, RejectsMalformedTextNamingWhereAndWhy) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"a=b,", "empty requirement at position 4"},
           {",a", "empty requirement at position 0"},
           {",", "empty requirement at position 0"},
           {"a,,", "empty requirement at position 2"},
           {"a in (b", "'(' at position 5 is not closed"},
           {"a in (b,", "'(' at position 5 is not closed"},
           {"a in (", "'(' at position 5 is not closed"},
           {"a in b)", "expected '(' after \"in\" at position 5, found \"b\""},
           {"a notin",
            "expected '(' after \"notin\" at position 7, found the "
            "end"},
           {"a=b)", "')' at position 3 has no '(' to close"},
           {"a in (b))", "')' at position 8 has no '(' to close"},
           {"a in ()", "empty set \"()\" at position 5"},
           {"a in ( )", "empty set \"()\" at position 5"},
           {"a in (,b)", "empty value in the set at position 6"},
           {"a in (b,)", "empty value in the set at position 8"},
           {"a in (b,,c)", "empty value in the set at position 8"},
           {"a in (b c)",
            "expected ',' or ')' in the set at position 8, "
            "found \"c\""},
           {"a in ((b))", "expected a value at position 6, found \"(\""},
           {"a b", "after key \"a\" at position 2, found \"b\""},
           {"a (b)", "after key \"a\" at position 2, found \"(\""},
           {"a)b", "after key \"a\" at position 1, found \")\""},
           {"a=b c",
            "expected ',' or the end after a requirement at "
            "position 4, found \"c\""},
           {"a=b=c", "at position 3, found \"=\""},
           {"=b", "expected a key or '!' at position 0, found \"=\""},
           {"(a)", "expected a key or '!' at position 0, found \"(\""},
           {"!", "expected a key after '!' at position 1, found the end"},
           {"!!a", "expected a key after '!' at position 1, found \"!\""},
           {"!a=b", "after a requirement at position 2, found \"=\""},
           {"a=(b)", "expected a value after \"=\" at position 2, found \"(\""},
           {"a===b", "expected a value after \"==\" at position 3"},
           {"a!=!b", "expected a value after \"!=\" at position 3"},
       }) {
    absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(c.text);
    EXPECT_TRUE(absl::IsInvalidArgument(selector.status())) << c.text;
    EXPECT_THAT(MessageOf(selector.status()),
                HasSubstr(absl::StrCat("label selector \"", c.text, "\": ")))
        << c.text;
    EXPECT_THAT(MessageOf(selector.status()), HasSubstr(c.expected)) << c.text;
  }
}

TEST(LabelSelector, ValidatesKeysAndValuesWithTheLabelRules) {
  struct Case {
    std::string text;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"Foo/x=1",
            "at position 0, key \"Foo/x\" has an invalid prefix \"Foo\""},
           {"a,!Foo/x", "at position 3, key \"Foo/x\" has an invalid prefix"},
           {"a/b/c", "at position 0, key \"a/b/c\" has more than one '/'"},
           {"/a", "key \"/a\" has an empty prefix"},
           {"-a in (x)", "at position 0, key \"-a\" is invalid: a name must"},
           {std::string(64, 'k'), "it is 64 characters long"},
           {"a>1", "\">\" at byte 1 is not allowed"},
           {"a=-b", "at position 2, value \"-b\" is invalid"},
           {"a!=b/c", "at position 3, value \"b/c\" is invalid"},
           {"a in (x,-y)", "at position 8, value \"-y\" is invalid"},
           {"a notin (x,caf\xC3\xA9)", "\"\\xc3\" at byte 3 is not allowed"},
           {"a=b\x01", "\"\\x01\" at byte 1 is not allowed"},
           {"a=" + std::string(64, 'v'), "it is 64 characters long"},
       }) {
    absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(c.text);
    EXPECT_TRUE(absl::IsInvalidArgument(selector.status())) << c.text;
    EXPECT_THAT(MessageOf(selector.status()), HasSubstr(c.expected)) << c.text;
  }
  EXPECT_TRUE(
      LabelSelector::Parse(std::string(63, 'k') + "=" + std::string(63, 'v'))
          .ok());
}

TEST(LabelSelector, NeverPutsTheCallersControlBytesIntoTheMessage) {
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse("a=b\x1b[2J");
  EXPECT_FALSE(selector.ok());
  EXPECT_THAT(MessageOf(selector.status()), Not(HasSubstr("\x1b")));
  EXPECT_THAT(MessageOf(selector.status()), HasSubstr("\\x1b"));
}

TEST(LabelSelector, BoundsTheTextAt4096Bytes) {
  std::string longest =
      "a=b" + std::string(LabelSelector::kMaxTextBytes - 3, ' ');
  EXPECT_TRUE(LabelSelector::Parse(longest).ok());
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(longest + " ");
  EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
  EXPECT_THAT(MessageOf(selector.status()),
              HasSubstr("is 4097 bytes long; at most 4096 are allowed"));
}

TEST(LabelSelector, BoundsTheNumberOfRequirementsAt64) {
  std::string most = Numbered("k", LabelSelector::kMaxRequirements);
  EXPECT_EQ(MustParse(most).ToString().size(), most.size());
  absl::StatusOr<LabelSelector> selector =
      LabelSelector::Parse(Numbered("k", LabelSelector::kMaxRequirements + 1));
  EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
  EXPECT_THAT(MessageOf(selector.status()),
              HasSubstr("more than 64 requirements (the next is at position "));
}

TEST(LabelSelector, BoundsTheValuesOfASetAt64) {
  LabelSelector most = MustParse(absl::StrCat(
      "a in (", Numbered("v", LabelSelector::kMaxValuesPerSet), ")"));
  EXPECT_TRUE(most.Matches({{"a", "v63"}}));
  absl::StatusOr<LabelSelector> selector = LabelSelector::Parse(absl::StrCat(
      "a notin (", Numbered("v", LabelSelector::kMaxValuesPerSet + 1), ")"));
  EXPECT_TRUE(absl::IsInvalidArgument(selector.status()));
  EXPECT_THAT(MessageOf(selector.status()),
              HasSubstr("the set at position 8 has more than 64 values"));
}

}  // namespace
}  // namespace cxone

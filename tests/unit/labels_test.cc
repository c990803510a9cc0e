#include "common/labels.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// As a std::string, which gmock's string matchers take and print readably.
std::string MessageOf(const absl::Status& status) {
  return std::string(status.message());
}

// A valid prefix of `length` characters: a first part of 1 to 63 'a's, then
// ".{62 'a's}" as often as it takes, so that only the total length is at
// stake.
std::string PrefixOfLength(size_t length) {
  size_t first = (length - 1) % 63 + 1;
  std::string prefix(first, 'a');
  while (prefix.size() < length) prefix += "." + std::string(62, 'a');
  return prefix;
}

TEST(PrefixOfLength, BuildsValidPrefixesOfTheLengthAsked) {
  for (size_t length : {1, 63, 64, 65, 127, 253, 254}) {
    std::string prefix = PrefixOfLength(length);
    EXPECT_EQ(prefix.size(), length);
    EXPECT_NE(prefix.back(), '.') << prefix;
  }
}

TEST(ValidateLabelKey, AcceptsNamesOfTheAllowedAlphabet) {
  for (const std::string& key :
       {std::string("a"), std::string("Z"), std::string("0"),
        std::string("app"), std::string("a-b_c.d"), std::string("A9.z"),
        std::string("in"), std::string(63, 'x')}) {
    EXPECT_TRUE(ValidateLabelKey(key).ok()) << key;
  }
}

TEST(ValidateLabelKey, AcceptsPrefixedKeys) {
  for (const std::string& key :
       {std::string("example.com/name"), std::string("a/b"),
        std::string("k8s.io/Pipeline"), std::string("a-b.c-d9/e"),
        std::string("0.0/x"), PrefixOfLength(253) + "/" + std::string(63, 'n'),
        std::string(63, 'p') + "/n"}) {
    EXPECT_TRUE(ValidateLabelKey(key).ok()) << key;
  }
}

TEST(ValidateLabelKey, SaysWhichKeyAndWhichRuleForAnUppercasePrefix) {
  EXPECT_EQ(ValidateLabelKey("Pipeline/x").message(),
            "labels: key \"Pipeline/x\" has an invalid prefix \"Pipeline\": a "
            "prefix must be a lowercase DNS subdomain (a-z, 0-9, '-', '.'); "
            "\"P\" at byte 0 is not allowed");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateLabelKey("Pipeline/x")));
}

TEST(ValidateLabelKey, RejectsTheEmptyKey) {
  absl::Status status = ValidateLabelKey("");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(MessageOf(status), StartsWith("labels: key \"\" is empty: "));
}

TEST(ValidateLabelKey, RejectsMoreThanOneSlash) {
  for (const char* key : {"a/b/c", "a//b", "//", "example.com/a/"}) {
    absl::Status status = ValidateLabelKey(key);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << key;
    EXPECT_THAT(MessageOf(status), HasSubstr("has more than one '/'")) << key;
  }
}

TEST(ValidateLabelKey, RejectsAnEmptyPrefixOrName) {
  EXPECT_THAT(MessageOf(ValidateLabelKey("/a")),
              HasSubstr("key \"/a\" has an empty prefix before '/'"));
  EXPECT_THAT(MessageOf(ValidateLabelKey("/")),
              HasSubstr("key \"/\" has an empty prefix before '/'"));
  EXPECT_THAT(
      MessageOf(ValidateLabelKey("example.com/")),
      HasSubstr("key \"example.com/\" has an empty name after the '/'"));
}

TEST(ValidateLabelKey, BoundsTheNameAt63Characters) {
  EXPECT_TRUE(ValidateLabelKey(std::string(63, 'n')).ok());
  absl::Status status = ValidateLabelKey(std::string(64, 'n'));
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(MessageOf(status),
              StartsWith(absl::StrCat("labels: key \"", std::string(64, 'n'),
                                      "\" is invalid: a name must be")));
  EXPECT_THAT(MessageOf(status),
              HasSubstr("it is 64 characters long, and at most 63"));
  EXPECT_THAT(MessageOf(ValidateLabelKey("a.b/" + std::string(64, 'n'))),
              HasSubstr("it is 64 characters long"));
}

TEST(ValidateLabelKey, BoundsThePrefixAt253Characters) {
  EXPECT_TRUE(ValidateLabelKey(PrefixOfLength(253) + "/n").ok());
  absl::Status status = ValidateLabelKey(PrefixOfLength(254) + "/n");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(MessageOf(status), HasSubstr("has an invalid prefix"));
  EXPECT_THAT(MessageOf(status),
              HasSubstr("it is 254 characters long, and at most 253"));
}

TEST(ValidateLabelKey, BoundsEachPartOfThePrefixAt63Characters) {
  EXPECT_TRUE(ValidateLabelKey(std::string(63, 'p') + ".com/n").ok());
  absl::Status status = ValidateLabelKey(std::string(64, 'p') + ".com/n");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(MessageOf(status),
              HasSubstr("is 64 characters long, and a part is at most 63"));
}

TEST(ValidateLabelKey, RejectsNamesThatDoNotStartAndEndWithALetterOrDigit) {
  struct Case {
    const char* key;
    const char* expected;
  };
  for (const Case& c : std::vector<Case>{
           {"-a", "it starts with \"-\""},
           {"a-", "it ends with \"-\""},
           {".a", "it starts with \".\""},
           {"a.", "it ends with \".\""},
           {"_a", "it starts with \"_\""},
           {"a_", "it ends with \"_\""},
           {"-", "it starts with \"-\""},
           {"x/-a", "has an invalid name \"-a\""},
           {"x/a.", "it ends with \".\""},
       }) {
    absl::Status status = ValidateLabelKey(c.key);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.key;
    EXPECT_THAT(MessageOf(status),
                HasSubstr("starting and ending with a letter "
                          "or digit"))
        << c.key;
    EXPECT_THAT(MessageOf(status), HasSubstr(c.expected)) << c.key;
  }
}

TEST(ValidateLabelKey, RejectsPrefixPartsThatDoNotStartAndEndWellOrAreEmpty) {
  EXPECT_THAT(MessageOf(ValidateLabelKey("-a.com/x")),
              HasSubstr("its part \"-a\" starts with '-', and each part must "
                        "start and end with a letter or digit"));
  EXPECT_THAT(MessageOf(ValidateLabelKey("a.com-/x")),
              HasSubstr("its part \"com-\" ends with '-'"));
  for (const char* key : {"a..b/x", ".a/x", "a./x", "./x"}) {
    EXPECT_THAT(MessageOf(ValidateLabelKey(key)),
                HasSubstr("it has an empty part"))
        << key;
  }
}

TEST(ValidateLabelKey, RejectsCharactersOutsideTheAlphabetNamingTheByte) {
  struct Case {
    std::string key;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{
           {"a b", "\" \" at byte 1 is not allowed"},
           {"a\nb", "\"\\x0a\" at byte 1 is not allowed"},
           {"a\tb", "\"\\x09\" at byte 1"},
           {std::string("a\0b", 3), "\"\\x00\" at byte 1"},
           {"caf\xC3\xA9", "\"\\xc3\" at byte 3"},
           {"a\xE2\x80\xAE"
            "b",
            "\"\\xe2\" at byte 1"},
           {"a:b", "\":\" at byte 1"},
           {"a_b.c/x", "has an invalid prefix \"a_b.c\""},
           {"a_b.c/x", "\"_\" at byte 1"},
           {"ex ample.com/x", "\" \" at byte 2"},
       }) {
    absl::Status status = ValidateLabelKey(c.key);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.key;
    EXPECT_THAT(MessageOf(status), HasSubstr(c.expected)) << c.key;
  }
}

TEST(ValidateLabelKey, NeverPutsTheCallersControlBytesIntoTheMessage) {
  absl::Status status = ValidateLabelKey("x\n{\"level\":\"forged\"}");
  EXPECT_THAT(MessageOf(status), Not(HasSubstr("\n")));
  EXPECT_THAT(MessageOf(status), HasSubstr("\\x0a"));
}

TEST(ValidateLabelKeySyntax, NamesTheKeyButNotTheField) {
  EXPECT_THAT(MessageOf(ValidateLabelKeySyntax("Pipeline/x")),
              StartsWith("key \"Pipeline/x\" has an invalid prefix"));
  EXPECT_TRUE(ValidateLabelKeySyntax("example.com/x").ok());
}

TEST(ValidateLabelValue, AcceptsEmptyAndTheAllowedAlphabet) {
  for (const std::string& value :
       {std::string(""), std::string("v"), std::string("3f2a9c"),
        std::string("v1.2-3_rc"), std::string("In"), std::string(63, 'v')}) {
    EXPECT_TRUE(ValidateLabelValue("k", value).ok()) << value;
  }
}

TEST(ValidateLabelValue, SaysWhichKeyAndWhichRule) {
  absl::Status status = ValidateLabelValue("commit", "3f2a 9c");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_EQ(status.message(),
            "labels[\"commit\"]: value \"3f2a 9c\" is invalid: a value must "
            "be empty or 1 to 63 characters of A-Z, a-z, 0-9, '-', '_' and "
            "'.', starting and ending with a letter or digit; \" \" at byte 4 "
            "is not allowed");
}

TEST(ValidateLabelValue, BoundsTheValueAt63Characters) {
  EXPECT_TRUE(ValidateLabelValue("k", std::string(63, 'v')).ok());
  absl::Status status = ValidateLabelValue("k", std::string(64, 'v'));
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(MessageOf(status),
              HasSubstr("it is 64 characters long, and at most 63"));
}

TEST(ValidateLabelValue, RejectsBadEdgesSlashesUnicodeAndControlCharacters) {
  for (const char* value : {"-v", "v-", ".v", "v.", "_v", "v_", "a/b", "a=b",
                            "a,b", "caf\xC3\xA9", "a\x01", "a\x7f", "a\r"}) {
    absl::Status status = ValidateLabelValue("k", value);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << value;
    EXPECT_THAT(MessageOf(status), StartsWith("labels[\"k\"]: value "))
        << value;
  }
}

TEST(ValidateLabelValue, QuotesAHostileKeySafely) {
  EXPECT_THAT(MessageOf(ValidateLabelValue("a\nb", "-")),
              StartsWith("labels[\"a\\x0ab\"]: value \"-\" is invalid"));
}

TEST(ValidateLabelValueSyntax, NamesTheValueButNotTheField) {
  EXPECT_THAT(MessageOf(ValidateLabelValueSyntax("-v")),
              StartsWith("value \"-v\" is invalid: "));
  EXPECT_TRUE(ValidateLabelValueSyntax("").ok());
}

// `count` valid labels "k00", "k01", … with value "v".
Labels NumberedLabels(size_t count) {
  Labels labels;
  for (size_t i = 0; i < count; ++i) {
    labels[absl::StrFormat("k%02d", i)] = "v";
  }
  return labels;
}

TEST(ValidateLabels, AcceptsNoLabelsAndUpTo64) {
  EXPECT_TRUE(ValidateLabels({}).ok());
  EXPECT_TRUE(ValidateLabels({{"pipeline", "nightly"}, {"a.b/c", ""}}).ok());
  EXPECT_TRUE(ValidateLabels(NumberedLabels(kMaxLabels)).ok());
}

TEST(ValidateLabels, Rejects65Labels) {
  absl::Status status = ValidateLabels(NumberedLabels(kMaxLabels + 1));
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_EQ(status.message(),
            "labels: 65 labels given; at most 64 are allowed per compile");
}

// 64 valid labels of 256 bytes each (a 189-byte prefix, '/', a 3-byte name,
// a 63-byte value): exactly kMaxLabelBytes.
Labels LabelsOfTheMostBytes() {
  Labels labels;
  for (size_t i = 0; i < 64; ++i) {
    labels[absl::StrFormat("%s/n%02d", PrefixOfLength(189), i)] =
        std::string(63, 'v');
  }
  return labels;
}

TEST(ValidateLabels, BoundsTheBytesOfKeysAndValuesTogether) {
  Labels labels = LabelsOfTheMostBytes();
  size_t total = 0;
  for (const auto& [key, value] : labels) total += key.size() + value.size();
  ASSERT_EQ(total, kMaxLabelBytes);
  EXPECT_TRUE(ValidateLabels(labels).ok());

  labels.erase(labels.begin());
  labels[PrefixOfLength(189) + "/n99x"] = std::string(63, 'v');  // 1 byte more
  absl::Status status = ValidateLabels(labels);
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_EQ(status.message(),
            "labels: keys and values total 16385 bytes; at most 16384 are "
            "allowed per compile");
}

TEST(ValidateLabels, ReportsTheFirstBadKeyInKeyOrder) {
  EXPECT_THAT(MessageOf(ValidateLabels(
                  {{"good", "v"}, {"Pipeline/x", "v"}, {"z-", ""}})),
              StartsWith("labels: key \"Pipeline/x\" has an invalid prefix"));
}

TEST(ValidateLabels, ReportsABadValueUnderItsKey) {
  EXPECT_THAT(
      MessageOf(ValidateLabels({{"branch", "main"}, {"commit", "3f2a 9c"}})),
      StartsWith("labels[\"commit\"]: value \"3f2a 9c\" is invalid: "));
}

TEST(ValidateLabels, ChecksTheLimitsBeforeTheLabels) {
  Labels labels = NumberedLabels(kMaxLabels + 1);
  labels["Bad/key"] = "-";
  EXPECT_THAT(MessageOf(ValidateLabels(labels)), HasSubstr("66 labels given"));
  EXPECT_THAT(
      MessageOf(ValidateLabels({{std::string(kMaxLabelBytes + 1, '-'), ""}})),
      HasSubstr("total 16385 bytes"));
}

}  // namespace
}  // namespace cxone

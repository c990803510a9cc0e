// A label selector: a filter over labels (common/labels.h) in Kubernetes'
// syntax, such as `pipeline=nightly,team in (ivr,billing),!draft`.
//
// The text is requirements separated by ','; whitespace between tokens is
// ignored. A selector matches labels that meet every requirement:
//   key=value, key==value   the label is present with that value
//   key!=value              the label is absent or has another value
//   key in (v1,v2)          the label is present with one of the values
//   key notin (v1,v2)       the label is absent or has none of the values
//   key                     the label is present
//   !key                    the label is absent
// Keys and values follow the rules of labels.h; after = and != the value may
// be empty (`key=` matches an empty value), in a set it may not. The empty
// text is the selector that matches everything. Several requirements may
// name the same key; they all apply. A key spelled `in` or `notin` is a key
// where a key is expected (Kubernetes refuses it).
//
// ToString() writes a canonical form, so that selectors that differ only in
// spelling (whitespace, `==`, the order of requirements or of values, a
// value or requirement given twice, a set of one value) print the same and
// compare equal. Selectors that are equivalent only by logic (`a=b,a` and
// `a=b`) are not made equal.
//
// Thread-safety: a value type; const methods may be called concurrently.
#ifndef CXONE_COMMON_LABEL_SELECTOR_H_
#define CXONE_COMMON_LABEL_SELECTOR_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/labels.h"

namespace cxone {

class LabelSelector {
 public:
  // Limits on what Parse accepts: a filter is parsed on every List call, so
  // its cost is bounded.
  static constexpr size_t kMaxTextBytes = 4096;
  static constexpr size_t kMaxRequirements = 64;
  static constexpr size_t kMaxValuesPerSet = 64;

  // The selector that matches all labels (as Parse("") does).
  LabelSelector() = default;

  // Parses `text` in the syntax above. InvalidArgument otherwise, quoting
  // the text and naming the byte position (0-based) of the problem and the
  // rule it breaks:
  //   label selector "a=b,,c": empty requirement at position 4
  static absl::StatusOr<LabelSelector> Parse(absl::string_view text);

  // Whether `labels` meet every requirement.
  bool Matches(const Labels& labels) const;

  // Whether this is the selector that matches everything.
  bool empty() const { return requirements_.empty(); }

  // The canonical form: requirements sorted by key, then in the order of the
  // table above, then by values, joined by ','; sets sorted, `key in (a,b)`
  // with no spaces inside the parentheses; a set of one value written with
  // = or !=. "" for the empty selector. Parse(ToString()) equals *this.
  std::string ToString() const;

  // Equal when the canonical forms are.
  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;

 private:
  // In the order ToString sorts them by.
  enum class Operator { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists };

  struct Requirement {
    std::string key;
    Operator op;
    // Sorted, without duplicates: one value for kEquals and kNotEquals, two
    // or more for kIn and kNotIn, none for kExists and kNotExists.
    std::vector<std::string> values;

    bool Matches(const Labels& labels) const;
    std::string ToString() const;
    friend auto operator<=>(const Requirement&, const Requirement&) = default;
  };

  class Parser;

  // Sorted, without duplicates.
  std::vector<Requirement> requirements_;
};

}  // namespace cxone

#endif  // CXONE_COMMON_LABEL_SELECTOR_H_

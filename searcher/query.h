// The parsed form of a query (see searcher/query_parser.h for the language). Words are kept raw:
// the weight layer analyzes them with the index's analyzer.
#ifndef TRAWL_SEARCHER_QUERY_H_
#define TRAWL_SEARCHER_QUERY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trawl {

struct QueryNode {
  enum class Kind {
    kTerm,
    kPhrase,
    kPrefix,
    kBoolean,
    kMatchAll,
    kFuzzy,     // word~N: terms within N edits
    kWildcard,  // te?t, *ing, a*b*c
    kRange,     // field:[lower TO upper], field:>=x and the like (typed fields)
    kExists,    // field:* (typed fields)
  };
  enum class Occur { kMust, kShould, kMustNot };
  struct Clause {
    Occur occur = Occur::kShould;
    std::unique_ptr<QueryNode> node;
  };
  Kind kind = Kind::kMatchAll;
  // Empty: every text field. Only leaves (every kind but kBoolean) carry a field: the parser
  // pushes `field:(a b)` down onto each leaf, so the executor never has to inherit one.
  std::string field;
  // Raw, i.e. unescaped but not yet analyzed. kTerm and kFuzzy: the word; kPhrase: the text
  // between the quotes; kPrefix: the prefix without '*'; kWildcard: the pattern, in which '*' and
  // '?' are wildcards and a backslash makes the next '*', '?' or '\\' literal.
  std::string text;
  uint32_t slop = 0;       // kPhrase
  uint32_t max_edits = 2;  // kFuzzy: 0, 1 or 2
  // kRange: the bounds' raw text (empty: open) and whether each includes its value. An open end
  // is always marked inclusive, so that one range has one tree.
  std::string lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
  // Leaves only: the parser pushes `(a b)^2` down onto each leaf multiplicatively, as it pushes
  // fields, so only leaf weights scale their scores. Finite and non-negative.
  double boost = 1;
  std::vector<Clause> clauses;  // kBoolean

  // A canonical, re-parseable form: (+a +b -c d), title:"x y"~2, pre*, w~1, te?t^2,
  // price:{10 TO *]. For any tree the parser
  // produces, parsing ToString() yields the same tree.
  std::string ToString() const;

 private:
  std::string ToStringUnboosted() const;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_H_

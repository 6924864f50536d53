// The parsed form of a query (see searcher/query_parser.h for the language). Words are kept raw:
// the weight layer analyzes them with the index's analyzer.
#ifndef TRAWL_SEARCHER_QUERY_H_
#define TRAWL_SEARCHER_QUERY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trawl/query.h"
#include "trawl/status.h"

namespace trawl {

// The parser's fixed limits, which trees built in code keep too (ValidateQuery); the ones a
// caller may change are QueryLimits (trawl/query.h). A tree, in which an AND chain adds a
// level, may be kTreeDepthPerParenthesis times QueryLimits::max_depth deep.
inline constexpr size_t kTreeDepthPerParenthesis = 4;
inline constexpr uint32_t kMaxQuerySlop = 1000;
inline constexpr uint32_t kMaxQueryEdits = 2;  // beyond two edits almost every short term matches

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
    // A bag of words, built in code only (trawl::Query::Match): every term the field's analyzer
    // finds in `text` is an optional term. ExpandMatches (searcher/weight.h) turns it into a
    // kBoolean of kTerm before a weight is made.
    kMatch,
    // An indexed term, taken as it is (trawl::Query::IndexedTerm, `field:=term`): not analyzed,
    // for programs that analyze their own text. Always of one field.
    kIndexedTerm,
  };
  // kFilter, built in code only: required, but adds nothing to the score (Lucene's FILTER).
  enum class Occur { kMust, kShould, kMustNot, kFilter };
  struct Clause {
    Occur occur = Occur::kShould;
    std::unique_ptr<QueryNode> node;
  };
  Kind kind = Kind::kMatchAll;
  // Empty: every text field. Only leaves (every kind but kBoolean) carry a field: the parser
  // pushes `field:(a b)` down onto each leaf, so the executor never has to inherit one.
  std::string field;
  // Raw, i.e. unescaped but not yet analyzed. kTerm and kFuzzy: the word; kIndexedTerm: the
  // term, never analyzed; kPhrase: the text
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
  // Where the clause starts in the query text, in UTF-8 code points from 1, for errors that
  // concern one clause (a limit it exceeds); 0 in a tree built in code.
  uint32_t column = 0;

  // A canonical, re-parseable form: (+a +b -c d), title:"x y"~2, pre*, w~1, te?t^2,
  // price:{10 TO *], title:="run". For any tree the parser
  // produces, parsing ToString() yields the same tree. What the language cannot say prints as
  // Lucene prints it: a filter clause as #clause, a bag of words as its words in parentheses.
  std::string ToString() const;
  // A deep copy.
  std::unique_ptr<QueryNode> Clone() const;

 private:
  std::string ToStringUnboosted() const;
};

// OK when `query` keeps the limits the parser keeps (boosts finite and >= 0, slop at most 1000,
// at most 2 edits, at most kTreeDepthPerParenthesis * limits.max_depth deep, at most
// limits.max_clauses clauses), as a tree built in code may not; InvalidArgument naming the
// first clause that does not otherwise. Also refuses limits out of range (a max_depth over
// QueryLimits::kMaxDepthCeiling).
Status ValidateQuery(const QueryNode& query, const QueryLimits& limits = QueryLimits());

// InvalidArgument for a query past one of its QueryLimits:
//   "at column C: <what>, the <limit> limit (raise it with --<limit as a flag>)"
// without the column when `column` is 0. `limit` is the QueryLimits member ("max_depth").
Status QueryLimitError(uint32_t column, const std::string& what, const std::string& limit);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_H_

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
  enum class Kind { kTerm, kPhrase, kPrefix, kBoolean, kMatchAll };
  enum class Occur { kMust, kShould, kMustNot };
  struct Clause {
    Occur occur = Occur::kShould;
    std::unique_ptr<QueryNode> node;
  };
  Kind kind = Kind::kMatchAll;
  // Empty: every text field. Only leaves (kTerm, kPhrase, kPrefix) carry a field: the parser
  // pushes `field:(a b)` down onto each leaf, so the executor never has to inherit one.
  std::string field;
  // Raw, i.e. unescaped but not yet analyzed. kTerm: the word; kPhrase: the text between the
  // quotes; kPrefix: the prefix without '*'.
  std::string text;
  uint32_t slop = 0;            // kPhrase
  std::vector<Clause> clauses;  // kBoolean

  // A canonical, re-parseable form: (+a +b -c d), title:"x y"~2, pre*. For any tree the parser
  // produces, parsing ToString() yields the same tree.
  std::string ToString() const;
};

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_H_

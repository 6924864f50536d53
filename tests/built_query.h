// A parsed query rebuilt through the public builders of trawl/query.h only, so tests can run
// the same query both ways.
#ifndef TRAWL_TESTS_BUILT_QUERY_H_
#define TRAWL_TESTS_BUILT_QUERY_H_

#include "searcher/query.h"
#include "trawl/query.h"

namespace trawl {

inline Query BuiltQuery(const QueryNode& q) {
  using Kind = QueryNode::Kind;
  Query out;
  switch (q.kind) {
    case Kind::kTerm: out = Query::Term(q.field, q.text); break;
    case Kind::kIndexedTerm: out = Query::IndexedTerm(q.field, q.text); break;
    case Kind::kPhrase: out = Query::Phrase(q.field, q.text, q.slop); break;
    case Kind::kPrefix: out = Query::Prefix(q.field, q.text); break;
    case Kind::kFuzzy: out = Query::Fuzzy(q.field, q.text, q.max_edits); break;
    case Kind::kWildcard: out = Query::Wildcard(q.field, q.text); break;
    case Kind::kRange:
      out = Query::Range(q.field, q.lower, q.upper, q.lower_inclusive, q.upper_inclusive);
      break;
    case Kind::kExists: out = Query::Exists(q.field); break;
    case Kind::kMatchAll: out = Query::MatchAll(); break;
    case Kind::kMatch: out = Query::Match(q.field, q.text); break;
    case Kind::kBoolean:
      out = Query::Boolean();
      for (const QueryNode::Clause& clause : q.clauses) {
        const Query c = BuiltQuery(*clause.node);
        switch (clause.occur) {
          case QueryNode::Occur::kMust: out = out.Must(c); break;
          case QueryNode::Occur::kShould: out = out.Should(c); break;
          case QueryNode::Occur::kMustNot: out = out.MustNot(c); break;
          case QueryNode::Occur::kFilter: out = out.Filter(c); break;
        }
      }
      return out;
  }
  return q.boost != 1 ? out.Boost(q.boost) : out;
}

}  // namespace trawl

#endif  // TRAWL_TESTS_BUILT_QUERY_H_

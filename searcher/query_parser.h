// The Lucene-like query language:
//
//   word  "exact phrase"  "phrase with slop"~N  pref*  te?t  *ing  word~  word~1  *  *:*
//   field:word  field:"phrase"  field:(a b)  field:*  field:[a TO b]  field:{a TO *]  field:>=a
//   word^2  "phrase"^3  (a b)^0.5
//   a AND b  a && b  a OR b  a || b  a b (= a OR b)  NOT a  !a  +must  -mustnot  ( ... )
//
// Boosts are pushed down onto the leaves, multiplied; a range needs a field; `>`/`<` are
// comparisons only right after `field:`. docs/query-language.md describes each form.
// Precedence, loosest first: OR (and juxtaposition), AND, the unary modifiers. Keywords count
// only in upper case. A backslash escapes the next character. '+', '-' and '!' are modifiers
// only at the start of a clause (e-mail is one word); '+' and '-' must touch their clause.
#ifndef TRAWL_SEARCHER_QUERY_PARSER_H_
#define TRAWL_SEARCHER_QUERY_PARSER_H_

#include <memory>
#include <string>
#include <string_view>

#include "searcher/query.h"
#include "trawl/status.h"

namespace trawl {

// Parses `query`. On a syntax error returns InvalidArgument such as
// "syntax error at column 7: expected ')'" (columns count UTF-8 code points from 1) and leaves
// *out null; past `limits` (max_query_bytes, max_depth, max_clauses) InvalidArgument as
// QueryLimits (trawl/query.h) describes. Leaves carry their column (QueryNode::column).
Status ParseQuery(std::string_view query, const QueryLimits& limits,
                  std::unique_ptr<QueryNode>* out);
// The same with the default limits.
Status ParseQuery(std::string_view query, std::unique_ptr<QueryNode>* out);

// OK when `text` (a query or a filter; `what` names it in the error) is within
// limits.max_query_bytes.
Status CheckQueryBytes(std::string_view text, const QueryLimits& limits, const char* what);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_PARSER_H_

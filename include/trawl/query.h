// Query: a query built in code, for Searcher::Search and Searcher::Count, instead of a string
// in the query language (docs/query-language.md). Text given to a builder is taken literally:
// no character of it is query syntax, so a program combines a user's text with its own clauses
// without escaping anything:
//
//   trawl::Query query = trawl::Query::Boolean()
//                            .Must(trawl::Query::Match("", user_text))
//                            .Filter(trawl::Query::Term("lang", "en"))
//                            .MustNot(trawl::Query::Term("status", "draft"));
//
// ParseQuery turns a string of the language into the same type. A Query is a value: copies are
// cheap (they share an immutable tree), and one Query may be used by many threads at once.
// Builders never fail; arguments out of range (a negative boost, more than two edits) make the
// Search or Count that runs the query return InvalidArgument.
#ifndef TRAWL_QUERY_H_
#define TRAWL_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

struct QueryNode;  // the library's parsed form; opaque here
class Query;

// Bounds on what one query may ask for, so that a query from a stranger (a search box, an HTTP
// request) cannot take unbounded stack, memory or time before its deadline is even looked at
// (docs/security.md). A query past one fails with InvalidArgument naming the limit, its value,
// the flag of trawl-search and trawl-serve that raises it and, where it applies to one clause,
// its column in the query text:
//   "at column 257: parentheses nested deeper than 256, the max_depth limit (raise it with
//   --max-depth)"
// The defaults admit every query a person writes and every query of the test and benchmark
// sets; a program that builds long queries on purpose raises the one it needs.
struct QueryLimits {
  // Bytes of the query text, and of each filter's (--max-query-bytes).
  size_t max_query_bytes = 64 * 1024;
  // Parentheses nested in a query (--max-depth), at most kMaxDepthCeiling: the parser and every
  // layer after it (weights, scorers) walk the tree recursively, about 1 KiB of stack a level
  // in a release build (measured: 1000 levels need between 768 KiB and 1 MiB) and several times
  // that under AddressSanitizer; the ceiling keeps a query inside a thread's stack of 512 KiB
  // (measured, release build), the default 256 inside half of it. A tree built in code may be 4 times as deep (an AND
  // chain adds a level).
  size_t max_depth = 256;
  static constexpr size_t kMaxDepthCeiling = 500;
  // Clauses in a query, counted at every level of nesting: each word, phrase, prefix, range
  // and the like, and each parenthesized group; a plain-text query or Query::Match counts each
  // of its words (--max-clauses; Lucene's maxClauseCount has the same default).
  size_t max_clauses = 1024;
  // Terms one prefix, wildcard or fuzzy word may match in one segment (--max-expansions): a
  // one-letter prefix over a large vocabulary otherwise unions hundreds of thousands of posting
  // lists. (A fuzzy word still scores only its 50 closest terms; this bounds what it looks at.)
  size_t max_expansions = 100000;
  // Terms in one phrase, as the field's analyzer makes them (--max-phrase-terms); a word that
  // analyzes to several terms is a phrase too.
  size_t max_phrase_terms = 256;
  // SearchOptions::top_k and SearchOptions::offset (--max-top, --max-offset): every one of
  // offset + top_k hits is held while collecting.
  size_t max_top = 100000;
  size_t max_offset = 1000000;
};

// Parses `text` in the query language (docs/query-language.md) into *out. On a syntax error
// returns InvalidArgument such as "syntax error at column 7: expected ')'" (columns count
// UTF-8 code points from 1) and leaves *out unchanged; past `limits` (max_query_bytes,
// max_depth, max_clauses) InvalidArgument as QueryLimits describes. Thread-safe.
TRAWL_EXPORT Status ParseQuery(std::string_view text, const QueryLimits& limits, Query* out);
// The same with the default limits.
TRAWL_EXPORT Status ParseQuery(std::string_view text, Query* out);

class TRAWL_EXPORT Query {
 public:
  // A query that matches no document (an empty Boolean()).
  Query();

  // In every builder, `field` "" means every text field, as a word without `field:` does in
  // the language. A field no document has matches nothing.

  // A word, analyzed by the field's analyzer (on a keyword, int, float, date or bool field:
  // a value, as `field:value` is). A word the analyzer splits in several terms is matched as a
  // phrase of them, as in the language; use Match for text that may hold several words.
  static Query Term(std::string_view field, std::string_view word);
  // A term exactly as the index holds it, not analyzed (Lucene's TermQuery, Xapian's
  // Query(term)), for a program that analyzes its own text, with trawl::Analyzer or its own
  // code: `IndexedTerm("body", "run")` matches the documents whose body the analyzer turned
  // into the term "run", and never "Running". Scored as Term scores the term. On a text or id
  // field, and on a keyword field (its value as indexed: lowered when the field lowers values);
  // `field:=term` in the language. `field` "" or an int, float, date or bool field (whose terms
  // are encoded values: search them with Term or Range) is InvalidArgument when run.
  static Query IndexedTerm(std::string_view field, std::string_view term);
  // The words of `text` in this order, at most `slop` moves apart (0: adjacent; at most 1000).
  static Query Phrase(std::string_view field, std::string_view text, uint32_t slop = 0);
  // Terms starting with `prefix` (case-folded, not analyzed, as in the language).
  static Query Prefix(std::string_view field, std::string_view prefix);
  // Terms within `max_edits` (0, 1 or 2) edits of `word` (insertions, deletions, substitutions
  // and transpositions of characters).
  static Query Fuzzy(std::string_view field, std::string_view word, uint32_t max_edits = 2);
  // Terms matching `pattern`, in which '*' is any run of characters, '?' any one character and
  // a backslash makes the next '*', '?' or '\' literal; no other character is special.
  static Query Wildcard(std::string_view field, std::string_view pattern);
  // Values of a typed field between `lower` and `upper`, given as text as the language takes
  // them (numbers, dates in RFC 3339 or a prefix of it, keywords); an empty bound is open.
  // A text field or field "" is InvalidArgument when the query runs.
  static Query Range(std::string_view field, std::string_view lower, std::string_view upper,
                     bool lower_inclusive = true, bool upper_inclusive = true);
  // Documents with a value in `field` (`field:*`); field "" is InvalidArgument when run.
  static Query Exists(std::string_view field);
  // Every document (`*:*`), each scoring 1.
  static Query MatchAll();
  // A bag of words for text a person typed: every term the field's analyzer (for "", the
  // index's) finds in `text` is an optional clause, as SearchOptions::plain_text makes of a
  // string; a typed field takes `text` as one value.
  static Query Match(std::string_view field, std::string_view text);

  // A boolean query with no clause yet; add them with Must, Should, MustNot and Filter.
  // Without Must or Filter clauses, a document must match one Should clause; with them, Should
  // clauses only add to the score. Must and Should clauses add their scores; MustNot and
  // Filter clauses add none. A query of MustNot clauses alone matches every other document.
  static Query Boolean();
  // This query with one more clause. Clauses add up on a Boolean() (or a default Query) and on
  // what these four return; any other query (a leaf, a parsed one, a Boost()ed one) becomes
  // the first clause, a Must one, of a new boolean query: ParseQuery(text).Filter(f) is
  // `text` restricted to `f`, whatever operators `text` holds.
  Query Must(const Query& clause) const;     // must match (`+clause`)
  Query Should(const Query& clause) const;   // may match, adds its score (`clause`)
  Query MustNot(const Query& clause) const;  // must not match (`-clause`)
  // Must match but adds nothing to the score (Lucene's FILTER): scores are those of the same
  // query without this clause, over the documents it matches. The language has no syntax for
  // it; ToString writes it as Lucene does, `#clause`, which does not parse.
  Query Filter(const Query& clause) const;
  // This query with its scores multiplied by `boost` (finite and >= 0), as `(query)^boost`:
  // the boost of every clause it holds now is multiplied.
  Query Boost(double boost) const;

  // A canonical text in the query language, which ParseQuery reads back as the same query
  // where the language can say it: a filter clause prints as `#clause` (no syntax), a Match as
  // its whitespace-separated words in parentheses (the index's analyzer may split them
  // otherwise), an empty boolean as "()" and an IndexedTerm without a field as `="term"`.
  std::string ToString() const;

  // For the library: the query's tree.
  const QueryNode& node() const { return *node_; }

 private:
  friend Status ParseQuery(std::string_view text, const QueryLimits& limits, Query* out);
  explicit Query(std::shared_ptr<const QueryNode> node, bool open = false);
  Query WithClause(int occur, const Query& clause) const;

  std::shared_ptr<const QueryNode> node_;  // never null; shared by copies, never changed
  bool open_ = true;  // a boolean query built clause by clause: more clauses join it
};

}  // namespace trawl

#endif  // TRAWL_QUERY_H_

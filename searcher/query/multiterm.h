// Queries that expand to the terms of a field's dictionary that a word matches loosely: fuzzy
// words (word~N) and wildcard patterns (te?t, *ing). Both enumerate the dictionary per segment.
#ifndef TRAWL_SEARCHER_QUERY_MULTITERM_H_
#define TRAWL_SEARCHER_QUERY_MULTITERM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/weight.h"

namespace trawl {

// Lucene's FuzzyQuery.defaultMaxExpansions: the terms a fuzzy word expands to per field.
inline constexpr size_t kMaxFuzzyExpansions = 50;

// The Damerau-Levenshtein distance of `a` and `b` in code points, in its restricted form
// (optimal string alignment, as Lucene's automata with transpositions): insertions, deletions,
// substitutions and transpositions of two adjacent code points each cost 1. Returns
// `max_edits + 1` as soon as the distance must exceed `max_edits`.
uint32_t EditDistance(std::u32string_view a, std::u32string_view b, uint32_t max_edits);

// UTF-8 to code points; a byte that starts no valid sequence stands for itself.
std::u32string CodePoints(std::string_view utf8);

// Whether `term` matches the wildcard `pattern` ('?': one code point, '*': any run of them, a
// backslash makes the next character literal).
bool WildcardMatches(std::string_view pattern, std::string_view term);

// The pattern's literal text before its first wildcard, unescaped: where its terms start.
std::string WildcardLiteralPrefix(std::string_view pattern);

// The terms of `field` within `max_edits` of `word` (already case-folded), at most
// kMaxFuzzyExpansions of them (the closest, then the most frequent, then in byte order), as a
// disjunction of term weights that share the largest document frequency among them and are
// boosted by `boost` · (1 − distance / min(term length, word length)), as Lucene's
// TopTermsBlendedFreqScoringRewrite. An empty weight when none is within reach.
// InvalidArgument when more than index.limits.max_expansions terms of one segment are within
// reach.
Status NewFuzzyWeight(const IndexContext& index, const std::string& field, const std::string& word,
                      uint32_t max_edits, double boost, std::unique_ptr<Weight>* out,
                      const ExpansionLimit& limit = {});

// The documents holding a term of `field` that matches `pattern` (already case-folded), scored
// `score` as a prefix query's expansions are, and limited as they are.
std::unique_ptr<Weight> NewWildcardWeight(const IndexContext& index, std::string field,
                                          std::string pattern, double score = 1.0,
                                          ExpansionLimit limit = {});

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_MULTITERM_H_

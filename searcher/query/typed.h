// Queries on typed fields (trawl/schema.h): exact values of keyword, int, float, date and bool
// fields, ranges, and "has the field". Each matches a set of documents with one constant score,
// built per segment from the field's terms or its column, whichever the segment has and is
// cheaper.
#ifndef TRAWL_SEARCHER_QUERY_TYPED_H_
#define TRAWL_SEARCHER_QUERY_TYPED_H_

#include <memory>
#include <string>
#include <string_view>

#include "searcher/index_context.h"
#include "searcher/weight.h"
#include "trawl/schema.h"

namespace trawl {

// A range's bounds as the query gives them: raw text, empty for an open end.
struct RangeBounds {
  std::string lower, upper;
  bool lower_inclusive = true, upper_inclusive = true;
};

// `field:value` on a field that is not text. A keyword value matches verbatim (lowered when
// the field lowers its values) and scores its idf, as Lucene scores a term of a field without
// norms; a number, date or bool matches equal values and scores `boost`. InvalidArgument when
// the text is no value of the field's type.
Status NewTypedTermWeight(const IndexContext& index, const Schema::Field& field,
                          std::string_view value, double boost, std::unique_ptr<Weight>* out);
// The term a keyword field indexes for `text`: the text, lowered when the field lowers values.
std::string KeywordTerm(const Schema::Field& field, std::string_view text);

// A keyword field's term as indexed (its value, already lowered if the field lowers values):
// scored as NewTypedTermWeight scores a keyword value.
Status NewKeywordTermWeight(const IndexContext& index, const Schema::Field& field,
                            std::string term, double boost, std::unique_ptr<Weight>* out);

// The documents with a value within the bounds: numbers and dates compare as numbers, keywords
// bytewise. A date bound without a time covers its whole day where that widens the range as
// written (an inclusive upper bound 2024-05-31 ends at 23:59:59.999; an exclusive lower bound
// begins after it), as Elasticsearch rounds dates. Scores `boost`.
Status NewRangeWeight(const IndexContext& index, const Schema::Field& field,
                      const RangeBounds& bounds, double boost, std::unique_ptr<Weight>* out);

// The documents that have a value in `field` (any type; text: at least one token). Scores
// `boost`.
std::unique_ptr<Weight> NewExistsWeight(const IndexContext& index, std::string field,
                                        double boost);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_TYPED_H_

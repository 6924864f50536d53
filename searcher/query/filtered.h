// Filters: a weight restricted to a set of documents per segment without any change to its
// scores, as the FILTER clauses of Lucene's BooleanQuery. The sets (the conjunction of every
// filter query's matches) are computed once per search; top-k pruning keeps working, the filter
// taking part in MaxScore as a required clause that scores nothing.
//
// A filter that would scan a whole segment to build its set (a wide range read from a column)
// comes as a per-document test instead. Each segment then chooses, from the cost of the
// filtered weight's own scorer, whether to check that weight's candidates one by one (few
// candidates: a selective text query) or to build the set once (many), as Lucene's
// IndexOrDocValuesQuery chooses between doc values and points.
#ifndef TRAWL_SEARCHER_QUERY_FILTERED_H_
#define TRAWL_SEARCHER_QUERY_FILTERED_H_

#include <memory>
#include <vector>

#include "common/roaring_view.h"
#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// One segment's filter: the documents in `set` (null: any document) that every predicate
// accepts; nothing at all when `none`.
struct SegmentFilter {
  bool none = false;
  RoaringPtr set;
  std::vector<std::unique_ptr<DocPredicate>> predicates;
};

// The conjunction of `filters` (each a weight's FilterInSegment), one entry per segment of
// `index`. Stops with its status when `stop` (may be null) trips.
Status ComputeSegmentFilters(const std::vector<const Weight*>& filters, size_t num_segments,
                             QueryStop* stop, std::vector<SegmentFilter>* out);

// `filters` holds one entry per segment of `index`, the weight's index.
std::unique_ptr<Weight> NewFilteredWeight(const IndexContext& index, std::unique_ptr<Weight> inner,
                                          std::vector<SegmentFilter> filters);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_FILTERED_H_

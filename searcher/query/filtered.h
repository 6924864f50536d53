// Filters: a weight restricted to a set of documents per segment without any change to its
// scores, as the FILTER clauses of Lucene's BooleanQuery. The sets (the conjunction of every
// filter query's matches) are computed once per search; top-k pruning keeps working, the filter
// taking part in MaxScore as a required clause that scores nothing.
#ifndef TRAWL_SEARCHER_QUERY_FILTERED_H_
#define TRAWL_SEARCHER_QUERY_FILTERED_H_

#include <memory>
#include <vector>

#include "common/roaring_view.h"
#include "searcher/weight.h"

namespace trawl {

// `filters` holds one set per segment of the weight's index (null: nothing passes there).
std::unique_ptr<Weight> NewFilteredWeight(std::unique_ptr<Weight> inner,
                                          std::vector<RoaringPtr> filters);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_FILTERED_H_

// MaxScore (Turtle & Flood, "Query evaluation: strategies and optimizations", 1995) over a sum
// of clauses, with block-max windows (Ding & Suel, 2011), required groups and two-phase clauses.
#ifndef TRAWL_SEARCHER_MAX_SCORE_H_
#define TRAWL_SEARCHER_MAX_SCORE_H_

#include <roaring/roaring.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "searcher/collector.h"
#include "searcher/scorer.h"

namespace trawl {

// A sum of clause scores for MaxScore: every clause is optional (a disjunction) unless it
// belongs to a required group, of which a document must match at least one clause per group
// (a conjunction of disjunctions, as +word over several fields, plus optional words).
struct MaxScoreQuery {
  std::vector<std::unique_ptr<Scorer>> clauses;
  std::vector<int> group;  // per clause: its required group, or -1 (optional)
  size_t num_groups = 0;
  std::unique_ptr<Scorer> excluded;  // documents it matches never match (may be null)
  // Documents must pass each of these too (a filter checked per candidate; not owned, alive
  // for the collection).
  std::vector<const DocPredicate*> checks;
};

// MaxScore (Turtle & Flood): the sum of the clauses' scores over the documents `query` matches,
// skipping documents that only match clauses whose score bounds together cannot beat the
// current k-th score, and windows whose block bounds cannot.
// Ends early when `stop` (may be null) trips; the caller then discards what was collected.
void CollectMaxScore(MaxScoreQuery query, uint32_t segment, const roaring_bitmap_t* deleted,
                     TopKCollector* collector, QueryStop* stop);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_MAX_SCORE_H_

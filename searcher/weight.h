// Weights: a parsed query bound to one open index. A weight holds what is global to the index
// (analyzed terms, document frequencies and BM25 statistics summed over all segments), and makes
// per-segment scorers and match bitmaps. Query -> Weight -> Scorer -> Collector, as in Lucene
// and Tantivy.
#ifndef TRAWL_SEARCHER_WEIGHT_H_
#define TRAWL_SEARCHER_WEIGHT_H_

#include <roaring/roaring.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"
#include "common/roaring_count.h"
#include "searcher/query.h"
#include "searcher/scorer.h"
#include "format/segment_reader.h"

namespace trawl {

// The open segments of one commit and their combined statistics: views of what the searcher
// holds, so that a query sets up its context without copying them.
struct IndexContext {
  std::span<const SegmentReader* const> segments;
  // Field names in first-seen order, with their statistics summed over segments.
  std::span<const FieldInfo> fields;
  double k1 = 1.2;
  double b = 0.75;
  // BM25F for words without a field (SearchOptions::bm25f), with per-field weights (default 1)
  // and b (default `b`).
  bool bm25f = false;
  std::map<std::string, double, std::less<>> field_weights;
  std::map<std::string, double, std::less<>> field_b;
  // Term proximity (SearchOptions::proximity): its weight (0: off) and window in positions.
  double proximity = 0;
  uint32_t proximity_window = 5;
  double FieldWeight(std::string_view field) const {
    auto it = field_weights.find(field);
    return it == field_weights.end() ? 1.0 : it->second;
  }
  double FieldB(std::string_view field) const {
    auto it = field_b.find(field);
    return it == field_b.end() ? b : it->second;
  }
  const FieldInfo* Field(std::string_view name) const {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
};

// Posting lists whose intersection, or union, is what a weight matches in one segment.
struct PostingSets {
  bool is_union = false;  // else the intersection (one list is both)
  std::vector<RoaringView> lists;

  // How many documents that is, leaving out those in `excluded` (null: none).
  uint64_t Count(const RoaringView* excluded) const {
    return is_union ? UnionCardinality(lists, excluded) : IntersectionCardinality(lists, excluded);
  }
};

class Weight {
 public:
  virtual ~Weight() = default;
  // A scorer for segment `seg`; *out stays null when nothing in that segment can match.
  virtual Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const = 0;
  // The set of matching docids in segment `seg` (caller frees), for counting and filters.
  virtual Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const;
  // Why document `doc` of segment `seg` scores what it does: appends an indented tree whose
  // lines sum to *score (0 and nothing appended when the document does not match).
  virtual Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                         double* score) const;
  // Analyzed terms to highlight in snippets.
  virtual void CollectTerms(std::unordered_set<std::string>* terms) const = 0;
  // Count in one segment; defaults to the bitmap's cardinality.
  virtual Status CountInSegment(size_t seg, uint64_t* count) const;
  // When the matches in segment `seg` are exactly the intersection or the union of posting lists
  // (a term, required terms, optional terms, a prefix), fills *out with those lists' docids, read
  // in place, and sets *found; otherwise clears *found. Lets counts skip building bitmaps.
  virtual Status PostingSetsInSegment(size_t /*seg*/, PostingSets* /*out*/, bool* found) const {
    *found = false;
    return Status::OK();
  }
  // True when counting needs no scorer pass (Roaring set algebra suffices). Queries that need
  // positions count in the same pass that collects the top k instead.
  virtual bool CountIsCheap() const { return true; }
  // True for a weight that matches nothing anywhere (e.g. a query made only of stop words).
  virtual bool IsEmpty() const { return false; }
  // The child weights of a pure disjunction (only SHOULD clauses), else empty: lets the
  // collector run MaxScore over them.
  virtual const std::vector<std::unique_ptr<Weight>>* DisjunctionChildren() const {
    return nullptr;
  }
  // The children of a boolean query with required clauses, else false: lets the collector run
  // MaxScore over its required and optional clauses together.
  struct BooleanChildren {
    const std::vector<std::unique_ptr<Weight>>* must = nullptr;
    const std::vector<std::unique_ptr<Weight>>* should = nullptr;
    const std::vector<std::unique_ptr<Weight>>* must_not = nullptr;
  };
  virtual bool RequiredChildren(BooleanChildren* /*out*/) const { return false; }
};

// Binds `query` to `index`, analyzing its words with `analyzer`.
Status CreateWeight(const QueryNode& query, const IndexContext& index, Analyzer& analyzer,
                    std::unique_ptr<Weight>* out);

// With index.proximity > 0 and a query that is a bag of words (only optional words without a
// field, as bare words and plain-text queries are), adds a term-proximity clause per default
// field holding two of its terms to *weight, which CreateWeight made from `query`. Other
// queries are left as they are.
Status AddProximity(const QueryNode& query, const IndexContext& index, Analyzer& analyzer,
                    std::unique_ptr<Weight>* weight);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_WEIGHT_H_

// Constant-score sets of documents: prefix queries and match-all.
#ifndef TRAWL_SEARCHER_QUERY_BITMAP_H_
#define TRAWL_SEARCHER_QUERY_BITMAP_H_

#include <roaring/roaring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// Matches a precomputed set of documents with one constant score (prefix queries, match-all).
class BitmapScorer final : public Scorer {
 public:
  BitmapScorer(roaring_bitmap_t* bitmap, double score);  // takes ownership
  ~BitmapScorer() override;
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override { return score_; }
  double MaxScore() const override { return score_; }
  uint64_t Cost() const override { return cost_; }

 private:
  roaring_bitmap_t* bitmap_;
  roaring_uint32_iterator_t* it_;
  double score_;
  uint64_t cost_;
};

// A weight that matches a set of documents per segment with one score: its MatchBitmap is the
// set, and its scorer walks it. Prefixes, wildcards, ranges and `field:*` are such weights.
class ConstantScoreSetWeight : public Weight {
 public:
  explicit ConstantScoreSetWeight(double score) : score_(score) {}
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override;

 protected:
  double score_;
};

// Every term of `field` starting with `prefix`, as one set scored `score`.
std::unique_ptr<Weight> NewPrefixWeight(const IndexContext& index, std::string field,
                                        std::string prefix, double score = 1.0);
// Every document, scored `score`.
std::unique_ptr<Weight> NewMatchAllWeight(const IndexContext& index, double score = 1.0);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_BITMAP_H_

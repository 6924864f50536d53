// Constant-score sets of documents: prefix queries and match-all.
#ifndef TRAWL_SEARCHER_QUERY_BITMAP_H_
#define TRAWL_SEARCHER_QUERY_BITMAP_H_

#include <roaring/roaring.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/roaring_view.h"
#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// A set of documents in Roaring's portable format, walked in place by RoaringView cursors:
// they move forward faster than CRoaring's iterator (whose moves over run containers showed as a
// quarter of a filtered search's time), and one serialization serves every scorer of a
// segment.
class SerializedSet {
 public:
  explicit SerializedSet(const roaring_bitmap_t* set);
  const RoaringView& view() const { return view_; }

 private:
  std::string bytes_;
  RoaringView view_;
};

// Matches a precomputed set of documents with one constant score (prefix queries, match-all,
// filters).
class BitmapScorer final : public Scorer {
 public:
  BitmapScorer(roaring_bitmap_t* bitmap, double score);  // takes ownership
  BitmapScorer(std::shared_ptr<const SerializedSet> set, double score);
  uint32_t Next() override { return doc_ = cursor_.Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = cursor_.Advance(target); }
  double Score() override { return score_; }
  double MaxScore() const override { return score_; }
  uint64_t Cost() const override { return set_->view().cardinality(); }

 private:
  std::shared_ptr<const SerializedSet> set_;
  RoaringView::Cursor cursor_;
  double score_;
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

// The documents holding any term of a field that starts with a prefix and that Keeps(term)
// accepts, as one constant-score set (Lucene's default for multi-term queries: scoring
// thousands of expansions by BM25 ranks rare junk terms first). Prefix and wildcard queries.
class TermUnionWeight : public ConstantScoreSetWeight {
 public:
  TermUnionWeight(const IndexContext& index, std::string field, std::string prefix, double score,
                  ExpansionLimit limit = {})
      : ConstantScoreSetWeight(score),
        index_(index),
        field_(std::move(field)),
        prefix_(std::move(prefix)),
        limit_(std::move(limit)) {}
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override;
  // The union of the kept terms' lists.
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override;
  void CollectTerms(std::unordered_set<std::string>*) const override {}

 protected:
  virtual bool Keeps(std::string_view /*term*/) const { return true; }

 private:
  const IndexContext& index_;
  std::string field_, prefix_;
  ExpansionLimit limit_;  // index_.limits.max_expansions kept terms per segment
};

// Every term of `field` starting with `prefix`, as one set scored `score`; InvalidArgument from
// its scorers, counts and sets when a segment holds more than index.limits.max_expansions.
std::unique_ptr<Weight> NewPrefixWeight(const IndexContext& index, std::string field,
                                        std::string prefix, double score = 1.0,
                                        ExpansionLimit limit = {});
// Every document, scored `score`.
std::unique_ptr<Weight> NewMatchAllWeight(const IndexContext& index, double score = 1.0);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_BITMAP_H_

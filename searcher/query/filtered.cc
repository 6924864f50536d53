#include "searcher/query/filtered.h"

#include <algorithm>

#include "searcher/query/bitmap.h"

namespace trawl {

namespace {

// The inner scorer's matches that the filter holds: each moves to where the other stands until
// they agree. The filter iterator only moves forward, as the inner scorer does.
class FilteredScorer final : public Scorer {
 public:
  FilteredScorer(std::unique_ptr<Scorer> inner, const roaring_bitmap_t* filter)
      : inner_(std::move(inner)), it_(roaring_create_iterator(filter)) {
    cost_ = std::min<uint64_t>(inner_->Cost(), roaring_bitmap_get_cardinality(filter));
    doc_ = Align(inner_->doc());
  }
  ~FilteredScorer() override { roaring_free_uint32_iterator(it_); }

  uint32_t Next() override { return doc_ = Align(inner_->Next()); }
  uint32_t Advance(uint32_t target) override {
    if (target <= doc_) return doc_;
    return doc_ = Align(inner_->Advance(target));
  }
  double Score() override { return inner_->Score(); }
  double MaxScore() const override { return inner_->MaxScore(); }
  uint64_t Cost() const override { return cost_; }
  // The inner scorer's bounds hold for any subset of its matches.
  BlockBounds* block_bounds() override { return inner_->block_bounds(); }
  void SetMinCompetitiveScore(double score) override { inner_->SetMinCompetitiveScore(score); }

 private:
  uint32_t Align(uint32_t d) {
    while (d != kNoMoreDocs) {
      if (!it_->has_value) return kNoMoreDocs;
      if (it_->current_value < d && !roaring_move_uint32_iterator_equalorlarger(it_, d))
        return kNoMoreDocs;
      const uint32_t f = it_->current_value;
      if (f == d) return d;
      d = inner_->Advance(f);
    }
    return kNoMoreDocs;
  }

  std::unique_ptr<Scorer> inner_;
  roaring_uint32_iterator_t* it_;
  uint64_t cost_ = 0;
};

class FilteredWeight final : public Weight {
 public:
  FilteredWeight(std::unique_ptr<Weight> inner, std::vector<RoaringPtr> filters)
      : inner_(std::move(inner)), filters_(std::move(filters)) {}

  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const roaring_bitmap_t* filter = Filter(seg);
    if (filter == nullptr) return Status::OK();
    std::unique_ptr<Scorer> inner;
    TRAWL_RETURN_IF_ERROR(inner_->MakeScorer(seg, &inner));
    if (inner) *out = std::make_unique<FilteredScorer>(std::move(inner), filter);
    return Status::OK();
  }

  Status MakeMaxScorePlan(size_t seg, std::unique_ptr<MaxScoreQuery>* out) const override {
    out->reset();
    const roaring_bitmap_t* filter = Filter(seg);
    if (filter == nullptr) return Status::OK();
    std::unique_ptr<MaxScoreQuery> plan;
    TRAWL_RETURN_IF_ERROR(inner_->MakeMaxScorePlan(seg, &plan));
    if (!plan) return Status::OK();
    // A pure disjunction matches a document with any clause: once a required filter group
    // joins, its clauses must become a required group themselves, or a document matching the
    // filter alone would count as a match.
    if (plan->num_groups == 0) {
      for (int& g : plan->group) g = 0;
      plan->num_groups = 1;
    }
    plan->clauses.push_back(
        std::make_unique<BitmapScorer>(roaring_bitmap_copy(filter), /*score=*/0.0));
    plan->group.push_back(static_cast<int>(plan->num_groups++));
    *out = std::move(plan);
    return Status::OK();
  }

  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    *out = nullptr;
    const roaring_bitmap_t* filter = Filter(seg);
    if (filter == nullptr) {
      *out = roaring_bitmap_create();
      return Status::OK();
    }
    roaring_bitmap_t* inner = nullptr;
    TRAWL_RETURN_IF_ERROR(inner_->MatchBitmap(seg, &inner));
    roaring_bitmap_and_inplace(inner, filter);
    *out = inner;
    return Status::OK();
  }

  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    *count = 0;
    if (Filter(seg) == nullptr) return Status::OK();
    roaring_bitmap_t* matches = nullptr;
    TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &matches));
    RoaringPtr owned(matches);
    *count = deleted.bitmap == nullptr
                 ? roaring_bitmap_get_cardinality(matches)
                 : roaring_bitmap_andnot_cardinality(matches, deleted.bitmap);
    return Status::OK();
  }

  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    const roaring_bitmap_t* filter = Filter(seg);
    if (filter == nullptr || !roaring_bitmap_contains(filter, doc)) return Status::OK();
    return inner_->Explain(seg, doc, depth, out, score);
  }

  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    inner_->CollectTerms(terms);
  }
  bool CountIsCheap() const override { return inner_->CountIsCheap(); }
  bool IsEmpty() const override { return inner_->IsEmpty(); }

 private:
  const roaring_bitmap_t* Filter(size_t seg) const {
    if (seg >= filters_.size() || filters_[seg] == nullptr ||
        roaring_bitmap_is_empty(filters_[seg].get())) {
      return nullptr;
    }
    return filters_[seg].get();
  }

  std::unique_ptr<Weight> inner_;
  std::vector<RoaringPtr> filters_;
};

}  // namespace

std::unique_ptr<Weight> NewFilteredWeight(std::unique_ptr<Weight> inner,
                                          std::vector<RoaringPtr> filters) {
  return std::make_unique<FilteredWeight>(std::move(inner), std::move(filters));
}

}  // namespace trawl

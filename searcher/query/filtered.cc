#include "searcher/query/filtered.h"

#include <algorithm>
#include <mutex>

#include "searcher/query/bitmap.h"

namespace trawl {

namespace {

// A filter is checked candidate by candidate while the filtered weight's candidates number
// at most this fraction of the segment: a check reads a column value at random, several times
// the cost per document of the sequential scan that builds the set.
constexpr uint64_t kCheckRatio = 4;

// How one segment applies its filter to the filtered weight's candidates: documents must be
// in `leapfrog` (walked alongside them, as a required clause) and pass every check. (A set
// is walked even where it is denser than the candidates: Roaring lookups one by one, a binary
// search over a run container's runs each, cost more than a cursor's forward moves.)
struct Application {
  bool nothing = false;  // no document passes
  const roaring_bitmap_t* leapfrog = nullptr;
  std::shared_ptr<const SerializedSet> leapfrog_walk;  // the same set for cursors (scorers only)
  std::vector<const DocPredicate*> checks;

  bool Accepts(uint32_t doc) const {
    for (const DocPredicate* check : checks)
      if (!check->Matches(doc)) return false;
    return true;
  }
};

// The inner scorer's matches that the filter accepts: the inner scorer and the leapfrog set
// each move to where the other stands until they agree (both only move forward), and the
// document they agree on is checked.
class FilteredScorer final : public Scorer {
 public:
  FilteredScorer(std::unique_ptr<Scorer> inner, Application filter)
      : inner_(std::move(inner)),
        filter_(std::move(filter)),
        walk_(filter_.leapfrog_walk != nullptr) {
    cost_ = inner_->Cost();
    if (walk_) {
      cursor_ = filter_.leapfrog_walk->view().NewCursor();
      cost_ = std::min<uint64_t>(cost_, filter_.leapfrog_walk->view().cardinality());
    }
    doc_ = Align(inner_->doc());
  }

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
      if (walk_) {
        const uint32_t f = cursor_.Advance(d);
        if (f == kNoMoreDocs) return kNoMoreDocs;
        if (f != d) {
          d = inner_->Advance(f);
          continue;
        }
      }
      if (filter_.Accepts(d)) return d;
      d = inner_->Next();
    }
    return kNoMoreDocs;
  }

  std::unique_ptr<Scorer> inner_;
  Application filter_;
  const bool walk_;
  RoaringView::Cursor cursor_;
  uint64_t cost_ = 0;
};

// The number of candidates a MaxScore plan visits at most: its cheapest required group, or
// all its clauses when none is required.
uint64_t PlanCost(const MaxScoreQuery& plan) {
  std::vector<uint64_t> group_cost(plan.num_groups, 0);
  uint64_t all = 0;
  for (size_t i = 0; i < plan.clauses.size(); ++i) {
    const uint64_t c = plan.clauses[i]->Cost();
    all += c;
    if (plan.group[i] >= 0) group_cost[static_cast<size_t>(plan.group[i])] += c;
  }
  if (group_cost.empty()) return all;
  return *std::min_element(group_cost.begin(), group_cost.end());
}

class FilteredWeight final : public Weight {
 public:
  FilteredWeight(const IndexContext& index, std::unique_ptr<Weight> inner,
                 std::vector<SegmentFilter> filters)
      : index_(index),
        inner_(std::move(inner)),
        filters_(std::move(filters)),
        built_(filters_.size()),
        built_once_(std::make_unique<std::once_flag[]>(filters_.size())),
        walks_(2 * filters_.size()),
        walks_once_(std::make_unique<std::once_flag[]>(2 * filters_.size())) {}

  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    if (None(seg)) return Status::OK();
    std::unique_ptr<Scorer> inner;
    TRAWL_RETURN_IF_ERROR(inner_->MakeScorer(seg, &inner));
    if (!inner) return Status::OK();
    Application filter = Apply(seg, inner->Cost(), /*walk=*/true);
    if (!filter.nothing) *out = std::make_unique<FilteredScorer>(std::move(inner), std::move(filter));
    return Status::OK();
  }

  Status MakeMaxScorePlan(size_t seg, std::unique_ptr<MaxScoreQuery>* out) const override {
    out->reset();
    if (None(seg)) return Status::OK();
    std::unique_ptr<MaxScoreQuery> plan;
    TRAWL_RETURN_IF_ERROR(inner_->MakeMaxScorePlan(seg, &plan));
    if (!plan) return Status::OK();
    Application filter = Apply(seg, PlanCost(*plan), /*walk=*/true);
    if (filter.nothing) return Status::OK();
    plan->checks.insert(plan->checks.end(), filter.checks.begin(), filter.checks.end());
    if (filter.leapfrog != nullptr) {
      // A pure disjunction matches a document with any clause: once a required filter group
      // joins, its clauses must become a required group themselves, or a document matching
      // the filter alone would count as a match.
      if (plan->num_groups == 0) {
        for (int& g : plan->group) g = 0;
        plan->num_groups = 1;
      }
      plan->clauses.push_back(
          std::make_unique<BitmapScorer>(filter.leapfrog_walk, /*score=*/0.0));
      plan->group.push_back(static_cast<int>(plan->num_groups++));
    }
    *out = std::move(plan);
    return Status::OK();
  }

  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    *out = nullptr;
    if (None(seg)) {
      *out = roaring_bitmap_create();
      return Status::OK();
    }
    roaring_bitmap_t* inner = nullptr;
    TRAWL_RETURN_IF_ERROR(inner_->MatchBitmap(seg, &inner));
    RoaringPtr matches(inner);
    // Sets intersect as sets whatever their density; checks go document by document.
    const Application filter = Apply(seg, roaring_bitmap_get_cardinality(inner), /*walk=*/false);
    if (filter.nothing) {
      roaring_bitmap_clear(inner);
    } else {
      if (filter.leapfrog != nullptr) roaring_bitmap_and_inplace(inner, filter.leapfrog);
      if (!filter.checks.empty()) {
        std::vector<uint32_t> kept;
        roaring_uint32_iterator_t* it = roaring_create_iterator(inner);
        for (; it->has_value; roaring_advance_uint32_iterator(it)) {
          if (StopRequested(index_.stop)) break;  // the searcher discards what is kept
          if (filter.Accepts(it->current_value)) kept.push_back(it->current_value);
        }
        roaring_free_uint32_iterator(it);
        matches.reset(roaring_bitmap_of_ptr(kept.size(), kept.data()));
      }
    }
    *out = matches.release();
    return Status::OK();
  }

  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    *count = 0;
    if (None(seg)) return Status::OK();
    roaring_bitmap_t* matches = nullptr;
    TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &matches));
    RoaringPtr owned(matches);
    *count = deleted.bitmap == nullptr
                 ? roaring_bitmap_get_cardinality(matches)
                 : roaring_bitmap_andnot_cardinality(matches, deleted.bitmap);
    return Status::OK();
  }

  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    if (None(seg)) return Status::OK();
    const SegmentFilter& f = filters_[seg];
    if (f.set != nullptr && !roaring_bitmap_contains(f.set.get(), doc)) return Status::OK();
    for (const auto& p : f.predicates)
      if (!p->Matches(doc)) return Status::OK();
    return inner_->Explain(seg, doc, out);
  }

  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    inner_->CollectTerms(terms);
  }
  bool CountIsCheap() const override { return inner_->CountIsCheap(); }
  bool IsEmpty() const override { return inner_->IsEmpty(); }

 private:
  bool None(size_t seg) const { return seg >= filters_.size() || filters_[seg].none; }

  // How segment `seg` filters `candidates` candidates of the filtered weight: checked one by
  // one while they are few beside the segment, else through the filter's whole set. `walk`:
  // with the set serialized for cursors, which only scorers need (set algebra does not).
  Application Apply(size_t seg, uint64_t candidates, bool walk) const {
    const SegmentFilter& f = filters_[seg];
    Application a;
    const roaring_bitmap_t* set = f.set.get();
    if (!f.predicates.empty()) {
      if (candidates * kCheckRatio <= index_.segments[seg]->num_docs()) {
        for (const auto& p : f.predicates) a.checks.push_back(p.get());
      } else {
        set = Built(seg);
        if (set == nullptr) {
          a.nothing = true;
          return a;
        }
      }
    }
    a.leapfrog = set;
    if (walk && set != nullptr) a.leapfrog_walk = Walk(seg, set != f.set.get());
    return a;
  }

  // The filter's whole set in segment `seg`, built at the first need (null: empty).
  const roaring_bitmap_t* Built(size_t seg) const {
    const SegmentFilter& f = filters_[seg];
    if (f.predicates.empty()) return f.set.get();
    std::call_once(built_once_[seg], [&] {
      RoaringPtr all;
      for (const auto& p : f.predicates) {
        RoaringPtr one(roaring_bitmap_create());
        p->AddMatches(one.get());
        if (all == nullptr) {
          all = std::move(one);
        } else {
          roaring_bitmap_and_inplace(all.get(), one.get());
        }
      }
      if (f.set != nullptr) roaring_bitmap_and_inplace(all.get(), f.set.get());
      if (!roaring_bitmap_is_empty(all.get())) built_[seg] = std::move(all);
    });
    return built_[seg].get();
  }

  const IndexContext& index_;
  std::unique_ptr<Weight> inner_;
  std::vector<SegmentFilter> filters_;
  // Segment `seg`'s set (built: its whole set, else the bitmap filters' part), serialized at
  // the first need.
  std::shared_ptr<const SerializedSet> Walk(size_t seg, bool built) const {
    const size_t i = 2 * seg + (built ? 1 : 0);
    std::call_once(walks_once_[i], [&] {
      walks_[i] = std::make_shared<const SerializedSet>(built ? Built(seg) : filters_[seg].set.get());
    });
    return walks_[i];
  }

  mutable std::vector<RoaringPtr> built_;
  std::unique_ptr<std::once_flag[]> built_once_;
  mutable std::vector<std::shared_ptr<const SerializedSet>> walks_;
  std::unique_ptr<std::once_flag[]> walks_once_;
};

}  // namespace

Status ComputeSegmentFilters(const std::vector<const Weight*>& filters, size_t num_segments,
                             QueryStop* stop, std::vector<SegmentFilter>* out) {
  out->clear();
  out->resize(num_segments);
  for (size_t seg = 0; seg < num_segments; ++seg) {
    SegmentFilter& f = (*out)[seg];
    for (const Weight* filter : filters) {
      // A filter's set is built over a whole segment, however few documents the query keeps.
      if (StopRequested(stop, QueryStop::kCheckInterval)) return stop->status();
      roaring_bitmap_t* bitmap = nullptr;
      std::unique_ptr<DocPredicate> predicate;
      TRAWL_RETURN_IF_ERROR(filter->FilterInSegment(seg, &bitmap, &predicate));
      if (predicate != nullptr) {
        f.predicates.push_back(std::move(predicate));
        continue;
      }
      RoaringPtr matches(bitmap);
      if (f.set == nullptr) {
        f.set = std::move(matches);
      } else {
        roaring_bitmap_and_inplace(f.set.get(), matches.get());
      }
      if (roaring_bitmap_is_empty(f.set.get())) {
        f = SegmentFilter();
        f.none = true;
        break;  // nothing passes an earlier filter
      }
    }
  }
  return Status::OK();
}

std::unique_ptr<Weight> NewFilteredWeight(const IndexContext& index, std::unique_ptr<Weight> inner,
                                          std::vector<SegmentFilter> filters) {
  return std::make_unique<FilteredWeight>(index, std::move(inner), std::move(filters));
}

}  // namespace trawl

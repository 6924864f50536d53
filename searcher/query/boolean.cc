#include "searcher/query/boolean.h"

#include <algorithm>
#include <cassert>
#include <functional>

#include "common/roaring_count.h"
#include "searcher/collector.h"
#include "searcher/explain.h"
#include "searcher/query/bitmap.h"
#include "searcher/query_stop.h"

namespace trawl {

ConjunctionScorer::ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : children_(std::move(children)) {
  std::sort(children_.begin(), children_.end(),
            [](const auto& a, const auto& b) { return a->Cost() < b->Cost(); });
  child_bounds_.reserve(children_.size());
  for (const auto& c : children_) {
    max_score_ += c->MaxScore();
    BlockBounds* bounds = c->block_bounds();
    child_bounds_.push_back(bounds);
    has_doc_bound_ |= bounds != nullptr && bounds->HasDocBound();
  }
  doc_ = Align(children_.front()->doc());
}

uint32_t ConjunctionScorer::Align(uint32_t target) {
  uint32_t candidate = target;
  for (;;) {
    if (candidate == kNoMoreDocs) return kNoMoreDocs;
    bool aligned = true;
    for (auto& c : children_) {
      uint32_t d = c->Advance(candidate);
      if (d != candidate) {
        candidate = d;
        aligned = false;
        break;
      }
    }
    if (aligned) return candidate;
  }
}

uint32_t ConjunctionScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  return doc_ = Align(children_.front()->Next());
}

uint32_t ConjunctionScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  return doc_ = Align(children_.front()->Advance(target));
}

namespace {

// The candidates of ConjunctionScorer's top-k loop: the lead's postings, which the followers
// must then be advanced to and may lack.
class LeadCandidates {
 public:
  static constexpr bool kListed = false;
  explicit LeadCandidates(Scorer* lead) : lead_(lead) {}
  uint32_t Next() { return lead_->Next(); }
  uint32_t Advance(uint32_t target) { return lead_->Advance(target); }

 private:
  Scorer* const lead_;
};

// Or the documents every child holds, listed in advance; every child, the lead too, must then
// be advanced to each.
class ListedCandidates {
 public:
  static constexpr bool kListed = true;
  ListedCandidates(const uint32_t* docs, size_t n) : docs_(docs), n_(n) {}
  uint32_t First() { return i_ < n_ ? docs_[i_] : kNoMoreDocs; }
  uint32_t Next() { return i_ < n_ ? Advance(docs_[i_] + 1) : kNoMoreDocs; }
  // Linear: a range passed over holds few of the listed documents, and the list may be out of
  // order on damaged sets.
  uint32_t Advance(uint32_t target) {
    while (i_ < n_ && docs_[i_] < target) ++i_;
    return First();
  }

 private:
  const uint32_t* const docs_;
  const size_t n_;
  size_t i_ = 0;
};

}  // namespace

// CollectAll's block-max loop, with one more test before the followers are moved: once k
// documents are held, a candidate of the lead whose own score plus the followers' block bounds
// does not beat the threshold is passed over without advancing them (most candidates of a
// common pair of words, whose blocks bound loosely). A document passed over scores at most
// that sum, so at most the threshold, and would not have been offered. Scores are summed in
// children order, as Score() sums them, so offers and answers are the same as CollectAll's.
//
// When a child is rare enough (kMaxListedMatches) and all have their docid sets at hand, the
// candidates are instead the documents they all hold, found by intersecting those sets
// container by container: a few instructions per value, where the lead's loop searches a
// container per candidate for each follower, through a virtual call. Common words may share
// few documents, and then only those are visited.
bool ConjunctionScorer::CollectTopKAlone(uint32_t segment, const roaring_bitmap_t* deleted,
                                         TopKCollector* collector, QueryStop* stop) {
  // A document bound tighter than the blocks' is CollectAll's to use.
  if (has_doc_bound_) return false;
  uint32_t listed[kMaxListedMatches];
  size_t num_listed;
  if (ListMatches(listed, &num_listed)) {
    ListedCandidates candidates(listed, num_listed);
    doc_ = CollectCandidates(candidates, candidates.First(), segment, deleted, collector, stop);
  } else {
    LeadCandidates candidates(children_.front().get());
    doc_ = CollectCandidates(candidates, doc_, segment, deleted, collector, stop);
  }
  return true;
}

bool ConjunctionScorer::ListMatches(uint32_t* docs, size_t* n) const {
  const size_t num_children = children_.size();
  if (doc_ == kNoMoreDocs || num_children > kMaxListedChildren) return false;
  const RoaringView* sets[kMaxListedChildren];
  uint64_t fewest = UINT64_MAX;
  for (size_t i = 0; i < num_children; ++i) {
    sets[i] = children_[i]->docid_set();
    if (sets[i] == nullptr) return false;
    fewest = std::min(fewest, sets[i]->cardinality());
  }
  // Every list is then read whole: a rare child bounds that work, and the number of matches.
  // A very rare one makes the lead's loop as cheap.
  if (fewest > kMaxListedMatches || fewest < kMinListedLead) return false;
  RoaringView views[kMaxListedChildren];
  for (size_t i = 0; i < num_children; ++i) views[i] = *sets[i];
  // When more than half the lead's documents match, its loop visits about as many, each found
  // by a step to the next posting, where a listed match is searched for in the lead too: the
  // listing stops there, and the lead's loop runs. (Damaged sets may also share more documents
  // than the lead holds.)
  const size_t most = static_cast<size_t>(sets[0]->cardinality() / 2);
  return IntersectionValues(std::span<const RoaringView>(views, num_children), doc_,
                            std::min(most, kMaxListedMatches), docs, n);
}

template <typename Candidates>
uint32_t ConjunctionScorer::CollectCandidates(Candidates& candidates, uint32_t d, uint32_t segment,
                                              const roaring_bitmap_t* deleted,
                                              TopKCollector* collector, QueryStop* stop) {
  Scorer* const lead = children_.front().get();
  LoopStop loop_stop(stop);
  // A range [d, range_end] over which no child changes block (shallow lookups), with the
  // followers' bound over it and the lead's.
  bool have_range = false;
  uint32_t range_end = 0;
  double followers_bound = 0, lead_bound = 0;
  // d: the candidate; the followers stand at or before it, and so does the lead when the
  // candidates are listed (else it stands on it).
  while (d != kNoMoreDocs) {
    if (loop_stop.Tick()) break;
    const bool full = collector->full();
    const double threshold = full ? collector->threshold() : 0;
    if (full) {
      if (!have_range || d > range_end) {
        lead_bound = BlockMaxScoreAtOf(*lead, child_bounds_.front(), d);
        range_end = ShallowBlockEndOf(child_bounds_.front());
        followers_bound = 0;
        for (size_t i = 1; i < children_.size(); ++i) {
          followers_bound += BlockMaxScoreAtOf(*children_[i], child_bounds_[i], d);
          range_end = std::min(range_end, ShallowBlockEndOf(child_bounds_[i]));
        }
        // A damaged block table may end a range before the document it was looked up at.
        range_end = std::max(range_end, d);
        have_range = true;
      }
      if (lead_bound + followers_bound <= threshold) {
        d = range_end >= kNoMoreDocs - 1 ? kNoMoreDocs : candidates.Advance(range_end + 1);
        continue;
      }
    }
    if constexpr (Candidates::kListed) {
      const uint32_t l = lead->Advance(d);
      if (l != d) {  // damaged sets only
        d = candidates.Advance(l);
        continue;
      }
    }
    bool lead_scored = false;
    double lead_score = 0;
    if (full) {
      lead_score = lead->Score();
      lead_scored = true;
      if (lead_score + followers_bound <= threshold) {
        d = candidates.Next();
        continue;
      }
    }
    // Align the followers on d, or move to the first candidate they could all share.
    uint32_t next = d;
    for (size_t i = 1; i < children_.size(); ++i) {
      const uint32_t f = children_[i]->Advance(d);
      if (f != d) {
        next = f;
        break;
      }
    }
    if (next != d) {
      d = candidates.Advance(next);
      continue;
    }
    if (deleted == nullptr || !roaring_bitmap_contains(deleted, d)) {
      double score = lead_scored ? lead_score : lead->Score();
      for (size_t i = 1; i < children_.size(); ++i) score += children_[i]->Score();
      collector->Offer(score, segment, d);
    }
    d = candidates.Next();
  }
  return d;
}

uint32_t ConjunctionScorer::BlockEnd() {
  uint32_t end = kNoMoreDocs - 1;
  for (BlockBounds* bounds : child_bounds_) end = std::min(end, BlockEndOf(bounds));
  return end;
}

double ConjunctionScorer::BlockMaxScore() {
  double bound = 0;
  for (size_t i = 0; i < children_.size(); ++i)
    bound += BlockMaxScoreOf(*children_[i], child_bounds_[i]);
  return bound;
}

double ConjunctionScorer::Score() {
  double s = 0;
  for (auto& c : children_) s += c->Score();
  return s;
}

DisjunctionScorer::DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : children_(std::move(children)) {
  for (const auto& c : children_) {
    max_score_ += c->MaxScore();
    cost_ += c->Cost();
    child_bounds_.push_back(c->block_bounds());
  }
  doc_ = MinDoc();
}

uint32_t DisjunctionScorer::MinDoc() const {
  uint32_t m = kNoMoreDocs;
  for (const auto& c : children_) m = std::min(m, c->doc());
  return m;
}

uint32_t DisjunctionScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  for (auto& c : children_)
    if (c->doc() == doc_) c->Next();
  return doc_ = MinDoc();
}

uint32_t DisjunctionScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  for (auto& c : children_) c->Advance(target);
  return doc_ = MinDoc();
}

double DisjunctionScorer::Score() {
  double s = 0;
  for (auto& c : children_)
    if (c->doc() == doc_) s += c->Score();
  return s;
}

HeapDisjunctionScorer::HeapDisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : children_(std::move(children)) {
  heap_.reserve(children_.size());
  for (size_t i = 0; i < children_.size(); ++i) {
    max_score_ += children_[i]->MaxScore();
    cost_ += children_[i]->Cost();
    child_bounds_.push_back(children_[i]->block_bounds());
    Push(i);
  }
  doc_ = TopDoc();
}

void HeapDisjunctionScorer::Push(size_t child) {
  const uint32_t doc = children_[child]->doc();
  if (doc == kNoMoreDocs) return;
  heap_.push_back({doc, static_cast<uint32_t>(child)});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
}

size_t HeapDisjunctionScorer::Pop() {
  std::pop_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
  const size_t child = heap_.back().child;
  heap_.pop_back();
  return child;
}

uint32_t HeapDisjunctionScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  while (TopDoc() == doc_) {
    const size_t child = Pop();
    children_[child]->Next();
    Push(child);
  }
  return doc_ = TopDoc();
}

uint32_t HeapDisjunctionScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  while (TopDoc() < target) {
    const size_t child = Pop();
    children_[child]->Advance(target);
    Push(child);
  }
  return doc_ = TopDoc();
}

const std::vector<size_t>& HeapDisjunctionScorer::ChildrenOnDoc() {
  on_doc_.clear();
  walk_.clear();
  if (TopDoc() == doc_ && doc_ != kNoMoreDocs) walk_.push_back(0);
  // No entry is below its parent's document: a branch whose top is past doc_ has nothing on it.
  while (!walk_.empty()) {
    const size_t at = walk_.back();
    walk_.pop_back();
    on_doc_.push_back(heap_[at].child);
    for (size_t below : {2 * at + 1, 2 * at + 2})
      if (below < heap_.size() && heap_[below].doc == doc_) walk_.push_back(below);
  }
  std::sort(on_doc_.begin(), on_doc_.end());
  return on_doc_;
}

double HeapDisjunctionScorer::Score() {
  double s = 0;
  for (size_t child : ChildrenOnDoc()) s += children_[child]->Score();
  return s;
}

double HeapDisjunctionScorer::DocBound() {
  double bound = 0;
  for (size_t child : ChildrenOnDoc())
    bound += DocBoundOf(*children_[child], child_bounds_[child]);
  return bound;
}

std::unique_ptr<Scorer> NewDisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children) {
  if (children.empty()) return nullptr;
  if (children.size() == 1) return std::move(children.front());
  if (children.size() >= kHeapClauses)
    return std::make_unique<HeapDisjunctionScorer>(std::move(children));
  return std::make_unique<DisjunctionScorer>(std::move(children));
}

ExclusionScorer::ExclusionScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> excluded)
    : required_(std::move(required)), excluded_(std::move(excluded)) {
  doc_ = Skip(required_->doc());
}

uint32_t ExclusionScorer::Skip(uint32_t doc) {
  while (doc != kNoMoreDocs && excluded_->Advance(doc) == doc) doc = required_->Next();
  return doc;
}

OptionalScorer::OptionalScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> optional)
    : required_(std::move(required)),
      optional_(std::move(optional)),
      required_bounds_(required_->block_bounds()),
      optional_bounds_(optional_->block_bounds()) {
  doc_ = required_->doc();
}

double OptionalScorer::Score() {
  double s = required_->Score();
  if (optional_->Advance(doc_) == doc_) s += optional_->Score();
  return s;
}

namespace {

class BooleanWeight final : public Weight {
 public:
  BooleanWeight(const IndexContext& index, std::vector<std::unique_ptr<Weight>> must,
                std::vector<std::unique_ptr<Weight>> should,
                std::vector<std::unique_ptr<Weight>> must_not)
      : index_(index),
        must_(std::move(must)),
        should_(std::move(should)),
        must_not_(std::move(must_not)) {}

  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    std::unique_ptr<Scorer> required;
    if (!must_.empty()) {
      std::vector<std::unique_ptr<Scorer>> scorers;
      scorers.reserve(must_.size());
      for (const auto& w : must_) {
        std::unique_ptr<Scorer> s;
        TRAWL_RETURN_IF_ERROR(w->MakeScorer(seg, &s));
        if (!s) return Status::OK();  // a required clause with no match here
        scorers.push_back(std::move(s));
      }
      required = Combine<ConjunctionScorer>(std::move(scorers));
    }
    std::vector<std::unique_ptr<Scorer>> optional_scorers;
    TRAWL_RETURN_IF_ERROR(MakeAll(should_, seg, &optional_scorers));
    std::unique_ptr<Scorer> optional = NewDisjunctionScorer(std::move(optional_scorers));
    if (required) {
      if (optional)
        required = std::make_unique<OptionalScorer>(std::move(required), std::move(optional));
    } else if (optional) {
      required = std::move(optional);
    } else if (should_.empty()) {
      // A purely negative query matches every document the negations do not.
      TRAWL_RETURN_IF_ERROR(NewMatchAllWeight(index_, 0.0)->MakeScorer(seg, &required));
    } else {
      return Status::OK();
    }
    std::vector<std::unique_ptr<Scorer>> excluded_scorers;
    TRAWL_RETURN_IF_ERROR(MakeAll(must_not_, seg, &excluded_scorers));
    if (auto excluded = NewDisjunctionScorer(std::move(excluded_scorers))) {
      required = std::make_unique<ExclusionScorer>(std::move(required), std::move(excluded));
    }
    if (required->doc() != kNoMoreDocs) *out = std::move(required);
    return Status::OK();
  }

  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    RoaringPtr result;
    for (const auto& w : must_) {
      roaring_bitmap_t* bm;
      TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
      if (!result) {
        result.reset(bm);
      } else {
        roaring_bitmap_and_inplace(result.get(), bm);
        roaring_bitmap_free(bm);
      }
    }
    if (!result) {
      if (!should_.empty()) {
        result.reset(roaring_bitmap_create());
        for (const auto& w : should_) {
          roaring_bitmap_t* bm;
          TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
          roaring_bitmap_or_inplace(result.get(), bm);
          roaring_bitmap_free(bm);
        }
      } else {
        result.reset(roaring_bitmap_from_range(0, index_.segments[seg]->num_docs(), 1));
      }
    }
    for (const auto& w : must_not_) {
      roaring_bitmap_t* bm;
      TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
      roaring_bitmap_andnot_inplace(result.get(), bm);
      roaring_bitmap_free(bm);
    }
    *out = result.release();
    return Status::OK();
  }

  // Without exclusions, the required clauses' intersection, or else the optional clauses' union
  // (with required clauses, optional ones only add to the score), as long as every clause is one
  // list or a set of the same kind: an intersection of unions is not flat.
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    *found = false;
    if (!must_not_.empty()) return Status::OK();
    const bool is_union = must_.empty();
    out->is_union = is_union;
    out->lists.clear();
    PostingSets clause;
    for (const auto& w : is_union ? should_ : must_) {
      bool clause_found;
      TRAWL_RETURN_IF_ERROR(w->PostingSetsInSegment(seg, &clause, &clause_found));
      if (!clause_found || (clause.lists.size() > 1 && clause.is_union != is_union)) {
        return Status::OK();
      }
      out->lists.insert(out->lists.end(), clause.lists.begin(), clause.lists.end());
    }
    *found = !out->lists.empty();
    return Status::OK();
  }

  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    if (deleted.bitmap != nullptr) return Weight::CountInSegment(seg, deleted, count);
    PostingSets sets;
    bool found;
    TRAWL_RETURN_IF_ERROR(PostingSetsInSegment(seg, &sets, &found));
    if (found) {
      *count = sets.Count(nullptr);
      return Status::OK();
    }
    // Two required sets and nothing else: count the intersection without materialising it.
    if (must_.size() == 2 && should_.empty() && must_not_.empty()) {
      roaring_bitmap_t *a, *b;
      TRAWL_RETURN_IF_ERROR(must_[0]->MatchBitmap(seg, &a));
      RoaringPtr pa(a);
      TRAWL_RETURN_IF_ERROR(must_[1]->MatchBitmap(seg, &b));
      RoaringPtr pb(b);
      *count = roaring_bitmap_and_cardinality(a, b);
      return Status::OK();
    }
    return Weight::CountInSegment(seg, deleted, count);
  }

  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    for (const auto& w : must_) w->CollectTerms(terms);
    for (const auto& w : should_) w->CollectTerms(terms);
  }

  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    if (must_.empty() && should_.empty()) {
      out->push_back(Explained(0, "(matches: no negated clause matches)"));
      return Status::OK();
    }
    std::vector<Explanation> children;
    for (const auto* group : {&must_, &should_})
      for (const auto& w : *group) TRAWL_RETURN_IF_ERROR(w->Explain(seg, doc, &children));
    double score = 0;
    for (const Explanation& child : children) score += child.value;
    out->push_back(Explained(score, "sum of:", std::move(children)));
    return Status::OK();
  }

  bool CountIsCheap() const override {
    for (const auto* group : {&must_, &should_, &must_not_})
      for (const auto& w : *group)
        if (!w->CountIsCheap()) return false;
    return true;
  }

  // A pure disjunction scores the sum of its matching clauses, so nested ones (a bare word is
  // one over the fields it searches) flatten into one list of clauses: MaxScore then prunes,
  // and block-max bounds apply, per term and field rather than per word.
  void AppendDisjunctionClauses(std::vector<const Weight*>* out) const override {
    if (!IsPureDisjunction()) {
      out->push_back(this);
      return;
    }
    for (const auto& w : should_) w->AppendDisjunctionClauses(out);
  }
  size_t NumDisjunctionClauses() const override {
    if (!IsPureDisjunction()) return 1;
    size_t n = 0;
    for (const auto& w : should_) n += w->NumDisjunctionClauses();
    return n;
  }

  // MaxScore runs over a pure disjunction, or over required words of which one at least spans
  // several fields or has optional words beside it (a conjunction of single-field terms runs
  // faster led by its rarest term, in MakeScorer's scorer), or over a disjunction of many
  // clauses with exclusions (MaxScore's heap then spares a look at every clause per document).
  Status MakeMaxScorePlan(size_t seg, std::unique_ptr<MaxScoreQuery>* out) const override {
    out->reset();
    std::vector<const Weight*> optional;
    std::vector<std::vector<const Weight*>> required;
    if (IsPureDisjunction()) {
      AppendDisjunctionClauses(&optional);
    } else if (must_.empty()) {
      for (const auto& w : should_) w->AppendDisjunctionClauses(&optional);
      if (optional.size() < kHeapClauses) return Status::OK();
    } else {
      // Decided before any clause list is built: most conjunctions get no plan. Every optional
      // clause adds at least one to `optional`.
      bool spans_fields = false;
      for (const auto& w : must_) spans_fields |= w->NumDisjunctionClauses() > 1;
      if (!spans_fields && should_.empty()) return Status::OK();
      required.reserve(must_.size());
      for (const auto& w : must_) w->AppendDisjunctionClauses(&required.emplace_back());
      for (const auto& w : should_) w->AppendDisjunctionClauses(&optional);
      assert(optional.empty() == should_.empty());
      for (size_t g = 0; g < must_.size(); ++g)
        assert(required[g].size() == must_[g]->NumDisjunctionClauses());
    }
    auto query = std::make_unique<MaxScoreQuery>();
    auto add = [&](const Weight& w, int group) -> Status {
      std::unique_ptr<Scorer> s;
      TRAWL_RETURN_IF_ERROR(w.MakeScorer(seg, &s));
      if (s) {
        query->clauses.push_back(std::move(s));
        query->group.push_back(group);
      }
      return Status::OK();
    };
    for (size_t g = 0; g < required.size(); ++g)
      for (const Weight* w : required[g]) TRAWL_RETURN_IF_ERROR(add(*w, static_cast<int>(g)));
    for (const Weight* w : optional) TRAWL_RETURN_IF_ERROR(add(*w, -1));
    query->num_groups = required.size();
    if (!must_not_.empty()) {
      std::vector<std::unique_ptr<Scorer>> excluded;
      TRAWL_RETURN_IF_ERROR(MakeAll(must_not_, seg, &excluded));
      query->excluded = NewDisjunctionScorer(std::move(excluded));
    }
    *out = std::move(query);
    return Status::OK();
  }

 private:
  bool IsPureDisjunction() const {
    return must_.empty() && must_not_.empty() && should_.size() > 1;
  }
  static Status MakeAll(const std::vector<std::unique_ptr<Weight>>& weights, size_t seg,
                        std::vector<std::unique_ptr<Scorer>>* out) {
    out->reserve(out->size() + weights.size());
    for (const auto& w : weights) {
      std::unique_ptr<Scorer> s;
      TRAWL_RETURN_IF_ERROR(w->MakeScorer(seg, &s));
      if (s) out->push_back(std::move(s));
    }
    return Status::OK();
  }
  template <typename Combined>
  static std::unique_ptr<Scorer> Combine(std::vector<std::unique_ptr<Scorer>> scorers) {
    if (scorers.empty()) return nullptr;
    if (scorers.size() == 1) return std::move(scorers.front());
    return std::make_unique<Combined>(std::move(scorers));
  }

  const IndexContext& index_;
  std::vector<std::unique_ptr<Weight>> must_, should_, must_not_;
};

// The matches of `inner`, scoring 0 (so bounding every block by 0). It never passes a minimum
// competitive score on: `inner`'s scores do not count, so none of its matches may be skipped.
// Two-phase matching stays inside: Next and Advance land on confirmed matches.
class ZeroScorer final : public Scorer {
 public:
  explicit ZeroScorer(std::unique_ptr<Scorer> inner) : inner_(std::move(inner)) {
    doc_ = inner_->doc();
  }
  uint32_t Next() override { return doc_ = inner_->Next(); }
  uint32_t Advance(uint32_t target) override {
    return target <= doc_ ? doc_ : doc_ = inner_->Advance(target);
  }
  double Score() override { return 0; }
  double MaxScore() const override { return 0; }
  uint64_t Cost() const override { return inner_->Cost(); }

 private:
  std::unique_ptr<Scorer> inner_;
};

// What it matches and counts is `inner`'s; only scores and highlighted terms differ (a program's
// filter is not what the user looked for).
class FilterClauseWeight final : public Weight {
 public:
  explicit FilterClauseWeight(std::unique_ptr<Weight> inner) : inner_(std::move(inner)) {}

  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    std::unique_ptr<Scorer> inner;
    TRAWL_RETURN_IF_ERROR(inner_->MakeScorer(seg, &inner));
    out->reset(inner ? new ZeroScorer(std::move(inner)) : nullptr);
    return Status::OK();
  }
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    return inner_->MatchBitmap(seg, out);
  }
  Status FilterInSegment(size_t seg, roaring_bitmap_t** bitmap,
                         std::unique_ptr<DocPredicate>* predicate) const override {
    return inner_->FilterInSegment(seg, bitmap, predicate);
  }
  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    return inner_->CountInSegment(seg, deleted, count);
  }
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    return inner_->PostingSetsInSegment(seg, out, found);
  }
  bool CountIsCheap() const override { return inner_->CountIsCheap(); }
  bool IsEmpty() const override { return inner_->IsEmpty(); }
  void CollectTerms(std::unordered_set<std::string>*) const override {}
  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    std::vector<Explanation> inner;
    TRAWL_RETURN_IF_ERROR(inner_->Explain(seg, doc, &inner));
    if (inner.empty()) return Status::OK();
    out->push_back(Explained(0, "filter (must match, not scored):", std::move(inner)));
    return Status::OK();
  }

 private:
  std::unique_ptr<Weight> inner_;
};

}  // namespace

std::unique_ptr<Weight> NewFilterClauseWeight(std::unique_ptr<Weight> inner) {
  return std::make_unique<FilterClauseWeight>(std::move(inner));
}

std::unique_ptr<Weight> NewBooleanWeight(const IndexContext& index,
                                         std::vector<std::unique_ptr<Weight>> must,
                                         std::vector<std::unique_ptr<Weight>> should,
                                         std::vector<std::unique_ptr<Weight>> must_not) {
  return std::make_unique<BooleanWeight>(index, std::move(must), std::move(should),
                                         std::move(must_not));
}

}  // namespace trawl

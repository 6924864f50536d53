// Boolean queries: conjunctions, disjunctions, exclusions and optional clauses, and the
// weight that chooses MaxScore for itself when it pays.
#ifndef TRAWL_SEARCHER_QUERY_BOOLEAN_H_
#define TRAWL_SEARCHER_QUERY_BOOLEAN_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// Documents matching every child; scores summed. Its block bounds combine those of its
// children, each child without any counting with its global bound.
class ConjunctionScorer final : public Scorer, public BlockBounds {
 public:
  explicit ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return children_.front()->Cost(); }
  BlockBounds* block_bounds() override { return this; }
  uint32_t BlockEnd() override;
  double BlockMaxScore() override;
  // No shallow lookups: the global bound.
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  double DocBound() override {
    double bound = 0;
    for (size_t i = 0; i < children_.size(); ++i)
      bound += DocBoundOf(*children_[i], child_bounds_[i]);
    return bound;
  }
  bool HasDocBound() const override { return has_doc_bound_; }
  bool CollectTopKAlone(uint32_t segment, const roaring_bitmap_t* deleted,
                        TopKCollector* collector, QueryStop* stop) override;

 private:
  uint32_t Align(uint32_t target);
  // Room for the documents CollectTopKAlone lists.
  static constexpr size_t kMaxListedMatches = 2048;
  // Below this many documents in the rarest child, its loop advances the others so few times
  // that listing costs more.
  static constexpr size_t kMinListedLead = 64;
  // Conjunctions of more children keep the lead's loop (queries are rarely that long).
  static constexpr size_t kMaxListedChildren = 4;
  // The documents every child holds from the current one on, into docs[0, *n), when each has
  // its docid set at hand, the rarest holds between kMinListedLead and kMaxListedMatches, and at
  // most half the lead's documents match; false otherwise.
  bool ListMatches(uint32_t* docs, size_t* n) const;
  // CollectTopKAlone's loop over `candidates` (LeadCandidates or ListedCandidates in
  // boolean.cc), from candidate d; returns where it stopped.
  template <typename Candidates>
  uint32_t CollectCandidates(Candidates& candidates, uint32_t d, uint32_t segment,
                             const roaring_bitmap_t* deleted, TopKCollector* collector,
                             QueryStop* stop);
  std::vector<std::unique_ptr<Scorer>> children_;  // cheapest first: it leads
  std::vector<BlockBounds*> child_bounds_;         // parallel to children_; null: none
  bool has_doc_bound_ = false;
  double max_score_ = 0;
};

// Documents matching any child; scores of the matching children summed. Its block bounds
// combine those of its children, each child without any counting with its global bound.
class DisjunctionScorer final : public Scorer, public BlockBounds {
 public:
  explicit DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  // A child's match is competitive only if it can lift the sum above `score` with every other
  // child at its maximum. A document whose children are skipped scores low, but only when
  // it could not have competed anyway.
  void SetMinCompetitiveScore(double score) override {
    for (auto& child : children_)
      child->SetMinCompetitiveScore(score - (max_score_ - child->MaxScore()) * kBoundSlack);
  }
  uint64_t Cost() const override { return cost_; }
  BlockBounds* block_bounds() override { return this; }
  // Each child's current block bounds it from its own document to its block's end, and a
  // child is 0 before its document: the sum holds up to the first of those ends.
  uint32_t BlockEnd() override {
    uint32_t end = kNoMoreDocs - 1;
    for (size_t i = 0; i < children_.size(); ++i)
      if (children_[i]->doc() != kNoMoreDocs) end = std::min(end, BlockEndOf(child_bounds_[i]));
    return end;
  }
  double BlockMaxScore() override {
    double bound = 0;
    for (size_t i = 0; i < children_.size(); ++i)
      if (children_[i]->doc() != kNoMoreDocs)
        bound += BlockMaxScoreOf(*children_[i], child_bounds_[i]);
    return bound;
  }
  // No shallow lookups: the global bound.
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  double DocBound() override {
    double bound = 0;
    for (size_t i = 0; i < children_.size(); ++i)
      if (children_[i]->doc() == doc_) bound += DocBoundOf(*children_[i], child_bounds_[i]);
    return bound;
  }
  bool HasDocBound() const override { return true; }

 private:
  uint32_t MinDoc() const;
  std::vector<std::unique_ptr<Scorer>> children_;
  std::vector<BlockBounds*> child_bounds_;  // parallel to children_; null: none
  double max_score_ = 0;
  uint64_t cost_ = 0;
};

// DisjunctionScorer for many children (from kHeapClauses on): the children in a heap by
// document, so that a document costs the children on it (times log n) rather than a look at
// every child. Its block bound is its global one: the block up to the first of thousands of
// children's block ends is a document or two wide, and bounding it would cost a look at every
// child.
class HeapDisjunctionScorer final : public Scorer, public BlockBounds {
 public:
  explicit HeapDisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return cost_; }
  BlockBounds* block_bounds() override { return this; }
  uint32_t BlockEnd() override { return kNoMoreDocs - 1; }
  double BlockMaxScore() override { return max_score_; }
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  double DocBound() override;
  bool HasDocBound() const override { return true; }

 private:
  // A child, at the document it stands on (only the heap's operations move children).
  struct Entry {
    uint32_t doc;
    uint32_t child;
    bool operator>(const Entry& other) const { return doc > other.doc; }
  };
  void Push(size_t child);  // unless it is exhausted
  size_t Pop();
  uint32_t TopDoc() const { return heap_.empty() ? kNoMoreDocs : heap_.front().doc; }
  // The children on doc_, in increasing order, so that scores are summed in the order
  // DisjunctionScorer sums them: the heap walked from its root down the branches whose top is
  // on doc_ (as Lucene's DisiPriorityQueue.topList).
  const std::vector<size_t>& ChildrenOnDoc();

  std::vector<std::unique_ptr<Scorer>> children_;
  std::vector<BlockBounds*> child_bounds_;  // parallel to children_; null: none
  std::vector<Entry> heap_;
  std::vector<size_t> on_doc_, walk_;
  double max_score_ = 0;
  uint64_t cost_ = 0;
};

// A DisjunctionScorer, or a HeapDisjunctionScorer for kHeapClauses children or more; the one
// child itself, or null for none.
std::unique_ptr<Scorer> NewDisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);

// Documents of `required` that `excluded` does not match; scored by `required` alone.
class ExclusionScorer final : public Scorer {
 public:
  ExclusionScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> excluded);
  uint32_t Next() override { return doc_ = Skip(required_->Next()); }
  uint32_t Advance(uint32_t target) override {
    return target <= doc_ ? doc_ : doc_ = Skip(required_->Advance(target));
  }
  double Score() override { return required_->Score(); }
  double MaxScore() const override { return required_->MaxScore(); }
  uint64_t Cost() const override { return required_->Cost(); }
  // Scores are `required`'s on a subset of its documents, and it stands on the same document:
  // its bounds are ours.
  BlockBounds* block_bounds() override { return required_->block_bounds(); }

 private:
  uint32_t Skip(uint32_t doc);
  std::unique_ptr<Scorer> required_, excluded_;
};

// Documents of `required`; `optional` adds its score where it matches too.
class OptionalScorer final : public Scorer, public BlockBounds {
 public:
  OptionalScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> optional);
  uint32_t Next() override { return doc_ = required_->Next(); }
  uint32_t Advance(uint32_t target) override {
    return target <= doc_ ? doc_ : doc_ = required_->Advance(target);
  }
  double Score() override;
  double MaxScore() const override { return required_->MaxScore() + optional_->MaxScore(); }
  uint64_t Cost() const override { return required_->Cost(); }
  BlockBounds* block_bounds() override { return this; }
  // `optional` follows lazily and may stand behind: only its global bound is safe here.
  uint32_t BlockEnd() override { return BlockEndOf(required_bounds_); }
  double BlockMaxScore() override {
    return BlockMaxScoreOf(*required_, required_bounds_) + optional_->MaxScore() * kBoundSlack;
  }
  // No shallow lookups: the global bound.
  double BlockMaxScoreAt(uint32_t /*target*/) override { return MaxScore(); }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  double DocBound() override {
    return DocBoundOf(*required_, required_bounds_) +
           BlockMaxScoreAtOf(*optional_, optional_bounds_, doc_) * kBoundSlack;
  }
  bool HasDocBound() const override { return true; }

 private:
  std::unique_ptr<Scorer> required_, optional_;
  BlockBounds* required_bounds_;  // null: none
  BlockBounds* optional_bounds_;  // null: none
};

// Documents matching every `must`, no `must_not`, and (without `must`) some `should`; scored by
// the sum of the matching `must` and `should` clauses. Without `must` or `should`, every
// document the negations do not match, scored 0.
std::unique_ptr<Weight> NewBooleanWeight(const IndexContext& index,
                                         std::vector<std::unique_ptr<Weight>> must,
                                         std::vector<std::unique_ptr<Weight>> should,
                                         std::vector<std::unique_ptr<Weight>> must_not);

// A filter clause (QueryNode::Occur::kFilter), to be a boolean's required clause: the documents
// of `inner`, each scoring 0, so that the boolean's scores are those of its other clauses.
std::unique_ptr<Weight> NewFilterClauseWeight(std::unique_ptr<Weight> inner);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_BOOLEAN_H_

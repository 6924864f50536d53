// A term of one field: BM25 over its posting list, with block-max bounds from the list's
// per-block impacts.
#ifndef TRAWL_SEARCHER_QUERY_TERM_H_
#define TRAWL_SEARCHER_QUERY_TERM_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

class TermScorer final : public Scorer, public BlockBounds {
 public:
  // The scorer of a term's postings in `segment`, opened (and checked) by
  // SegmentReader::OpenPostings. The list lives in the scorer: one allocation per term and
  // segment, not two.
  static Status Open(const SegmentReader& segment, const TermInfo& info, uint32_t field_id,
                     const Bm25& bm25, std::unique_ptr<Scorer>* out);
  uint32_t Next() override { return doc_ = cursor_->Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = cursor_->Advance(target); }
  double Score() override { return bm25_.Score(cursor_->freq(), lengths_.Get(doc_)); }
  BlockBounds* block_bounds() override { return this; }
  uint32_t freq() { return cursor_->freq(); }
  uint32_t BlockEnd() override {
    LoadBlockBound();
    return bound_last_doc_;
  }
  double BlockMaxScore() override {
    LoadBlockBound();
    return block_bound_;
  }
  double BlockMaxScoreAt(uint32_t target) override;
  uint32_t ShallowBlockEnd() const override { return shallow_last_doc_; }
  // Block-max pruning asks for the current block's bound at every document: computed once
  // per block.
  void LoadBlockBound() {
    const size_t b = cursor_->ordinal() / kPostingBlockSize;
    if (b == bound_block_) return;
    bound_info_ = list_.block(b);
    bound_block_ = b;
    bound_last_doc_ = bound_info_.last_doc;
    block_bound_ = BlockBound(bound_info_);
  }
  double BlockBound(const PostingList::BlockInfo& b) const {
    return BlockImpactBound(b,
                            [&](uint32_t tf, uint32_t length) { return bm25_.Score(tf, length); }) *
           kBoundSlack;
  }
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return list_.doc_freq(); }
  const RoaringView* docid_set() const override { return &list_.docids(); }
  bool CollectTopKAlone(uint32_t segment, const roaring_bitmap_t* deleted,
                        TopKCollector* collector, QueryStop* stop) override;
  // The rest of the current block of postings.
  size_t ScoreBatch(uint32_t last, uint32_t* docs, double* scores) override;

 private:
  TermScorer(const SegmentReader& segment, uint32_t field_id, const Bm25& bm25);
  // A bound on the score of a posting of the loaded block (LoadBlockBound) with frequency tf:
  // BM25 at the shortest length the block's impacts allow for that frequency.
  double FreqBound(uint32_t tf) const;
  // The rest of the loaded block's postings, in order, into docs and freqs, leaving out only
  // postings whose FreqBound is at most `threshold`; returns how many. *read gets how many the
  // cursor moved past.
  size_t ReadPostingsAbove(double threshold, uint32_t* docs, uint32_t* freqs, size_t* read);

  PostingList list_;
  std::optional<PostingCursor> cursor_;  // over list_, once it is open
  FieldLengthReader lengths_;
  Bm25 bm25_;
  double max_score_ = 0;
  // BlockMaxScoreAt's block: its index in the block table, last docid and score bound.
  // Until the first lookup, the range [0, 0] with the global bound.
  size_t shallow_block_ = 0;
  uint32_t shallow_last_doc_ = 0;
  double shallow_bound_ = 0;
  // The current block's entry and bound (LoadBlockBound).
  PostingList::BlockInfo bound_info_;
  size_t bound_block_ = SIZE_MAX;
  uint32_t bound_last_doc_ = 0;
  double block_bound_ = 0;
};

// The weight of `term` in `field`, whose lookups in every segment are `entries`, its scores
// multiplied by `boost`. Its idf takes `idf_doc_freq` as the document frequency when that is
// not 0 (a fuzzy word's expansions share one, Lucene's blended frequency), else the term's own.
std::unique_ptr<Weight> NewTermWeight(const IndexContext& index, std::string field,
                                      std::string term, TermInSegments entries, double boost = 1,
                                      uint64_t idf_doc_freq = 0);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_TERM_H_

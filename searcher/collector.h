// Top-k collection across the segments of one commit, and document-at-a-time collection with
// block-max skipping. MaxScore is in max_score.h.
#ifndef TRAWL_SEARCHER_COLLECTOR_H_
#define TRAWL_SEARCHER_COLLECTOR_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "searcher/query_stop.h"
#include "searcher/scorer.h"

namespace trawl {

struct ScoredDoc {
  double score;
  uint32_t segment;
  uint32_t docid;
};

// Where the previous page of a search in relevance order ended (a search-after cursor): only
// documents after it in that order are collected, those scoring lower, or as much and later in
// index order.
struct ScoreAfter {
  double score;
  uint32_t segment;
  uint32_t docid;
  bool Admits(double s, uint32_t seg, uint32_t doc) const {
    if (s != score) return s < score;
    return seg != segment ? seg > segment : doc > docid;
  }
};

// Keeps the k best documents: higher score first, ties broken by the lower (segment, docid),
// i.e. the document indexed first. Documents must be offered in increasing (segment, docid)
// order, so an offered document that ties the current k-th score always loses.
//
// With an `after` bound, documents at or before it are refused. The threshold stays the k-th
// score of the documents admitted, so every pruning that compares score bounds with it stays
// exact: a refused document never raises it.
class TopKCollector {
 public:
  explicit TopKCollector(size_t k) : k_(k) { heap_.reserve(std::min(k, kReserved)); }
  TopKCollector(size_t k, const ScoreAfter& after) : k_(k), after_(after), has_after_(true) {
    heap_.reserve(std::min(k, kReserved));
  }
  // True if the document entered the top k. Inline: most offers of a long list fall at or
  // below a full collector's threshold, and are refused without a call.
  bool Offer(double score, uint32_t segment, uint32_t docid) {
    if (full() && !(score > heap_.front().score)) return false;
    return OfferSlow(score, segment, docid);
  }
  // A document needs a score above this to enter; -infinity until k documents are held.
  double threshold() const {
    return heap_.size() < k_ || k_ == 0 ? -std::numeric_limits<double>::infinity()
                                        : heap_.front().score;
  }
  bool full() const { return k_ > 0 && heap_.size() >= k_; }
  // From now on, documents offered once `stop` has tripped are refused: a scorer that stopped
  // reports no more documents, so a disjunction or an exclusion over it may meanwhile offer a
  // document with part of its score, or one it should have excluded. For partial results
  // (SearchOptions::allow_partial), which keep what was collected.
  void RefuseOnceStopped(const QueryStop* stop) { stop_ = stop; }
  size_t k() const { return k_; }
  // A score below which none of a batch of n documents (scores[0, n)) can enter, given that
  // every one of them is offered: the least of the best scores of k groups of the batch (k of
  // its documents, one a group, score at least that, so any document scoring less is beaten by
  // k). -infinity when that does not hold or does not pay: a batch of at most k, k above
  // kMaxFloorGroups, or an after bound, which may refuse some of the batch's best. Offering a
  // first batch only what passes spares the heap most of the documents that would enter it and
  // be pushed out again (about k ln(n / k) of them).
  double BatchFloor(const double* scores, size_t n) const;
  // The largest k BatchFloor takes a floor for: a page of results, plus one to tell if another
  // follows.
  static constexpr size_t kMaxFloorGroups = 64;
  size_t size() const { return heap_.size(); }
  // The collected documents, best first. Empties the collector.
  std::vector<ScoredDoc> TakeSorted();

 private:
  bool OfferSlow(double score, uint32_t segment, uint32_t docid);
  // Room held from the start: a page's worth, so that the heap does not grow by steps while it
  // fills; a large k grows it as documents come.
  static constexpr size_t kReserved = 128;
  size_t k_;
  ScoreAfter after_{};
  bool has_after_ = false;
  bool Refusing() const { return stop_ != nullptr && stop_->stopped(); }
  const QueryStop* stop_ = nullptr;
  std::vector<ScoredDoc> heap_;  // min-heap on (score, then later docs first)
};

// Scores the matches of `scorer` document at a time. Documents in `deleted` (may be null) are
// skipped. With `matches` null, blocks that cannot reach the top k are skipped (block-max);
// otherwise every match is visited and counted into *matches. Ends early when `stop` (may be
// null) trips; the caller then discards what was collected.
void CollectAll(Scorer* scorer, uint32_t segment, const roaring_bitmap_t* deleted,
                TopKCollector* collector, uint64_t* matches, QueryStop* stop);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_COLLECTOR_H_

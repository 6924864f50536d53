// Term proximity of pairs of query words in one field (BM25TP).
#ifndef TRAWL_SEARCHER_QUERY_PROXIMITY_H_
#define TRAWL_SEARCHER_QUERY_PROXIMITY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// Term proximity of pairs of query words in one field, after Rasolofo & Savoy's BM25TP ("Term
// proximity scoring for keyword-based retrieval systems", ECIR 2003): every occurrence of the
// two words of a pair at most `window` positions apart is a pair instance worth 1/d² (d = their
// distance); a pair's instances sum to acc, which saturates like a BM25 tf:
//   score = Σ_pairs w_pair · (k1 + 1) · acc / (acc + k1·(1 − b + b·dl/avgdl)).
// The weight chooses the pairs and their weights (weight.cc: adjacent query words). It only
// adds to documents that hold two of the words, which the words' own clauses match anyway, so
// it changes scores but never which documents match.
//
// Iterates the documents where at least two of its terms occur (a co-occurrence further apart
// than the window, or of two words that are no pair, scores 0). Bounds: an occurrence of t_i
// has at most one t_j at each distance on each side, so acc ≤ min(tf_i, tf_j) · 2 ·
// Σ_{d=1}^{window} 1/d², and dl is at least the larger of the two terms' min_length;
// MaxScore() sums these per-pair bounds over the segment's lists, BlockMaxScoreAt() over the
// blocks holding the target.
class ProximityScorer final : public Scorer, public BlockBounds {
 public:
  struct Term {
    std::unique_ptr<PostingList> list;
    size_t index;  // the term's index in the weight's term list (the idf's)
  };
  struct Params {
    uint32_t window = 5;
    Bm25 bm25;  // k1, b, avgdl of the field; `weight` unused
    // The weight of each pair of the weight's terms (by Term::index, num_terms × num_terms,
    // symmetric); 0 leaves a pair out.
    size_t num_terms = 0;
    std::vector<double> pair_weight;
    double PairWeight(size_t a, size_t b) const { return pair_weight[a * num_terms + b]; }
  };
  ProximityScorer(std::vector<Term> terms, const SegmentReader* segment, uint32_t field_id,
                  Params params);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return cost_; }
  BlockBounds* block_bounds() override { return this; }
  // Only shallow lookups have block bounds (the collector's MaxScore asks for nothing else);
  // the current block's is the global bound.
  uint32_t BlockEnd() override { return kNoMoreDocs - 1; }
  double BlockMaxScore() override { return max_score_; }
  double BlockMaxScoreAt(uint32_t target) override;
  uint32_t ShallowBlockEnd() const override { return shallow_last_doc_; }

  // The current document's scoring pairs, by the weight's term indexes.
  struct Pair {
    size_t first, second;
    double acc;    // Σ 1/d² over the pair's instances
    double score;  // its part of Score()
  };
  std::vector<Pair> Pairs();
  uint32_t field_length() const { return segment_->FieldLength(field_id_, doc_); }

 private:
  // From the cursors' current documents on, the first document holding two terms.
  uint32_t FindCoOccurrence();
  // Reads the positions of the terms in the current document; sets present_.
  void LoadPositions();
  // Σ 1/d² over the occurrences of two terms within the window; positions ascending.
  double PairInstances(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b) const;
  double PairScore(double weight, double acc, double norm) const;
  double PairBound(double weight, uint32_t max_tf_a, uint32_t max_tf_b, uint32_t min_length) const;

  // The pairs with a weight, by cursor index.
  struct CursorPair {
    size_t a, b;
    double weight;
  };
  std::vector<Term> terms_;
  std::vector<PostingCursor> cursors_;  // parallel to terms_
  std::vector<CursorPair> pairs_;
  const SegmentReader* segment_;
  uint32_t field_id_;
  Params params_;
  double max_instances_;            // 2 · Σ_{d=1}^{window} 1/d²: acc per occurrence, at most
  std::vector<double> inverse_sq_;  // 1/d² by d, d = 0..window
  double max_score_ = 0;
  uint64_t cost_ = 0;
  // The current document's positions per cursor (kept to avoid allocating per document).
  std::vector<std::vector<uint32_t>> positions_;
  std::vector<char> present_;
  // BlockMaxScoreAt's range [0, shallow_last_doc_] and its bound.
  uint32_t shallow_last_doc_ = 0;
  double shallow_bound_ = 0;
  std::vector<size_t> shallow_blocks_;                     // per cursor, the block last looked at
  std::vector<uint32_t> block_max_tf_, block_min_length_;  // per cursor; max_tf 0: exhausted
};

// The proximity of `terms` in `field`; `pair_weight` is ProximityScorer::Params::pair_weight
// over them.
std::unique_ptr<Weight> NewProximityWeight(const IndexContext& index, std::string field,
                                           std::vector<std::string> terms,
                                           std::vector<double> pair_weight);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_PROXIMITY_H_

// A phrase of one field (exact or sloppy): positions matched by two-phase iteration, scored by
// BM25 of the phrase frequency.
#ifndef TRAWL_SEARCHER_QUERY_PHRASE_H_
#define TRAWL_SEARCHER_QUERY_PHRASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "searcher/index_context.h"
#include "searcher/scorer.h"
#include "searcher/weight.h"

namespace trawl {

// Phrase matching over positions, with Lucene's slop semantics; scored by BM25 with the phrase
// frequency as tf and the sum of its terms' idf.
class PhraseScorer final : public Scorer, public BlockBounds, public TwoPhase {
 public:
  struct Term {
    std::unique_ptr<PostingList> list;
    uint32_t offset;  // position of the term within the phrase
  };
  // What each match needs: its phrase frequency, to score it; or only that the phrase occurs, to
  // count it, which reads a document's positions only up to the first occurrence (freq() and
  // Score() are then meaningless).
  enum class Need { kFrequency, kOccurrence };
  // Matching stops (no more documents) once `stop` (may be null) trips.
  PhraseScorer(std::vector<Term> terms, uint32_t slop, const SegmentReader* segment,
               uint32_t field_id, const Bm25& bm25, Need need = Need::kFrequency,
               QueryStop* stop = nullptr);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override { return bm25_.Score(freq_, segment_->FieldLength(field_id_, doc_)); }
  double freq() const { return freq_; }
  double MaxScore() const override { return max_score_; }
  BlockBounds* block_bounds() override { return this; }
  TwoPhase* two_phase() override { return this; }
  uint32_t BlockEnd() override {
    WindowAt(doc_);
    return window_last_;
  }
  double BlockMaxScore() override {
    WindowAt(doc_);
    return window_bound_;
  }
  double BlockMaxScoreAt(uint32_t target) override {
    WindowAt(target);
    return window_bound_;
  }
  uint32_t ShallowBlockEnd() const override { return window_last_; }
  void SetMinCompetitiveScore(double score) override { min_competitive_ = score; }
  uint64_t Cost() const override { return cost_; }
  // Candidates are the documents holding every term; their bound is that of the exact
  // phrase's least frequent term there, and confirming them reads positions.
  uint32_t NextApproximate() override;
  uint32_t AdvanceApproximate(uint32_t target) override;
  double ApproximateBound() override;
  bool Confirm() override;

 private:
  // Block-max for an exact phrase: it occurs in a document at most as often as each of its
  // terms, so the bound of any one term's block, under the phrase's weight, bounds the phrase
  // there. The least of the terms' blocks holding `target` holds up to the first of their ends:
  // window_bound_ over [window_first_, window_last_]. A sloppy phrase keeps its global bound
  // (its frequency is not bounded by one term's).
  void WindowAt(uint32_t target) {
    if (window_valid_ && target >= window_first_ && target <= window_last_) return;
    // Block lookups gallop forward from the last ones; a target behind them starts over.
    if (window_valid_ && target < window_first_) window_blocks_.assign(terms_.size(), 0);
    window_valid_ = true;
    window_first_ = target;
    if (slop_ != 0) {
      window_last_ = kNoMoreDocs - 1;
      window_bound_ = max_score_;
      return;
    }
    LoadWindow(target);
  }
  void LoadWindow(uint32_t target);
  // Whether a phrase frequency of `tf` cannot beat min_competitive_ anywhere in the window, at
  // its shortest length; verdicts are kept until the window or the threshold moves.
  bool FreqCannotCompete(uint32_t tf);
  // The least frequency of the terms in the current document: the most an exact phrase can have.
  uint32_t LeastTermFreq();
  // The current document's bound for an exact phrase whose terms' least frequency is least_freq.
  double BoundAtItsLength(uint32_t least_freq) const;
  // From the conjunction's current candidate on, finds the next document where the phrase occurs.
  uint32_t FindMatch(uint32_t candidate);
  uint32_t AlignCursors(uint32_t target);
  // With every cursor on one document: the next document holding every term.
  [[gnu::always_inline]] uint32_t NextCandidate();
  // The current document's phrase frequency; with first_only, 1 as soon as the phrase is found.
  double PhraseFreq(bool first_only);
  // Exact phrase: the starts (0 or later) where every term stands at start + its offset, counted
  // up to `limit`. ExactMatches takes any number of terms; PhraseFreq sends two to
  // ExactMatchesOfTwo, the same loop with no list of terms to walk.
  uint32_t ExactMatches(uint32_t limit);
  uint32_t ExactMatchesOfTwo(uint32_t limit);
  double SloppyFreq(bool first_only);
  std::vector<Term> terms_;
  std::vector<PostingCursor> cursors_;  // parallel to terms_, rarest first
  std::vector<uint32_t> offsets_;
  std::vector<size_t> rarest_first_;  // cursor indexes by increasing document frequency
  uint32_t slop_;
  const SegmentReader* segment_;
  uint32_t field_id_;
  Bm25 bm25_;
  double max_score_ = 0;
  uint64_t cost_ = 0;
  double freq_ = 0;
  Need need_;
  QueryStop* stop_;
  int64_t stop_cost_;  // of one candidate
  std::vector<PositionStream> streams_;  // ExactMatches': parallel to cursors_
  std::vector<uint32_t> term_freqs_;     // ExactMatches': each term's in the doc
  std::vector<size_t> fewest_first_;     // ExactMatches': cursor indexes by term_freqs_
  std::vector<std::vector<uint32_t>> positions_;  // SloppyFreq's
  double min_competitive_ = -1;        // scores are positive: below 0, every match counts
  bool confirmed_ = true;              // doc_ is a match, not only a candidate
  std::vector<size_t> window_blocks_;  // WindowAt's: each term's block, parallel to terms_
  bool window_valid_ = false;
  uint32_t window_first_ = 0, window_last_ = 0;
  double window_bound_ = 0;
  uint32_t window_min_length_ = 0;     // the greatest of the window's blocks' smallest lengths
  bool cannot_compete_valid_ = false;  // FreqCannotCompete's, for the window and threshold:
  double cannot_compete_threshold_ = 0;
  uint64_t cannot_compete_ = 0;  // bit tf: judged unable to compete
};

// One term of a phrase weight: its text, position in the phrase and lookups in every segment.
struct PhraseTerm {
  std::string text;
  uint32_t offset;
  TermInSegments entries;
};

// The weight of the phrase `terms` in `field`, with `slop` and the summed idf of its terms, its
// scores multiplied by `boost`.
std::unique_ptr<Weight> NewPhraseWeight(const IndexContext& index, std::string field,
                                        std::vector<PhraseTerm> terms, uint32_t slop,
                                        double idf_sum, double boost = 1);

}  // namespace trawl

#endif  // TRAWL_SEARCHER_QUERY_PHRASE_H_

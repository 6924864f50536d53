// Scorers iterate the matching documents of one query node in one segment, in increasing docid
// order, and score them. Every scorer starts positioned on its first match (doc() ==
// kNoMoreDocs when it has none) and only moves forward.
#ifndef TRAWL_SEARCHER_SCORER_H_
#define TRAWL_SEARCHER_SCORER_H_

#include <roaring/roaring.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/roaring_view.h"
#include "format/segment_reader.h"

namespace trawl {

class BlockBounds;
class TwoPhase;

// The core every scorer implements: iteration, score, and the bounds MaxScore needs. What only
// some scorers can offer (block-max bounds, two-phase matching) is a capability a scorer opts
// into by returning a non-null pointer; users fetch it once per segment, never per document.
class Scorer {
 public:
  virtual ~Scorer() = default;
  uint32_t doc() const { return doc_; }
  // Moves to the next match; docids strictly increase.
  virtual uint32_t Next() = 0;
  // Moves to the first match >= target; stays put if target <= doc(). Never moves backwards.
  virtual uint32_t Advance(uint32_t target) = 0;
  virtual double Score() = 0;          // the current document's score
  virtual double MaxScore() const = 0; // an upper bound of Score() over all documents
  virtual uint64_t Cost() const = 0;   // an estimate of the number of matches
  // Block-max bounds (BlockBounds); null when the scorer has no bound finer than MaxScore().
  virtual BlockBounds* block_bounds() { return nullptr; }
  // Two-phase matching (TwoPhase); null when every document the scorer stands on is a match.
  virtual TwoPhase* two_phase() { return nullptr; }
  // Top-k without exact counting: documents scoring at most `score` may be skipped from now
  // on, without being matched (as Lucene's setMinCompetitiveScore). Scores only rise. A hint: a
  // scorer that cannot skip on it ignores it.
  virtual void SetMinCompetitiveScore(double /*score*/) {}

 protected:
  uint32_t doc_ = kNoMoreDocs;
};

// Block-max pruning (as Lucene's advanceShallow/getMaxScore): bounds of a scorer's Score() over
// ranges of docids, from per-block statistics, finer than its global MaxScore().
class BlockBounds {
 public:
  // The last docid of the current block (a range starting at the scorer's doc()) and a bound
  // of Score() over the matches in that range.
  virtual uint32_t BlockEnd() = 0;
  virtual double BlockMaxScore() = 0;
  // A bound of Score() over the block holding `target`, looked up without moving the scorer
  // or decoding postings ("shallow advance"). Targets must not decrease between calls.
  virtual double BlockMaxScoreAt(uint32_t target) = 0;
  // The last docid of the range the last BlockMaxScoreAt bound holds for.
  virtual uint32_t ShallowBlockEnd() const = 0;
  // A bound of Score() for the current document alone, cheaper than Score() (no frequency is
  // decoded): tighter than BlockMaxScore() where a child that does not match the document
  // contributes nothing, as a field of a word's disjunction that the document lacks. The
  // current block's bound holds for the document, so that is where a scorer with nothing
  // finer starts.
  virtual double DocBound() { return BlockMaxScore(); }
  // False when DocBound() is never tighter than BlockMaxScore(), so not worth asking.
  virtual bool HasDocBound() const { return false; }

 protected:
  ~BlockBounds() = default;
};

// Two-phase iteration (as Lucene's TwoPhaseIterator), for scorers whose matching is costly (a
// phrase reads positions): NextApproximate/AdvanceApproximate stop on candidates that may
// match, ApproximateBound() bounds the score of the current candidate from cheap data, and
// Confirm() decides whether it matches; only a confirmed candidate may be scored. The scorer's
// own Next and Advance always land on matches (Advance confirms a candidate it stands on, or
// moves on).
class TwoPhase {
 public:
  virtual uint32_t NextApproximate() = 0;
  virtual uint32_t AdvanceApproximate(uint32_t target) = 0;
  virtual double ApproximateBound() = 0;
  virtual bool Confirm() = 0;

 protected:
  ~TwoPhase() = default;
};

// The bounds of a scorer that may have no block bounds (`bounds` null): its global bound over
// every range. For composite scorers and collectors, which fetch `bounds` once.
inline uint32_t BlockEndOf(BlockBounds* bounds) {
  return bounds != nullptr ? bounds->BlockEnd() : kNoMoreDocs - 1;
}
inline double BlockMaxScoreOf(const Scorer& scorer, BlockBounds* bounds) {
  return bounds != nullptr ? bounds->BlockMaxScore() : scorer.MaxScore();
}
inline double BlockMaxScoreAtOf(const Scorer& scorer, BlockBounds* bounds, uint32_t target) {
  return bounds != nullptr ? bounds->BlockMaxScoreAt(target) : scorer.MaxScore();
}
inline uint32_t ShallowBlockEndOf(const BlockBounds* bounds) {
  return bounds != nullptr ? bounds->ShallowBlockEnd() : kNoMoreDocs - 1;
}
inline double DocBoundOf(const Scorer& scorer, BlockBounds* bounds) {
  return bounds != nullptr ? bounds->DocBound() : scorer.MaxScore();
}

// BM25 of one field, with Lucene's idf (always positive):
// idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl)), with idf = ln(1 + (N − df + 0.5)/(df + 0.5)).
struct Bm25 {
  double weight = 0;  // idf · (k1 + 1)
  double k1 = 1.2;
  double b = 0.75;
  double avgdl = 1;
  double Norm(uint32_t dl) const { return k1 * (1 - b + b * dl / avgdl); }
  double Score(double tf, uint32_t dl) const { return weight * tf / (tf + Norm(dl)); }
  static double Idf(uint64_t n, uint64_t df) {
    return std::log(1 + (static_cast<double>(n) - df + 0.5) / (df + 0.5));
  }
};

// Score bounds are inflated by this factor so that rounding in a sum of scores can never make
// pruning drop a document whose true score reaches the threshold.
inline constexpr double kBoundSlack = 1 + 1e-9;

// The largest value of `tf_part(tf, length)` over a block's postings, from its impacts; it must
// rise with tf and fall with length (BM25's and BM25F's per-field parts do, for any parameters).
template <typename TfPart>
double BlockImpactBound(const PostingList::BlockInfo& b, const TfPart& tf_part) {
  if (b.num_impacts == 0) return tf_part(b.max_tf, b.min_length);
  double best = 0;
  for (uint32_t i = 0; i < b.num_impacts; ++i)
    best = std::max(best, tf_part(b.impact_tf[i], b.impact_length[i]));
  return best;
}

class TermScorer final : public Scorer, public BlockBounds {
 public:
  TermScorer(std::unique_ptr<PostingList> list, const SegmentReader* segment, uint32_t field_id,
             const Bm25& bm25);
  uint32_t Next() override { return doc_ = cursor_.Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = cursor_.Advance(target); }
  double Score() override {
    return bm25_.Score(cursor_.freq(), segment_->FieldLength(field_id_, doc_));
  }
  BlockBounds* block_bounds() override { return this; }
  uint32_t freq() { return cursor_.freq(); }
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
    const size_t b = cursor_.ordinal() / kPostingBlockSize;
    if (b == bound_block_) return;
    const PostingList::BlockInfo info = list_->block(b);
    bound_block_ = b;
    bound_last_doc_ = info.last_doc;
    block_bound_ = BlockBound(info);
  }
  double BlockBound(const PostingList::BlockInfo& b) const {
    return BlockImpactBound(b, [&](uint32_t tf, uint32_t length) {
             return bm25_.Score(tf, length);
           }) * kBoundSlack;
  }
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return list_->doc_freq(); }

 private:
  std::unique_ptr<PostingList> list_;
  PostingCursor cursor_;
  const SegmentReader* segment_;
  uint32_t field_id_;
  Bm25 bm25_;
  double max_score_;
  // BlockMaxScoreAt's block: its index in the block table, last docid and score bound.
  // Until the first lookup, the range [0, 0] with the global bound.
  size_t shallow_block_ = 0;
  uint32_t shallow_last_doc_ = 0;
  double shallow_bound_;
  // The current block's bound (LoadBlockBound).
  size_t bound_block_ = SIZE_MAX;
  uint32_t bound_last_doc_ = 0;
  double block_bound_ = 0;
};

// BM25F (Zaragoza et al.; Robertson & Zaragoza, "The Probabilistic Relevance Framework", 2009)
// of one term over several fields: each field's tf is normalized by its own length
// normalization and weighted, the weighted sum saturates once:
//   tf~ = Σ_f w_f · tf_f / (1 − b_f + b_f · dl_f / avgdl_f),
//   score = idf · (k1 + 1) · tf~ / (k1 + tf~).
// With one field and w = 1 this is the BM25 above. Summing per-field BM25 instead saturates
// each field on its own, so a term in both title and body counts almost twice.
struct Bm25fField {
  double weight = 1;
  double b = 0.75;
  double avgdl = 1;
  double Norm(uint32_t dl) const { return 1 - b + b * dl / avgdl; }
  double Tf(double tf, uint32_t dl) const { return weight * tf / Norm(dl); }
};

struct Bm25f {
  double idf = 0;
  double k1 = 1.2;
  double Score(double combined_tf) const {
    return combined_tf <= 0 ? 0 : idf * (k1 + 1) * combined_tf / (k1 + combined_tf);
  }
};

// The documents holding a term in any of its fields, scored by BM25F. Bounds: the score rises
// with every field's tf and falls with every field's length, so each field's max_tf and
// min_length (of the list, or of the current block) bound its part of tf~.
class Bm25fTermScorer final : public Scorer, public BlockBounds {
 public:
  struct Field {
    std::unique_ptr<PostingList> list;
    uint32_t field_id;
    Bm25fField params;
  };
  Bm25fTermScorer(std::vector<Field> fields, const SegmentReader* segment, const Bm25f& bm25f);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_score_; }
  uint64_t Cost() const override { return cost_; }
  BlockBounds* block_bounds() override { return this; }
  uint32_t BlockEnd() override;
  double BlockMaxScore() override;
  // No shallow lookup of the fields' blocks yet: the global bound, over everything.
  double BlockMaxScoreAt(uint32_t /*target*/) override { return max_score_; }
  uint32_t ShallowBlockEnd() const override { return kNoMoreDocs - 1; }
  // The current document's per-field parts (tf, dl, weighted normalized tf; tf 0 if absent).
  struct Part {
    uint32_t tf;
    uint32_t dl;
    double combined;
  };
  std::vector<Part> Parts();

 private:
  uint32_t MinDoc() const;
  std::vector<Field> fields_;
  std::vector<std::unique_ptr<PostingCursor>> cursors_;  // parallel to fields_
  const SegmentReader* segment_;
  Bm25f bm25f_;
  double max_score_ = 0;
  uint64_t cost_ = 0;
};

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
  PhraseScorer(std::vector<Term> terms, uint32_t slop, const SegmentReader* segment,
               uint32_t field_id, const Bm25& bm25, Need need = Need::kFrequency);
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
  // From the conjunction's current candidate on, finds the next document where the phrase occurs.
  uint32_t FindMatch(uint32_t candidate);
  uint32_t AlignCursors(uint32_t target);
  // With every cursor on one document: the next document holding every term.
  uint32_t NextCandidate();
  // The current document's phrase frequency; with first_only, 1 as soon as the phrase is found.
  double PhraseFreq(bool first_only);
  // Exact phrase: the starts (0 or later) where every term stands at start + its offset, counted
  // up to `limit`.
  uint32_t ExactMatches(uint32_t limit);
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
  std::vector<PositionStream> streams_;  // ExactMatches': parallel to cursors_
  std::vector<size_t> fewest_first_;     // ExactMatches': cursor indexes by positions in the doc
  std::vector<std::vector<uint32_t>> positions_;  // SloppyFreq's
  double min_competitive_ = -1;  // scores are positive: below 0, every match counts
  bool confirmed_ = true;          // doc_ is a match, not only a candidate
  std::vector<size_t> window_blocks_;  // WindowAt's: each term's block, parallel to terms_
  bool window_valid_ = false;
  uint32_t window_first_ = 0, window_last_ = 0;
  double window_bound_ = 0;
};

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
  double PairBound(double weight, uint32_t max_tf_a, uint32_t max_tf_b,
                   uint32_t min_length) const;

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
  double max_instances_;             // 2 · Σ_{d=1}^{window} 1/d²: acc per occurrence, at most
  std::vector<double> inverse_sq_;   // 1/d² by d, d = 0..window
  double max_score_ = 0;
  uint64_t cost_ = 0;
  // The current document's positions per cursor (kept to avoid allocating per document).
  std::vector<std::vector<uint32_t>> positions_;
  std::vector<char> present_;
  // BlockMaxScoreAt's range [0, shallow_last_doc_] and its bound.
  uint32_t shallow_last_doc_ = 0;
  double shallow_bound_ = 0;
  std::vector<size_t> shallow_blocks_;  // per cursor, the block last looked at
  std::vector<uint32_t> block_max_tf_, block_min_length_;  // per cursor; max_tf 0: exhausted
};

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

 private:
  uint32_t Align(uint32_t target);
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

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SCORER_H_

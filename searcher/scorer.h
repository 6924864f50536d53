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
class QueryStop;
class TopKCollector;
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
  virtual double Score() = 0;           // the current document's score
  virtual double MaxScore() const = 0;  // an upper bound of Score() over all documents
  virtual uint64_t Cost() const = 0;    // an estimate of the number of matches
  // Block-max bounds (BlockBounds); null when the scorer has no bound finer than MaxScore().
  virtual BlockBounds* block_bounds() { return nullptr; }
  // Two-phase matching (TwoPhase); null when every document the scorer stands on is a match.
  virtual TwoPhase* two_phase() { return nullptr; }
  // Top-k without exact counting: documents scoring at most `score` may be skipped from now
  // on, without being matched (as Lucene's setMinCompetitiveScore). Scores only rise. A hint: a
  // scorer that cannot skip on it ignores it.
  virtual void SetMinCompetitiveScore(double /*score*/) {}
  // Collects the k best of this scorer's remaining matches in `segment` (minus `deleted`, may
  // be null) when the scorer is the whole query and nothing is counted, in a loop of its own,
  // until `stop` (may be null) trips. False when the scorer has no such loop: the generic one
  // (CollectAll) then runs. A scorer over one posting list spares that loop's virtual calls
  // per document, which are most of a cheap query's cost.
  virtual bool CollectTopKAlone(uint32_t /*segment*/, const roaring_bitmap_t* /*deleted*/,
                                TopKCollector* /*collector*/, QueryStop* /*stop*/) {
    return false;
  }
  // The documents this scorer matches, from its first (a posting list's docids), for a
  // conjunction that lists its matches by intersecting them; null when it has no such set at
  // hand.
  virtual const RoaringView* docid_set() const { return nullptr; }
  // Room for the documents of ScoreBatch.
  static constexpr size_t kBatchSize = 128;
  // The current document and the matches after it, up to kBatchSize of them and up to docid
  // `last`, into docs with their scores (each what Score() gives on it), leaving the scorer on
  // the match after them. Returns how many: 0 when the scorer has no batches (call Score and
  // Next), is exhausted or stands past `last`. A scorer over one posting list decodes a block
  // of postings at a time.
  virtual size_t ScoreBatch(uint32_t /*last*/, uint32_t* /*docs*/, double* /*scores*/) {
    return 0;
  }

 protected:
  uint32_t doc_ = kNoMoreDocs;
};

// From this many clauses on, a disjunction (DisjunctionScorer, MaxScore) finds the clauses on a
// document through a heap, so that a document costs the clauses on it (times log n) rather
// than a look at every clause: a query of thousands of words or prefixes would otherwise cost
// clauses x documents. Fewer clauses are faster scanned in order.
inline constexpr size_t kHeapClauses = 128;

// Block-max pruning (as Lucene's advanceShallow/getMaxScore): bounds of a scorer's Score() over
// ranges of docids, from per-block statistics, finer than its global MaxScore().
class BlockBounds {
 public:
  virtual ~BlockBounds() = default;
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
};

// The bounds of a scorer that has no block bounds: its global bound `max_score` over every
// range, for a collector that calls every clause's bounds alike. (Defined out of line: a
// collector that saw this as the only BlockBounds it knows would guess it at every call.)
std::unique_ptr<BlockBounds> NewGlobalBounds(double max_score);

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

// A test of single documents, for a filter whose set would take a scan of the whole segment to
// build (a wide range answered from a column): a search whose other clauses match few
// documents checks just those, as Lucene's IndexOrDocValuesQuery reads doc values instead of
// points. Thread-safe: Matches and AddMatches only read.
class DocPredicate {
 public:
  virtual ~DocPredicate() = default;
  virtual bool Matches(uint32_t doc) const = 0;
  // Adds every document of the segment that matches to *out: the set itself, in one pass.
  virtual void AddMatches(roaring_bitmap_t* out) const = 0;
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

// A BM25 bound from a list's or block's largest tf and smallest length, inflated by kBoundSlack.
inline double Bm25Bound(const Bm25& bm25, double max_tf, uint32_t min_length) {
  return bm25.Score(max_tf, min_length) * kBoundSlack;
}

// The first block of `list` from `from` on whose last docid is >= target (the last block if
// none is): a block lookup that gallops forward from the last one.
size_t BlockAtOrAfter(const PostingList& list, size_t from, uint32_t target);

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

}  // namespace trawl

#endif  // TRAWL_SEARCHER_SCORER_H_

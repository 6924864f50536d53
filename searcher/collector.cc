#include "searcher/collector.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace trawl {

namespace {

// Heap order: the root is the worst document held. A function object, so that the heap and
// sort algorithms inline it (a function pointer is called at every comparison).
struct Better {
  bool operator()(const ScoredDoc& a, const ScoredDoc& b) const {
    if (a.score != b.score) return a.score > b.score;
    if (a.segment != b.segment) return a.segment < b.segment;
    return a.docid < b.docid;
  }
};

// Replaces the root of `heap` (a heap in Better's order: every parent worse than its children)
// with `doc`, which is better than it, in one pass down from the root: what pop_heap and
// push_heap do together in two.
void ReplaceWorst(std::vector<ScoredDoc>* heap, const ScoredDoc& doc) {
  ScoredDoc* const h = heap->data();
  const size_t n = heap->size();
  const Better better;
  size_t i = 0;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && better(h[child], h[child + 1])) ++child;  // the worse child
    if (!better(doc, h[child])) break;
    h[i] = h[child];
    i = child;
  }
  h[i] = doc;
}

// The scorer's next match after `d`, where it stands. Docids strictly increase on an intact
// segment; a damaged one may break that (and every bound below), which costs a wrong answer,
// never a crash, so it is not asserted.
uint32_t NextDoc(Scorer* scorer, [[maybe_unused]] uint32_t d) {
  assert(scorer->doc() == d);
  return scorer->Next();
}

}  // namespace

double TopKCollector::BatchFloor(const double* scores, size_t n) const {
  constexpr double kNone = -std::numeric_limits<double>::infinity();
  const size_t k = k_;
  if (k == 0 || n <= k || k > kMaxFloorGroups || has_after_) return kNone;
  // Strided groups (document i in group i mod k), so the maxima are taken in lanes without a
  // branch: a selection of the exact k-th best (nth_element) mispredicts as much as it saves.
  double best[kMaxFloorGroups];
  std::copy(scores, scores + k, best);
  size_t i = k;
  for (; i + k <= n; i += k)
    for (size_t g = 0; g < k; ++g) best[g] = std::max(best[g], scores[i + g]);
  for (size_t g = 0; i + g < n; ++g) best[g] = std::max(best[g], scores[i + g]);
  return *std::min_element(best, best + k);
}

bool TopKCollector::OfferSlow(double score, uint32_t segment, uint32_t docid) {
  if (k_ == 0) return false;
  if (has_after_ && !after_.Admits(score, segment, docid)) return false;
  // The stop is looked at only for a document that would be taken: most offers fall below the
  // threshold, and a check on every one costs the cheapest queries measurably.
  if (heap_.size() < k_) {
    if (Refusing()) return false;
    heap_.push_back({score, segment, docid});
    std::push_heap(heap_.begin(), heap_.end(), Better());
    return true;
  }
  if (!(score > heap_.front().score) || Refusing()) return false;
  ReplaceWorst(&heap_, {score, segment, docid});
  return true;
}

std::vector<ScoredDoc> TopKCollector::TakeSorted() {
  std::vector<ScoredDoc> out = std::move(heap_);
  heap_.clear();
  std::sort(out.begin(), out.end(), Better());
  return out;
}

void CollectAll(Scorer* scorer, uint32_t segment, const roaring_bitmap_t* deleted,
                TopKCollector* collector, uint64_t* matches, QueryStop* stop) {
  if (matches == nullptr && collector->full())  // full from an earlier segment
    scorer->SetMinCompetitiveScore(collector->threshold());
  if (matches == nullptr && scorer->CollectTopKAlone(segment, deleted, collector, stop)) return;
  // Without block bounds, the global bound holds over everything left.
  BlockBounds* bounds = scorer->block_bounds();
  const bool doc_bounds = bounds != nullptr && bounds->HasDocBound();
  uint32_t d = scorer->doc();
  uint32_t block_end = kNoMoreDocs;  // none taken yet
  double block_bound = 0;
  LoopStop loop_stop(stop);
  while (d != kNoMoreDocs) {
    if (loop_stop.Tick()) return;
    if (matches != nullptr) {
      if (deleted == nullptr || !roaring_bitmap_contains(deleted, d)) {
        ++*matches;
        if (!collector->full() || scorer->MaxScore() > collector->threshold())
          collector->Offer(scorer->Score(), segment, d);
      }
      d = NextDoc(scorer, d);
      continue;
    }
    // Block-max: once k documents are held, skip blocks whose bound cannot beat the k-th. A
    // block's bound holds from the document it was taken at to the block's end, so it is taken
    // once per block and compared with the rising threshold at each document.
    if (collector->full()) {
      if (d > block_end || block_end == kNoMoreDocs) {
        // A block holds the document it is taken at; only a damaged block table ends one
        // before it, and skipping to there would stand still forever.
        block_end = std::max(BlockEndOf(bounds), d);
        block_bound = BlockMaxScoreOf(*scorer, bounds);
      }
      if (block_bound <= collector->threshold()) {
        d = block_end >= kNoMoreDocs - 1 ? kNoMoreDocs : scorer->Advance(block_end + 1);
        continue;
      }
    }
    // The document's own bound (only the fields it matches count) spares decoding its
    // frequencies and scoring it, most often for documents that lack the rarer fields.
    if (doc_bounds && collector->full() && bounds->DocBound() <= collector->threshold()) {
      d = NextDoc(scorer, d);
      continue;
    }
    if (deleted == nullptr || !roaring_bitmap_contains(deleted, d)) {
      const double score = scorer->Score();
      if (collector->Offer(score, segment, d) && collector->full())
        scorer->SetMinCompetitiveScore(collector->threshold());
    }
    d = NextDoc(scorer, d);
  }
}

}  // namespace trawl

#include "searcher/max_score.h"

#include <algorithm>
#include <cassert>
#include <functional>

namespace trawl {

namespace {

// A document matches a conjunction of groups only if each group has a clause on it: the first
// document >= `doc` where that may hold, with the groups' clauses advanced to `doc` (lazily:
// a group stops at its first clause on `doc`). kNoMoreDocs when a group is exhausted. Essential
// clauses (from `first_essential` on) may stand on unconfirmed candidates, which the caller
// confirms; a non-essential clause is advanced, which confirms a candidate it stands on.
uint32_t LeapfrogGroups(const std::vector<std::unique_ptr<Scorer>>& clauses,
                        const std::vector<std::vector<size_t>>& groups, size_t first_essential,
                        uint32_t doc) {
  uint32_t next = doc;
  for (const auto& group : groups) {
    uint32_t group_doc = kNoMoreDocs;
    for (size_t i : group) {
      if (i < first_essential ? clauses[i]->doc() <= doc : clauses[i]->doc() < doc)
        clauses[i]->Advance(doc);
      group_doc = std::min(group_doc, clauses[i]->doc());
      if (group_doc == doc) break;
    }
    next = std::max(next, group_doc);
    if (next != doc) break;
  }
  return next;
}

// After two-phase clauses were confirmed: whether each group still has a clause on `doc`, an
// essential one among the confirmed `at_doc` or a non-essential one (advanced, which confirms).
bool GroupsMatch(const std::vector<std::unique_ptr<Scorer>>& clauses,
                 const std::vector<std::vector<size_t>>& groups, size_t first_essential,
                 const std::vector<size_t>& at_doc, uint32_t doc, std::vector<char>* on_doc) {
  if (groups.empty()) return true;
  for (size_t i : at_doc) (*on_doc)[i] = true;
  bool all = true;
  for (const auto& group : groups) {
    bool any = false;
    for (size_t i : group) {
      any = i >= first_essential ? (*on_doc)[i] : clauses[i]->Advance(doc) == doc;
      if (any) break;
    }
    if (!any) {
      all = false;
      break;
    }
  }
  for (size_t i : at_doc) (*on_doc)[i] = false;
  return all;
}

// One segment's run of MaxScore. Clauses are ordered by increasing MaxScore(); those before
// first_essential_ (the pivot) cannot lift a document above the threshold together, so only
// documents an essential clause matches are visited, and the others are looked at only for a
// document that can still compete.
class MaxScore {
 public:
  MaxScore(uint32_t segment, const roaring_bitmap_t* deleted, TopKCollector* collector,
           QueryStop* stop)
      : segment_(segment), deleted_(deleted), collector_(collector), stop_(stop) {}
  // False when some required group has no clause in this segment: nothing matches.
  bool Init(MaxScoreQuery query);
  void Run() { use_heap_ ? Collect<true>() : Collect<false>(); }

 private:
  // Moves the pivot past the clauses whose bounds, with all those before, cannot beat the
  // threshold. Required groups do not change that: a document matching only non-essential
  // clauses cannot compete, whatever it matches.
  void UpdateEssential() {
    while (first_essential_ < n_ && upto_[first_essential_] <= threshold_) ++first_essential_;
    batch_now_ = batches_ && first_essential_ + 1 == n_;
  }
  // The loop, with the essential clauses in a heap (kHeap) or scanned: a template, so that the
  // scan pays no test per document for the heap.
  template <bool kHeap>
  void Collect();
  // The next document an essential clause stands on.
  template <bool kHeap>
  uint32_t EssentialDoc() {
    if constexpr (kHeap) return HeapTop();
    uint32_t doc = kNoMoreDocs;
    const std::unique_ptr<Scorer>* clauses = clauses_.data();
    for (size_t i = first_essential_, n = n_; i < n; ++i) doc = std::min(doc, clauses[i]->doc());
    return doc;
  }
  // Moves the essential clauses to `target` or beyond; only they are kept current (clauses
  // only ever leave the essential set, so none falls behind).
  // (Hot loops read members into locals: a virtual call could change them, for all the
  // compiler knows, and they would be read again after every one.)
  template <bool kHeap>
  void AdvanceEssential(uint32_t target) {
    if constexpr (kHeap) {
      while (HeapTop() < target) {
        const size_t i = PopHeap();
        clauses_[i]->Advance(target);
        PushHeap(i);
      }
      return;
    }
    const std::unique_ptr<Scorer>* clauses = clauses_.data();
    const size_t n = n_;
    if (!has_two_phase_) {
      for (size_t i = first_essential_; i < n; ++i) {
        if (clauses[i]->doc() < target) clauses[i]->Advance(target);
      }
      return;
    }
    TwoPhase* const* two_phase = two_phase_.data();
    for (size_t i = first_essential_; i < n; ++i) {
      if (clauses[i]->doc() >= target) continue;
      if (two_phase[i] != nullptr) {
        two_phase[i]->AdvanceApproximate(target);
      } else {
        clauses[i]->Advance(target);
      }
    }
  }
  void NextApproximate(size_t i) {
    if (two_phase_[i] != nullptr) {
      two_phase_[i]->NextApproximate();
    } else {
      clauses_[i]->Next();
    }
  }
  // The essential clauses in a heap by document (from kHeapClauses clauses on). An
  // entry keeps the document its clause stood on when pushed: a clause that has left the
  // essential set since may be moved by PrunedByNonEssential without disturbing the heap's
  // order, and is dropped when it comes to the top.
  struct HeapEntry {
    uint32_t doc;
    uint32_t clause;
    bool operator>(const HeapEntry& other) const { return doc > other.doc; }
  };
  void BuildHeap() {
    heap_.clear();
    for (size_t i = first_essential_; i < n_; ++i) PushHeap(i);
  }
  // Pushes clause `i` at the document it stands on; an exhausted clause is left out.
  void PushHeap(size_t i) {
    const uint32_t doc = clauses_[i]->doc();
    if (doc == kNoMoreDocs) return;
    heap_.push_back({doc, static_cast<uint32_t>(i)});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<HeapEntry>());
  }
  size_t PopHeap() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<HeapEntry>());
    const size_t i = heap_.back().clause;
    heap_.pop_back();
    return i;
  }
  // The smallest document of an essential clause, dropping the entries of clauses that left
  // the essential set.
  uint32_t HeapTop() {
    while (!heap_.empty() && heap_.front().clause < first_essential_) PopHeap();
    return heap_.empty() ? kNoMoreDocs : heap_.front().doc;
  }
  bool ScoreEssentialFromHeap(uint32_t doc, bool skip, double* score);
  // With one essential clause left (the usual state once the top k fill up with a rare word
  // and a common one): the rest of that clause's block scored as a batch, then each document
  // bounded and completed by the others as one at a time. False when nothing more can compete.
  [[gnu::noinline]] bool CollectEssentialBatch();

  // Block-max over the whole query, for the window starting at `doc`: `doc` if the window can
  // compete, else the first document after it (kNoMoreDocs: none).
  uint32_t SkipWindow(uint32_t doc);
  // Scores the essential clauses on `doc` into *score and moves them past it; false when the
  // document is out (deleted, excluded, or no candidate confirmed).
  template <bool kHeap>
  bool ScoreEssential(uint32_t doc, double* score);
  bool ScoreEssentialTwoPhase(uint32_t doc, bool skip, double* score);
  bool PassesChecks(uint32_t doc) const {
    for (const DocPredicate* check : checks_)
      if (!check->Matches(doc)) return false;
    return true;
  }
  // Adds the non-essential clauses that match `doc` to *score, unless the bounds of their
  // blocks show first that `doc` cannot compete: then true.
  bool PrunedByNonEssential(uint32_t doc, double* score) {
    // Inline: most documents stop at one of these two tests (every clause essential, or the
    // global bounds), and a call per document costs more than the tests themselves.
    if (first_essential_ == 0) return false;
    if (*score + upto_[first_essential_ - 1] <= threshold_) return true;
    return PrunedByNonEssentialBlocks(doc, score);
  }
  // PrunedByNonEssential past the global bounds: the block bounds, then the clauses' scores.
  [[gnu::always_inline]] inline bool PrunedByNonEssentialBlocks(uint32_t doc, double* score);

  const uint32_t segment_;
  const roaring_bitmap_t* const deleted_;
  TopKCollector* const collector_;
  QueryStop* const stop_;
  size_t n_ = 0;
  std::vector<std::unique_ptr<Scorer>> clauses_;  // by increasing MaxScore()
  // Parallel to clauses_, never null: a clause without block bounds gets its global bound
  // (NewGlobalBounds, owned by global_bounds_), so the per-window and per-document loops call
  // every clause's bounds alike.
  std::vector<BlockBounds*> bounds_;
  std::vector<std::unique_ptr<BlockBounds>> global_bounds_;
  std::vector<TwoPhase*> two_phase_;  // parallel to clauses_; null: every candidate matches
  bool has_two_phase_ = false;
  // The clauses of each required group, to check that a candidate matches every group.
  std::vector<std::vector<size_t>> members_;
  Scorer* excluded_ = nullptr;
  std::unique_ptr<Scorer> excluded_owner_;
  std::vector<const DocPredicate*> checks_;
  std::vector<double> upto_;        // upto_[i]: the bound of clauses 0..i together
  std::vector<double> block_upto_;  // the same over the blocks holding the current document
  double threshold_ = 0;
  size_t first_essential_ = 0;
  uint32_t window_end_ = kNoMoreDocs;  // none yet
  double window_bound_ = 0;            // over the window up to window_end_
  std::vector<size_t> at_doc_;         // the essential clauses on the current document
  std::vector<char> on_doc_;           // by clause: confirmed on the current document
  // Many clauses: the essential ones are found through heap_ rather than by a look at each,
  // and block-max windows are not used (see Init).
  bool use_heap_ = false;
  std::vector<HeapEntry> heap_;
  // Documents need no test besides the clauses' (no required group, exclusion, check or
  // two-phase clause), so the last clause, alone essential, may be scored in batches; cleared
  // when that clause has none.
  bool batches_ = false;
  bool batch_now_ = false;  // batches_, and one essential clause left
};

bool MaxScore::Init(MaxScoreQuery query) {
  n_ = query.clauses.size();
  std::vector<size_t> order(n_);
  for (size_t i = 0; i < n_; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return query.clauses[a]->MaxScore() < query.clauses[b]->MaxScore();
  });
  members_.resize(query.num_groups);
  upto_.resize(n_);
  block_upto_.resize(n_);
  on_doc_.assign(n_, false);
  double sum = 0;
  for (size_t i : order) {
    Scorer* c = query.clauses[i].get();
    const size_t at = clauses_.size();
    if (query.group[i] >= 0) members_[static_cast<size_t>(query.group[i])].push_back(at);
    upto_[at] = sum += c->MaxScore();
    BlockBounds* bounds = c->block_bounds();
    if (bounds == nullptr)
      bounds = global_bounds_.emplace_back(NewGlobalBounds(c->MaxScore())).get();
    bounds_.push_back(bounds);
    two_phase_.push_back(c->two_phase());
    has_two_phase_ |= two_phase_.back() != nullptr;
    clauses_.push_back(std::move(query.clauses[i]));
  }
  excluded_owner_ = std::move(query.excluded);
  excluded_ = excluded_owner_.get();
  checks_ = std::move(query.checks);
  for (const auto& m : members_)
    if (m.empty()) return false;
  // Required groups move clauses outside the heap (LeapfrogGroups), and two-phase clauses stop
  // on candidates: both keep the scan. Block-max windows are left out with the heap: bounding a
  // window costs a look at every clause, and with thousands of clauses the window up to the
  // first of their block ends is a document or two wide, so that would cost as much per
  // document as the heap saves.
  use_heap_ = n_ >= kHeapClauses && members_.empty() && !has_two_phase_;
  batches_ = !use_heap_ && members_.empty() && !has_two_phase_ && excluded_ == nullptr &&
             checks_.empty();
  threshold_ = collector_->threshold();
  UpdateEssential();
  if (use_heap_) BuildHeap();
  return true;
}

template <bool kHeap>
void MaxScore::Collect() {
  LoopStop loop_stop(stop_);
  while (first_essential_ < n_) {
    const uint32_t doc = EssentialDoc<kHeap>();
    if (doc == kNoMoreDocs || loop_stop.Tick()) break;
    if (!kHeap && collector_->full() && (doc > window_end_ || window_end_ == kNoMoreDocs)) {
      const uint32_t resume = SkipWindow(doc);
      if (resume == kNoMoreDocs) break;
      if (resume != doc) {
        AdvanceEssential<kHeap>(resume);
        continue;
      }
    }
    if (!kHeap && batch_now_) {
      if (!CollectEssentialBatch()) break;
      continue;
    }
    if (!members_.empty()) {
      const uint32_t next = LeapfrogGroups(clauses_, members_, first_essential_, doc);
      if (next == kNoMoreDocs) break;
      if (next != doc) {
        AdvanceEssential<kHeap>(next);
        continue;
      }
    }
    double score = 0;
    if (!ScoreEssential<kHeap>(doc, &score) || PrunedByNonEssential(doc, &score)) continue;
    if (collector_->Offer(score, segment_, doc)) {
      threshold_ = collector_->threshold();
      UpdateEssential();
    }
  }
}

uint32_t MaxScore::SkipWindow(uint32_t doc) {
  // The blocks of all clauses holding `doc` bound every document up to the first of their
  // ends. If that cannot reach the threshold, the window is skipped; otherwise it is not
  // looked at again until `doc` leaves it.
  // An essential clause past `doc` stands on its next candidate and adds nothing before it:
  // the narrower window up to there has a lower bound (which lets a dense clause's blocks be
  // skipped between the matches of a rare one, as a title's between a body's).
  const std::unique_ptr<Scorer>* clauses = clauses_.data();
  BlockBounds* const* bounds = bounds_.data();
  const size_t n = n_, first_essential = first_essential_;
  double window_bound = 0, near_bound = 0;
  uint32_t window_end = kNoMoreDocs - 1, near_end = kNoMoreDocs - 1;
  for (size_t i = 0; i < n; ++i) {
    const double bound = bounds[i]->BlockMaxScoreAt(doc);
    const uint32_t end = bounds[i]->ShallowBlockEnd();
    window_bound += bound;
    window_end = std::min(window_end, end);
    if (i >= first_essential && clauses[i]->doc() > doc) {
      near_end = std::min(near_end, clauses[i]->doc() - 1);
    } else {
      near_bound += bound;
      near_end = std::min(near_end, end);
    }
  }
  const double threshold = threshold_;
  window_bound_ = window_bound;
  if (window_bound > threshold && near_bound <= threshold) window_end = near_end;
  // The window holds `doc`; only a damaged block table ends a block before it, and a skip to
  // there would stand still forever.
  window_end = std::max(window_end, doc);
  window_end_ = window_end;
  if (window_bound > threshold && near_bound > threshold) return doc;
  return window_end >= kNoMoreDocs - 1 ? kNoMoreDocs : window_end + 1;
}

template <bool kHeap>
bool MaxScore::ScoreEssential(uint32_t doc, double* score) {
  const bool skip = (deleted_ != nullptr && roaring_bitmap_contains(deleted_, doc)) ||
                    (excluded_ != nullptr && excluded_->Advance(doc) == doc) || !PassesChecks(doc);
  if (has_two_phase_) return ScoreEssentialTwoPhase(doc, skip, score);
  if constexpr (kHeap) return ScoreEssentialFromHeap(doc, skip, score);
  // Clause scores are summed from the last clause down to the first, essential ones here and
  // the others after (PrunedByNonEssential), so that a document's score is the same sum in the
  // same order wherever the pivot stands: floating-point addition is not associative, and a
  // search-after cursor compares scores exactly across searches whose thresholds differ.
  const std::unique_ptr<Scorer>* clauses = clauses_.data();
  double sum = *score;
  for (size_t i = n_, first = first_essential_; i-- > first;) {
    if (clauses[i]->doc() == doc) {
      if (!skip) sum += clauses[i]->Score();
      clauses[i]->Next();
    }
  }
  *score = sum;
  return !skip;
}

bool MaxScore::ScoreEssentialFromHeap(uint32_t doc, bool skip, double* score) {
  at_doc_.clear();
  while (HeapTop() == doc) at_doc_.push_back(PopHeap());
  // Summed from the last clause down, as the scan does, so that a document scores the same
  // bits either way.
  std::sort(at_doc_.begin(), at_doc_.end(), std::greater<size_t>());
  double sum = *score;
  for (size_t i : at_doc_) {
    if (!skip) sum += clauses_[i]->Score();
    clauses_[i]->Next();
    PushHeap(i);
  }
  *score = sum;
  return !skip;
}

bool MaxScore::ScoreEssentialTwoPhase(uint32_t doc, bool skip, double* score) {
  at_doc_.clear();
  bool unconfirmed = false;
  for (size_t i = first_essential_; i < n_; ++i) {
    if (clauses_[i]->doc() == doc) {
      at_doc_.push_back(i);
      unconfirmed |= two_phase_[i] != nullptr;
    }
  }
  if (!skip && unconfirmed) {
    // Bound the candidate before any clause on it is confirmed; then drop the clauses that do
    // not match, and the document if no essential clause or not every group is left.
    double bound = first_essential_ > 0 ? upto_[first_essential_ - 1] : 0;
    for (size_t i : at_doc_) {
      bound +=
          two_phase_[i] != nullptr ? two_phase_[i]->ApproximateBound() : bounds_[i]->DocBound();
    }
    if (bound > threshold_) {
      size_t kept = 0;
      for (size_t i : at_doc_) {
        if (two_phase_[i] == nullptr || two_phase_[i]->Confirm()) {
          at_doc_[kept++] = i;
        } else {
          two_phase_[i]->NextApproximate();
        }
      }
      at_doc_.resize(kept);
      unconfirmed = at_doc_.empty() ||
                    !GroupsMatch(clauses_, members_, first_essential_, at_doc_, doc, &on_doc_);
    }
  }
  if (skip || unconfirmed) {
    for (size_t i : at_doc_) NextApproximate(i);
    return false;
  }
  // From the last clause down, as ScoreEssential sums.
  for (size_t j = at_doc_.size(); j-- > 0;) {
    *score += clauses_[at_doc_[j]]->Score();
    NextApproximate(at_doc_[j]);
  }
  return true;
}

bool MaxScore::CollectEssentialBatch() {
  uint32_t docs[Scorer::kBatchSize];
  double scores[Scorer::kBatchSize];
  // Once k documents are held, up to the end of the window SkipWindow bounded at the clause's
  // document (Collect asked it first), so that the next window is bounded before its
  // documents are looked at.
  const uint32_t last = collector_->full() ? window_end_ : kNoMoreDocs - 1;
  const size_t n = clauses_[n_ - 1]->ScoreBatch(last, docs, scores);
  if (n == 0) {  // the clause stands on a document within the window, so it has no batches
    batches_ = batch_now_ = false;
    return true;
  }
  if (StopRequested(stop_, static_cast<int64_t>(n))) return false;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t doc = docs[i];
    if (deleted_ != nullptr && roaring_bitmap_contains(deleted_, doc)) continue;
    // The same sum, in the same order, as ScoreEssential then PrunedByNonEssential make.
    double score = 0;
    score += scores[i];
    if (PrunedByNonEssential(doc, &score)) continue;
    if (collector_->Offer(score, segment_, doc)) {
      threshold_ = collector_->threshold();
      UpdateEssential();
      if (first_essential_ == n_) return false;
    }
  }
  return true;
}

inline bool MaxScore::PrunedByNonEssentialBlocks(uint32_t doc, double* score) {
  const size_t first_essential = first_essential_;
  const double threshold = threshold_;
  double sum = *score;
  // Block-max MaxScore: a document that survives the clauses' global bounds is bounded again
  // by the blocks of the non-essential clauses that hold it (block_upto_[i]: clauses 0..i),
  // looked up without decoding, before any of them is advanced and scored.
  const std::unique_ptr<Scorer>* clauses = clauses_.data();
  BlockBounds* const* bounds = bounds_.data();
  double* block_upto = block_upto_.data();
  double bound = 0;
  for (size_t i = 0; i < first_essential; ++i)
    block_upto[i] = bound += bounds[i]->BlockMaxScoreAt(doc);
  for (size_t i = first_essential; i-- > 0;) {
    if (sum + block_upto[i] <= threshold) return true;
    if (clauses[i]->Advance(doc) == doc) sum += clauses[i]->Score();
  }
  *score = sum;
  return false;
}

}  // namespace

void CollectMaxScore(MaxScoreQuery query, uint32_t segment, const roaring_bitmap_t* deleted,
                     TopKCollector* collector, QueryStop* stop) {
  if (query.clauses.empty()) return;
  MaxScore max_score(segment, deleted, collector, stop);
  if (max_score.Init(std::move(query))) max_score.Run();
}

}  // namespace trawl

#include "searcher/scorer.h"

#include <algorithm>
#include <cassert>
#include <queue>

namespace trawl {

namespace {

double Bm25Bound(const Bm25& bm25, double max_tf, uint32_t min_length) {
  return bm25.Score(max_tf, min_length) * kBoundSlack;
}

// The first block from `from` on whose last docid is >= target (the last block if none is).
size_t BlockAtOrAfter(const PostingList& list, size_t from, uint32_t target) {
  const size_t n = list.num_blocks();
  size_t b = from;
  if (b + 1 < n && list.BlockLastDoc(b) < target) {
    // Gallop to a block ending at or after target, then binary search back to the first one.
    size_t step = 1, lo = b + 1, hi = b + 1;
    while (hi < n - 1 && list.BlockLastDoc(hi) < target) {
      lo = hi + 1;
      hi = std::min(n - 1, hi + step);
      step *= 2;
    }
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (list.BlockLastDoc(mid) < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    b = lo;
  }
  return b;
}

}  // namespace

TermScorer::TermScorer(std::unique_ptr<PostingList> list, const SegmentReader* segment,
                       uint32_t field_id, const Bm25& bm25)
    : list_(std::move(list)),
      cursor_(list_.get()),
      segment_(segment),
      field_id_(field_id),
      bm25_(bm25),
      max_score_(Bm25Bound(bm25, list_->info().max_tf, list_->info().min_length)),
      shallow_bound_(max_score_) {
  doc_ = cursor_.doc();
}

double TermScorer::BlockMaxScoreAt(uint32_t target) {
  if (target <= shallow_last_doc_) return shallow_bound_;
  const size_t b = shallow_block_ = BlockAtOrAfter(*list_, shallow_block_, target);
  const PostingList::BlockInfo info = list_->block(b);
  if (info.last_doc < target) {  // past the last posting: nothing more to score
    shallow_last_doc_ = kNoMoreDocs;
    shallow_bound_ = 0;
  } else {
    shallow_last_doc_ = info.last_doc;
    shallow_bound_ = std::min(max_score_, BlockBound(info));
  }
  return shallow_bound_;
}

Bm25fTermScorer::Bm25fTermScorer(std::vector<Field> fields, const SegmentReader* segment,
                                 const Bm25f& bm25f)
    : fields_(std::move(fields)), segment_(segment), bm25f_(bm25f) {
  double max_tf = 0;
  for (const Field& f : fields_) {
    cursors_.push_back(std::make_unique<PostingCursor>(f.list.get()));
    max_tf += f.params.Tf(f.list->info().max_tf, f.list->info().min_length);
    cost_ += f.list->doc_freq();
  }
  max_score_ = bm25f_.Score(max_tf) * kBoundSlack;
  doc_ = MinDoc();
}

uint32_t Bm25fTermScorer::MinDoc() const {
  uint32_t m = kNoMoreDocs;
  for (const auto& c : cursors_) m = std::min(m, c->doc());
  return m;
}

uint32_t Bm25fTermScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  for (auto& c : cursors_)
    if (c->doc() == doc_) c->Next();
  return doc_ = MinDoc();
}

uint32_t Bm25fTermScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  for (auto& c : cursors_) c->Advance(target);
  return doc_ = MinDoc();
}

double Bm25fTermScorer::Score() {
  double combined = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (cursors_[i]->doc() != doc_) continue;
    combined += fields_[i].params.Tf(cursors_[i]->freq(),
                                     segment_->FieldLength(fields_[i].field_id, doc_));
  }
  return bm25f_.Score(combined);
}

std::vector<Bm25fTermScorer::Part> Bm25fTermScorer::Parts() {
  std::vector<Part> parts;
  for (size_t i = 0; i < fields_.size(); ++i) {
    Part p{0, segment_->FieldLength(fields_[i].field_id, doc_), 0};
    if (cursors_[i]->doc() == doc_) {
      p.tf = cursors_[i]->freq();
      p.combined = fields_[i].params.Tf(p.tf, p.dl);
    }
    parts.push_back(p);
  }
  return parts;
}

uint32_t Bm25fTermScorer::BlockEnd() {
  uint32_t end = kNoMoreDocs - 1;
  for (const auto& c : cursors_)
    if (c->doc() != kNoMoreDocs) end = std::min(end, c->current_block().last_doc);
  return end;
}

double Bm25fTermScorer::BlockMaxScore() {
  // Up to BlockEnd(), every field's matches lie in its current block.
  double max_tf = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (cursors_[i]->doc() == kNoMoreDocs) continue;
    const PostingList::BlockInfo b = cursors_[i]->current_block();
    max_tf += BlockImpactBound(b, [&](uint32_t tf, uint32_t length) {
      return fields_[i].params.Tf(tf, length);
    });
  }
  return bm25f_.Score(max_tf) * kBoundSlack;
}

PhraseScorer::PhraseScorer(std::vector<Term> terms, uint32_t slop, const SegmentReader* segment,
                           uint32_t field_id, const Bm25& bm25, Need need)
    : terms_(std::move(terms)),
      slop_(slop),
      segment_(segment),
      field_id_(field_id),
      bm25_(bm25),
      need_(need) {
  // Cursors in phrase order; the conjunction visits them rarest first through order_.
  uint32_t min_max_tf = UINT32_MAX, max_min_length = 0;
  double sum_max_tf = 0;
  cost_ = UINT64_MAX;
  for (const Term& t : terms_) {
    cursors_.emplace_back(t.list.get());
    offsets_.push_back(t.offset);
    min_max_tf = std::min(min_max_tf, t.list->info().max_tf);
    sum_max_tf += t.list->info().max_tf;
    max_min_length = std::max(max_min_length, t.list->info().min_length);
    cost_ = std::min<uint64_t>(cost_, t.list->doc_freq());
  }
  // An exact phrase occurs at most as often as its rarest-in-document term; a sloppy one can
  // count a match per advance of any term.
  const double max_freq = slop_ == 0 ? min_max_tf : sum_max_tf;
  max_score_ = Bm25Bound(bm25_, max_freq, max_min_length);
  for (size_t i = 0; i < terms_.size(); ++i) rarest_first_.push_back(i);
  std::sort(rarest_first_.begin(), rarest_first_.end(), [&](size_t a, size_t b) {
    return terms_[a].list->doc_freq() < terms_[b].list->doc_freq();
  });
  if (slop_ == 0) {
    streams_.resize(terms_.size());
    fewest_first_ = rarest_first_;
  } else {
    positions_.resize(terms_.size());
  }
  doc_ = FindMatch(AlignCursors(0));
}

// Leapfrogs the cursors to the next document >= target that contains every term.
uint32_t PhraseScorer::AlignCursors(uint32_t target) {
  uint32_t candidate = target;
  for (;;) {
    bool aligned = true;
    for (size_t i : rarest_first_) {
      uint32_t d = cursors_[i].Advance(candidate);
      if (d == kNoMoreDocs) return kNoMoreDocs;
      if (d != candidate) {
        candidate = d;
        aligned = false;
        break;
      }
    }
    if (aligned) return candidate;
  }
}

void PhraseScorer::LoadWindow(uint32_t target) {
  window_blocks_.resize(terms_.size(), 0);
  window_last_ = kNoMoreDocs - 1;
  window_bound_ = max_score_;
  for (size_t i = 0; i < terms_.size(); ++i) {
    const PostingList& list = *terms_[i].list;
    const size_t b = window_blocks_[i] = BlockAtOrAfter(list, window_blocks_[i], target);
    const PostingList::BlockInfo info = list.block(b);
    if (info.last_doc < target) {  // a term has no posting left: neither has the phrase
      window_last_ = kNoMoreDocs - 1;
      window_bound_ = 0;
      return;
    }
    window_last_ = std::min(window_last_, info.last_doc);
    window_bound_ = std::min(window_bound_, BlockImpactBound(info, [&](uint32_t tf, uint32_t len) {
                                              return bm25_.Score(tf, len);
                                            }) * kBoundSlack);
  }
}

double PhraseScorer::ApproximateBound() {
  if (slop_ != 0) return max_score_;
  // An exact phrase occurs at most as often as its least frequent term.
  uint32_t min_tf = UINT32_MAX;
  for (PostingCursor& c : cursors_) min_tf = std::min(min_tf, c.freq());
  return bm25_.Score(min_tf, segment_->FieldLength(field_id_, doc_)) * kBoundSlack;
}

bool PhraseScorer::Confirm() {
  assert(doc_ != kNoMoreDocs);  // only a candidate can be confirmed
  if (confirmed_) return doc_ != kNoMoreDocs;
  freq_ = PhraseFreq(need_ == Need::kOccurrence);
  return confirmed_ = freq_ > 0;
}

uint32_t PhraseScorer::NextApproximate() {
  if (doc_ == kNoMoreDocs) return doc_;
  doc_ = NextCandidate();
  confirmed_ = doc_ == kNoMoreDocs;
  return doc_;
}

uint32_t PhraseScorer::AdvanceApproximate(uint32_t target) {
  if (target <= doc_) return doc_;
  doc_ = AlignCursors(target);
  confirmed_ = doc_ == kNoMoreDocs;
  return doc_;
}

uint32_t PhraseScorer::FindMatch(uint32_t candidate) {
  while (candidate != kNoMoreDocs) {
    if (slop_ == 0 && min_competitive_ >= 0) {
      // Whole windows of blocks that cannot compete are skipped before any frequency is read.
      WindowAt(candidate);
      if (window_bound_ <= min_competitive_) {
        candidate = window_last_ >= kNoMoreDocs - 1 ? kNoMoreDocs : AlignCursors(window_last_ + 1);
        continue;
      }
      // When even the least frequent term cannot compete, the positions are never read.
      doc_ = candidate;
      if (ApproximateBound() <= min_competitive_) {
        candidate = NextCandidate();
        continue;
      }
    }
    freq_ = PhraseFreq(need_ == Need::kOccurrence);
    if (freq_ > 0) return candidate;
    candidate = NextCandidate();
  }
  return kNoMoreDocs;
}

uint32_t PhraseScorer::NextCandidate() {
  // Every cursor stands on the current document: the rarest steps to its next one (cheaper
  // than an Advance to the document after), and the others follow.
  const uint32_t next = cursors_[rarest_first_.front()].Next();
  return next == kNoMoreDocs ? kNoMoreDocs : AlignCursors(next);
}

double PhraseScorer::PhraseFreq(bool first_only) {
  if (slop_ == 0) return ExactMatches(first_only ? 1 : UINT32_MAX);
  return SloppyFreq(first_only);
}

uint32_t PhraseScorer::ExactMatches(uint32_t limit) {
  const size_t n = cursors_.size();
  for (size_t i = 0; i < n; ++i)
    if (!cursors_[i].OpenPositions(&streams_[i])) return 0;
  // As a conjunction over docids, over each term's positions less its offset: led by the term
  // with the fewest positions in this document, the others, fewest first, skip to where it
  // stands, and are read no further than the last match needs (a common word may have
  // thousands in a document where the rare one has a few). A term that passes the lead's start
  // sends the lead after it before any further term is read.
  for (size_t k = 1; k < n; ++k) {
    const size_t i = fewest_first_[k];
    size_t j = k;
    for (; j > 0 && streams_[fewest_first_[j - 1]].left() > streams_[i].left(); --j)
      fewest_first_[j] = fewest_first_[j - 1];
    fewest_first_[j] = i;
  }
  const size_t lead = fewest_first_[0];
  uint64_t start = 0;  // the phrase start the terms are being aligned on
  uint32_t matches = 0;
  for (;;) {
    const uint64_t at = streams_[lead].Advance(start + offsets_[lead]);
    if (at == PositionStream::kEnd) return matches;
    start = at - offsets_[lead];
    size_t k = 1;
    for (; k < n; ++k) {
      const size_t i = fewest_first_[k];
      const uint64_t want = start + offsets_[i];
      const uint64_t there = streams_[i].Advance(want);
      if (there == PositionStream::kEnd) return matches;
      if (there != want) {
        start = there - offsets_[i];
        break;
      }
    }
    if (k == n) {
      if (++matches == limit) return matches;
      ++start;
    }
  }
}

double PhraseScorer::SloppyFreq(bool first_only) {
  const size_t n = cursors_.size();
  for (size_t i = 0; i < n; ++i) {
    if (!cursors_[i].Positions(&positions_[i]) || positions_[i].empty()) return 0;
  }
  // Sloppy: each term's "phrase position" is its position minus its offset in the phrase; a
  // match is a window holding one phrase position per term whose spread (the match length) is
  // at most slop, and contributes 1 / (1 + match length), as in Lucene.
  using Entry = std::pair<int64_t, size_t>;  // phrase position, term
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  std::vector<size_t> idx(n, 0);
  int64_t end = INT64_MIN;
  for (size_t i = 0; i < n; ++i) {
    int64_t v = static_cast<int64_t>(positions_[i][0]) - offsets_[i];
    end = std::max(end, v);
    heap.push({v, i});
  }
  double freq = 0;
  for (;;) {
    auto [start, i] = heap.top();
    heap.pop();
    const int64_t next = heap.empty() ? INT64_MAX : heap.top().first;
    int64_t match_length = end - start;
    bool exhausted = false;
    int64_t v = start;
    for (;;) {
      if (++idx[i] >= positions_[i].size()) {
        exhausted = true;
        break;
      }
      v = static_cast<int64_t>(positions_[i][idx[i]]) - offsets_[i];
      if (v > next) break;
      match_length = std::min(match_length, end - v);
    }
    if (match_length <= static_cast<int64_t>(slop_)) {
      freq += 1.0 / (1.0 + match_length);
      if (first_only) break;
    }
    if (exhausted) break;
    end = std::max(end, v);
    heap.push({v, i});
  }
  return freq;
}

uint32_t PhraseScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  confirmed_ = true;
  return doc_ = FindMatch(NextCandidate());
}

uint32_t PhraseScorer::Advance(uint32_t target) {
  if (target <= doc_ && (confirmed_ || Confirm())) return doc_;
  const uint32_t candidate = target <= doc_ ? NextCandidate() : AlignCursors(target);
  confirmed_ = true;
  return doc_ = FindMatch(candidate);
}

ProximityScorer::ProximityScorer(std::vector<Term> terms, const SegmentReader* segment,
                                 uint32_t field_id, Params params)
    : terms_(std::move(terms)), segment_(segment), field_id_(field_id), params_(std::move(params)) {
  const size_t n = terms_.size();
  inverse_sq_.assign(params_.window + 1, 0.0);
  double sum = 0;
  for (uint32_t d = 1; d <= params_.window; ++d)
    sum += inverse_sq_[d] = 1.0 / (static_cast<double>(d) * d);
  max_instances_ = 2 * sum;
  cursors_.reserve(n);
  uint64_t max_df = 0;
  for (const Term& t : terms_) {
    cursors_.emplace_back(t.list.get());
    cost_ += t.list->doc_freq();
    max_df = std::max<uint64_t>(max_df, t.list->doc_freq());
  }
  cost_ -= max_df;  // a co-occurrence holds some term other than the most frequent one
  for (size_t a = 0; a < n; ++a) {
    for (size_t b = a + 1; b < n; ++b) {
      const double weight = params_.PairWeight(terms_[a].index, terms_[b].index);
      if (weight > 0) pairs_.push_back({a, b, weight});
    }
  }
  for (const CursorPair& p : pairs_) {
    const TermInfo& a = terms_[p.a].list->info();
    const TermInfo& b = terms_[p.b].list->info();
    max_score_ += PairBound(p.weight, a.max_tf, b.max_tf, std::max(a.min_length, b.min_length));
  }
  positions_.resize(n);
  present_.assign(n, 0);
  shallow_blocks_.assign(n, 0);
  shallow_bound_ = max_score_;
  doc_ = FindCoOccurrence();
}

double ProximityScorer::PairScore(double weight, double acc, double norm) const {
  if (!(acc > 0)) return 0;  // also keeps k1 = 0 (norm 0) from dividing 0 by 0
  return weight * (params_.bm25.k1 + 1) * acc / (acc + norm);
}

double ProximityScorer::PairBound(double weight, uint32_t max_tf_a, uint32_t max_tf_b,
                                  uint32_t min_length) const {
  const double acc = max_instances_ * std::min(max_tf_a, max_tf_b);
  return PairScore(weight, acc, params_.bm25.Norm(min_length)) * kBoundSlack;
}

uint32_t ProximityScorer::FindCoOccurrence() {
  for (;;) {
    uint32_t first = kNoMoreDocs, second = kNoMoreDocs;
    size_t at = 0;
    for (size_t i = 0; i < cursors_.size(); ++i) {
      const uint32_t d = cursors_[i].doc();
      if (d < first) {
        second = first;
        first = d;
        at = i;
      } else if (d < second) {
        second = d;
      }
    }
    if (first == second || second == kNoMoreDocs) return second;
    // The only cursor on `first` cannot pair there: it skips to where another one stands.
    cursors_[at].Advance(second);
  }
}

uint32_t ProximityScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  for (auto& c : cursors_)
    if (c.doc() == doc_) c.Next();
  return doc_ = FindCoOccurrence();
}

uint32_t ProximityScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  for (auto& c : cursors_) c.Advance(target);
  return doc_ = FindCoOccurrence();
}

void ProximityScorer::LoadPositions() {
  for (size_t i = 0; i < cursors_.size(); ++i) {
    // Damaged positions contribute nothing, as they make a phrase not match.
    present_[i] = cursors_[i].doc() == doc_ && cursors_[i].Positions(&positions_[i]) &&
                  !positions_[i].empty();
  }
}

double ProximityScorer::PairInstances(const std::vector<uint32_t>& a,
                                      const std::vector<uint32_t>& b) const {
  // A sliding window over b: each position holds one token, so at most 2 · window + 1 of b's
  // occurrences are in reach of one of a's, and the pass is linear in both lists.
  const uint32_t window = params_.window;
  double acc = 0;
  size_t lo = 0;
  for (uint32_t p : a) {
    while (lo < b.size() && static_cast<uint64_t>(b[lo]) + window < p) ++lo;
    for (size_t k = lo; k < b.size() && b[k] <= p + static_cast<uint64_t>(window); ++k) {
      const uint32_t d = b[k] > p ? b[k] - p : p - b[k];
      acc += inverse_sq_[d];  // inverse_sq_[0] is 0: a shared position is no instance
    }
  }
  return acc;
}

double ProximityScorer::Score() {
  LoadPositions();
  const double norm = params_.bm25.Norm(field_length());
  double score = 0;
  for (const CursorPair& p : pairs_) {
    if (!present_[p.a] || !present_[p.b]) continue;
    score += PairScore(p.weight, PairInstances(positions_[p.a], positions_[p.b]), norm);
  }
  return score;
}

std::vector<ProximityScorer::Pair> ProximityScorer::Pairs() {
  LoadPositions();
  const double norm = params_.bm25.Norm(field_length());
  std::vector<Pair> pairs;
  for (const CursorPair& p : pairs_) {
    if (!present_[p.a] || !present_[p.b]) continue;
    const double acc = PairInstances(positions_[p.a], positions_[p.b]);
    if (acc > 0) pairs.push_back({terms_[p.a].index, terms_[p.b].index, acc,
                                  PairScore(p.weight, acc, norm)});
  }
  return pairs;
}

double ProximityScorer::BlockMaxScoreAt(uint32_t target) {
  if (target <= shallow_last_doc_) return shallow_bound_;
  const size_t n = terms_.size();
  // Per term, the block that would hold target; a term past its last posting has tf 0 from
  // here on, and pairs with it score nothing.
  block_max_tf_.assign(n, 0);
  block_min_length_.assign(n, 0);
  uint32_t last = kNoMoreDocs;
  for (size_t i = 0; i < n; ++i) {
    const PostingList& list = *terms_[i].list;
    const size_t b = shallow_blocks_[i] = BlockAtOrAfter(list, shallow_blocks_[i], target);
    const PostingList::BlockInfo info = list.block(b);
    if (info.last_doc < target) continue;
    block_max_tf_[i] = info.max_tf;
    block_min_length_[i] = info.min_length;
    last = std::min(last, info.last_doc);
  }
  double bound = 0;
  for (const CursorPair& p : pairs_) {
    if (block_max_tf_[p.a] == 0 || block_max_tf_[p.b] == 0) continue;
    bound += PairBound(p.weight, block_max_tf_[p.a], block_max_tf_[p.b],
                       std::max(block_min_length_[p.a], block_min_length_[p.b]));
  }
  shallow_last_doc_ = last;
  shallow_bound_ = std::min(max_score_, bound);
  return shallow_bound_;
}

BitmapScorer::BitmapScorer(roaring_bitmap_t* bitmap, double score)
    : bitmap_(bitmap), it_(roaring_create_iterator(bitmap)), score_(score) {
  cost_ = roaring_bitmap_get_cardinality(bitmap_);
  doc_ = it_->has_value ? it_->current_value : kNoMoreDocs;
}

BitmapScorer::~BitmapScorer() {
  roaring_free_uint32_iterator(it_);
  roaring_bitmap_free(bitmap_);
}

uint32_t BitmapScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  return doc_ = roaring_advance_uint32_iterator(it_) ? it_->current_value : kNoMoreDocs;
}

uint32_t BitmapScorer::Advance(uint32_t target) {
  if (target <= doc_) return doc_;
  return doc_ = roaring_move_uint32_iterator_equalorlarger(it_, target) ? it_->current_value
                                                                        : kNoMoreDocs;
}

ConjunctionScorer::ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : children_(std::move(children)) {
  std::sort(children_.begin(), children_.end(),
            [](const auto& a, const auto& b) { return a->Cost() < b->Cost(); });
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

ExclusionScorer::ExclusionScorer(std::unique_ptr<Scorer> required,
                                 std::unique_ptr<Scorer> excluded)
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

}  // namespace trawl

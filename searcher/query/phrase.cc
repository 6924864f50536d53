#include "searcher/query/phrase.h"

#include <algorithm>
#include <cassert>
#include <queue>

#include "searcher/explain.h"

namespace trawl {

PhraseScorer::PhraseScorer(std::vector<Term> terms, uint32_t slop, const SegmentReader* segment,
                           uint32_t field_id, const Bm25& bm25, Need need, QueryStop* stop)
    : terms_(std::move(terms)),
      slop_(slop),
      segment_(segment),
      field_id_(field_id),
      bm25_(bm25),
      need_(need),
      stop_(stop),
      stop_cost_(16 * static_cast<int64_t>(terms_.size())) {
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
    term_freqs_.resize(terms_.size());
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
  window_min_length_ = 0;
  cannot_compete_valid_ = false;
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
    window_min_length_ = std::max(window_min_length_, info.min_length);
  }
}

bool PhraseScorer::FreqCannotCompete(uint32_t tf) {
  if (!cannot_compete_valid_ || cannot_compete_threshold_ != min_competitive_) {
    cannot_compete_valid_ = true;
    cannot_compete_threshold_ = min_competitive_;
    cannot_compete_ = 0;
  }
  // Each frequency is judged on its own when first met, so the answer needs no assumption on
  // how BM25 rounds; most candidates then meet a frequency already judged.
  if (tf < 64 && (cannot_compete_ >> tf & 1) != 0) return true;
  if (Bm25Bound(bm25_, tf, window_min_length_) > min_competitive_) return false;
  if (tf < 64) cannot_compete_ |= uint64_t{1} << tf;
  return true;
}

uint32_t PhraseScorer::LeastTermFreq() {
  uint32_t min_tf = UINT32_MAX;
  for (PostingCursor& c : cursors_) min_tf = std::min(min_tf, c.freq());
  return min_tf;
}

double PhraseScorer::ApproximateBound() {
  if (slop_ != 0) return max_score_;
  return BoundAtItsLength(LeastTermFreq());
}

double PhraseScorer::BoundAtItsLength(uint32_t least_freq) const {
  // An exact phrase occurs at most as often as its least frequent term.
  return Bm25Bound(bm25_, least_freq, segment_->FieldLength(field_id_, doc_));
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
    // Candidates that do not match can run on for a whole segment within one Next(). Each
    // reads positions of every term: in QueryStop's units, tens of documents' work a term.
    if (StopRequested(stop_, stop_cost_)) return kNoMoreDocs;
    if (slop_ == 0 && min_competitive_ >= 0) {
      // Whole windows of blocks that cannot compete are skipped before any frequency is read.
      WindowAt(candidate);
      if (window_bound_ <= min_competitive_) {
        candidate = window_last_ >= kNoMoreDocs - 1 ? kNoMoreDocs : AlignCursors(window_last_ + 1);
        continue;
      }
      // When even the least frequent term cannot compete, the positions are never read. Most
      // such candidates are told by the frequency alone, at the window's shortest length
      // (every document in it is at least that long), before their own length is read.
      doc_ = candidate;
      const uint32_t min_tf = LeastTermFreq();
      if (FreqCannotCompete(min_tf) || BoundAtItsLength(min_tf) <= min_competitive_) {
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

inline uint32_t PhraseScorer::NextCandidate() {
  // Every cursor stands on the current document: the rarest steps to its next one (cheaper
  // than an Advance to the document after), and the others follow.
  const uint32_t next = cursors_[rarest_first_.front()].Next();
  return next == kNoMoreDocs ? kNoMoreDocs : AlignCursors(next);
}

double PhraseScorer::PhraseFreq(bool first_only) {
  if (slop_ == 0) {
    const uint32_t limit = first_only ? 1 : UINT32_MAX;
    return cursors_.size() == 2 ? ExactMatchesOfTwo(limit) : ExactMatches(limit);
  }
  return SloppyFreq(first_only);
}

uint32_t PhraseScorer::ExactMatches(uint32_t limit) {
  const size_t n = cursors_.size();
  // Streams are opened in fewest_first_ order, fewest_first_[0, opened) so far: a later term's
  // once the earlier ones align. Most candidates of a three-word phrase never have its first
  // two words in a row, and seeking a common word's positions costs more than reading its
  // frequency.
  for (size_t i = 0; i < n; ++i) term_freqs_[i] = cursors_[i].freq();
  // As a conjunction over docids, over each term's positions less its offset: led by the term
  // with the fewest positions in this document, the others, fewest first, skip to where it
  // stands, and are read no further than the last match needs (a common word may have
  // thousands in a document where the rare one has a few). A term that passes the lead's start
  // sends the lead after it before any further term is read.
  for (size_t k = 1; k < n; ++k) {
    const size_t i = fewest_first_[k];
    size_t j = k;
    for (; j > 0 && term_freqs_[fewest_first_[j - 1]] > term_freqs_[i]; --j)
      fewest_first_[j] = fewest_first_[j - 1];
    fewest_first_[j] = i;
  }
  const size_t lead = fewest_first_[0];
  if (!cursors_[lead].OpenPositions(&streams_[lead])) return 0;
  size_t opened = 1;
  uint64_t start = 0;  // the phrase start the terms are being aligned on
  uint32_t matches = 0;
  for (;;) {
    const uint64_t at = streams_[lead].Advance(start + offsets_[lead]);
    if (at == PositionStream::kEnd) return matches;
    start = at - offsets_[lead];
    size_t k = 1;
    for (; k < n; ++k) {
      const size_t i = fewest_first_[k];
      if (k == opened) {
        // Reached for the first time, so no match has been counted yet.
        if (!cursors_[i].OpenPositions(&streams_[i])) return 0;
        ++opened;
      }
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

uint32_t PhraseScorer::ExactMatchesOfTwo(uint32_t limit) {
  // ExactMatches' loop for two terms, both needed at once, with no list of terms to walk.
  if (!cursors_[0].OpenPositions(&streams_[0]) || !cursors_[1].OpenPositions(&streams_[1]))
    return 0;
  const size_t lead_index = streams_[1].left() < streams_[0].left() ? 1 : 0;
  PositionStream& lead = streams_[lead_index];
  PositionStream& other = streams_[1 - lead_index];
  const uint64_t lead_offset = offsets_[lead_index], other_offset = offsets_[1 - lead_index];
  uint64_t start = 0;
  uint32_t matches = 0;
  for (;;) {
    const uint64_t at = lead.Advance(start + lead_offset);
    if (at == PositionStream::kEnd) return matches;
    start = at - lead_offset;
    const uint64_t want = start + other_offset;
    const uint64_t there = other.Advance(want);
    if (there == PositionStream::kEnd) return matches;
    if (there != want) {
      start = there - other_offset;
      continue;
    }
    if (++matches == limit) return matches;
    ++start;
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

namespace {

class PhraseWeight final : public Weight {
 public:
  using Term = PhraseTerm;
  bool CountIsCheap() const override { return false; }
  PhraseWeight(const IndexContext& index, std::string field, std::vector<Term> terms, uint32_t slop,
               double idf_sum, double boost)
      : index_(index),
        field_(std::move(field)),
        terms_(std::move(terms)),
        slop_(slop),
        idf_(idf_sum),
        boost_(boost) {
    // As a term's: the boost scales the constant factor, hence scores and bounds alike.
    bm25_ = index.FieldBm25(*index.Field(field_), idf_sum);
    bm25_.weight *= boost;
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    std::unique_ptr<PhraseScorer> scorer;
    TRAWL_RETURN_IF_ERROR(MakePhraseScorer(seg, PhraseScorer::Need::kFrequency, &scorer));
    *out = std::move(scorer);
    return Status::OK();
  }
  // Counting and matching need only whether the phrase occurs in a document, not how often.
  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    if (deleted.bitmap != nullptr) return Weight::CountInSegment(seg, deleted, count);
    *count = 0;
    std::unique_ptr<PhraseScorer> scorer;
    TRAWL_RETURN_IF_ERROR(MakePhraseScorer(seg, PhraseScorer::Need::kOccurrence, &scorer));
    if (scorer)
      for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) ++*count;
    return Status::OK();
  }
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    std::unique_ptr<PhraseScorer> scorer;
    TRAWL_RETURN_IF_ERROR(MakePhraseScorer(seg, PhraseScorer::Need::kOccurrence, &scorer));
    std::vector<uint32_t> docs;
    if (scorer)
      for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) docs.push_back(d);
    *out = roaring_bitmap_of_ptr(docs.size(), docs.data());
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    for (const Term& t : terms_) terms->insert(t.text);
  }
  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* phrase = static_cast<PhraseScorer*>(s.get());
    std::string words;
    for (const Term& t : terms_) words += (words.empty() ? "" : " ") + t.text;
    out->push_back(Explained(
        phrase->Score(),
        field_ + ":\"" + words + "\"" + (slop_ ? "~" + std::to_string(slop_) : "") +
            " (BM25 phrase; idf summed over its terms" +
            (boost_ != 1 ? "; boost " + Fmt(boost_) : "") + ")",
        Bm25Details(bm25_, idf_, phrase->freq(), "phrase frequency",
                    index_.segments[seg]->FieldLength(index_.segments[seg]->FieldId(field_),
                                                      doc))));
    return Status::OK();
  }

 private:
  // *out stays null when a term is not in segment `seg`.
  Status MakePhraseScorer(size_t seg, PhraseScorer::Need need,
                          std::unique_ptr<PhraseScorer>* out) const {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    std::vector<PhraseScorer::Term> terms;
    uint32_t fid = 0;
    for (const Term& t : terms_) {
      const TermInSegments::Entry& e = t.entries.by_segment[seg];
      if (!e.found) return Status::OK();
      fid = e.field_id;
      auto list = std::make_unique<PostingList>();
      TRAWL_RETURN_IF_ERROR(reader.OpenPostings(e.info, list.get()));
      terms.push_back({std::move(list), t.offset});
    }
    *out = std::make_unique<PhraseScorer>(std::move(terms), slop_, &reader, fid, bm25_, need,
                                          index_.stop);
    return Status::OK();
  }

  const IndexContext& index_;
  std::string field_;
  std::vector<Term> terms_;
  uint32_t slop_;
  double idf_, boost_;
  Bm25 bm25_;
};

}  // namespace

std::unique_ptr<Weight> NewPhraseWeight(const IndexContext& index, std::string field,
                                        std::vector<PhraseTerm> terms, uint32_t slop,
                                        double idf_sum, double boost) {
  return std::make_unique<PhraseWeight>(index, std::move(field), std::move(terms), slop, idf_sum,
                                        boost);
}

}  // namespace trawl

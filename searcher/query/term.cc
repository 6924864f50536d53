#include "searcher/query/term.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "searcher/collector.h"
#include "searcher/explain.h"
#include "searcher/query_stop.h"

namespace trawl {

TermScorer::TermScorer(const SegmentReader& segment, uint32_t field_id, const Bm25& bm25)
    : lengths_(&segment, field_id), bm25_(bm25) {}

Status TermScorer::Open(const SegmentReader& segment, const TermInfo& info, uint32_t field_id,
                        const Bm25& bm25, std::unique_ptr<Scorer>* out) {
  std::unique_ptr<TermScorer> scorer(new TermScorer(segment, field_id, bm25));
  TRAWL_RETURN_IF_ERROR(segment.OpenPostings(info, &scorer->list_));
  scorer->cursor_.emplace(&scorer->list_);
  scorer->max_score_ = Bm25Bound(bm25, info.max_tf, info.min_length);
  scorer->shallow_bound_ = scorer->max_score_;
  scorer->doc_ = scorer->cursor_->doc();
  *out = std::move(scorer);
  return Status::OK();
}

double TermScorer::BlockMaxScoreAt(uint32_t target) {
  if (target <= shallow_last_doc_) return shallow_bound_;
  const size_t b = shallow_block_ = BlockAtOrAfter(list_, shallow_block_, target);
  const PostingList::BlockInfo info = list_.block(b);
  if (info.last_doc < target) {  // past the last posting: nothing more to score
    shallow_last_doc_ = kNoMoreDocs;
    shallow_bound_ = 0;
  } else {
    shallow_last_doc_ = info.last_doc;
    shallow_bound_ = std::min(max_score_, BlockBound(info));
  }
  return shallow_bound_;
}

// CollectAll's block-max loop for one posting list, a block at a time: a block whose bound
// does not beat a full collector's threshold is passed over; the others are decoded and scored
// whole (docids, frequencies, lengths, then scores, in tight loops), and their documents are
// offered in index order with the threshold of the moment. The same documents are offered with
// the same scores as posting by posting: a posting the per-posting loop would have passed over
// once the threshold rose within its block scores at most the block's bound, which is at most
// that threshold, so it is not offered here either.
size_t TermScorer::ScoreBatch(uint32_t last, uint32_t* docs, double* scores) {
  static_assert(kBatchSize >= kPostingBlockSize);
  uint32_t freqs[kPostingBlockSize], lengths[kPostingBlockSize];
  const size_t n = cursor_->ReadRestOfBlock(docs, freqs, last);
  doc_ = cursor_->doc();
  lengths_.GetMany(docs, n, lengths);
  for (size_t i = 0; i < n; ++i) scores[i] = bm25_.Score(freqs[i], lengths[i]);
  return n;
}

double TermScorer::FreqBound(uint32_t tf) const {
  // Every posting of the block has a tf <= and a length >= one of its impacts: a posting of
  // frequency tf is at least as long as the shortest impact of a frequency >= tf.
  const PostingList::BlockInfo& b = bound_info_;
  uint32_t min_length = b.min_length;
  if (b.num_impacts != 0) {
    uint32_t shortest = UINT32_MAX;
    for (uint32_t i = 0; i < b.num_impacts; ++i)
      if (b.impact_tf[i] >= tf) shortest = std::min(shortest, b.impact_length[i]);
    // No impact that high: a damaged block; the block's minimum is still a bound.
    if (shortest != UINT32_MAX) min_length = std::max(min_length, shortest);
  }
  return Bm25Bound(bm25_, tf, min_length);
}

size_t TermScorer::ReadPostingsAbove(double threshold, uint32_t* docs, uint32_t* freqs,
                                     size_t* read) {
  // Most postings have a small frequency: their verdicts are worked out once per block, up to
  // the block's largest frequency. Frequencies the block should not hold (0, or above its
  // largest) are kept rather than judged. Postings below the smallest frequency kept are left
  // out before their docids are read; the others are still judged one by one, as the bound
  // need not rise with the frequency (a higher one may come only with longer fields).
  constexpr uint32_t kSmallFreqs = 16;
  const uint32_t judged = std::min(bound_info_.max_tf, kSmallFreqs - 1);
  bool above[kSmallFreqs];
  bool all_above = true;
  uint32_t min_freq = kSmallFreqs;
  for (uint32_t tf = kSmallFreqs; tf-- > 0;) {
    above[tf] = tf == 0 || tf > judged || FreqBound(tf) > threshold;
    all_above = all_above && above[tf];
    if (above[tf] && tf > 0) min_freq = tf;
  }
  if (all_above && bound_info_.max_tf < kSmallFreqs)
    return *read = cursor_->ReadRestOfBlock(docs, freqs, kNoMoreDocs - 1);
  return cursor_->ReadRestOfBlockKept(
      min_freq,
      [&](uint32_t tf) { return tf < kSmallFreqs ? above[tf] : FreqBound(tf) > threshold; }, docs,
      freqs, read);
}

// Block by block. Until the collector is full, every posting is scored (ScoreBatch). Then a
// block whose bound does not beat the threshold is passed over; in the others, only postings
// whose frequency could beat it (FreqBound) have their lengths read and their scores computed.
// Reading a length is a random access into the field's lengths, and most postings of a block
// worth reading still have a frequency too small to enter the top k. The documents offered, and
// their scores, are those of scoring every posting: a score is at most its FreqBound, so a
// posting left out scores at most the threshold of the block's start, and the threshold only
// rises; a score at or below a full collector's threshold loses (documents come in index order,
// so a tie loses too) and is not offered.
bool TermScorer::CollectTopKAlone(uint32_t segment, const roaring_bitmap_t* deleted,
                                  TopKCollector* collector, QueryStop* stop) {
  uint32_t docs[kPostingBlockSize], freqs[kPostingBlockSize], lengths[kPostingBlockSize];
  double scores[kPostingBlockSize];
  uint32_t d = doc_;
  while (d != kNoMoreDocs) {
    if (!collector->full()) {
      const size_t n = ScoreBatch(kNoMoreDocs - 1, docs, scores);
      d = doc_;
      if (n == 0 || StopRequested(stop, static_cast<int64_t>(n))) break;
      // With deletions, some of the batch's best may not be offered: no floor.
      const double floor = deleted == nullptr ? collector->BatchFloor(scores, n)
                                              : -std::numeric_limits<double>::infinity();
      for (size_t i = 0; i < n; ++i) {
        if (scores[i] < floor) continue;
        if (deleted != nullptr && roaring_bitmap_contains(deleted, docs[i])) continue;
        if (!collector->full() || scores[i] > collector->threshold())
          collector->Offer(scores[i], segment, docs[i]);
      }
      continue;
    }
    LoadBlockBound();
    const double threshold = collector->threshold();
    if (block_bound_ <= threshold) {
      // A damaged block table may end a block before the document it holds: never step back.
      const uint32_t end = std::max(bound_last_doc_, d);
      d = doc_ = end >= kNoMoreDocs - 1 ? kNoMoreDocs : cursor_->Advance(end + 1);
      if (StopRequested(stop)) break;
      continue;
    }
    size_t read;
    const size_t n = ReadPostingsAbove(threshold, docs, freqs, &read);
    d = doc_ = cursor_->doc();
    if (read == 0 || StopRequested(stop, static_cast<int64_t>(read))) break;
    lengths_.GetMany(docs, n, lengths);
    for (size_t i = 0; i < n; ++i) {
      if (deleted != nullptr && roaring_bitmap_contains(deleted, docs[i])) continue;
      const double score = bm25_.Score(freqs[i], lengths[i]);
      if (score > collector->threshold()) collector->Offer(score, segment, docs[i]);
    }
  }
  return true;
}

namespace {

class TermWeight final : public Weight {
 public:
  TermWeight(const IndexContext& index, std::string field, std::string term, TermInSegments entries,
             double boost, uint64_t idf_doc_freq)
      : index_(index),
        field_(std::move(field)),
        term_(std::move(term)),
        entries_(std::move(entries)),
        df_(idf_doc_freq != 0 ? idf_doc_freq : entries_.doc_freq),
        boost_(boost) {
    const FieldInfo* f = index.Field(field_);
    idf_ = Bm25::Idf(IndexContext::DocCount(*f), df_);
    // The boost scales BM25's constant factor, so scores and every bound derived from it (list,
    // block and impact bounds) scale alike.
    bm25_ = index.FieldBm25(*f, idf_);
    bm25_.weight *= boost_;
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    const TermInSegments::Entry& e = entries_.by_segment[seg];
    if (!e.found) return Status::OK();
    return TermScorer::Open(reader, e.info, e.field_id, bm25_, out);
  }
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    RoaringView docids;
    TRAWL_RETURN_IF_ERROR(Docids(seg, &docids));
    *out = docids.ToRoaring();
    if (*out == nullptr) {
      return Status::Corruption(index_.segments[seg]->name() + ".post: damaged docid bitmap");
    }
    return Status::OK();
  }
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    *found = true;
    out->is_union = false;
    out->lists.resize(1);
    return Docids(seg, &out->lists[0]);
  }
  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* term = static_cast<TermScorer*>(s.get());
    const FieldInfo& f = *index_.Field(field_);
    out->push_back(Explained(
        term->Score(),
        field_ + ":" + term_ + " (BM25; df " + std::to_string(df_) + ", N " +
            std::to_string(IndexContext::DocCount(f)) +
            (boost_ != 1 ? ", boost " + Fmt(boost_) : "") + ")",
        Bm25Details(bm25_, idf_, term->freq(), "tf",
                    index_.segments[seg]->FieldLength(index_.segments[seg]->FieldId(field_),
                                                      doc))));
    return Status::OK();
  }
  // Without deletions, the count is the document frequency.
  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    if (deleted.bitmap != nullptr) return Weight::CountInSegment(seg, deleted, count);
    const TermInSegments::Entry& e = entries_.by_segment[seg];
    *count = e.found ? e.info.doc_freq : 0;
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override { terms->insert(term_); }

 private:
  // The term's docids in segment `seg`, read in place; empty when it is not there.
  Status Docids(size_t seg, RoaringView* out) const {
    *out = RoaringView();
    const TermInSegments::Entry& e = entries_.by_segment[seg];
    if (!e.found) return Status::OK();
    return index_.segments[seg]->OpenDocids(e.info, out);
  }

  const IndexContext& index_;
  std::string field_, term_;
  TermInSegments entries_;
  uint64_t df_;
  double boost_;
  double idf_;
  Bm25 bm25_;
};

}  // namespace

std::unique_ptr<Weight> NewTermWeight(const IndexContext& index, std::string field,
                                      std::string term, TermInSegments entries, double boost,
                                      uint64_t idf_doc_freq) {
  return std::make_unique<TermWeight>(index, std::move(field), std::move(term), std::move(entries),
                                      boost, idf_doc_freq);
}

}  // namespace trawl

#include "searcher/query/bm25f.h"

#include <algorithm>

#include "searcher/explain.h"

namespace trawl {

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
    combined +=
        fields_[i].params.Tf(cursors_[i]->freq(), segment_->FieldLength(fields_[i].field_id, doc_));
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
    max_tf += BlockImpactBound(
        b, [&](uint32_t tf, uint32_t length) { return fields_[i].params.Tf(tf, length); });
  }
  return bm25f_.Score(max_tf) * kBoundSlack;
}

namespace {

// One word in every default field at once, scored by BM25F (Bm25fTermScorer). The idf takes
// the largest document frequency over the fields and the largest N, as Lucene's
// CombinedFieldQuery does: the union's frequency would need a pass over every field's postings.
class Bm25fTermWeight final : public Weight {
 public:
  using FieldTerm = Bm25fFieldTerm;
  Bm25fTermWeight(const IndexContext& index, std::string term, std::vector<FieldTerm> fields,
                  uint64_t n, uint64_t df, double boost)
      : index_(index),
        term_(std::move(term)),
        fields_(std::move(fields)),
        n_(n),
        df_(df),
        boost_(boost) {
    // The boost scales the constant factor, hence scores and bounds alike.
    bm25f_.idf = Bm25::Idf(n, df) * boost;
    bm25f_.k1 = index.k1;
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    std::vector<Bm25fTermScorer::Field> fields;
    for (const FieldTerm& f : fields_) {
      const TermInSegments::Entry& e = f.entries.by_segment[seg];
      if (!e.found) continue;
      auto list = std::make_unique<PostingList>();
      TRAWL_RETURN_IF_ERROR(reader.OpenPostings(e.info, list.get()));
      fields.push_back({std::move(list), e.field_id, f.params});
    }
    if (!fields.empty())
      *out = std::make_unique<Bm25fTermScorer>(std::move(fields), &reader, bm25f_);
    return Status::OK();
  }
  // The union of the term's lists in its fields.
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    const SegmentReader& reader = *index_.segments[seg];
    out->is_union = true;
    out->lists.clear();
    for (const FieldTerm& f : fields_) {
      const TermInSegments::Entry& e = f.entries.by_segment[seg];
      if (!e.found) continue;
      out->lists.emplace_back();
      TRAWL_RETURN_IF_ERROR(reader.OpenDocids(e.info, &out->lists.back()));
    }
    if (out->lists.empty()) out->lists.emplace_back();  // in no field here: empty
    *found = true;
    return Status::OK();
  }
  Status Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const override {
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* term = static_cast<Bm25fTermScorer*>(s.get());
    std::vector<Explanation> details;
    details.push_back(Explained(Bm25::Idf(n_, df_), "idf"));
    double combined = 0;
    size_t i = 0;
    // Parts() covers the fields present in this segment, in fields_ order.
    const std::vector<Bm25fTermScorer::Part> parts = term->Parts();
    for (const FieldTerm& f : fields_) {
      if (!f.entries.by_segment[seg].found) continue;
      const Bm25fTermScorer::Part& p = parts[i++];
      combined += p.combined;
      details.push_back(Explained(
          p.combined, f.field + (f.term != term_ ? " (" + f.term + ")" : "") + ": weight " +
                          Fmt(f.params.weight) + " · tf " + Fmt(p.tf) +
                          " / (1 − b + b·dl/avgdl), b " + Fmt(f.params.b) + ", dl " + Fmt(p.dl) +
                          ", avgdl " + Fmt(f.params.avgdl)));
    }
    details.push_back(Explained(
        combined, "tf~ (sum), k1 " + Fmt(bm25f_.k1) + ": idf·(k1+1)·tf~/(k1 + tf~)"));
    out->push_back(Explained(term->Score(),
                             term_ + " (BM25F over " + std::to_string(fields_.size()) +
                                 " fields; df " + std::to_string(df_) + ", N " +
                                 std::to_string(n_) +
                                 (boost_ != 1 ? ", boost " + Fmt(boost_) : "") + ")",
                             std::move(details)));
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    for (const FieldTerm& f : fields_) terms->insert(f.term);
  }

 private:
  const IndexContext& index_;
  std::string term_;
  std::vector<FieldTerm> fields_;
  uint64_t n_, df_;
  double boost_;
  Bm25f bm25f_;
};

}  // namespace

std::unique_ptr<Weight> NewBm25fTermWeight(const IndexContext& index, std::string term,
                                           std::vector<Bm25fFieldTerm> fields, uint64_t n,
                                           uint64_t df, double boost) {
  return std::make_unique<Bm25fTermWeight>(index, std::move(term), std::move(fields), n, df,
                                           boost);
}

}  // namespace trawl

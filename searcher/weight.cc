#include "searcher/weight.h"

#include <algorithm>
#include <cstdio>

#include "common/roaring_count.h"
#include "format/segment_format.h"

namespace trawl {

namespace {

// Matches nothing: query words that analyze to no token, fields no document has.
class EmptyWeight final : public Weight {
 public:
  Status MakeScorer(size_t, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>*) const override {}
  bool IsEmpty() const override { return true; }
};

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void Line(int depth, const std::string& text, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(text);
  out->push_back('\n');
}

// The BM25 terms of one field match, as a subtree.
void ExplainBm25(const Bm25& bm25, double idf, double tf, const char* tf_name, uint32_t dl,
                 int depth, std::string* out) {
  const double norm = bm25.Norm(dl);
  Line(depth + 1, Fmt(idf) + " idf" , out);
  Line(depth + 1, Fmt(tf) + " " + tf_name, out);
  Line(depth + 1, Fmt(dl) + " dl (field length), " + Fmt(bm25.avgdl) + " avgdl, k1 " +
                      Fmt(bm25.k1) + ", b " + Fmt(bm25.b) + ": tf·(k1+1)/(tf + " + Fmt(norm) +
                      ") = " + Fmt(tf * (bm25.k1 + 1) / (tf + norm)),
       out);
}

class TermWeight final : public Weight {
 public:
  TermWeight(const IndexContext& index, std::string field, std::string term, TermInSegments entries)
      : index_(index),
        field_(std::move(field)),
        term_(std::move(term)),
        entries_(std::move(entries)),
        df_(entries_.doc_freq) {
    const FieldInfo* f = index.Field(field_);
    bm25_ = index.FieldBm25(*f, Bm25::Idf(IndexContext::DocCount(*f), df_));
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    const TermInSegments::Entry& e = entries_.by_segment[seg];
    if (!e.found) return Status::OK();
    auto list = std::make_unique<PostingList>();
    TRAWL_RETURN_IF_ERROR(reader.OpenPostings(e.info, list.get()));
    *out = std::make_unique<TermScorer>(std::move(list), &reader, e.field_id, bm25_);
    return Status::OK();
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
  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* term = static_cast<TermScorer*>(s.get());
    *score = term->Score();
    const FieldInfo& f = *index_.Field(field_);
    Line(depth, Fmt(*score) + " " + field_ + ":" + term_ + " (BM25; df " + std::to_string(df_) +
                    ", N " + std::to_string(IndexContext::DocCount(f)) + ")",
         out);
    ExplainBm25(bm25_, bm25_.weight / (index_.k1 + 1), term->freq(), "tf", 
                index_.segments[seg]->FieldLength(index_.segments[seg]->FieldId(field_), doc),
                depth, out);
    return Status::OK();
  }
  // Without deletions, the count is the document frequency.
  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    if (deleted.bitmap != nullptr) return Weight::CountInSegment(seg, deleted, count);
    const TermInSegments::Entry& e = entries_.by_segment[seg];
    *count = e.found ? e.info.doc_freq : 0;
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    terms->insert(term_);
  }

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
  Bm25 bm25_;
};

// One word in every default field at once, scored by BM25F (searcher/scorer.h). The idf takes
// the largest document frequency over the fields and the largest N, as Lucene's
// CombinedFieldQuery does: the union's frequency would need a pass over every field's postings.
class Bm25fTermWeight final : public Weight {
 public:
  struct FieldTerm {
    std::string field;
    Bm25fField params;
    TermInSegments entries;  // the word in this field, looked up once
  };
  Bm25fTermWeight(const IndexContext& index, std::string term, std::vector<FieldTerm> fields,
                  uint64_t n, uint64_t df)
      : index_(index), term_(std::move(term)), fields_(std::move(fields)), n_(n), df_(df) {
    bm25f_.idf = Bm25::Idf(n, df);
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
    if (!fields.empty()) *out = std::make_unique<Bm25fTermScorer>(std::move(fields), &reader, bm25f_);
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
  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* term = static_cast<Bm25fTermScorer*>(s.get());
    *score = term->Score();
    Line(depth, Fmt(*score) + " " + term_ + " (BM25F over " + std::to_string(fields_.size()) +
                    " fields; df " + std::to_string(df_) + ", N " + std::to_string(n_) + ")",
         out);
    Line(depth + 1, Fmt(bm25f_.idf) + " idf", out);
    double combined = 0;
    size_t i = 0;
    // Parts() covers the fields present in this segment, in fields_ order.
    const std::vector<Bm25fTermScorer::Part> parts = term->Parts();
    for (const FieldTerm& f : fields_) {
      if (!f.entries.by_segment[seg].found) continue;
      const Bm25fTermScorer::Part& p = parts[i++];
      combined += p.combined;
      Line(depth + 1, Fmt(p.combined) + " " + f.field + ": weight " + Fmt(f.params.weight) +
                          " · tf " + Fmt(p.tf) + " / (1 − b + b·dl/avgdl), b " +
                          Fmt(f.params.b) + ", dl " + Fmt(p.dl) + ", avgdl " +
                          Fmt(f.params.avgdl),
           out);
    }
    Line(depth + 1, Fmt(combined) + " tf~ (sum), k1 " + Fmt(bm25f_.k1) +
                        ": idf·(k1+1)·tf~/(k1 + tf~)",
         out);
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    terms->insert(term_);
  }

 private:
  const IndexContext& index_;
  std::string term_;
  std::vector<FieldTerm> fields_;
  uint64_t n_, df_;
  Bm25f bm25f_;
};

class PhraseWeight final : public Weight {
 public:
  struct Term {
    std::string text;
    uint32_t offset;
    TermInSegments entries;
  };
  bool CountIsCheap() const override { return false; }
  PhraseWeight(const IndexContext& index, std::string field, std::vector<Term> terms,
               uint32_t slop, double idf_sum)
      : index_(index), field_(std::move(field)), terms_(std::move(terms)), slop_(slop) {
    bm25_ = index.FieldBm25(*index.Field(field_), idf_sum);
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
  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* phrase = static_cast<PhraseScorer*>(s.get());
    *score = phrase->Score();
    std::string words;
    for (const Term& t : terms_) words += (words.empty() ? "" : " ") + t.text;
    Line(depth, Fmt(*score) + " " + field_ + ":\"" + words + "\"" +
                    (slop_ ? "~" + std::to_string(slop_) : "") + " (BM25 phrase; idf summed over its terms)",
         out);
    ExplainBm25(bm25_, bm25_.weight / (index_.k1 + 1), phrase->freq(), "phrase frequency",
                index_.segments[seg]->FieldLength(index_.segments[seg]->FieldId(field_), doc),
                depth, out);
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
    *out = std::make_unique<PhraseScorer>(std::move(terms), slop_, &reader, fid, bm25_, need);
    return Status::OK();
  }

  const IndexContext& index_;
  std::string field_;
  std::vector<Term> terms_;
  uint32_t slop_;
  Bm25 bm25_;
};

// The term proximity of a bag of words in one field (ProximityScorer). It adds to the scores of
// documents its words' own clauses match, and matches nothing by itself: its match set is empty,
// so counts and filters are those of the words.
class ProximityWeight final : public Weight {
 public:
  ProximityWeight(const IndexContext& index, std::string field, std::vector<std::string> terms,
                  std::vector<double> pair_weight)
      : index_(index), field_(std::move(field)), terms_(std::move(terms)) {
    params_.window = index.proximity_window;
    params_.bm25 = index.FieldBm25(*index.Field(field_), 0);
    params_.num_terms = terms_.size();
    params_.pair_weight = std::move(pair_weight);
  }
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    const SegmentReader& reader = *index_.segments[seg];
    std::vector<ProximityScorer::Term> terms;
    uint32_t fid = 0;
    for (size_t i = 0; i < terms_.size(); ++i) {
      TermInfo info;
      bool found;
      TRAWL_RETURN_IF_ERROR(FindTerm(reader, field_, terms_[i], &info, &fid, &found));
      if (!found) continue;
      auto list = std::make_unique<PostingList>();
      TRAWL_RETURN_IF_ERROR(reader.OpenPostings(info, list.get()));
      terms.push_back({std::move(list), i});
    }
    if (terms.size() < 2) return Status::OK();
    auto scorer = std::make_unique<ProximityScorer>(std::move(terms), &reader, fid, params_);
    if (scorer->doc() != kNoMoreDocs) *out = std::move(scorer);
    return Status::OK();
  }
  Status MatchBitmap(size_t, roaring_bitmap_t** out) const override {
    *out = roaring_bitmap_create();
    return Status::OK();
  }
  Status CountInSegment(size_t, const DeletedDocs&, uint64_t* count) const override {
    *count = 0;
    return Status::OK();
  }
  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    std::unique_ptr<Scorer> s;
    TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
    if (!s || s->Advance(doc) != doc) return Status::OK();
    auto* proximity = static_cast<ProximityScorer*>(s.get());
    const std::vector<ProximityScorer::Pair> pairs = proximity->Pairs();
    if (pairs.empty()) return Status::OK();
    for (const auto& p : pairs) *score += p.score;
    const double norm = params_.bm25.Norm(proximity->field_length());
    Line(depth, Fmt(*score) + " " + field_ + " proximity (term pairs within " +
                    std::to_string(params_.window) + " positions; dl " +
                    std::to_string(proximity->field_length()) +
                    ", avgdl " + Fmt(params_.bm25.avgdl) + ", k1 " + Fmt(params_.bm25.k1) +
                    ", b " + Fmt(params_.bm25.b) + ")",
         out);
    for (const auto& p : pairs) {
      Line(depth + 1, Fmt(p.score) + " " + terms_[p.first] + " " + terms_[p.second] +
                          ": acc " + Fmt(p.acc) + " (Σ 1/d²), pair weight " +
                          Fmt(params_.PairWeight(p.first, p.second)) +
                          ": weight·acc·(k1+1)/(acc + " + Fmt(norm) + ")",
           out);
    }
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    terms->insert(terms_.begin(), terms_.end());
  }

 private:
  const IndexContext& index_;
  std::string field_;
  std::vector<std::string> terms_;
  ProximityScorer::Params params_;
};

// Every term of a field starting with a prefix, as one constant-score set (Lucene's default for
// multi-term queries: scoring thousands of expansions by BM25 ranks rare junk terms first).
class PrefixWeight final : public Weight {
 public:
  PrefixWeight(const IndexContext& index, std::string field, std::string prefix)
      : index_(index), field_(std::move(field)), prefix_(std::move(prefix)) {}
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    roaring_bitmap_t* bitmap = nullptr;
    TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &bitmap));
    if (roaring_bitmap_is_empty(bitmap)) {
      roaring_bitmap_free(bitmap);
      return Status::OK();
    }
    *out = std::make_unique<BitmapScorer>(bitmap, 1.0);
    return Status::OK();
  }
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    const SegmentReader& reader = *index_.segments[seg];
    RoaringPtr result(roaring_bitmap_create());
    int fid = reader.FieldId(field_);
    if (fid >= 0) {
      Status inner;
      TRAWL_RETURN_IF_ERROR(reader.ForEachTermWithPrefix(
          static_cast<uint32_t>(fid), prefix_, [&](std::string_view, const TermInfo& info) {
            PostingList list;
            inner = reader.OpenPostings(info, &list);
            if (!inner.ok()) return false;
            RoaringPtr bm(list.docids().ToRoaring());
            if (!bm) {
              inner = Status::Corruption(reader.name() + ".post: damaged docid bitmap");
              return false;
            }
            roaring_bitmap_or_inplace(result.get(), bm.get());
            return true;
          }));
      TRAWL_RETURN_IF_ERROR(inner);
    }
    *out = result.release();
    return Status::OK();
  }
  // The union of the terms' lists.
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    const SegmentReader& reader = *index_.segments[seg];
    out->is_union = true;
    out->lists.clear();
    const int fid = reader.FieldId(field_);
    if (fid >= 0) {
      Status inner;
      TRAWL_RETURN_IF_ERROR(reader.ForEachTermWithPrefix(
          static_cast<uint32_t>(fid), prefix_, [&](std::string_view, const TermInfo& info) {
            out->lists.emplace_back();
            inner = reader.OpenDocids(info, &out->lists.back());
            return inner.ok();
          }));
      TRAWL_RETURN_IF_ERROR(inner);
    }
    if (out->lists.empty()) out->lists.emplace_back();  // no term has the prefix here: empty
    *found = true;
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>*) const override {}

 private:
  const IndexContext& index_;
  std::string field_, prefix_;
};

class MatchAllWeight final : public Weight {
 public:
  explicit MatchAllWeight(const IndexContext& index, double score = 1.0)
      : index_(index), score_(score) {}
  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    roaring_bitmap_t* bitmap;
    TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &bitmap));
    *out = std::make_unique<BitmapScorer>(bitmap, score_);
    return Status::OK();
  }
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    *out = roaring_bitmap_from_range(0, index_.segments[seg]->num_docs(), 1);
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>*) const override {}

 private:
  const IndexContext& index_;
  double score_;
};

class BooleanWeight final : public Weight {
 public:
  BooleanWeight(const IndexContext& index, std::vector<std::unique_ptr<Weight>> must,
                std::vector<std::unique_ptr<Weight>> should,
                std::vector<std::unique_ptr<Weight>> must_not)
      : index_(index),
        must_(std::move(must)),
        should_(std::move(should)),
        must_not_(std::move(must_not)) {}

  Status MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    std::unique_ptr<Scorer> required;
    if (!must_.empty()) {
      std::vector<std::unique_ptr<Scorer>> scorers;
      for (const auto& w : must_) {
        std::unique_ptr<Scorer> s;
        TRAWL_RETURN_IF_ERROR(w->MakeScorer(seg, &s));
        if (!s) return Status::OK();  // a required clause with no match here
        scorers.push_back(std::move(s));
      }
      required = Combine<ConjunctionScorer>(std::move(scorers));
    }
    std::vector<std::unique_ptr<Scorer>> optional_scorers;
    TRAWL_RETURN_IF_ERROR(MakeAll(should_, seg, &optional_scorers));
    std::unique_ptr<Scorer> optional = Combine<DisjunctionScorer>(std::move(optional_scorers));
    if (required) {
      if (optional) required = std::make_unique<OptionalScorer>(std::move(required), std::move(optional));
    } else if (optional) {
      required = std::move(optional);
    } else if (should_.empty()) {
      // A purely negative query matches every document the negations do not.
      TRAWL_RETURN_IF_ERROR(MatchAllWeight(index_, 0.0).MakeScorer(seg, &required));
    } else {
      return Status::OK();
    }
    std::vector<std::unique_ptr<Scorer>> excluded_scorers;
    TRAWL_RETURN_IF_ERROR(MakeAll(must_not_, seg, &excluded_scorers));
    if (auto excluded = Combine<DisjunctionScorer>(std::move(excluded_scorers))) {
      required = std::make_unique<ExclusionScorer>(std::move(required), std::move(excluded));
    }
    if (required->doc() != kNoMoreDocs) *out = std::move(required);
    return Status::OK();
  }

  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    RoaringPtr result;
    for (const auto& w : must_) {
      roaring_bitmap_t* bm;
      TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
      if (!result) {
        result.reset(bm);
      } else {
        roaring_bitmap_and_inplace(result.get(), bm);
        roaring_bitmap_free(bm);
      }
    }
    if (!result) {
      if (!should_.empty()) {
        result.reset(roaring_bitmap_create());
        for (const auto& w : should_) {
          roaring_bitmap_t* bm;
          TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
          roaring_bitmap_or_inplace(result.get(), bm);
          roaring_bitmap_free(bm);
        }
      } else {
        result.reset(roaring_bitmap_from_range(0, index_.segments[seg]->num_docs(), 1));
      }
    }
    for (const auto& w : must_not_) {
      roaring_bitmap_t* bm;
      TRAWL_RETURN_IF_ERROR(w->MatchBitmap(seg, &bm));
      roaring_bitmap_andnot_inplace(result.get(), bm);
      roaring_bitmap_free(bm);
    }
    *out = result.release();
    return Status::OK();
  }

  // Without exclusions, the required clauses' intersection, or else the optional clauses' union
  // (with required clauses, optional ones only add to the score), as long as every clause is one
  // list or a set of the same kind: an intersection of unions is not flat.
  Status PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const override {
    *found = false;
    if (!must_not_.empty()) return Status::OK();
    const bool is_union = must_.empty();
    out->is_union = is_union;
    out->lists.clear();
    PostingSets clause;
    for (const auto& w : is_union ? should_ : must_) {
      bool clause_found;
      TRAWL_RETURN_IF_ERROR(w->PostingSetsInSegment(seg, &clause, &clause_found));
      if (!clause_found || (clause.lists.size() > 1 && clause.is_union != is_union)) {
        return Status::OK();
      }
      out->lists.insert(out->lists.end(), clause.lists.begin(), clause.lists.end());
    }
    *found = !out->lists.empty();
    return Status::OK();
  }

  Status CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const override {
    if (deleted.bitmap != nullptr) return Weight::CountInSegment(seg, deleted, count);
    PostingSets sets;
    bool found;
    TRAWL_RETURN_IF_ERROR(PostingSetsInSegment(seg, &sets, &found));
    if (found) {
      *count = sets.Count(nullptr);
      return Status::OK();
    }
    // Two required sets and nothing else: count the intersection without materialising it.
    if (must_.size() == 2 && should_.empty() && must_not_.empty()) {
      roaring_bitmap_t *a, *b;
      TRAWL_RETURN_IF_ERROR(must_[0]->MatchBitmap(seg, &a));
      RoaringPtr pa(a);
      TRAWL_RETURN_IF_ERROR(must_[1]->MatchBitmap(seg, &b));
      RoaringPtr pb(b);
      *count = roaring_bitmap_and_cardinality(a, b);
      return Status::OK();
    }
    return Weight::CountInSegment(seg, deleted, count);
  }

  void CollectTerms(std::unordered_set<std::string>* terms) const override {
    for (const auto& w : must_) w->CollectTerms(terms);
    for (const auto& w : should_) w->CollectTerms(terms);
  }

  Status Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                 double* score) const override {
    *score = 0;
    std::string children;
    for (const auto* group : {&must_, &should_}) {
      for (const auto& w : *group) {
        double s;
        TRAWL_RETURN_IF_ERROR(w->Explain(seg, doc, depth + 1, &children, &s));
        *score += s;
      }
    }
    if (must_.empty() && should_.empty()) {
      Line(depth, "0 (matches: no negated clause matches)", out);
      return Status::OK();
    }
    Line(depth, Fmt(*score) + " sum of:", out);
    out->append(children);
    return Status::OK();
  }

  bool CountIsCheap() const override {
    for (const auto* group : {&must_, &should_, &must_not_})
      for (const auto& w : *group)
        if (!w->CountIsCheap()) return false;
    return true;
  }

  // A pure disjunction scores the sum of its matching clauses, so nested ones (a bare word is
  // one over the fields it searches) flatten into one list of clauses: MaxScore then prunes,
  // and block-max bounds apply, per term and field rather than per word.
  void AppendDisjunctionClauses(std::vector<const Weight*>* out) const override {
    if (!IsPureDisjunction()) {
      out->push_back(this);
      return;
    }
    for (const auto& w : should_) w->AppendDisjunctionClauses(out);
  }

  // MaxScore runs over a pure disjunction, or over required words of which one at least spans
  // several fields or has optional words beside it (a conjunction of single-field terms runs
  // faster led by its rarest term, in MakeScorer's scorer).
  Status MakeMaxScorePlan(size_t seg, std::unique_ptr<MaxScoreQuery>* out) const override {
    out->reset();
    std::vector<const Weight*> optional;
    std::vector<std::vector<const Weight*>> required;
    if (IsPureDisjunction()) {
      AppendDisjunctionClauses(&optional);
    } else if (!must_.empty()) {
      for (const auto& w : must_) w->AppendDisjunctionClauses(&required.emplace_back());
      for (const auto& w : should_) w->AppendDisjunctionClauses(&optional);
      bool spans_fields = false;
      for (const auto& group : required) spans_fields |= group.size() > 1;
      if (!spans_fields && optional.empty()) return Status::OK();
    } else {
      return Status::OK();
    }
    auto query = std::make_unique<MaxScoreQuery>();
    auto add = [&](const Weight& w, int group) -> Status {
      std::unique_ptr<Scorer> s;
      TRAWL_RETURN_IF_ERROR(w.MakeScorer(seg, &s));
      if (s) {
        query->clauses.push_back(std::move(s));
        query->group.push_back(group);
      }
      return Status::OK();
    };
    for (size_t g = 0; g < required.size(); ++g)
      for (const Weight* w : required[g]) TRAWL_RETURN_IF_ERROR(add(*w, static_cast<int>(g)));
    for (const Weight* w : optional) TRAWL_RETURN_IF_ERROR(add(*w, -1));
    query->num_groups = required.size();
    if (!required.empty()) {
      std::vector<std::unique_ptr<Scorer>> excluded;
      TRAWL_RETURN_IF_ERROR(MakeAll(must_not_, seg, &excluded));
      query->excluded = Combine<DisjunctionScorer>(std::move(excluded));
    }
    *out = std::move(query);
    return Status::OK();
  }

 private:
  bool IsPureDisjunction() const {
    return must_.empty() && must_not_.empty() && should_.size() > 1;
  }
  static Status MakeAll(const std::vector<std::unique_ptr<Weight>>& weights, size_t seg,
                        std::vector<std::unique_ptr<Scorer>>* out) {
    for (const auto& w : weights) {
      std::unique_ptr<Scorer> s;
      TRAWL_RETURN_IF_ERROR(w->MakeScorer(seg, &s));
      if (s) out->push_back(std::move(s));
    }
    return Status::OK();
  }
  template <typename Combined>
  static std::unique_ptr<Scorer> Combine(std::vector<std::unique_ptr<Scorer>> scorers) {
    if (scorers.empty()) return nullptr;
    if (scorers.size() == 1) return std::move(scorers.front());
    return std::make_unique<Combined>(std::move(scorers));
  }

  const IndexContext& index_;
  std::vector<std::unique_ptr<Weight>> must_, should_, must_not_;
};

// The fields a query word without `field:` searches: every text field, not the id.
std::vector<std::string> DefaultFields(const IndexContext& index) {
  std::vector<std::string> out;
  for (const auto& f : index.fields)
    if (f.name != kIdField) out.push_back(f.name);
  return out;
}

std::unique_ptr<Weight> AnyOf(const IndexContext& index, std::vector<std::unique_ptr<Weight>> ws) {
  std::erase_if(ws, [](const auto& w) { return w->IsEmpty(); });
  if (ws.empty()) return std::make_unique<EmptyWeight>();
  if (ws.size() == 1) return std::move(ws.front());
  return std::make_unique<BooleanWeight>(index, std::vector<std::unique_ptr<Weight>>{},
                                         std::move(ws), std::vector<std::unique_ptr<Weight>>{});
}

struct AnalyzedTerm {
  std::string text;
  uint32_t position;
};

std::vector<AnalyzedTerm> AnalyzeWords(Analyzer& analyzer, std::string_view text) {
  std::vector<AnalyzedTerm> out;
  analyzer.Analyze(text, [&](const Token& t) { out.push_back({std::string(t.term), t.position}); });
  return out;
}

// A term or phrase in one field, from already-analyzed terms.
Status TermsWeightInField(const IndexContext& index, const std::string& field,
                          const std::vector<AnalyzedTerm>& terms, uint32_t slop,
                          std::unique_ptr<Weight>* out) {
  if (index.Field(field) == nullptr || terms.empty()) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  if (terms.size() == 1) {
    TermInSegments entries;
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, terms[0].text, &entries));
    if (entries.doc_freq == 0) {
      *out = std::make_unique<EmptyWeight>();
    } else {
      *out = std::make_unique<TermWeight>(index, field, terms[0].text, std::move(entries));
    }
    return Status::OK();
  }
  double idf_sum = 0;
  const FieldInfo& f = *index.Field(field);
  std::vector<PhraseWeight::Term> phrase;
  const uint32_t base = terms.front().position;
  for (const AnalyzedTerm& t : terms) {
    TermInSegments entries;
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, t.text, &entries));
    if (entries.doc_freq == 0) {
      *out = std::make_unique<EmptyWeight>();
      return Status::OK();
    }
    idf_sum += Bm25::Idf(IndexContext::DocCount(f), entries.doc_freq);
    phrase.push_back({t.text, t.position - base, std::move(entries)});
  }
  *out = std::make_unique<PhraseWeight>(index, field, std::move(phrase), slop, idf_sum);
  return Status::OK();
}

// A word in every default field as one BM25F term; an EmptyWeight if no field has it.
Status Bm25fWeight(const IndexContext& index, const std::string& term,
                   std::unique_ptr<Weight>* out) {
  std::vector<Bm25fTermWeight::FieldTerm> fields;
  uint64_t n = 0, max_df = 0;
  for (const std::string& name : DefaultFields(index)) {
    const FieldInfo& info = *index.Field(name);
    TermInSegments entries;
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(name, term, &entries));
    n = std::max<uint64_t>(n, IndexContext::DocCount(info));
    if (entries.doc_freq == 0) continue;
    max_df = std::max(max_df, entries.doc_freq);
    Bm25fField params;
    params.weight = index.FieldWeight(name);
    params.b = index.FieldB(name);
    params.avgdl = IndexContext::AverageLength(info);
    fields.push_back({name, params, std::move(entries)});
  }
  if (fields.empty()) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  *out = std::make_unique<Bm25fTermWeight>(index, term, std::move(fields), n, max_df);
  return Status::OK();
}

// A term, phrase or prefix in one field.
Status LeafWeightInField(const QueryNode& q, const IndexContext& index, Analyzer& analyzer,
                         const std::string& field, std::unique_ptr<Weight>* out) {
  if (q.kind == QueryNode::Kind::kPrefix) {
    std::string prefix = field == kIdField ? q.text : analyzer.Fold(q.text);
    if (index.Field(field)) {
      *out = std::make_unique<PrefixWeight>(index, field, prefix);
    } else {
      *out = std::make_unique<EmptyWeight>();
    }
    return Status::OK();
  }
  // Ids are indexed verbatim, not analyzed.
  if (field == kIdField) return TermsWeightInField(index, field, {{q.text, 0}}, 0, out);
  return TermsWeightInField(index, field, AnalyzeWords(analyzer, q.text), q.slop, out);
}

Status CreateLeafWeight(const QueryNode& q, const IndexContext& index, Analyzer& analyzer,
                        std::unique_ptr<Weight>* out) {
  if (!q.field.empty()) return LeafWeightInField(q, index, analyzer, q.field, out);
  if (index.bm25f && q.kind == QueryNode::Kind::kTerm) {
    std::vector<AnalyzedTerm> terms = AnalyzeWords(analyzer, q.text);
    if (terms.size() == 1) return Bm25fWeight(index, terms[0].text, out);
  }
  std::vector<std::unique_ptr<Weight>> per_field;
  for (const std::string& field : DefaultFields(index)) {
    std::unique_ptr<Weight> w;
    TRAWL_RETURN_IF_ERROR(LeafWeightInField(q, index, analyzer, field, &w));
    per_field.push_back(std::move(w));
  }
  *out = AnyOf(index, std::move(per_field));
  return Status::OK();
}

}  // namespace

Status Weight::MatchBitmap(size_t seg, roaring_bitmap_t** out) const {
  std::unique_ptr<Scorer> scorer;
  TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &scorer));
  RoaringPtr result(roaring_bitmap_create());
  if (scorer) {
    std::vector<uint32_t> docs;
    for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) docs.push_back(d);
    roaring_bitmap_add_many(result.get(), docs.size(), docs.data());
  }
  *out = result.release();
  return Status::OK();
}

Status Weight::Explain(size_t seg, uint32_t doc, int depth, std::string* out,
                       double* score) const {
  *score = 0;
  std::unique_ptr<Scorer> s;
  TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
  if (!s || s->Advance(doc) != doc) return Status::OK();
  *score = s->Score();
  Line(depth, Fmt(*score) + " (constant score)", out);
  return Status::OK();
}

Status Weight::CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const {
  if (deleted.bitmap != nullptr) {
    PostingSets sets;
    bool found;
    TRAWL_RETURN_IF_ERROR(PostingSetsInSegment(seg, &sets, &found));
    if (found) {
      *count = sets.Count(deleted.view);
      return Status::OK();
    }
  }
  roaring_bitmap_t* bm = nullptr;
  TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &bm));
  *count = deleted.bitmap != nullptr ? roaring_bitmap_andnot_cardinality(bm, deleted.bitmap)
                                     : roaring_bitmap_get_cardinality(bm);
  roaring_bitmap_free(bm);
  return Status::OK();
}

Status AddProximity(const QueryNode& query, const IndexContext& index, Analyzer& analyzer,
                    std::unique_ptr<Weight>* weight) {
  if (!(index.proximity > 0) || (*weight)->IsEmpty()) return Status::OK();
  if (query.kind != QueryNode::Kind::kBoolean) return Status::OK();
  std::vector<std::string> words;  // distinct, in query order
  std::vector<std::pair<size_t, size_t>> pairs;  // by index in words, smaller first
  size_t previous = SIZE_MAX;
  for (const auto& clause : query.clauses) {
    const QueryNode& node = *clause.node;
    if (clause.occur != QueryNode::Occur::kShould || node.kind != QueryNode::Kind::kTerm ||
        !node.field.empty())
      return Status::OK();
    // A word that analyzes to no term (a stop word) or to several (a phrase, scored as one)
    // takes no part, and its neighbours count as adjacent.
    std::vector<AnalyzedTerm> terms = AnalyzeWords(analyzer, node.text);
    if (terms.size() != 1) continue;
    const size_t at = std::find(words.begin(), words.end(), terms[0].text) - words.begin();
    if (at == words.size()) words.push_back(std::move(terms[0].text));
    if (previous != SIZE_MAX && previous != at) {
      const std::pair<size_t, size_t> pair(std::min(previous, at), std::max(previous, at));
      if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(pair);
    }
    previous = at;
  }
  if (pairs.empty()) return Status::OK();
  std::vector<std::unique_ptr<Weight>> should;
  for (const std::string& field : DefaultFields(index)) {
    const FieldInfo& info = *index.Field(field);
    // The words this field has, and their idf in it.
    std::vector<size_t> slot(words.size(), SIZE_MAX);
    std::vector<std::string> present;
    std::vector<double> idf;
    for (size_t i = 0; i < words.size(); ++i) {
      TermInSegments entries;
      TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, words[i], &entries));
      if (entries.doc_freq == 0) continue;
      slot[i] = present.size();
      present.push_back(words[i]);
      idf.push_back(Bm25::Idf(IndexContext::DocCount(info), entries.doc_freq));
    }
    // Only words with a partner here: a cursor on any other would find co-occurrences that
    // cannot score.
    std::vector<size_t> paired;  // indexes into present
    for (const auto& [i, j] : pairs) {
      if (slot[i] == SIZE_MAX || slot[j] == SIZE_MAX) continue;
      for (size_t k : {slot[i], slot[j]})
        if (std::find(paired.begin(), paired.end(), k) == paired.end()) paired.push_back(k);
    }
    if (paired.empty()) continue;
    std::sort(paired.begin(), paired.end());
    const size_t n = paired.size();
    std::vector<std::string> terms;
    for (size_t k : paired) terms.push_back(present[k]);
    std::vector<double> pair_weight(n * n, 0.0);
    for (const auto& [i, j] : pairs) {
      if (slot[i] == SIZE_MAX || slot[j] == SIZE_MAX) continue;
      const size_t a = std::lower_bound(paired.begin(), paired.end(), slot[i]) - paired.begin();
      const size_t b = std::lower_bound(paired.begin(), paired.end(), slot[j]) - paired.begin();
      pair_weight[a * n + b] = pair_weight[b * n + a] =
          index.proximity * (idf[slot[i]] + idf[slot[j]]) / 2;
    }
    should.push_back(std::make_unique<ProximityWeight>(index, field, std::move(terms),
                                                       std::move(pair_weight)));
  }
  if (should.empty()) return Status::OK();
  // Siblings of the words in one disjunction, so that the collector's MaxScore runs over the
  // words' clauses and the proximity clauses together (searcher.cc flattens nested ones).
  should.insert(should.begin(), std::move(*weight));
  *weight = std::make_unique<BooleanWeight>(index, std::vector<std::unique_ptr<Weight>>{},
                                            std::move(should),
                                            std::vector<std::unique_ptr<Weight>>{});
  return Status::OK();
}

Status CreateWeight(const QueryNode& q, const IndexContext& index, Analyzer& analyzer,
                    std::unique_ptr<Weight>* out) {
  switch (q.kind) {
    case QueryNode::Kind::kMatchAll:
      *out = std::make_unique<MatchAllWeight>(index);
      return Status::OK();
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase:
    case QueryNode::Kind::kPrefix:
      return CreateLeafWeight(q, index, analyzer, out);
    case QueryNode::Kind::kBoolean:
      break;
  }
  std::vector<std::unique_ptr<Weight>> must, should, must_not;
  bool required_clause_empty = false;
  bool has_negation = false;
  for (const auto& clause : q.clauses) {
    std::unique_ptr<Weight> w;
    TRAWL_RETURN_IF_ERROR(CreateWeight(*clause.node, index, analyzer, &w));
    switch (clause.occur) {
      case QueryNode::Occur::kMust:
        // A required word that is in no document makes the conjunction empty; one that analyzed
        // to nothing (a stop word) is dropped, as Lucene does.
        if (w->IsEmpty()) {
          if (clause.node->kind != QueryNode::Kind::kBoolean &&
              AnalyzeWords(analyzer, clause.node->text).empty() &&
              clause.node->kind != QueryNode::Kind::kPrefix)
            continue;
          required_clause_empty = true;
        }
        must.push_back(std::move(w));
        break;
      case QueryNode::Occur::kShould:
        if (!w->IsEmpty()) should.push_back(std::move(w));
        break;
      case QueryNode::Occur::kMustNot:
        has_negation = true;
        if (!w->IsEmpty()) must_not.push_back(std::move(w));
        break;
    }
  }
  if (required_clause_empty || (must.empty() && should.empty() && !has_negation)) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  // Only negations (possibly of words no document has) leave a purely negative query: every
  // document but those.
  if (must.empty() && must_not.empty() && should.size() == 1) {
    *out = std::move(should.front());
    return Status::OK();
  }
  *out = std::make_unique<BooleanWeight>(index, std::move(must), std::move(should),
                                         std::move(must_not));
  return Status::OK();
}

}  // namespace trawl

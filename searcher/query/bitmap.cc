#include "searcher/query/bitmap.h"

#include <cassert>

namespace trawl {

SerializedSet::SerializedSet(const roaring_bitmap_t* set) {
  bytes_.resize(roaring_bitmap_portable_size_in_bytes(set));
  roaring_bitmap_portable_serialize(set, bytes_.data());
  [[maybe_unused]] const Status s = RoaringView::Open(bytes_, &view_);
  assert(s.ok());  // CRoaring's own serialization
}

BitmapScorer::BitmapScorer(roaring_bitmap_t* bitmap, double score)
    : BitmapScorer(std::make_shared<const SerializedSet>(bitmap), score) {
  roaring_bitmap_free(bitmap);
}

BitmapScorer::BitmapScorer(std::shared_ptr<const SerializedSet> set, double score)
    : set_(std::move(set)), cursor_(set_->view().NewCursor()), score_(score) {
  doc_ = cursor_.doc();
}

namespace {

// Every term of a field starting with a prefix, as one constant-score set (Lucene's default for
// multi-term queries: scoring thousands of expansions by BM25 ranks rare junk terms first).
class PrefixWeight final : public ConstantScoreSetWeight {
 public:
  PrefixWeight(const IndexContext& index, std::string field, std::string prefix, double score)
      : ConstantScoreSetWeight(score),
        index_(index),
        field_(std::move(field)),
        prefix_(std::move(prefix)) {}
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

}  // namespace

Status ConstantScoreSetWeight::MakeScorer(size_t seg, std::unique_ptr<Scorer>* out) const {
  out->reset();
  roaring_bitmap_t* bitmap = nullptr;
  TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &bitmap));
  if (roaring_bitmap_is_empty(bitmap)) {
    roaring_bitmap_free(bitmap);
    return Status::OK();
  }
  *out = std::make_unique<BitmapScorer>(bitmap, score_);
  return Status::OK();
}

std::unique_ptr<Weight> NewPrefixWeight(const IndexContext& index, std::string field,
                                        std::string prefix, double score) {
  return std::make_unique<PrefixWeight>(index, std::move(field), std::move(prefix), score);
}

std::unique_ptr<Weight> NewMatchAllWeight(const IndexContext& index, double score) {
  return std::make_unique<MatchAllWeight>(index, score);
}

}  // namespace trawl

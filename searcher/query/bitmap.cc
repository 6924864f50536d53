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

Status TermUnionWeight::MatchBitmap(size_t seg, roaring_bitmap_t** out) const {
  PostingSets sets;
  bool found;
  TRAWL_RETURN_IF_ERROR(PostingSetsInSegment(seg, &sets, &found));
  RoaringPtr result(roaring_bitmap_create());
  for (const RoaringView& docids : sets.lists) {
    // A union of thousands of expansions can take long before any document is scored; each
    // list costs about its containers' work.
    if (StopRequested(index_.stop, 1 + static_cast<int64_t>(docids.cardinality() / 64)))
      return index_.stop->status();
    RoaringPtr bm(docids.ToRoaring());
    if (!bm) return Status::Corruption(index_.segments[seg]->name() + ".post: damaged docid bitmap");
    roaring_bitmap_or_inplace(result.get(), bm.get());
  }
  *out = result.release();
  return Status::OK();
}

Status TermUnionWeight::PostingSetsInSegment(size_t seg, PostingSets* out, bool* found) const {
  const SegmentReader& reader = *index_.segments[seg];
  out->is_union = true;
  out->lists.clear();
  const int fid = reader.FieldId(field_);
  if (fid >= 0) {
    Status inner;
    LoopStop loop_stop(index_.stop);
    const size_t max_expansions = index_.limits.max_expansions;
    TRAWL_RETURN_IF_ERROR(reader.ForEachTermWithPrefix(
        static_cast<uint32_t>(fid), prefix_, [&](std::string_view term, const TermInfo& info) {
          if (loop_stop.Tick()) {
            inner = index_.stop->status();
            return false;
          }
          if (!Keeps(term)) return true;
          if (out->lists.size() >= max_expansions) {
            inner = limit_.Exceeded(index_, field_);
            return false;
          }
          out->lists.emplace_back();
          inner = reader.OpenDocids(info, &out->lists.back());
          return inner.ok();
        }));
    TRAWL_RETURN_IF_ERROR(inner);
  }
  if (out->lists.empty()) out->lists.emplace_back();  // no term is kept here: empty
  *found = true;
  return Status::OK();
}

namespace {

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
                                        std::string prefix, double score, ExpansionLimit limit) {
  return std::make_unique<TermUnionWeight>(index, std::move(field), std::move(prefix), score,
                                           std::move(limit));
}

std::unique_ptr<Weight> NewMatchAllWeight(const IndexContext& index, double score) {
  return std::make_unique<MatchAllWeight>(index, score);
}

}  // namespace trawl

#include "searcher/hit_terms.h"

namespace trawl {

const HitTerms::FieldPostings& HitTerms::Open(const SegmentReader& segment,
                                              std::string_view field) {
  for (const FieldPostings& opened : opened_)
    if (opened.segment == &segment && opened.field == field) return opened;
  FieldPostings& out = opened_.emplace_back();
  out.segment = &segment;
  out.field = std::string(field);
  const int field_id = segment.FieldId(field);
  out.readable = field_id >= 0;
  for (const std::string& term : terms_) {
    if (!out.readable) break;
    TermInfo info;
    const Status s = segment.LookupTerm(static_cast<uint32_t>(field_id), term, &info);
    if (s.IsNotFound()) continue;
    auto list = std::make_unique<PostingList>();
    if (!s.ok() || !segment.OpenPostings(info, list.get()).ok()) {
      out.readable = false;
      break;
    }
    out.lists.emplace_back(term, std::move(list));
  }
  return out;
}

const std::vector<TermPositions>* HitTerms::Positions(const SegmentReader& segment,
                                                      std::string_view field, uint32_t docid) {
  const FieldPostings& postings = Open(segment, field);
  if (!postings.readable) return nullptr;
  if (last_postings_ == &postings && last_docid_ == docid) return &last_positions_;
  last_postings_ = nullptr;
  last_positions_.clear();
  for (const auto& [term, list] : postings.lists) {
    PostingCursor cursor(list.get());
    if (cursor.Advance(docid) != docid) continue;
    last_positions_.push_back({term, {}});
    if (!cursor.Positions(&last_positions_.back().positions)) return nullptr;
  }
  last_postings_ = &postings;
  last_docid_ = docid;
  return &last_positions_;
}

}  // namespace trawl

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

bool HitTerms::Positions(const SegmentReader& segment, std::string_view field, uint32_t docid,
                         std::vector<TermPositions>* out) {
  out->clear();
  const FieldPostings& postings = Open(segment, field);
  if (!postings.readable) return false;
  for (const auto& [term, list] : postings.lists) {
    PostingCursor cursor(list.get());
    if (cursor.Advance(docid) != docid) continue;
    out->push_back({term, {}});
    if (!cursor.Positions(&out->back().positions)) return false;
  }
  return true;
}

}  // namespace trawl

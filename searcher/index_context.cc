#include "searcher/index_context.h"

#include "searcher/query.h"

namespace trawl {

Status ExpansionLimit::Exceeded(const IndexContext& index, std::string_view field) const {
  return QueryLimitError(column,
                         (word.empty() ? std::string("a word") : "'" + word + "'") +
                             " matches more than " + std::to_string(index.limits.max_expansions) +
                             " terms of field '" + std::string(field) + "' in one segment",
                         "max_expansions");
}

double IndexContext::AverageLength(const FieldInfo& field) {
  if (field.docs_with_field == 0 || field.total_length == 0) return 1.0;
  return static_cast<double>(field.total_length) / field.docs_with_field;
}

Status FindTerm(const SegmentReader& seg, std::string_view field, std::string_view term,
                TermInfo* info, uint32_t* field_id, bool* found) {
  *found = false;
  int fid = seg.FieldId(field);
  if (fid < 0) return Status::OK();
  Status s = seg.LookupTerm(static_cast<uint32_t>(fid), term, info);
  if (s.IsNotFound()) return Status::OK();
  TRAWL_RETURN_IF_ERROR(s);
  *field_id = static_cast<uint32_t>(fid);
  *found = true;
  return Status::OK();
}

Status IndexContext::LookUpTerm(std::string_view field, std::string_view term,
                                TermInSegments* out) const {
  out->by_segment.assign(segments.size(), TermInSegments::Entry());
  out->doc_freq = 0;
  for (size_t seg = 0; seg < segments.size(); ++seg) {
    TermInSegments::Entry& e = out->by_segment[seg];
    TRAWL_RETURN_IF_ERROR(FindTerm(*segments[seg], field, term, &e.info, &e.field_id, &e.found));
    if (e.found) out->doc_freq += e.info.doc_freq;
  }
  return Status::OK();
}

Bm25 IndexContext::FieldBm25(const FieldInfo& field, double idf) const {
  Bm25 bm25;
  bm25.k1 = k1;
  bm25.b = b;
  bm25.weight = idf * (k1 + 1);
  bm25.avgdl = AverageLength(field);
  return bm25;
}

}  // namespace trawl

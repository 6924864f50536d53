#include "searcher/index_context.h"

#include <algorithm>

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
  if (recorded != nullptr) recorded->doc_freq[std::string(field)][std::string(term)] = out->doc_freq;
  if (statistics != nullptr) {
    const auto in_field = statistics->doc_freq.find(field);
    if (in_field != statistics->doc_freq.end()) {
      const auto it = in_field->second.find(term);
      if (it != in_field->second.end()) out->doc_freq = it->second;
    }
  }
  return Status::OK();
}

void IndexContext::InjectStatistics(const CollectionStatistics* stats) {
  statistics = stats;
  injected_fields.clear();
  injected_fields.reserve(stats->fields.size());
  for (const FieldStatistics& f : stats->fields) {
    FieldInfo info;
    info.name = f.name;
    info.type = f.type;
    info.docs_with_field = f.docs_with_field;
    info.total_length = f.total_length;
    injected_fields.push_back(std::move(info));
  }
  fields = injected_fields;
}

Status CollectionStatistics::Add(const CollectionStatistics& other) {
  for (const FieldStatistics& f : other.fields) {
    for (const FieldStatistics& mine : fields) {
      if (mine.name == f.name && mine.type != f.type) {
        return Status::InvalidArgument("field '" + f.name + "' is " +
                                       std::string(FieldTypeName(f.type)) + " in one shard but " +
                                       std::string(FieldTypeName(mine.type)) + " in another");
      }
    }
  }
  for (const FieldStatistics& f : other.fields) {
    auto mine = std::find_if(fields.begin(), fields.end(),
                             [&](const FieldStatistics& g) { return g.name == f.name; });
    if (mine == fields.end()) {
      FieldStatistics added = f;
      added.docs_with_field = 0;
      added.total_length = 0;
      mine = fields.insert(fields.end(), std::move(added));
    }
    mine->docs_with_field += f.docs_with_field;
    mine->total_length += f.total_length;
  }
  for (const auto& [field, terms] : other.doc_freq) {
    auto& mine = doc_freq[field];
    for (const auto& [term, df] : terms) mine[term] += df;
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

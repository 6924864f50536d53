#include "indexer/segment_merger.h"

namespace trawl {

namespace {

// Old docid -> new docid for one input; kNoMoreDocs for deleted documents.
std::vector<uint32_t> MapDocids(const MergeInput& in, uint32_t* next) {
  std::vector<uint32_t> map(in.segment->num_docs(), kNoMoreDocs);
  for (uint32_t d = 0; d < map.size(); ++d) {
    if (in.deleted != nullptr && roaring_bitmap_contains(in.deleted, d)) continue;
    map[d] = (*next)++;
  }
  return map;
}

Status CopyDocuments(const MergeInput& in, const std::vector<uint32_t>& map,
                     SegmentBuilder* builder) {
  const SegmentReader& seg = *in.segment;
  std::vector<std::pair<std::string_view, uint32_t>> lengths;
  for (uint32_t d = 0; d < map.size(); ++d) {
    if (map[d] == kNoMoreDocs) continue;
    Document doc;
    TRAWL_RETURN_IF_ERROR(seg.store().Get(d, &doc));
    lengths.clear();
    for (uint32_t f = 0; f < seg.fields().size(); ++f)
      lengths.emplace_back(seg.fields()[f].name, seg.FieldLength(f, d));
    uint32_t got;
    TRAWL_RETURN_IF_ERROR(builder->AppendAnalyzed(doc, lengths, &got));
    if (got != map[d]) return Status::Corruption("merge: document numbering diverged");
  }
  return Status::OK();
}

Status CopyPostings(const MergeInput& in, const std::vector<uint32_t>& map,
                    SegmentBuilder* builder) {
  const SegmentReader& seg = *in.segment;
  std::vector<uint32_t> positions;
  for (uint32_t f = 0; f < seg.fields().size(); ++f) {
    const std::string& field = seg.fields()[f].name;
    Status inner;
    TRAWL_RETURN_IF_ERROR(seg.ForEachTermWithPrefix(
        f, "", [&](std::string_view term, const TermInfo& info) {
          PostingList list;
          inner = seg.OpenPostings(info, &list);
          if (!inner.ok()) return false;
          PostingCursor cursor(&list);
          for (uint32_t d = cursor.doc(); d != kNoMoreDocs; d = cursor.Next()) {
            if (d >= map.size()) {
              inner = Status::Corruption(seg.name() + ".post: docid beyond the segment");
              return false;
            }
            if (map[d] == kNoMoreDocs) continue;
            if (!cursor.Positions(&positions)) {
              inner = Status::Corruption(seg.name() + ".pos: damaged positions");
              return false;
            }
            inner = builder->AddPosting(field, term, map[d], positions);
            if (!inner.ok()) return false;
          }
          return true;
        }));
    TRAWL_RETURN_IF_ERROR(inner);
  }
  return Status::OK();
}

}  // namespace

Status MergeSegments(const std::vector<MergeInput>& inputs, Analyzer* analyzer,
                     const std::string& dir, const std::string& name, SegmentStats* stats,
                     FileSystem* fs) {
  SegmentBuilder builder(analyzer);
  std::vector<std::vector<uint32_t>> maps;
  uint32_t next = 0;
  for (const MergeInput& in : inputs) maps.push_back(MapDocids(in, &next));
  for (size_t i = 0; i < inputs.size(); ++i)
    TRAWL_RETURN_IF_ERROR(CopyDocuments(inputs[i], maps[i], &builder));
  // Input by input, so each term's postings arrive in increasing new docid order.
  for (size_t i = 0; i < inputs.size(); ++i)
    TRAWL_RETURN_IF_ERROR(CopyPostings(inputs[i], maps[i], &builder));
  return builder.Write(dir, name, stats, fs);
}

}  // namespace trawl

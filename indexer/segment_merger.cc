#include "indexer/segment_merger.h"

#include <algorithm>

#include "common/coding.h"
#include "format/segment_format.h"
#include "indexer/segment_builder.h"
#include "format/store_writer.h"

namespace trawl {

namespace {

// How often a merge unmaps the input pages it has read (see MergeField).
constexpr uint64_t kReleaseEveryBytes = 32u << 20;
constexpr uint64_t kReleaseEveryDocuments = 4096;

// Old docid -> new docid for one input; kNoMoreDocs for deleted documents.
std::vector<uint32_t> MapDocids(const MergeInput& in, uint32_t* next) {
  std::vector<uint32_t> map(in.segment->num_docs(), kNoMoreDocs);
  for (uint32_t d = 0; d < map.size(); ++d) {
    if (in.deleted != nullptr && roaring_bitmap_contains(in.deleted, d)) continue;
    map[d] = (*next)++;
  }
  return map;
}

// The merged segment's fields: the id field first, then every input's fields in first-seen
// order. local[i][f] is input i's id of merged field f, or -1.
struct FieldUnion {
  std::vector<std::string> names;
  std::vector<std::vector<int>> local;
};

Status UniteFields(const std::vector<MergeInput>& inputs, FieldUnion* out) {
  out->names = {std::string(kIdField)};
  for (const MergeInput& in : inputs) {
    if (in.segment->fields().empty() || in.segment->fields()[0].name != kIdField)
      return Status::Corruption(in.segment->name() + ".meta: field 0 is not the id field");
    for (const FieldInfo& f : in.segment->fields()) {
      if (std::find(out->names.begin(), out->names.end(), f.name) != out->names.end()) continue;
      if (out->names.size() >= kMaxFields)
        return Status::InvalidArgument("merge: more than " + std::to_string(kMaxFields) +
                                       " distinct fields");
      out->names.push_back(f.name);
    }
  }
  for (const MergeInput& in : inputs) {
    std::vector<int> local(out->names.size(), -1);
    for (size_t f = 0; f < out->names.size(); ++f) local[f] = in.segment->FieldId(out->names[f]);
    out->local.push_back(std::move(local));
  }
  return Status::OK();
}

// One input's terms of one field, read from its dictionary a batch at a time.
class TermSource {
 public:
  TermSource(size_t input, const SegmentReader* segment, uint32_t field)
      : input_(input), segment_(segment), field_(field) {}

  // Loads the next batch; false (with *status OK) when the field has no more terms.
  bool Fill(Status* status) {
    batch_.clear();
    next_ = 0;
    if (exhausted_) return false;
    constexpr size_t kBatch = 256;
    // The successor of the last term read: that term followed by a 0 byte.
    std::string from = last_;
    if (started_) from.push_back('\0');
    *status = segment_->ForEachTermFrom(field_, from, [&](std::string_view t, const TermInfo& i) {
      batch_.emplace_back(std::string(t), i);
      return batch_.size() < kBatch;
    });
    started_ = true;
    if (!status->ok()) return false;
    if (batch_.size() < kBatch) exhausted_ = true;
    if (batch_.empty()) return false;
    last_ = batch_.back().first;
    return true;
  }
  bool valid() const { return next_ < batch_.size(); }
  const std::string& term() const { return batch_[next_].first; }
  const TermInfo& info() const { return batch_[next_].second; }
  Status Next() {
    Status s;
    if (++next_ == batch_.size()) Fill(&s);
    return s;
  }
  size_t input() const { return input_; }
  const SegmentReader* segment() const { return segment_; }

 private:
  size_t input_;
  const SegmentReader* segment_;
  uint32_t field_;
  std::vector<std::pair<std::string, TermInfo>> batch_;
  size_t next_ = 0;
  std::string last_;
  bool started_ = false;
  bool exhausted_ = false;
};

Status CopyDocuments(const MergeInput& in, const std::vector<uint32_t>& map,
                     const std::vector<int>& local, StoreWriter* store,
                     std::vector<std::vector<uint32_t>>* lengths) {
  const SegmentReader& seg = *in.segment;
  if (seg.store().num_docs() != map.size())
    return Status::Corruption(seg.name() + ".store: document count differs from the segment's");
  uint64_t docs_since_release = 0;
  return seg.store().ForEach([&](uint32_t d, Document* doc) {
    // Reading through the map would leave the whole input store resident.
    if (++docs_since_release == kReleaseEveryDocuments) {
      seg.store().ReleaseResidentPages();
      docs_since_release = 0;
    }
    if (map[d] == kNoMoreDocs) return Status::OK();
    TRAWL_RETURN_IF_ERROR(store->Add(*doc));
    if (store->num_docs() != map[d] + 1)
      return Status::Corruption("merge: document numbering diverged");
    for (size_t f = 0; f < local.size(); ++f)
      if (local[f] >= 0) (*lengths)[f][map[d]] = seg.FieldLength(local[f], d);
    return Status::OK();
  });
}

// Merges one field's terms from every input that has the field, term by term.
Status MergeField(const std::vector<MergeInput>& inputs,
                  const std::vector<std::vector<uint32_t>>& maps, const FieldUnion& fields,
                  uint32_t field, const std::vector<uint32_t>& field_lengths,
                  SegmentWriter* writer) {
  // Every input's postings are read front to back, so pages behind the cursors are not needed
  // again: unmapping them now and then keeps the resident set from growing to the inputs' size.
  uint64_t bytes_since_release = 0;
  auto release = [&] {
    for (const MergeInput& in : inputs) in.segment->ReleaseResidentPages();
    bytes_since_release = 0;
  };
  std::vector<TermSource> sources;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const int local = fields.local[i][field];
    if (local < 0) continue;
    sources.emplace_back(i, inputs[i].segment, static_cast<uint32_t>(local));
    Status s;
    sources.back().Fill(&s);
    TRAWL_RETURN_IF_ERROR(s);
  }
  std::vector<uint32_t> docs, tfs, positions;
  std::string encoded;
  for (;;) {
    // The smallest current term; inputs are few, so a scan beats a heap's bookkeeping.
    const std::string* term = nullptr;
    for (const TermSource& s : sources)
      if (s.valid() && (term == nullptr || s.term() < *term)) term = &s.term();
    if (term == nullptr) return Status::OK();
    const std::string current = *term;
    docs.clear();
    tfs.clear();
    encoded.clear();
    // Sources are in input order, and inputs' new docids ascend, so postings arrive in order.
    for (TermSource& s : sources) {
      if (!s.valid() || s.term() != current) continue;
      const SegmentReader& seg = *s.segment();
      const std::vector<uint32_t>& map = maps[s.input()];
      PostingList list;
      TRAWL_RETURN_IF_ERROR(seg.OpenPostings(s.info(), &list));
      bytes_since_release += s.info().post_length + s.info().pos_length;
      PostingCursor cursor(&list);
      for (uint32_t d = cursor.doc(); d != kNoMoreDocs; d = cursor.Next()) {
        if (d >= map.size()) return Status::Corruption(seg.name() + ".post: docid beyond the segment");
        if (map[d] == kNoMoreDocs) continue;
        if (!cursor.Positions(&positions) || positions.empty())
          return Status::Corruption(seg.name() + ".pos: damaged positions");
        docs.push_back(map[d]);
        tfs.push_back(static_cast<uint32_t>(positions.size()));
        uint32_t prev = 0;
        for (uint32_t p : positions) {
          PutVarint32(&encoded, p - prev);
          prev = p;
        }
      }
      TRAWL_RETURN_IF_ERROR(s.Next());
    }
    // A term whose every document was deleted leaves the dictionary.
    if (!docs.empty())
      TRAWL_RETURN_IF_ERROR(writer->AddTerm(field, current, docs, tfs, encoded, field_lengths));
    if (bytes_since_release > kReleaseEveryBytes) release();
  }
}

}  // namespace

Status MergeSegments(const std::vector<MergeInput>& inputs, const std::string& dir,
                     const std::string& name, SegmentStats* stats, FileSystem* fs) {
  FieldUnion fields;
  TRAWL_RETURN_IF_ERROR(UniteFields(inputs, &fields));
  std::vector<std::vector<uint32_t>> maps;
  uint32_t num_docs = 0;
  for (const MergeInput& in : inputs) maps.push_back(MapDocids(in, &num_docs));

  std::vector<std::vector<uint32_t>> lengths(fields.names.size(),
                                             std::vector<uint32_t>(num_docs, 0));
  std::unique_ptr<StoreWriter> store;
  TRAWL_RETURN_IF_ERROR(
      StoreWriter::Create(SegmentFilePath(dir, name, kStoreFile), &store, fs));
  for (size_t i = 0; i < inputs.size(); ++i) {
    TRAWL_RETURN_IF_ERROR(CopyDocuments(inputs[i], maps[i], fields.local[i], store.get(), &lengths));
    inputs[i].segment->store().ReleaseResidentPages();
  }
  TRAWL_RETURN_IF_ERROR(store->Finish());

  std::unique_ptr<SegmentWriter> writer;
  TRAWL_RETURN_IF_ERROR(SegmentWriter::Create(dir, name, fs, &writer));
  for (uint32_t f = 0; f < fields.names.size(); ++f)
    TRAWL_RETURN_IF_ERROR(MergeField(inputs, maps, fields, f, lengths[f], writer.get()));
  std::vector<SegmentWriter::Field> out_fields;
  for (uint32_t f = 0; f < fields.names.size(); ++f) {
    const FieldType type = f == 0 ? FieldType::kKeyword : FieldType::kText;
    SegmentWriter::Field field{fields.names[f], lengths[f], 0, 0, type};
    for (uint32_t length : lengths[f]) {
      field.total_length += length;
      if (length > 0) ++field.docs_with_field;
    }
    out_fields.push_back(field);
  }
  std::vector<ColumnValues> columns;
  return writer->Finish(num_docs, out_fields, &columns, stats);
}

}  // namespace trawl

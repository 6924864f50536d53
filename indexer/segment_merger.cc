#include "indexer/segment_merger.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "common/coding.h"
#include "format/column_reader.h"
#include "format/column_writer.h"
#include "format/segment_format.h"
#include "indexer/segment_builder.h"
#include "format/store_writer.h"

namespace trawl {

namespace {

// How often a merge unmaps the input pages it has read (see MergeField).
constexpr uint64_t kReleaseEveryBytes = 32u << 20;
constexpr uint64_t kReleaseEveryDocuments = 4096;

Status CheckCancelled(const std::atomic<bool>* cancel) {
  if (cancel != nullptr && cancel->load(std::memory_order_relaxed))
    return Status::Cancelled("merge cancelled");
  return Status::OK();
}

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
// order. local[i][f] is input i's id of merged field f, or -1. Every input's fields are a
// subset of the index's schema, so the union is too: no merge can outgrow it.
struct FieldUnion {
  std::vector<std::string> names;
  std::vector<FieldType> types;
  std::vector<bool> has_column;
  std::vector<std::vector<int>> local;
};

Status UniteFields(const std::vector<MergeInput>& inputs, FieldUnion* out) {
  out->names = {std::string(kIdField)};
  out->types = {FieldType::kKeyword};
  for (const MergeInput& in : inputs) {
    if (in.segment->fields().empty() || in.segment->fields()[0].name != kIdField)
      return Status::Corruption(in.segment->name() + ".meta: field 0 is not the id field");
    for (const FieldInfo& f : in.segment->fields()) {
      // Segments written before typed fields read their id field as a keyword too.
      auto it = std::find(out->names.begin(), out->names.end(), f.name);
      if (it != out->names.end()) {
        const FieldType known = out->types[it - out->names.begin()];
        if (known != f.type) {
          return Status::Corruption(in.segment->name() + ".meta: field '" + f.name + "' is " +
                                    std::string(FieldTypeName(f.type)) + ", another segment has it as " +
                                    std::string(FieldTypeName(known)));
        }
        continue;
      }
      out->names.push_back(f.name);
      out->types.push_back(f.type);
    }
  }
  out->has_column.assign(out->names.size(), false);
  for (const MergeInput& in : inputs) {
    std::vector<int> local(out->names.size(), -1);
    for (size_t f = 0; f < out->names.size(); ++f) {
      local[f] = in.segment->FieldId(out->names[f]);
      if (local[f] >= 0 && in.segment->columns() != nullptr &&
          in.segment->columns()->Find(static_cast<uint32_t>(local[f])) != nullptr) {
        out->has_column[f] = true;
      }
    }
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
                     std::vector<std::vector<uint32_t>>* lengths,
                     const std::atomic<bool>* cancel) {
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
    TRAWL_RETURN_IF_ERROR(CheckCancelled(cancel));
    TRAWL_RETURN_IF_ERROR(store->Add(*doc));
    if (store->num_docs() != map[d] + 1)
      return Status::Corruption("merge: document numbering diverged");
    for (size_t f = 0; f < local.size(); ++f)
      if (local[f] >= 0 && !(*lengths)[f].empty()) (*lengths)[f][map[d]] = seg.FieldLength(local[f], d);
    return Status::OK();
  });
}

// Merges one field's terms from every input that has the field, term by term.
Status MergeField(const std::vector<MergeInput>& inputs,
                  const std::vector<std::vector<uint32_t>>& maps, const FieldUnion& fields,
                  uint32_t field, const std::vector<uint32_t>& field_lengths,
                  SegmentWriter* writer, roaring_bitmap_t* docs_with_values,
                  uint64_t* postings, const std::atomic<bool>* cancel) {
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
  const bool has_positions = fields.types[field] == FieldType::kText;
  for (;;) {
    // The smallest current term; inputs are few, so a scan beats a heap's bookkeeping.
    const std::string* term = nullptr;
    for (const TermSource& s : sources)
      if (s.valid() && (term == nullptr || s.term() < *term)) term = &s.term();
    if (term == nullptr) return Status::OK();
    TRAWL_RETURN_IF_ERROR(CheckCancelled(cancel));
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
        if (!has_positions) {
          docs.push_back(map[d]);
          tfs.push_back(cursor.freq());
          continue;
        }
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
    if (!docs.empty()) {
      TRAWL_RETURN_IF_ERROR(writer->AddTerm(field, current, docs, tfs, encoded, field_lengths));
      if (!has_positions) {
        roaring_bitmap_add_many(docs_with_values, docs.size(), docs.data());
        *postings += docs.size();
      }
    }
    if (bytes_since_release > kReleaseEveryBytes) release();
  }
}


// The merged column of field `field`: every input's values renumbered to the merged docids;
// keyword values are gathered into one dictionary.
Status MergeColumn(const std::vector<MergeInput>& inputs,
                   const std::vector<std::vector<uint32_t>>& maps, const FieldUnion& fields,
                   uint32_t field, uint32_t num_docs, ColumnValues* out) {
  out->field_id = field;
  out->type = fields.types[field];
  out->starts.assign(1, 0);
  out->starts.reserve(num_docs + 1);
  const bool keyword = out->type == FieldType::kKeyword;
  std::unordered_map<std::string_view, uint32_t> string_ids;
  std::vector<uint32_t> ord_ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<uint32_t>& map = maps[i];
    const int local = fields.local[i][field];
    const ColumnReader* columns = inputs[i].segment->columns();
    const Column* column = local >= 0 && columns != nullptr
                               ? columns->Find(static_cast<uint32_t>(local)) : nullptr;
    if (column != nullptr && column->type() != out->type)
      return Status::Corruption(inputs[i].segment->name() + ".col: field '" + fields.names[field] +
                                "' has a column of another type");
    ord_ids.clear();
    if (column != nullptr && keyword) {
      // The strings stay in the input's map until the merged file is written.
      ord_ids.resize(column->num_ords());
      for (uint64_t ord = 0; ord < column->num_ords(); ++ord) {
        const std::string_view value = column->OrdValue(ord);
        auto [it, added] = string_ids.emplace(value, static_cast<uint32_t>(out->strings.size()));
        if (added) out->strings.emplace_back(value);
        ord_ids[ord] = it->second;
      }
    }
    for (uint32_t d = 0; d < map.size(); ++d) {
      if (map[d] == kNoMoreDocs) continue;
      if (column != nullptr) {
        const Column::Range r = column->ValuesOf(d);
        for (uint64_t v = r.begin; v < r.end; ++v) {
          const uint64_t value = column->ValueAt(v);
          if (keyword) {
            if (value >= ord_ids.size())
              return Status::Corruption(inputs[i].segment->name() + ".col: ordinal out of range");
            out->values.push_back(ord_ids[value]);
          } else {
            out->values.push_back(value);
          }
        }
      }
      out->starts.push_back(static_cast<uint32_t>(out->values.size()));
    }
  }
  if (out->starts.size() != num_docs + 1)
    return Status::Corruption("merge: column document count diverged");
  return Status::OK();
}

}  // namespace

Status MergeSegments(const std::vector<MergeInput>& inputs, const std::string& dir,
                     const std::string& name, SegmentStats* stats, FileSystem* fs,
                     const std::atomic<bool>* cancel, const StoreCompression& compression) {
  FieldUnion fields;
  TRAWL_RETURN_IF_ERROR(UniteFields(inputs, &fields));
  std::vector<std::vector<uint32_t>> maps;
  uint32_t num_docs = 0;
  for (const MergeInput& in : inputs) maps.push_back(MapDocids(in, &num_docs));

  // Length arrays for text fields only; other types have none.
  std::vector<std::vector<uint32_t>> lengths(fields.names.size());
  for (size_t f = 0; f < fields.names.size(); ++f)
    if (fields.types[f] == FieldType::kText) lengths[f].assign(num_docs, 0);
  std::unique_ptr<StoreWriter> store;
  TRAWL_RETURN_IF_ERROR(
      StoreWriter::Create(SegmentFilePath(dir, name, kStoreFile), &store, compression, fs));
  for (size_t i = 0; i < inputs.size(); ++i) {
    TRAWL_RETURN_IF_ERROR(
        CopyDocuments(inputs[i], maps[i], fields.local[i], store.get(), &lengths, cancel));
    inputs[i].segment->store().ReleaseResidentPages();
  }
  TRAWL_RETURN_IF_ERROR(store->Finish());

  std::unique_ptr<SegmentWriter> writer;
  TRAWL_RETURN_IF_ERROR(SegmentWriter::Create(dir, name, fs, &writer));
  // Statistics of the other types' fields: documents with a value and values, counted from
  // what the merge keeps (their terms, or else their columns).
  std::vector<uint32_t> docs_with_values(fields.names.size(), 0);
  std::vector<uint64_t> values(fields.names.size(), 0);
  for (uint32_t f = 0; f < fields.names.size(); ++f) {
    RoaringPtr with_values(roaring_bitmap_create());
    TRAWL_RETURN_IF_ERROR(MergeField(inputs, maps, fields, f, lengths[f], writer.get(),
                                     with_values.get(), &values[f], cancel));
    docs_with_values[f] = static_cast<uint32_t>(roaring_bitmap_get_cardinality(with_values.get()));
  }
  std::vector<ColumnValues> columns;
  for (uint32_t f = 0; f < fields.names.size(); ++f) {
    if (!fields.has_column[f]) continue;
    columns.emplace_back();
    TRAWL_RETURN_IF_ERROR(MergeColumn(inputs, maps, fields, f, num_docs, &columns.back()));
    if (values[f] == 0) {
      const ColumnValues& c = columns.back();
      for (uint32_t d = 0; d < num_docs; ++d)
        if (c.starts[d + 1] > c.starts[d]) ++docs_with_values[f];
      values[f] = c.values.size();
    }
  }
  std::vector<SegmentWriter::Field> out_fields;
  for (uint32_t f = 0; f < fields.names.size(); ++f) {
    SegmentWriter::Field field;
    field.name = fields.names[f];
    field.type = fields.types[f];
    field.lengths = lengths[f];
    if (field.type == FieldType::kText) {
      for (uint32_t length : lengths[f]) {
        field.total_length += length;
        if (length > 0) ++field.docs_with_field;
      }
    } else {
      field.docs_with_field = docs_with_values[f];
      field.total_length = values[f];
    }
    out_fields.push_back(field);
  }
  return writer->Finish(num_docs, out_fields, &columns, stats);
}

}  // namespace trawl

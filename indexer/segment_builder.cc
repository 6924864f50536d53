#include "indexer/segment_builder.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "format/segment_format.h"
#include "format/store_writer.h"
#include "format/values.h"

namespace trawl {

namespace {

// What glibc's malloc really takes for a request of n bytes: an 8-byte header, 16-byte
// alignment, 32 bytes at least. Counting requests alone undercounts small allocations (most
// terms have one posting) by a factor of two or more.
constexpr size_t MallocSize(size_t n) {
  if (n == 0) return 0;
  return std::max<size_t>(32, (n + 8 + 15) & ~size_t{15});
}
size_t HeapBytes(const std::string& s) {
  // Short strings live inside the object (libstdc++'s small-string buffer holds 15 bytes).
  return s.capacity() > 15 ? MallocSize(s.capacity() + 1) : 0;
}
template <typename T>
size_t HeapBytes(const std::vector<T>& v) {
  return MallocSize(v.capacity() * sizeof(T));
}

std::string PendingStoreName() {
  static std::atomic<uint64_t> counter{0};
  return PendingStoreFileName(::getpid(), counter.fetch_add(1));
}

}  // namespace

SegmentBuilder::SegmentBuilder(Analyzer* analyzer, std::string dir, FileSystem* fs)
    : SegmentBuilder(static_cast<FieldAnalyzers*>(nullptr), std::move(dir), fs) {
  owned_analyzers_ = std::make_unique<FieldAnalyzers>(analyzer);
  analyzers_ = owned_analyzers_.get();
}

SegmentBuilder::SegmentBuilder(FieldAnalyzers* analyzers, std::string dir, FileSystem* fs)
    : analyzers_(analyzers), dir_(std::move(dir)), fs_(fs != nullptr ? fs : FileSystem::Default()) {
  FieldData id(&slices_);
  id.name = std::string(kIdField);
  id.type = FieldType::kKeyword;
  fields_.push_back(std::move(id));
}

SegmentBuilder::~SegmentBuilder() {
  // An unfinished StoreWriter removes its own file; a finished one that was never renamed is
  // removed here. After a successful Write() the pending name no longer exists.
  store_.reset();
  // Best effort: a pending store left behind is unreferenced, and the next writer removes it.
  if (!pending_store_path_.empty()) (void)fs_->RemoveFile(pending_store_path_);
}

Status SegmentBuilder::OpenStore() {
  if (store_ != nullptr) return Status::OK();
  const std::string path = dir_ + "/" + PendingStoreName();
  TRAWL_RETURN_IF_ERROR(StoreWriter::Create(path, &store_, store_compression_, fs_));
  pending_store_path_ = path;
  return Status::OK();
}

uint32_t SegmentBuilder::FieldIdFor(const std::string& name, const FieldSpec& spec) {
  for (uint32_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == name) return i;
  FieldData f(&slices_);
  f.name = name;
  f.type = spec.type;
  if (f.type == FieldType::kText) f.lengths.assign(num_docs_, 0);
  f.has_column = spec.column && f.type != FieldType::kText;
  if (f.has_column) {
    f.column.type = f.type;
    f.column.starts.assign(num_docs_ + 1, 0);
  }
  fields_.push_back(std::move(f));
  return static_cast<uint32_t>(fields_.size() - 1);
}

void SegmentBuilder::AddIdTerm(std::string_view id) {
  FieldData& f = fields_[0];
  AddExactTerm(&f, id);
  f.total_length += 1;
  f.docs_with_field += 1;
}

void SegmentBuilder::AddExactTerm(FieldData* f, std::string_view term) {
  // A value repeated within a document is one match, as the column keeps it once.
  f->postings.AddOnce(term, num_docs_);
}

void SegmentBuilder::AddTypedValue(uint32_t field_id, const TypedValue& value) {
  FieldData& f = fields_[field_id];
  if (f.last_doc != num_docs_) {
    f.last_doc = num_docs_;
    f.docs_with_field += 1;
  }
  f.total_length += 1;
  const bool keyword = f.type == FieldType::kKeyword;
  // Columns are written with or without terms; `indexed` decides whether terms exist at all,
  // which the caller checked.
  if (f.has_column) {
    const size_t before = HeapBytes(f.column.values);
    if (keyword) {
      auto it = f.string_ids.find(value.term);
      if (it == f.string_ids.end()) {
        const size_t strings_before = HeapBytes(f.column.strings);
        it = f.string_ids.emplace(value.term, static_cast<uint32_t>(f.column.strings.size())).first;
        f.column.strings.push_back(value.term);
        // The map's node and key, and the string itself.
        memory_bytes_ += MallocSize(sizeof(void*) + sizeof(std::string) + 8 + sizeof(size_t)) +
                         2 * HeapBytes(value.term) + HeapBytes(f.column.strings) - strings_before;
      }
      f.column.values.push_back(it->second);
    } else {
      f.column.values.push_back(value.sortable);
    }
    memory_bytes_ += HeapBytes(f.column.values) - before;
  }
}

void SegmentBuilder::AddFieldText(uint32_t field_id, Analyzer& analyzer, std::string_view text,
                                  bool mark) {
  FieldData& f = fields_[field_id];
  const uint32_t doc = num_docs_;
  // A field name repeated within one document continues its positions rather than restarting,
  // one position after the last token of the values before (so that no phrase spans two
  // values). Not after their count of tokens: stop words and dropped tokens take positions too.
  const bool continuing = f.lengths.size() > doc;
  uint32_t position_base = 0;
  if (continuing) position_base = f.next_position + 1;
  // Marks index the stored value a snippet is made of, the field's first: a repeated field's
  // positions are no longer those of its first value's tokens alone.
  std::vector<TokenMark>* marks = nullptr;
  if (continuing) {
    std::erase_if(marks_, [&](const FieldTokenMarks& m) { return m.field == f.name; });
  } else if (mark && text.size() > kTokenMarkInterval) {  // a token takes a byte at least
    marks_.push_back({f.name, {}});
    marks = &marks_.back().marks;
  }
  uint32_t tokens = 0;
  f.next_position = position_base;
  analyzer.AnalyzeInBatches(text, [&](std::span<const Token> batch) {
    if (marks != nullptr) {
      for (size_t i = 0; i < batch.size(); ++i) {
        const uint32_t token = tokens + static_cast<uint32_t>(i);
        if (token > 0 && token % kTokenMarkInterval == 0)
          marks->push_back({batch[i].position, batch[i].start_byte});
      }
    }
    f.postings.AddOccurrences(batch, doc, position_base);
    f.next_position = position_base + batch.back().position + 1;
    tokens += static_cast<uint32_t>(batch.size());
  });
  if (marks != nullptr && marks->empty()) marks_.pop_back();
  // The field length counts indexed tokens, as Lucene's norms do; positions keep the gaps of
  // stop words and dropped tokens.
  if (!continuing) {
    f.lengths.resize(doc + 1, 0);
    if (tokens > 0) f.docs_with_field += 1;
  } else if (f.lengths[doc] == 0 && tokens > 0) {
    f.docs_with_field += 1;
  }
  f.lengths[doc] += tokens;
  f.total_length += tokens;
}

void SegmentBuilder::RecountMemory() {
  size_t per_document = store_->index_memory_bytes();
  size_t postings = slices_.memory_bytes();
  for (const FieldData& f : fields_) {
    per_document += HeapBytes(f.lengths) + HeapBytes(f.column.starts);
    postings += f.postings.memory_bytes();
  }
  per_document_bytes_ = per_document;
  postings_bytes_ = postings;
}

Status SegmentBuilder::Add(const Document& doc) {
  MappedDocument mapped;
  mapped.id = doc.id;
  mapped.stored.id = doc.id;
  const FieldSpec text = FieldSpec::Default(FieldType::kText);
  for (const DocField& field : doc.fields) {
    if (field.name == kIdField) continue;
    mapped.fields.push_back(MappedField{field.name, text, field.value, {}});
    mapped.stored.fields.push_back(field);
  }
  return Add(mapped);
}

Status SegmentBuilder::Add(const MappedDocument& doc) {
  if (num_docs_ == std::numeric_limits<uint32_t>::max() - 1) {
    return Status::InvalidArgument("segment is full (2^32 - 2 documents)");
  }
  if (doc.id.empty()) return Status::InvalidArgument("document has an empty id");
  TRAWL_RETURN_IF_ERROR(failed_);
  // Everything that can fail comes before the document is indexed, so a failed Add leaves no
  // half-added document behind.
  field_analyzers_.assign(doc.fields.size(), nullptr);
  for (size_t i = 0; i < doc.fields.size(); ++i) {
    const MappedField& field = doc.fields[i];
    if (field.spec.type != FieldType::kText || field.name == kIdField) continue;
    TRAWL_RETURN_IF_ERROR(analyzers_->For(field.name, &field.spec, &field_analyzers_[i]));
  }
  TRAWL_RETURN_IF_ERROR(OpenStore());
  // The document is stored after its fields are analyzed (which finds its token marks): a
  // refusal comes first, so that a refused document changes nothing.
  TRAWL_RETURN_IF_ERROR(store_->CheckAdd(doc.stored));
  marks_.clear();
  AddIdTerm(doc.id);
  for (size_t i = 0; i < doc.fields.size(); ++i) {
    const MappedField& field = doc.fields[i];
    if (field.name == kIdField) continue;
    const uint32_t field_id = FieldIdFor(field.name, field.spec);
    FieldData& f = fields_[field_id];
    if (f.type == FieldType::kText) {
      Analyzer& analyzer =
          field_analyzers_[i] != nullptr ? *field_analyzers_[i] : analyzers_->Default();
      AddFieldText(field_id, analyzer, field.text,
                   field.spec.stored && analyzer.restarts_at_tokens());
      continue;
    }
    if (field.spec.indexed) {
      AddExactTerm(&f, f.type == FieldType::kKeyword ? std::string_view(field.value.term)
                                                     : std::string_view(SortableTerm(field.value.sortable)));
    }
    AddTypedValue(field_id, field.value);
  }
  if (Status s = StoreDocument(doc.stored); !s.ok()) {
    // The postings hold the document and the store may hold part of it: the builder can no
    // longer make a consistent segment.
    failed_ = s;
    return s;
  }
  ++num_docs_;
  for (FieldData& f : fields_) {
    if (f.type == FieldType::kText) f.lengths.resize(num_docs_, 0);
    if (f.has_column) f.column.starts.push_back(static_cast<uint32_t>(f.column.values.size()));
  }
  RecountMemory();
  return Status::OK();
}

Status SegmentBuilder::StoreDocument(const Document& stored) {
  if (marks_.empty()) return store_->Add(stored);
  DocField marks_field;
  marks_field.name = std::string(kMarksField);
  EncodeTokenMarks(kTokenMarkInterval, marks_, &marks_field.value);
  Status s = store_->Add(stored, &marks_field);
  // Marks are small next to the text they index, but could still take a document just under
  // the store's size limit over it: it is then stored without them.
  if (s.IsInvalidArgument()) s = store_->Add(stored);
  return s;
}

Status SegmentBuilder::Write(const std::string& segment, SegmentStats* stats) {
  TRAWL_RETURN_IF_ERROR(failed_);
  TRAWL_RETURN_IF_ERROR(OpenStore());  // an empty segment still has a store
  std::unique_ptr<SegmentWriter> writer;
  TRAWL_RETURN_IF_ERROR(SegmentWriter::Create(dir_, segment, fs_, &writer));
  for (uint32_t field_id = 0; field_id < fields_.size(); ++field_id) {
    FieldData& f = fields_[field_id];
    TRAWL_RETURN_IF_ERROR(f.postings.ForEachTermSorted(
        [&](std::string_view term, std::span<const uint32_t> docs, std::span<const uint32_t> tfs,
            std::string_view positions) {
          return writer->AddTerm(field_id, term, docs, tfs, positions, f.lengths);
        }));
    f.postings.Clear();
  }
  slices_.Clear();
  std::vector<SegmentWriter::Field> fields;
  std::vector<ColumnValues> columns;
  for (uint32_t field_id = 0; field_id < fields_.size(); ++field_id) {
    FieldData& f = fields_[field_id];
    SegmentWriter::Field out;
    out.name = f.name;
    out.type = f.type;
    out.lengths = f.lengths;
    out.docs_with_field = f.docs_with_field;
    out.total_length = f.total_length;
    fields.push_back(out);
    if (f.has_column) {
      f.column.field_id = field_id;
      columns.push_back(std::move(f.column));
    }
  }
  TRAWL_RETURN_IF_ERROR(writer->Finish(num_docs_, fields, &columns, stats));

  TRAWL_RETURN_IF_ERROR(store_->Finish());
  const std::string store_path = SegmentFilePath(dir_, segment, kStoreFile);
  TRAWL_RETURN_IF_ERROR(fs_->RenameFile(pending_store_path_, store_path));
  pending_store_path_.clear();
  return Status::OK();
}

}  // namespace trawl

#include "indexer/segment_builder.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "common/coding.h"
#include "format/segment_format.h"
#include "format/store_writer.h"

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
    : analyzer_(analyzer), dir_(std::move(dir)), fs_(fs != nullptr ? fs : FileSystem::Default()) {
  fields_.push_back(FieldData{std::string(kIdField), {}, {}, 0, 0});
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
  TRAWL_RETURN_IF_ERROR(
      StoreWriter::Create(path, &store_, fs_));
  pending_store_path_ = path;
  return Status::OK();
}

Status SegmentBuilder::FieldIdFor(std::string_view name, uint32_t* id) {
  for (uint32_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) {
      *id = i;
      return Status::OK();
    }
  }
  if (fields_.size() >= kMaxFields) {
    return Status::InvalidArgument("too many distinct fields (limit " +
                                   std::to_string(kMaxFields) + "): cannot add field '" +
                                   std::string(name) + "'");
  }
  FieldData f;
  f.name = std::string(name);
  f.lengths.assign(num_docs_, 0);
  fields_.push_back(std::move(f));
  *id = static_cast<uint32_t>(fields_.size() - 1);
  return Status::OK();
}

Status SegmentBuilder::CheckFieldLimit(const Document& doc) const {
  std::vector<std::string_view> added;
  for (const auto& [name, value, kind] : doc.fields) {
    if (name == kIdField || std::find(added.begin(), added.end(), name) != added.end()) continue;
    bool known = false;
    for (const FieldData& f : fields_) known = known || f.name == name;
    if (known) continue;
    added.push_back(name);
    if (fields_.size() + added.size() > kMaxFields) {
      return Status::InvalidArgument("too many distinct fields (limit " +
                                     std::to_string(kMaxFields) + "): cannot add field '" +
                                     std::string(name) + "'");
    }
  }
  return Status::OK();
}

SegmentBuilder::TermPostings& SegmentBuilder::Posting(FieldData* f, std::string_view term) {
  auto it = f->terms.find(term);
  if (it != f->terms.end()) return it->second;
  // A node holds the next pointer, the key and postings, and the cached hash. Write() adds a
  // pair of pointers per term to sort them.
  constexpr size_t kNodeBytes =
      MallocSize(sizeof(void*) + sizeof(TermMap::value_type) + sizeof(size_t));
  constexpr size_t kSortBytes = 2 * sizeof(void*);
  const size_t buckets_before = f->terms.bucket_count();
  it = f->terms.emplace(std::string(term), TermPostings()).first;
  memory_bytes_ += kNodeBytes + kSortBytes + HeapBytes(it->first);
  if (f->terms.bucket_count() != buckets_before) {
    memory_bytes_ -= buckets_bytes_;
    buckets_bytes_ = 0;
    for (const FieldData& g : fields_) buckets_bytes_ += MallocSize(g.terms.bucket_count() * 8);
    memory_bytes_ += buckets_bytes_;
  }
  return it->second;
}

namespace {

size_t PostingBytes(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs,
                    const std::string& positions) {
  return HeapBytes(docs) + HeapBytes(tfs) + HeapBytes(positions);
}

}  // namespace

void SegmentBuilder::AddIdTerm(std::string_view id) {
  FieldData& f = fields_[0];
  TermPostings& p = Posting(&f, id);
  if (!p.docs.empty() && p.docs.back() == num_docs_) return;
  const size_t before = PostingBytes(p.docs, p.tfs, p.positions);
  p.docs.push_back(num_docs_);
  p.tfs.push_back(1);
  PutVarint32(&p.positions, 0);
  memory_bytes_ += PostingBytes(p.docs, p.tfs, p.positions) - before;
  f.lengths.push_back(1);
  f.total_length += 1;
  f.docs_with_field += 1;
}

void SegmentBuilder::AddFieldText(uint32_t field_id, std::string_view text) {
  FieldData& f = fields_[field_id];
  const uint32_t doc = num_docs_;
  // A field name repeated within one document continues its positions rather than restarting.
  const bool continuing = f.lengths.size() > doc;
  uint32_t position_base = 0;
  if (continuing) position_base = f.lengths[doc] + 1;
  uint32_t tokens = 0;
  analyzer_->Analyze(text, [&](const Token& token) {
    const uint32_t position = position_base + token.position;
    TermPostings& p = Posting(&f, token.term);
    const size_t before = PostingBytes(p.docs, p.tfs, p.positions);
    if (p.docs.empty() || p.docs.back() != doc) {
      p.docs.push_back(doc);
      p.tfs.push_back(1);
      PutVarint32(&p.positions, position);
    } else {
      ++p.tfs.back();
      PutVarint32(&p.positions, position - p.last_position);
    }
    memory_bytes_ += PostingBytes(p.docs, p.tfs, p.positions) - before;
    p.last_position = position;
    ++tokens;
  });
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

void SegmentBuilder::RecountPerDocumentArrays() {
  size_t bytes = 0;
  for (const FieldData& f : fields_) bytes += HeapBytes(f.lengths);
  bytes += store_->index_memory_bytes();
  memory_bytes_ = memory_bytes_ - per_document_bytes_ + bytes;
  per_document_bytes_ = bytes;
}

Status SegmentBuilder::Add(const Document& doc) {
  if (num_docs_ == std::numeric_limits<uint32_t>::max() - 1) {
    return Status::InvalidArgument("segment is full (2^32 - 2 documents)");
  }
  if (doc.id.empty()) return Status::InvalidArgument("document has an empty id");
  TRAWL_RETURN_IF_ERROR(failed_);
  // Everything that can fail comes before the document is indexed, so a failed Add leaves no
  // half-added document behind.
  TRAWL_RETURN_IF_ERROR(OpenStore());
  TRAWL_RETURN_IF_ERROR(CheckFieldLimit(doc));
  Status s = store_->Add(doc);
  if (!s.ok()) {
    // A refused document changed nothing; after an I/O error the store may hold part of the
    // batch that the postings do not, so the builder can no longer make a consistent segment.
    if (!s.IsInvalidArgument()) failed_ = s;
    return s;
  }
  AddIdTerm(doc.id);
  for (const auto& [name, value, kind] : doc.fields) {
    if (name == kIdField) continue;
    uint32_t field_id;
    TRAWL_RETURN_IF_ERROR(FieldIdFor(name, &field_id));
    AddFieldText(field_id, value);
  }
  ++num_docs_;
  for (FieldData& f : fields_) f.lengths.resize(num_docs_, 0);
  RecountPerDocumentArrays();
  return Status::OK();
}

Status SegmentBuilder::Write(const std::string& segment, SegmentStats* stats) {
  TRAWL_RETURN_IF_ERROR(failed_);
  TRAWL_RETURN_IF_ERROR(OpenStore());  // an empty segment still has a store
  std::unique_ptr<SegmentWriter> writer;
  TRAWL_RETURN_IF_ERROR(SegmentWriter::Create(dir_, segment, fs_, &writer));
  for (uint32_t field_id = 0; field_id < fields_.size(); ++field_id) {
    FieldData& f = fields_[field_id];
    std::vector<std::pair<const std::string*, TermPostings*>> sorted;
    sorted.reserve(f.terms.size());
    for (auto& [term, postings] : f.terms) sorted.emplace_back(&term, &postings);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (auto& [term, postings] : sorted) {
      TRAWL_RETURN_IF_ERROR(writer->AddTerm(field_id, *term, postings->docs, postings->tfs,
                                            postings->positions, f.lengths));
      *postings = TermPostings();  // release memory as we go
    }
    sorted = {};
    f.terms = TermMap();
  }
  std::vector<SegmentWriter::Field> fields;
  for (const FieldData& f : fields_) {
    const FieldType type = fields.empty() ? FieldType::kKeyword : FieldType::kText;
    fields.push_back({f.name, f.lengths, f.docs_with_field, f.total_length, type});
  }
  std::vector<ColumnValues> columns;
  TRAWL_RETURN_IF_ERROR(writer->Finish(num_docs_, fields, &columns, stats));

  TRAWL_RETURN_IF_ERROR(store_->Finish());
  const std::string store_path = SegmentFilePath(dir_, segment, kStoreFile);
  TRAWL_RETURN_IF_ERROR(fs_->RenameFile(pending_store_path_, store_path));
  pending_store_path_.clear();
  return Status::OK();
}

}  // namespace trawl

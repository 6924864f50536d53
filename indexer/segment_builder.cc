#include "indexer/segment_builder.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <limits>

#include "common/bitpack.h"
#include "common/coding.h"
#include "common/file_format.h"
#include "common/roaring_view.h"
#include "common/segment_format.h"
#include "indexer/store_writer.h"

namespace trawl {

namespace {

// Rough per-entry overheads of the hash map and vectors, for the memory budget.
constexpr size_t kTermEntryOverhead = 96;
constexpr size_t kPostingOverhead = 8;

std::string SerializeDocids(const std::vector<uint32_t>& docs) {
  RoaringPtr bitmap(
      roaring_bitmap_of_ptr(docs.size(), docs.data()));
  roaring_bitmap_run_optimize(bitmap.get());
  std::string out(roaring_bitmap_portable_size_in_bytes(bitmap.get()), '\0');
  roaring_bitmap_portable_serialize(bitmap.get(), out.data());
  return out;
}

// Byte length of the positions of `count` postings starting at `pos`, given their tfs.
size_t SkipPositions(const std::string& positions, size_t pos, const uint32_t* tfs, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    for (uint32_t j = 0; j < tfs[i]; ++j) {
      while (static_cast<unsigned char>(positions[pos]) & 0x80) ++pos;
      ++pos;
    }
  }
  return pos;
}

}  // namespace

SegmentBuilder::SegmentBuilder(Analyzer* analyzer) : analyzer_(analyzer) {
  fields_.push_back(FieldData{std::string(kIdField), {}, {}, 0, 0});
}

SegmentBuilder::~SegmentBuilder() = default;

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

void SegmentBuilder::AddIdTerm(std::string_view id) {
  FieldData& f = fields_[0];
  TermPostings& p = f.terms[std::string(id)];
  if (p.docs.empty()) memory_bytes_ += kTermEntryOverhead + id.size();
  if (!p.docs.empty() && p.docs.back() == num_docs_) return;
  p.docs.push_back(num_docs_);
  p.tfs.push_back(1);
  PutVarint32(&p.positions, 0);
  memory_bytes_ += kPostingOverhead + 1;
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
  uint32_t last_position_plus_one = position_base;
  analyzer_->Analyze(text, [&](const Token& token) {
    const uint32_t position = position_base + token.position;
    auto [it, inserted] = f.terms.try_emplace(std::string(token.term));
    TermPostings& p = it->second;
    if (inserted) memory_bytes_ += kTermEntryOverhead + token.term.size();
    if (p.docs.empty() || p.docs.back() != doc) {
      p.docs.push_back(doc);
      p.tfs.push_back(1);
      PutVarint32(&p.positions, position);
      memory_bytes_ += kPostingOverhead + 2;
    } else {
      ++p.tfs.back();
      PutVarint32(&p.positions, position - p.last_position);
      memory_bytes_ += 1;
    }
    p.last_position = position;
    ++tokens;
    last_position_plus_one = position + 1;
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
  (void)last_position_plus_one;
}

Status SegmentBuilder::Add(const Document& doc) {
  if (num_docs_ == std::numeric_limits<uint32_t>::max() - 1) {
    return Status::InvalidArgument("segment is full (2^32 - 2 documents)");
  }
  if (doc.id.empty()) return Status::InvalidArgument("document has an empty id");
  AddIdTerm(doc.id);
  for (const auto& [name, value] : doc.fields) {
    if (name == kIdField) continue;
    uint32_t field_id;
    TRAWL_RETURN_IF_ERROR(FieldIdFor(name, &field_id));
    AddFieldText(field_id, value);
  }
  ++num_docs_;
  for (FieldData& f : fields_) f.lengths.resize(num_docs_, 0);
  size_t doc_bytes = doc.id.size() + 64;
  for (const auto& [name, value] : doc.fields) doc_bytes += name.size() + value.size() + 32;
  memory_bytes_ += doc_bytes;
  stored_.push_back(doc);
  return Status::OK();
}

Status SegmentBuilder::AppendAnalyzed(
    const Document& stored, const std::vector<std::pair<std::string_view, uint32_t>>& field_lengths,
    uint32_t* docid) {
  if (num_docs_ == std::numeric_limits<uint32_t>::max() - 1) {
    return Status::InvalidArgument("segment is full (2^32 - 2 documents)");
  }
  *docid = num_docs_;
  for (FieldData& f : fields_) f.lengths.resize(num_docs_ + 1, 0);
  for (const auto& [name, length] : field_lengths) {
    uint32_t field_id;
    TRAWL_RETURN_IF_ERROR(FieldIdFor(name, &field_id));
    FieldData& f = fields_[field_id];
    f.lengths.resize(num_docs_ + 1, 0);
    f.lengths[num_docs_] = length;
    f.total_length += length;
    if (length > 0) f.docs_with_field += 1;
  }
  ++num_docs_;
  for (FieldData& f : fields_) f.lengths.resize(num_docs_, 0);
  size_t doc_bytes = stored.id.size() + 64;
  for (const auto& [name, value] : stored.fields) doc_bytes += name.size() + value.size() + 32;
  memory_bytes_ += doc_bytes;
  stored_.push_back(stored);
  return Status::OK();
}

Status SegmentBuilder::AddPosting(std::string_view field, std::string_view term, uint32_t docid,
                                  const std::vector<uint32_t>& positions) {
  uint32_t field_id;
  TRAWL_RETURN_IF_ERROR(FieldIdFor(field, &field_id));
  if (docid >= num_docs_ || positions.empty()) return Status::InvalidArgument("bad posting");
  auto [it, inserted] = fields_[field_id].terms.try_emplace(std::string(term));
  TermPostings& p = it->second;
  if (inserted) memory_bytes_ += kTermEntryOverhead + term.size();
  if (!p.docs.empty() && p.docs.back() >= docid)
    return Status::InvalidArgument("postings out of docid order");
  p.docs.push_back(docid);
  p.tfs.push_back(static_cast<uint32_t>(positions.size()));
  uint32_t prev = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    PutVarint32(&p.positions, i == 0 ? positions[i] : positions[i] - prev);
    prev = positions[i];
  }
  memory_bytes_ += kPostingOverhead + positions.size() + 2;
  return Status::OK();
}

namespace {

struct SegmentWriters {
  std::unique_ptr<FileWriter> meta, dict, post, pos, len;
};

// Writes one term's postings (.post) and positions (.pos); fills the offsets in *info.
Status WriteTermPostings(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs,
                         const std::string& positions, const std::vector<uint32_t>& lengths,
                         FileWriter* post, FileWriter* pos, TermInfo* info) {
  const size_t n = docs.size();
  const size_t num_blocks = (n + kPostingBlockSize - 1) / kPostingBlockSize;
  std::string tf_section;
  std::string table;
  uint32_t term_max_tf = 0, term_min_len = std::numeric_limits<uint32_t>::max();
  std::vector<uint32_t> minus_one(kPostingBlockSize);
  size_t pos_byte = 0;
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t begin = b * kPostingBlockSize;
    const size_t count = std::min<size_t>(kPostingBlockSize, n - begin);
    uint32_t block_max_tf = 0, block_min_len = std::numeric_limits<uint32_t>::max(), max_v = 0;
    for (size_t i = 0; i < count; ++i) {
      uint32_t tf = tfs[begin + i];
      block_max_tf = std::max(block_max_tf, tf);
      block_min_len = std::min(block_min_len, lengths[docs[begin + i]]);
      minus_one[i] = tf - 1;
      max_v = std::max(max_v, tf - 1);
    }
    const uint32_t width = BitWidth(max_v);
    PutFixed32(&table, static_cast<uint32_t>(tf_section.size()));
    PutFixed32(&table, static_cast<uint32_t>(pos_byte));
    PutFixed32(&table, block_max_tf);
    PutFixed32(&table, block_min_len);
    PutFixed32(&table, docs[begin + count - 1]);
    tf_section.push_back(static_cast<char>(width));
    PackBits(minus_one.data(), count, width, &tf_section);
    pos_byte = SkipPositions(positions, pos_byte, tfs.data() + begin, count);
    term_max_tf = std::max(term_max_tf, block_max_tf);
    term_min_len = std::min(term_min_len, block_min_len);
  }
  if (tf_section.size() > std::numeric_limits<uint32_t>::max() ||
      positions.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("a term's postings exceed 4 GiB in one segment");
  }
  std::string out;
  std::string bitmap = SerializeDocids(docs);
  PutVarint64(&out, bitmap.size());
  out += bitmap;
  PutVarint64(&out, num_blocks);
  // A single block needs no table: the dictionary's term-level bounds describe it.
  if (num_blocks > 1) out += table;
  out += tf_section;

  info->doc_freq = static_cast<uint32_t>(n);
  info->max_tf = term_max_tf;
  info->min_length = term_min_len;
  info->post_offset = post->body_offset();
  info->post_length = out.size();
  info->pos_offset = pos->body_offset();
  info->pos_length = positions.size();
  TRAWL_RETURN_IF_ERROR(post->Append(out));
  return pos->Append(positions);
}

void AppendDictEntry(const std::string& prev_key, const std::string& key, const TermInfo& t,
                     std::string* block) {
  size_t shared = 0;
  while (shared < prev_key.size() && shared < key.size() && prev_key[shared] == key[shared]) ++shared;
  PutVarint64(block, shared);
  PutLengthPrefixed(block, std::string_view(key).substr(shared));
  PutVarint32(block, t.doc_freq);
  PutVarint32(block, t.max_tf);
  PutVarint32(block, t.min_length);
  PutVarint64(block, t.post_offset);
  PutVarint64(block, t.post_length);
  PutVarint64(block, t.pos_offset);
  PutVarint64(block, t.pos_length);
}

}  // namespace

Status SegmentBuilder::Write(const std::string& dir, const std::string& segment,
                             SegmentStats* stats, FileSystem* fs) {
  SegmentWriters w;
  auto create = [&](const SegmentFile& f, std::unique_ptr<FileWriter>* out) {
    return FileWriter::Create(SegmentFilePath(dir, segment, f), f.kind, kSegmentFormatVersion, out,
                              fs);
  };
  TRAWL_RETURN_IF_ERROR(create(kMetaFile, &w.meta));
  TRAWL_RETURN_IF_ERROR(create(kDictFile, &w.dict));
  TRAWL_RETURN_IF_ERROR(create(kPostFile, &w.post));
  TRAWL_RETURN_IF_ERROR(create(kPosFile, &w.pos));
  TRAWL_RETURN_IF_ERROR(create(kLenFile, &w.len));

  // Dictionary: entries in key order, in blocks that restart prefix compression, then an index
  // of each block's first key.
  std::string block, index, prev_key;
  uint32_t in_block = 0, num_blocks = 0;
  uint64_t num_terms = 0;
  auto flush_block = [&]() -> Status {
    if (in_block == 0) return Status::OK();
    in_block = 0;
    return w.dict->Append(block);
  };
  for (uint32_t field_id = 0; field_id < fields_.size(); ++field_id) {
    FieldData& f = fields_[field_id];
    std::vector<std::pair<const std::string*, TermPostings*>> sorted;
    sorted.reserve(f.terms.size());
    for (auto& [term, postings] : f.terms) sorted.emplace_back(&term, &postings);
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    for (auto& [term, postings] : sorted) {
      TermInfo info;
      TRAWL_RETURN_IF_ERROR(WriteTermPostings(postings->docs, postings->tfs, postings->positions,
                                              f.lengths, w.post.get(), w.pos.get(), &info));
      *postings = TermPostings();  // release memory as we go
      std::string key = DictKey(field_id, *term);
      if (in_block == 0) {
        block.clear();
        prev_key.clear();
        PutLengthPrefixed(&index, key);
        PutFixed64(&index, w.dict->body_offset());
        ++num_blocks;
      }
      AppendDictEntry(prev_key, key, info, &block);
      prev_key = std::move(key);
      ++num_terms;
      if (++in_block == kDictBlockSize) TRAWL_RETURN_IF_ERROR(flush_block());
    }
    f.terms.clear();
  }
  TRAWL_RETURN_IF_ERROR(flush_block());
  const uint64_t index_offset = w.dict->body_offset();
  PutFixed32(&index, num_blocks);
  PutFixed64(&index, num_terms);
  PutFixed64(&index, index_offset);
  TRAWL_RETURN_IF_ERROR(w.dict->Append(index));

  // Field lengths: u32 per document per field, fields in id order.
  std::string header;
  PutFixed32(&header, static_cast<uint32_t>(fields_.size()));
  PutFixed32(&header, num_docs_);
  TRAWL_RETURN_IF_ERROR(w.len->Append(header));
  for (const FieldData& f : fields_) {
    std::string lens;
    lens.reserve(4 * num_docs_);
    for (uint32_t d = 0; d < num_docs_; ++d) PutFixed32(&lens, f.lengths[d]);
    TRAWL_RETURN_IF_ERROR(w.len->Append(lens));
  }

  // Meta: document count and per-field statistics.
  std::string meta;
  PutFixed32(&meta, num_docs_);
  PutFixed32(&meta, static_cast<uint32_t>(fields_.size()));
  for (const FieldData& f : fields_) {
    PutLengthPrefixed(&meta, f.name);
    PutFixed32(&meta, f.docs_with_field);
    PutFixed64(&meta, f.total_length);
  }
  PutFixed64(&meta, num_terms);
  TRAWL_RETURN_IF_ERROR(w.meta->Append(meta));

  std::unique_ptr<StoreWriter> store;
  TRAWL_RETURN_IF_ERROR(StoreWriter::Create(SegmentFilePath(dir, segment, kStoreFile), &store, 3, 16384, fs));
  for (const Document& d : stored_) TRAWL_RETURN_IF_ERROR(store->Add(d));
  stored_.clear();
  TRAWL_RETURN_IF_ERROR(store->Finish());

  uint64_t bytes = 0;
  for (FileWriter* f : {w.post.get(), w.pos.get(), w.dict.get(), w.len.get(), w.meta.get()}) {
    bytes += f->body_offset() + kFileHeaderSize + kFileFooterSize;
    TRAWL_RETURN_IF_ERROR(f->Finish());
  }
  if (stats != nullptr) {
    stats->num_docs = num_docs_;
    stats->num_terms = num_terms;
    stats->bytes_on_disk = bytes;
  }
  return Status::OK();
}

}  // namespace trawl

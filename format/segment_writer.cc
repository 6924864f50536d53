#include "format/segment_writer.h"

#include <roaring/roaring.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>
#include <vector>

#include "common/bitpack.h"
#include "common/coding.h"
#include "common/roaring_view.h"
#include "format/segment_format.h"

namespace trawl {

namespace {

// Sets kBlockImpacts (tf, length) pairs that dominate every posting of a block: its Pareto
// frontier (no other posting has both a higher tf and a shorter field), cut into as many runs
// of consecutive frontier points, each pair the run's highest tf with its shortest length.
// An empty field_lengths means length 1 for every document (a field that is not text).
void SetImpacts(const uint32_t* tfs, const uint32_t* docs, size_t count,
                std::span<const uint32_t> field_lengths, BlockTableEntry* entry) {
  std::vector<std::pair<uint32_t, uint32_t>> points(count);  // (tf, length)
  for (size_t i = 0; i < count; ++i)
    points[i] = {tfs[i], field_lengths.empty() ? 1 : field_lengths[docs[i]]};
  // Highest tf first, shortest length first among equal tfs; a point is on the frontier when
  // its length is below every length seen before it.
  std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<std::pair<uint32_t, uint32_t>> frontier;
  for (const auto& p : points)
    if (frontier.empty() || p.second < frontier.back().second) frontier.push_back(p);
  // frontier: tf falling, length falling. Run r covers points [r·m/K, (r+1)·m/K).
  const size_t m = frontier.size();
  for (size_t r = 0; r < kBlockImpacts; ++r) {
    // With fewer frontier points than runs, runs repeat a point.
    const size_t first = std::min(m - 1, r * m / kBlockImpacts);
    const size_t end = std::min(m, (r + 1) * m / kBlockImpacts);
    const size_t last = end > first ? end - 1 : first;
    entry->impact_tf[r] = frontier[first].first;        // the run's highest tf
    entry->impact_length[r] = frontier[last].second;    // and shortest length
  }
  entry->num_impacts = kBlockImpacts;
}

// CRoaring's portable serialization of the docids. A bitmap of one to three containers and no
// run container (every term in a few documents) is rewritten to the portable format's other
// header, the one for bitmaps with runs, with no container flagged as a run: it has no offset
// table below four containers, so a term in one document takes 11 bytes instead of 18. Both
// headers are CRoaring's own; any portable reader reads either.
void AppendDocids(std::span<const uint32_t> docs, std::string* out) {
  RoaringPtr bitmap(roaring_bitmap_of_ptr(docs.size(), docs.data()));
  roaring_bitmap_run_optimize(bitmap.get());
  const size_t size = roaring_bitmap_portable_size_in_bytes(bitmap.get());
  std::string& bytes = *out;
  const size_t length_at = bytes.size();
  PutVarint64(out, size);
  const size_t at = bytes.size();
  bytes.resize(at + size);
  roaring_bitmap_portable_serialize(bitmap.get(), bytes.data() + at);
  constexpr uint32_t kNoRunCookie = 12346, kRunCookie = 12347, kNoOffsetThreshold = 4;
  if (DecodeFixed32(bytes.data() + at) != kNoRunCookie) return;
  const uint32_t containers = DecodeFixed32(bytes.data() + at + 4);
  if (containers == 0 || containers >= kNoOffsetThreshold) return;
  // No-run header: cookie u32 | count u32 | keys 4n | offsets 4n | containers.
  // Run header: cookie u16 | count-1 u16 | run flags ceil(n/8) | keys 4n | containers.
  std::string compact;
  PutFixed32(&compact, kRunCookie | ((containers - 1) << 16));
  compact.push_back('\0');  // n < 4: one byte of flags, none set
  compact.append(bytes, at + 8, 4 * containers);
  compact.append(bytes, at + 8 + 8 * containers, std::string::npos);
  bytes.resize(length_at);
  PutLengthPrefixed(out, compact);
}

// Byte length of the positions of `count` postings starting at `pos`, given their tfs.
size_t SkipPositions(std::string_view positions, size_t pos, const uint32_t* tfs, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    for (uint32_t j = 0; j < tfs[i] && pos < positions.size(); ++j) {
      while (pos < positions.size() && (static_cast<unsigned char>(positions[pos]) & 0x80)) ++pos;
      ++pos;
    }
  }
  return pos;
}

// Appends the positions of a block of `count` postings, bytes [begin, end) of `positions`, to
// *out, with anchors before them (format 9, docs/format.md .pos) when they take
// kPositionAnchorMinBytes or more: a width byte (2 or 4), then the offset from the block's first
// posting's positions to those of postings 16, 32, ..., in that many bytes little-endian.
void AppendBlockPositions(std::string_view positions, size_t begin, size_t end, const uint32_t* tfs,
                          size_t count, std::string* out) {
  if (HasPositionAnchors(count, end - begin)) {
    const size_t anchors = NumPositionAnchors(count);
    const bool narrow = end - begin <= std::numeric_limits<uint16_t>::max();
    out->push_back(narrow ? 2 : 4);
    size_t at = begin;
    for (size_t k = 1; k <= anchors; ++k) {
      at = SkipPositions(positions, at, tfs + (k - 1) * kPositionAnchorStride,
                         kPositionAnchorStride);
      const size_t offset = at - begin;
      if (narrow) {
        PutFixed16(out, static_cast<uint16_t>(offset));
      } else {
        PutFixed32(out, static_cast<uint32_t>(offset));
      }
    }
  }
  out->append(positions.substr(begin, end - begin));
}

// A dictionary entry (docs/format.md, .dict): the key's prefix compression, a code, then the
// term's statistics and the lengths of its postings and positions; their offsets follow from the
// block's base offsets and the lengths of the entries before it. A term in one document has its
// posting there instead (its length is the document's, in .len), of which the code says what is
// left out. *block_doc is the docid of the block's last term of one document (0 at the block's
// start): such a term's docid is written as its difference from that one, small where keys and
// docids rise together, as a corpus's ids usually do.
void AppendDictEntry(std::string_view prev_key, std::string_view key, const TermInfo& t,
                     uint32_t* block_doc, std::string* block) {
  size_t shared = 0;
  while (shared < prev_key.size() && shared < key.size() && prev_key[shared] == key[shared])
    ++shared;
  PutVarint64(block, shared);
  PutLengthPrefixed(block, key.substr(shared));
  if (t.inline_doc) {
    assert(t.doc_freq == 1 && t.post_length == 0);
    const uint32_t code = t.max_tf != 1 ? kDictEntryInline : t.pos_length != 0
                                                                  ? kDictEntryInlineOnce
                                                                  : kDictEntryInlineOnceBare;
    PutVarint32(block, code);
    if (code == kDictEntryInline) PutVarint32(block, t.max_tf);
    PutVarint64(block, ZigZagDelta(*block_doc, t.only_doc));
    *block_doc = t.only_doc;
    if (code != kDictEntryInlineOnceBare) PutVarint64(block, t.pos_length);
    return;
  }
  PutVarint32(block, t.doc_freq + kDictEntryDocFreqBias);
  PutVarint32(block, t.max_tf);
  PutVarint32(block, t.min_length);
  PutVarint64(block, t.post_length);
  PutVarint64(block, t.pos_length);
}

// One field's lengths (docs/format.md, .len of version 6): the packed bytes' size, a directory of
// (base, offset) per block of kLengthBlockSize documents, then each block's width byte and its
// (length - base) values packed in that width. Exact: a block's width fits its longest field.
void AppendPackedLengths(std::span<const uint32_t> lengths, std::string* out) {
  const size_t num_blocks = (lengths.size() + kLengthBlockSize - 1) / kLengthBlockSize;
  std::string directory, packed;
  uint32_t values[kLengthBlockSize];
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t begin = b * kLengthBlockSize;
    const size_t count = std::min<size_t>(kLengthBlockSize, lengths.size() - begin);
    const auto [min, max] = std::minmax_element(lengths.begin() + begin,
                                                lengths.begin() + begin + count);
    for (size_t i = 0; i < count; ++i) values[i] = lengths[begin + i] - *min;
    PutFixed32(&directory, *min);
    PutFixed32(&directory, static_cast<uint32_t>(packed.size()));
    const uint32_t width = BitWidth(*max - *min);
    packed.push_back(static_cast<char>(width));
    PackBits(values, count, width, &packed);
  }
  PutFixed64(out, packed.size());
  out->append(directory);
  out->append(packed);
}

}  // namespace

SegmentWriter::~SegmentWriter() = default;

Status SegmentWriter::Create(const std::string& dir, const std::string& segment, FileSystem* fs,
                             std::unique_ptr<SegmentWriter>* out) {
  std::unique_ptr<SegmentWriter> w(new SegmentWriter());
  w->fs_ = fs != nullptr ? fs : FileSystem::Default();
  w->col_path_ = SegmentFilePath(dir, segment, kColFile);
  auto create = [&](const SegmentFile& f, std::unique_ptr<FileWriter>* file) {
    return FileWriter::Create(SegmentFilePath(dir, segment, f), f.kind, kSegmentFormatVersion,
                              file, fs);
  };
  TRAWL_RETURN_IF_ERROR(create(kMetaFile, &w->meta_));
  TRAWL_RETURN_IF_ERROR(create(kDictFile, &w->dict_));
  TRAWL_RETURN_IF_ERROR(create(kPostFile, &w->post_));
  TRAWL_RETURN_IF_ERROR(create(kPosFile, &w->pos_));
  TRAWL_RETURN_IF_ERROR(create(kLenFile, &w->len_));
  w->minus_one_.resize(kPostingBlockSize);
  *out = std::move(w);
  return Status::OK();
}

Status SegmentWriter::FlushDictBlock() {
  if (in_block_ == 0) return Status::OK();
  in_block_ = 0;
  return dict_->Append(block_);
}

Status SegmentWriter::AddTerm(uint32_t field_id, std::string_view term,
                              std::span<const uint32_t> docs, std::span<const uint32_t> tfs,
                              std::string_view positions,
                              std::span<const uint32_t> field_lengths) {
  const size_t n = docs.size();
  if (n == 0 || tfs.size() != n) return Status::InvalidArgument("segment writer: bad term postings");
  // The builder and the merger hand over each term's postings in docid order; the docid bitmap
  // would silently reorder others and misalign them with their frequencies.
  assert(std::is_sorted(docs.begin(), docs.end()) &&
         std::adjacent_find(docs.begin(), docs.end()) == docs.end());
  std::string key = DictKey(field_id, term);
  if (num_terms_ > 0 && key <= key_)
    return Status::InvalidArgument("segment writer: terms out of order");
  key_ = std::move(key);
  if (field_id >= field_without_positions_.size()) {
    field_without_positions_.resize(field_id + 1, false);
    field_max_bound_length_.resize(field_id + 1, 0);
  }
  if (positions.empty()) field_without_positions_[field_id] = true;

  // Term frequencies in blocks, each with its score bounds in the block table.
  const size_t num_blocks = (n + kPostingBlockSize - 1) / kPostingBlockSize;
  tf_section_.clear();
  entries_.resize(num_blocks);
  uint32_t term_max_tf = 0, term_min_len = std::numeric_limits<uint32_t>::max();
  // A term found once in every document it is in has no frequency area (format 5): the
  // dictionary's max_tf of 1 says them all.
  const bool all_ones = std::all_of(tfs.begin(), tfs.end(), [](uint32_t tf) { return tf == 1; });
  size_t pos_byte = 0;
  for (size_t b = 0; b < num_blocks; ++b) {
    const size_t begin = b * kPostingBlockSize;
    const size_t count = std::min<size_t>(kPostingBlockSize, n - begin);
    uint32_t block_max_tf = 0, block_min_len = std::numeric_limits<uint32_t>::max(), max_v = 0;
    for (size_t i = 0; i < count; ++i) {
      const uint32_t tf = tfs[begin + i];
      const uint32_t doc = docs[begin + i];
      if (tf == 0 || (!field_lengths.empty() && doc >= field_lengths.size()))
        return Status::InvalidArgument("segment writer: bad posting");
      const uint32_t length = field_lengths.empty() ? 1 : field_lengths[doc];
      block_max_tf = std::max(block_max_tf, tf);
      block_min_len = std::min(block_min_len, length);
      field_max_bound_length_[field_id] = std::max(field_max_bound_length_[field_id], length);
      minus_one_[i] = tf - 1;
      max_v = std::max(max_v, tf - 1);
    }
    const uint32_t width = BitWidth(max_v);
    BlockTableEntry entry;
    entry.tf_offset = all_ones ? 0 : static_cast<uint32_t>(tf_section_.size());
    entry.pos_offset = static_cast<uint32_t>(pos_byte);
    entry.max_tf = block_max_tf;
    entry.min_length = block_min_len;
    entry.last_doc = docs[begin + count - 1];
    SetImpacts(tfs.data() + begin, docs.data() + begin, count, field_lengths, &entry);
    entries_[b] = entry;
    if (!all_ones) {
      tf_section_.push_back(static_cast<char>(width));
      PackBits(minus_one_.data(), count, width, &tf_section_);
    }
    pos_byte = SkipPositions(positions, pos_byte, tfs.data() + begin, count);
    term_max_tf = std::max(term_max_tf, block_max_tf);
    term_min_len = std::min(term_min_len, block_min_len);
  }
  if (tf_section_.size() > std::numeric_limits<uint32_t>::max() ||
      positions.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("a term's postings exceed 4 GiB in one segment");
  }
  // Blocks of many positions get anchors (format 9): the term's positions are copied with them,
  // and the table's offsets move to the copy's.
  bool anchored = false;
  for (size_t b = 0; b < num_blocks && !anchored; ++b) {
    const size_t end = b + 1 < num_blocks ? entries_[b + 1].pos_offset : positions.size();
    anchored = HasPositionAnchors(std::min<size_t>(kPostingBlockSize, n - b * kPostingBlockSize),
                                  end - entries_[b].pos_offset);
  }
  if (anchored) {
    pos_section_.clear();
    for (size_t b = 0; b < num_blocks; ++b) {
      const size_t begin = entries_[b].pos_offset;
      const size_t end = b + 1 < num_blocks ? entries_[b + 1].pos_offset : positions.size();
      const size_t first = b * kPostingBlockSize;
      entries_[b].pos_offset = static_cast<uint32_t>(pos_section_.size());  // checked below
      AppendBlockPositions(positions, begin, end, tfs.data() + first,
                           std::min<size_t>(kPostingBlockSize, n - first), &pos_section_);
    }
    positions = pos_section_;
    if (positions.size() > std::numeric_limits<uint32_t>::max())
      return Status::InvalidArgument("a term's postings exceed 4 GiB in one segment");
  }
  out_.clear();
  // A term in one document (most terms of a corpus, every id among them) keeps its posting in
  // the dictionary: a bitmap would cost it 12 bytes more.
  const bool inline_doc = n == 1;
  if (!inline_doc) {
    AppendDocids(docs, &out_);
    // The block count follows from doc_freq (format 5 no longer writes it).
    // A single block needs no table: the dictionary's term-level bounds describe it.
    if (num_blocks > 1) {
      const BlockTableLayout layout = BlockTableLayout::Packed(entries_.data(), num_blocks);
      layout.EncodeHeader(&out_);
      for (const BlockTableEntry& e : entries_) layout.Encode(e, &out_);
    }
    out_ += tf_section_;
  }

  TermInfo info;
  info.doc_freq = static_cast<uint32_t>(n);
  info.max_tf = term_max_tf;
  info.min_length = term_min_len;
  info.post_offset = post_->body_offset();
  info.post_length = out_.size();
  info.pos_offset = pos_->body_offset();
  info.pos_length = positions.size();
  info.inline_doc = inline_doc;
  info.only_doc = docs[0];
  TRAWL_RETURN_IF_ERROR(post_->Append(out_));
  TRAWL_RETURN_IF_ERROR(pos_->Append(positions));
  // A term that grew the scratch buffers far beyond the usual gives the memory back.
  if (out_.capacity() > (8u << 20)) std::string().swap(out_);
  if (tf_section_.capacity() > (8u << 20)) std::string().swap(tf_section_);
  if (pos_section_.capacity() > (8u << 20)) std::string().swap(pos_section_);
  if (entries_.capacity() > (256u << 10)) std::vector<BlockTableEntry>().swap(entries_);

  // Dictionary: entries in key order, in blocks that restart prefix compression, then an index
  // of each block's first key.
  if (in_block_ == 0) {
    block_.clear();
    prev_key_.clear();
    PutLengthPrefixed(&index_, key_);
    PutFixed64(&index_, dict_->body_offset());
    ++num_blocks_;
    PutVarint64(&block_, info.post_offset);
    PutVarint64(&block_, info.pos_offset);
    block_doc_ = 0;
  }
  AppendDictEntry(prev_key_, key_, info, &block_doc_, &block_);
  prev_key_ = key_;
  ++num_terms_;
  ++in_block_;
  if (in_block_ == kDictBlockSize ||
      (in_block_ >= kDictBlockMinEntries && block_.size() >= kDictBlockSplitBytes))
    TRAWL_RETURN_IF_ERROR(FlushDictBlock());
  return Status::OK();
}

Status SegmentWriter::Finish(uint32_t num_docs, const std::vector<Field>& fields,
                             std::vector<ColumnValues>* columns, SegmentStats* stats) {
  TRAWL_RETURN_IF_ERROR(CheckFields(fields, *columns));
  TRAWL_RETURN_IF_ERROR(FlushDictBlock());
  const uint64_t index_offset = dict_->body_offset();
  PutFixed32(&index_, num_blocks_);
  PutFixed64(&index_, num_terms_);
  PutFixed64(&index_, index_offset);
  // Every open reads the block index and trusts it to find terms: its own CRC lets the open
  // check it without reading every term (kDictIndexChecksumVersion).
  PutFixed32(&index_, ChecksumOf(index_));
  TRAWL_RETURN_IF_ERROR(dict_->Append(index_));
  std::string().swap(index_);

  // Field lengths of the text fields, in id order, each bit-packed in blocks (format 6).
  std::string chunk;
  const auto num_text = std::count_if(fields.begin(), fields.end(),
                                      [](const Field& f) { return f.type == FieldType::kText; });
  PutFixed32(&chunk, static_cast<uint32_t>(num_text));
  PutFixed32(&chunk, num_docs);
  TRAWL_RETURN_IF_ERROR(len_->Append(chunk));
  for (const Field& f : fields) {
    if (f.type != FieldType::kText) continue;
    if (f.lengths.size() != num_docs)
      return Status::InvalidArgument("segment writer: field lengths do not match the documents");
    chunk.clear();
    AppendPackedLengths(f.lengths, &chunk);
    TRAWL_RETURN_IF_ERROR(len_->Append(chunk));
  }

  // Meta: document count and per-field statistics.
  std::string meta;
  PutFixed32(&meta, num_docs);
  PutFixed32(&meta, static_cast<uint32_t>(fields.size()));
  for (const Field& f : fields) {
    PutLengthPrefixed(&meta, f.name);
    meta.push_back(static_cast<char>(f.type));
    PutFixed32(&meta, f.docs_with_field);
    PutFixed64(&meta, f.total_length);
  }
  PutFixed64(&meta, num_terms_);
  TRAWL_RETURN_IF_ERROR(meta_->Append(meta));

  // The columns first: until the other files are finished, a failure leaves no segment, and
  // the .col file (which no FileWriter of this writer owns) is removed here.
  TRAWL_RETURN_IF_ERROR(WriteColumns(col_path_, num_docs, columns, fs_));
  uint64_t bytes = 0;
  Status s = ColumnFileSize(&bytes);
  for (FileWriter* f : {post_.get(), pos_.get(), dict_.get(), len_.get(), meta_.get()}) {
    if (!s.ok()) break;
    bytes += f->body_offset() + kFileHeaderSize + kFileFooterSize;
    s = f->Finish();
  }
  if (!s.ok()) {
    (void)fs_->RemoveFile(col_path_);
    return s;
  }
  if (stats != nullptr) {
    stats->num_docs = num_docs;
    stats->num_terms = num_terms_;
    stats->bytes_on_disk = bytes;
  }
  return Status::OK();
}

Status SegmentWriter::CheckFields(const std::vector<Field>& fields,
                                  const std::vector<ColumnValues>& columns) const {
  if (field_without_positions_.size() > fields.size())
    return Status::InvalidArgument("segment writer: a term of an unknown field");
  for (size_t id = 0; id < field_without_positions_.size(); ++id) {
    const bool text = fields[id].type == FieldType::kText;
    if (text && field_without_positions_[id]) {
      return Status::InvalidArgument("segment writer: a term of text field '" +
                                     std::string(fields[id].name) + "' without positions");
    }
    if (!text && field_max_bound_length_[id] > 1) {
      return Status::InvalidArgument("segment writer: the postings of non-text field '" +
                                     std::string(fields[id].name) +
                                     "' were bounded by field lengths, which it has not");
    }
  }
  for (const ColumnValues& c : columns) {
    if (c.field_id >= fields.size() || fields[c.field_id].type != c.type) {
      return Status::InvalidArgument("segment writer: a column of field " +
                                     std::to_string(c.field_id) +
                                     " that the segment does not have with that type");
    }
  }
  return Status::OK();
}

Status SegmentWriter::ColumnFileSize(uint64_t* bytes) const {
  std::unique_ptr<ReadableFile> file;
  TRAWL_RETURN_IF_ERROR(fs_->NewReadableFile(col_path_, &file));
  uint64_t size = 0;
  TRAWL_RETURN_IF_ERROR(file->Size(&size));
  *bytes += size;
  return Status::OK();
}

}  // namespace trawl

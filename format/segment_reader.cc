#include "format/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "common/bitpack.h"
#include "common/coding.h"

namespace trawl {

namespace {

// A key's first 8 bytes as a big-endian number, zero-padded. Keys never compare otherwise than
// their prefixes do (a key that is smaller has a prefix no larger), so a binary search over the
// prefixes, one array of integers, places a key among the blocks up to the few whose first keys
// share its prefix.
uint64_t KeyPrefix(std::string_view key) {
  uint64_t prefix = 0;
  const size_t n = std::min<size_t>(8, key.size());
  for (size_t i = 0; i < n; ++i)
    prefix |= static_cast<uint64_t>(static_cast<unsigned char>(key[i])) << (56 - 8 * i);
  return prefix;
}

// How a dictionary entry's key compares with a key looked up, given `matched`: how many leading
// bytes the last entry smaller than the key shares with it (see LookupTerm), which a smaller
// entry moves on.
enum class EntryVsKey { kSmaller, kEqual, kLarger };
inline EntryVsKey CompareEntryKey(size_t shared, std::string_view suffix, std::string_view key,
                                  size_t* matched) {
  if (shared < *matched) return EntryVsKey::kLarger;
  if (shared > *matched) return EntryVsKey::kSmaller;
  const std::string_view rest = key.substr(*matched);
  const size_t common =
      std::mismatch(suffix.begin(), suffix.begin() + std::min(suffix.size(), rest.size()),
                    rest.begin())
          .first -
      suffix.begin();
  *matched += common;
  if (common == rest.size())
    return common == suffix.size() ? EntryVsKey::kEqual : EntryVsKey::kLarger;
  if (common < suffix.size() &&
      static_cast<unsigned char>(suffix[common]) > static_cast<unsigned char>(rest[common]))
    return EntryVsKey::kLarger;
  return EntryVsKey::kSmaller;
}

// The varint at p as ByteReader::ReadVarint64 decodes it, for p with ten readable bytes: where
// it ends, or null for a varint longer than ten bytes (which that refuses too).
inline const unsigned char* DecodeVarintUnchecked(const unsigned char* p, uint64_t* v) {
  uint64_t byte = *p;
  if (byte < 0x80) {
    *v = byte;
    return p + 1;
  }
  uint64_t result = byte & 0x7f;
  for (int shift = 7; shift <= 63; shift += 7) {
    byte = *++p;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *v = result;
      return p + 1;
    }
  }
  return nullptr;
}

// Where the varint at p ends, for p with ten readable bytes; null for one longer than ten bytes.
inline const unsigned char* SkipVarintUnchecked(const unsigned char* p) {
  for (int i = 0; i < 10; ++i)
    if (p[i] < 0x80) return p + i + 1;
  return nullptr;
}

}  // namespace

PostingList::BlockInfo PostingList::block(size_t b) const {
  BlockInfo bi;
  bi.num_impacts = 0;
  if (table_.empty()) {
    bi.tf_offset = bi.pos_offset = 0;
    bi.max_tf = info_.max_tf;
    bi.min_length = info_.min_length;
    bi.last_doc = kNoMoreDocs - 1;
    return bi;
  }
  return table_layout_.Decode(table_.data() + b * table_layout_.entry_size());
}

size_t PostingList::DecodeBlockFrequencies(size_t b, uint32_t* out) const {
  const size_t begin = b * kPostingBlockSize;
  const size_t count = std::min<size_t>(kPostingBlockSize, info_.doc_freq - begin);
  const BlockInfo bi = block(b);
  // Bounds were checked by SegmentReader::OpenPostings.
  const uint32_t width = static_cast<unsigned char>(tf_data_[bi.tf_offset]);
  UnpackBits(tf_data_.data() + bi.tf_offset + 1, count, width, out);
  for (size_t i = 0; i < count; ++i) out[i] += 1;
  return count;
}

bool PostingList::BlockPositionAnchors(size_t b, PositionAnchors* out) const {
  const size_t begin = BlockPositionsBegin(b), end = BlockPositionsEnd(b);
  *out = PositionAnchors();
  out->positions_begin = begin;
  const size_t postings = BlockPostings(b);
  if (format_version_ < kPositionAnchorsVersion || !HasPositionAnchors(postings, end - begin))
    return true;
  // OpenPostings checked begin <= end <= positions_.size(), and a block with anchors has
  // kPositionAnchorMinBytes: its width byte is there.
  out->width = static_cast<unsigned char>(positions_[begin]);
  out->count = NumPositionAnchors(postings);
  out->data = positions_.data() + begin + 1;
  out->positions_begin = begin + 1 + out->count * out->width;
  return (out->width == 2 || out->width == 4) && out->positions_begin <= end;
}

bool PostingList::PositionAnchorsAgree() const {
  for (size_t b = 0; b < num_blocks_; ++b) {
    PositionAnchors anchors;
    if (!BlockPositionAnchors(b, &anchors)) return false;
    if (anchors.data == nullptr) continue;
    const PackedFrequencies freqs = BlockFrequencies(b);
    ByteReader reader(positions_);
    if (!reader.Seek(anchors.positions_begin)) return false;
    for (size_t k = 1; k <= anchors.count; ++k) {
      if (!reader.SkipVarints(
              freqs.Sum((k - 1) * kPositionAnchorStride, k * kPositionAnchorStride)) ||
          reader.position() - anchors.positions_begin != anchors.Get(k))
        return false;
    }
  }
  return true;
}

PostingList::PackedFrequencies PostingList::BlockFrequencies(size_t b) const {
  const size_t offset = BlockFrequenciesOffset(b);
  PackedFrequencies f;
  f.width = static_cast<unsigned char>(tf_data_[offset]);
  f.data = tf_data_.data() + offset + 1;
  // The term's frequency area from there on, not just the block's packed bytes: its last values
  // are then read like the others, with one 8-byte load that may reach into the next block's
  // bytes (masked off).
  f.bytes = tf_data_.size() - offset - 1;
  return f;
}

PostingCursor::PostingCursor(const PostingList* list)
    : list_(list), cursor_(list->docids().NewCursor()) {}

void PostingCursor::LoadBlock(size_t b) {
  packed_freqs_ = list_->BlockFrequencies(b);
  loaded_block_ = b;
}

void PostingCursor::LoadBlockPositions() {
  const size_t b = loaded_block_;
  positions_block_ = b;
  next_positions_ = 0;
  last_positions_ = SIZE_MAX;
  position_reader_ = ByteReader(list_->positions());
  positions_damaged_ = !list_->BlockPositionAnchors(b, &anchors_) ||
                       !position_reader_.Seek(anchors_.positions_begin);
  block_postings_ = list_->BlockPostings(b);
  block_positions_end_ = list_->BlockPositionsEnd(b);
}

size_t PostingCursor::ReadRestOfBlock(uint32_t* docs, uint32_t* freqs, uint32_t last) {
  size_t begin, want;
  if (!EnterRestOfBlock(&begin, &want)) return 0;
  // A bitset whose bits disagree with its header's cardinality may end early.
  const size_t n = cursor_.Take(docs, want, last);
  packed_freqs_.Unpack(begin, begin + n, freqs);
  return n;
}

bool PostingCursor::SeekPositions(uint32_t* tf) {
  const uint64_t ord = cursor_.ordinal();
  const size_t b = ord / kPostingBlockSize;
  if (b != loaded_block_) LoadBlock(b);
  if (b != positions_block_) LoadBlockPositions();
  const size_t in_block = ord % kPostingBlockSize;
  if (positions_damaged_) return false;
  if (in_block == last_positions_) {
    position_reader_.Seek(last_positions_offset_);
    next_positions_ = in_block;
  }
  if (in_block < next_positions_) return false;  // cursors only move forward
  // A cursor that skips most of a block (a common word's, in a phrase with a rare one) lands
  // anywhere in it. It passes over the varints of the postings between the nearest place whose
  // offset it knows and this one: where the reader stands, the anchor at or before it (format 9,
  // in a block of many positions), or the block's end, counting back.
  size_t from = next_positions_;
  const size_t anchor = in_block / kPositionAnchorStride;
  const bool to_anchor =
      anchors_.data != nullptr && anchor > 0 && anchor * kPositionAnchorStride > from;
  if (to_anchor) from = anchor * kPositionAnchorStride;
  bool found;
  if (block_postings_ - in_block < in_block - from) {
    found = position_reader_.SeekBeforeVarints(block_positions_end_,
                                               packed_freqs_.Sum(in_block, block_postings_));
  } else {
    if (to_anchor) {
      const size_t offset = anchors_.Get(anchor);
      // An anchor past the block's end is damage, like an offset past the file's.
      found = offset <= block_positions_end_ - anchors_.positions_begin &&
              position_reader_.Seek(anchors_.positions_begin + offset);
    } else {
      found = true;
    }
    found = found && position_reader_.SkipVarints(packed_freqs_.Sum(from, in_block));
  }
  if (!found) {
    positions_damaged_ = true;
    return false;
  }
  // The reader stays at the start of this posting's positions, which a later call skips whole:
  // a stream need not be read to its end.
  next_positions_ = last_positions_ = in_block;
  last_positions_offset_ = position_reader_.position();
  *tf = packed_freqs_.Get(in_block);
  return true;
}

bool PostingCursor::OpenPositions(PositionStream* out) {
  uint32_t tf;
  if (!SeekPositions(&tf)) return false;
  const std::string_view bytes = list_->positions();
  out->p_ = reinterpret_cast<const unsigned char*>(bytes.data()) + position_reader_.position();
  out->end_ = reinterpret_cast<const unsigned char*>(bytes.data()) + bytes.size();
  out->left_ = tf;
  out->position_ = 0;  // the first position is absolute, the rest deltas
  out->Next();
  return true;
}

uint64_t PositionStream::NextSlow() {
  uint64_t delta = 0;
  for (int shift = 0; shift <= 28 && p_ < end_; shift += 7) {
    const uint64_t byte = *p_++;
    delta |= (byte & 0x7f) << shift;
    if (byte >= 0x80) continue;
    if (delta > 0xffffffffu) break;
    return position_ += delta;
  }
  left_ = 0;  // damaged: the bytes end inside a varint, or it is too long
  return position_ = kEnd;
}

bool PostingCursor::Positions(std::vector<uint32_t>* out) {
  out->clear();
  PositionStream stream;
  if (!OpenPositions(&stream)) return false;
  out->reserve(stream.left() + 1);
  for (uint64_t p = stream.position(); p != PositionStream::kEnd; p = stream.Next())
    out->push_back(static_cast<uint32_t>(p));
  if (out->size() != packed_freqs_.Get(last_positions_)) {
    positions_damaged_ = true;
    out->clear();
    return false;
  }
  // Read whole: the next posting's positions start where the stream stopped.
  position_reader_.Seek(static_cast<size_t>(
      stream.p_ - reinterpret_cast<const unsigned char*>(list_->positions().data())));
  next_positions_ = last_positions_ + 1;
  return true;
}

SegmentReader::~SegmentReader() = default;

Status SegmentReader::Open(const std::string& dir, const std::string& name,
                           bool verify_checksums, std::unique_ptr<SegmentReader>* out,
                           FileSystem* fs) {
  std::unique_ptr<SegmentReader> r(new SegmentReader());
  r->dir_ = dir;
  r->name_ = name;
  auto open = [&](const SegmentFile& f, std::unique_ptr<MappedFile>* m) -> Status {
    TRAWL_RETURN_IF_ERROR(
        MappedFile::Open(SegmentFilePath(dir, name, f), f.kind, kSegmentFormatVersion, m, fs));
    if (verify_checksums) return (*m)->VerifyChecksum();
    return Status::OK();
  };
  TRAWL_RETURN_IF_ERROR(open(kMetaFile, &r->meta_));
  // Small, and every query trusts its statistics and field table: checked at every open, as
  // Lucene checks its small files (.si, .fnm). The dictionary's index has its own CRC, checked
  // by ParseDictIndex.
  if (!verify_checksums) TRAWL_RETURN_IF_ERROR(r->meta_->VerifyChecksum());
  TRAWL_RETURN_IF_ERROR(open(kDictFile, &r->dict_));
  TRAWL_RETURN_IF_ERROR(open(kPostFile, &r->post_));
  TRAWL_RETURN_IF_ERROR(open(kPosFile, &r->pos_));
  TRAWL_RETURN_IF_ERROR(open(kLenFile, &r->len_));
  TRAWL_RETURN_IF_ERROR(StoreReader::Open(SegmentFilePath(dir, name, kStoreFile), verify_checksums,
                                          &r->store_, fs));
  r->format_version_ = r->meta_->version();
  for (const MappedFile* f : {r->dict_.get(), r->post_.get(), r->pos_.get(), r->len_.get()}) {
    if (f->version() != r->format_version_) {
      return f->Corrupt("format version " + std::to_string(f->version()) + ", the segment's .meta " +
                        std::to_string(r->format_version_));
    }
  }
  TRAWL_RETURN_IF_ERROR(r->ParseMeta());
  TRAWL_RETURN_IF_ERROR(r->ParseDictIndex());
  TRAWL_RETURN_IF_ERROR(r->ParseLengths());
  TRAWL_RETURN_IF_ERROR(r->OpenColumns(dir, verify_checksums, fs));
  if (r->store_->num_docs() != r->num_docs_) {
    return Status::Corruption(name + ".store: holds " + std::to_string(r->store_->num_docs()) +
                              " documents, the segment " + std::to_string(r->num_docs_));
  }
  // A list of kMinBlocksToRememberChecked blocks needs that many postings. A slot per 256
  // documents (48 bytes each: under 0.2 bytes a document), from 64 to 4,096 slots.
  if (r->num_docs_ >= kMinBlocksToRememberChecked * kPostingBlockSize) {
    r->checked_lists_ =
        std::make_unique<CheckedPostingLists>(std::clamp<size_t>(r->num_docs_ / 256, 64, 4096));
  }
  *out = std::move(r);
  return Status::OK();
}

void SegmentReader::ReleaseResidentPages() const {
  for (const auto* f : {&meta_, &dict_, &post_, &pos_, &len_}) (*f)->ReleaseResidentPages();
  store_->ReleaseResidentPages();
  if (columns_ != nullptr) columns_->ReleaseResidentPages();
}

Status SegmentReader::ParseMeta() {
  ByteReader in(meta_->body());
  uint32_t num_fields;
  if (!in.ReadFixed32(&num_docs_) || !in.ReadFixed32(&num_fields))
    return meta_->Corrupt("truncated header");
  const bool typed = format_version_ >= kTypedFieldsVersion;
  // A field's entry takes at least 13 bytes (14 with its type): a damaged count cannot make
  // the table below reserve more than the file holds.
  const size_t min_entry = typed ? 14 : 13;
  if (num_fields == 0 || num_fields > in.remaining() / min_entry)
    return meta_->Corrupt("bad field count");
  fields_.reserve(num_fields);
  for (uint32_t i = 0; i < num_fields; ++i) {
    FieldInfo f;
    std::string_view name;
    std::string_view type;
    uint32_t docs_with_field = 0;
    if (!in.ReadLengthPrefixed(&name) || (typed && !in.ReadBytes(1, &type)) ||
        !in.ReadFixed32(&docs_with_field) || !in.ReadFixed64(&f.total_length))
      return meta_->Corrupt("truncated field table");
    f.docs_with_field = docs_with_field;
    if (typed) {
      const auto t = static_cast<uint8_t>(type[0]);
      if (t > static_cast<uint8_t>(FieldType::kStored))
        return meta_->Corrupt("field '" + std::string(name) + "' has unknown type " + std::to_string(t));
      f.type = static_cast<FieldType>(t);
    } else {
      f.type = i == 0 ? FieldType::kKeyword : FieldType::kText;
    }
    if (f.docs_with_field > num_docs_) return meta_->Corrupt("field document count exceeds documents");
    f.name = std::string(name);
    fields_.push_back(std::move(f));
  }
  if (!in.ReadFixed64(&num_terms_)) return meta_->Corrupt("truncated term count");
  return Status::OK();
}

Status SegmentReader::ParseDictIndex() {
  std::string_view body = dict_->body();
  // Version 4 on, the trailer ends in the CRC of the block index and the trailer before it.
  const bool has_checksum = format_version_ >= kDictIndexChecksumVersion;
  const size_t trailer_size = has_checksum ? 24 : 20;
  if (body.size() < trailer_size) return dict_->Corrupt("too short for its trailer");
  const char* trailer = body.data() + body.size() - trailer_size;
  const uint32_t num_blocks = DecodeFixed32(trailer);
  const uint64_t num_terms = DecodeFixed64(trailer + 4);
  const uint64_t index_offset = DecodeFixed64(trailer + 12);
  if (index_offset > body.size() - trailer_size)
    return dict_->Corrupt("block index offset out of range");
  if (has_checksum) {
    const std::string_view checked = body.substr(index_offset, body.size() - 4 - index_offset);
    if (ChecksumOf(checked) != DecodeFixed32(body.data() + body.size() - 4))
      return dict_->Corrupt("block index checksum mismatch: the dictionary is damaged");
  }
  if (num_terms != num_terms_) return dict_->Corrupt("term count disagrees with the segment meta");
  if (num_blocks > index_offset + 1 || num_blocks > num_terms + 1)
    return dict_->Corrupt("implausible block count");
  ByteReader in(body.substr(index_offset, body.size() - trailer_size - index_offset));
  block_first_keys_.reserve(num_blocks);
  block_key_prefixes_.reserve(num_blocks);
  block_offsets_.reserve(num_blocks);
  for (uint32_t b = 0; b < num_blocks; ++b) {
    std::string_view key;
    uint64_t offset;
    if (!in.ReadLengthPrefixed(&key) || !in.ReadFixed64(&offset))
      return dict_->Corrupt("truncated block index");
    if (offset >= index_offset || (b > 0 && offset <= block_offsets_.back()))
      return dict_->Corrupt("block offsets out of order or range");
    if (b > 0 && key <= block_first_keys_.back()) return dict_->Corrupt("block keys out of order");
    block_first_keys_.push_back(key);
    block_key_prefixes_.push_back(KeyPrefix(key));
    block_offsets_.push_back(offset);
  }
  if (!in.empty()) return dict_->Corrupt("trailing bytes after the block index");
  dict_data_end_ = index_offset;
  return Status::OK();
}

Status SegmentReader::ParseLengths() {
  ByteReader in(len_->body());
  uint32_t num_fields, num_docs;
  if (!in.ReadFixed32(&num_fields) || !in.ReadFixed32(&num_docs))
    return len_->Corrupt("truncated header");
  // Format 3 on: only text fields have lengths.
  const bool typed = format_version_ >= kTypedFieldsVersion;
  const auto has_lengths = [&](const FieldInfo& f) { return !typed || f.type == FieldType::kText; };
  const auto with_lengths = std::count_if(fields_.begin(), fields_.end(), has_lengths);
  if (num_fields != static_cast<uint64_t>(with_lengths) || num_docs != num_docs_)
    return len_->Corrupt("field or document count disagrees with the segment meta");
  field_lengths_.assign(fields_.size(), nullptr);
  packed_lengths_.assign(fields_.size(), PackedLengths());
  if (format_version_ >= kPackedLengthsVersion) {
    for (size_t f = 0; f < fields_.size(); ++f)
      if (has_lengths(fields_[f])) TRAWL_RETURN_IF_ERROR(ParsePackedLengths(&in, f));
    if (!in.empty()) return len_->Corrupt("trailing bytes after the lengths");
    return Status::OK();
  }
  const uint64_t need = static_cast<uint64_t>(num_fields) * num_docs * 4;
  if (in.remaining() != need) return len_->Corrupt("length table has the wrong size");
  std::string_view lengths;
  in.ReadBytes(need, &lengths);
  size_t next = 0;
  for (size_t f = 0; f < fields_.size(); ++f)
    if (has_lengths(fields_[f])) field_lengths_[f] = lengths.data() + (next++) * num_docs * size_t{4};
  return Status::OK();
}

// One field's packed lengths, every block's offset and width checked so that FieldLength reads
// inside the packed bytes without checks of its own.
Status SegmentReader::ParsePackedLengths(ByteReader* in, size_t field) {
  const std::string what = "lengths of field " + std::to_string(field) + ": ";
  const uint64_t num_blocks = (uint64_t{num_docs_} + kLengthBlockSize - 1) / kLengthBlockSize;
  uint64_t packed_bytes;
  std::string_view directory, data;
  if (!in->ReadFixed64(&packed_bytes) || num_blocks * 8 > in->remaining() ||
      !in->ReadBytes(num_blocks * 8, &directory) || packed_bytes > in->remaining() ||
      !in->ReadBytes(packed_bytes, &data))
    return len_->Corrupt(what + "truncated");
  uint64_t next = 0;  // blocks are back to back
  uint64_t loadable_blocks = 0;
  for (uint64_t b = 0; b < num_blocks; ++b) {
    const uint64_t offset = DecodeFixed32(directory.data() + b * 8 + 4);
    const uint64_t count = std::min<uint64_t>(kLengthBlockSize, num_docs_ - b * kLengthBlockSize);
    if (offset != next || offset >= data.size())
      return len_->Corrupt(what + "block offset out of place");
    const uint32_t width = static_cast<unsigned char>(data[offset]);
    if (width > 32 || PackedBytes(count, width) > data.size() - offset - 1)
      return len_->Corrupt(what + "block out of range");
    next = offset + 1 + PackedBytes(count, width);
    if (count == kLengthBlockSize && loadable_blocks == b &&
        offset + 1 + ((kLengthBlockSize - 1) * width >> 3) + 8 <= data.size())
      loadable_blocks = b + 1;
  }
  if (next != data.size()) return len_->Corrupt(what + "bytes after the last block");
  if (num_blocks > 0) {
    packed_lengths_[field] = {directory.data(), data.data(), data.size(),
                              static_cast<uint32_t>(loadable_blocks * kLengthBlockSize)};
  }
  return Status::OK();
}

Status SegmentReader::OpenColumns(const std::string& dir, bool verify_checksums, FileSystem* fs) {
  if (format_version_ < kTypedFieldsVersion) return Status::OK();
  TRAWL_RETURN_IF_ERROR(
      ColumnReader::Open(SegmentFilePath(dir, name_, kColFile), verify_checksums, &columns_, fs));
  for (const Column& c : columns_->columns()) {
    const std::string what = DisplayName(columns_->path()) + ": column of field " +
                             std::to_string(c.field_id());
    if (c.field_id() >= fields_.size() || fields_[c.field_id()].type != c.type())
      return Status::Corruption(what + ": no field of its type in the segment meta");
    if (c.num_docs() != num_docs_)
      return Status::Corruption(what + ": " + std::to_string(c.num_docs()) +
                                " documents, the segment " + std::to_string(num_docs_));
  }
  return Status::OK();
}

bool SegmentReader::SplitKey(std::string_view key, uint32_t* field_id, std::string_view* term) const {
  size_t length;
  if (!DecodeDictKeyField(key, format_version_, field_id, &length)) return false;
  *term = key.substr(length);
  return true;
}

int SegmentReader::FieldId(std::string_view field) const {
  for (size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == field) return static_cast<int>(i);
  return -1;
}

size_t SegmentReader::FindBlock(std::string_view key) const {
  // The first block whose first key is larger: after every block of a smaller prefix, and
  // among those of the same prefix by the keys themselves.
  const auto [same_begin, same_end] =
      std::equal_range(block_key_prefixes_.begin(), block_key_prefixes_.end(), KeyPrefix(key));
  const auto keys_begin = block_first_keys_.begin();
  const auto it = std::upper_bound(keys_begin + (same_begin - block_key_prefixes_.begin()),
                                   keys_begin + (same_end - block_key_prefixes_.begin()), key);
  if (it == keys_begin) return SIZE_MAX;
  return static_cast<size_t>(it - keys_begin) - 1;
}

Status SegmentReader::ScanBlock(
    size_t b, const std::function<bool(std::string_view, const TermInfo&)>& fn) const {
  ByteReader in;
  DictBlockCursor offsets;
  TRAWL_RETURN_IF_ERROR(OpenDictBlock(b, &in, &offsets));
  std::string key;
  while (!in.empty()) {
    uint64_t shared;
    std::string_view suffix;
    TermInfo t;
    if (!in.ReadVarint64(&shared) || shared > key.size() || !in.ReadLengthPrefixed(&suffix) ||
        !ReadTermInfo(&in, &offsets, &t))
      return dict_->Corrupt("damaged entry in block " + std::to_string(b));
    key.resize(shared);
    key.append(suffix);
    if (t.inline_doc) {
      uint32_t field;
      std::string_view term;
      if (!SplitKey(key, &field, &term))
        return dict_->Corrupt("damaged key in block " + std::to_string(b));
      SetInlineLength(field, &t);
    }
    if (!fn(key, t)) return Status::OK();
  }
  return Status::OK();
}

Status SegmentReader::OpenDictBlock(size_t b, ByteReader* in, DictBlockCursor* offsets) const {
  const uint64_t begin = block_offsets_[b];
  const uint64_t end = b + 1 < block_offsets_.size() ? block_offsets_[b + 1] : dict_data_end_;
  *in = ByteReader(dict_->body().substr(begin, end - begin));
  *offsets = DictBlockCursor();
  if (format_version_ >= kCompactPostingsVersion &&
      (!in->ReadVarint64(&offsets->post_offset) || !in->ReadVarint64(&offsets->pos_offset)))
    return dict_->Corrupt("damaged head of block " + std::to_string(b));
  return Status::OK();
}

void SegmentReader::PlaceInlinePosting(DictBlockCursor* offsets, TermInfo* t) {
  t->inline_doc = true;
  t->min_length = 0;  // SetInlineLength's, once the field is known
  t->post_offset = offsets->post_offset;
  t->post_length = 0;
  t->pos_offset = offsets->pos_offset;
  offsets->pos_offset += t->pos_length;
}

bool SegmentReader::ReadTermInfo(ByteReader* in, DictBlockCursor* offsets, TermInfo* t) const {
  if (format_version_ >= kDictEntryCodesVersion) return ReadCodedTermInfo(in, offsets, t);
  // The same test as SkipTermInfo's, so that a lookup and a scan agree on every entry, even a
  // damaged one.
  const bool inline_doc = format_version_ >= kInlineSingletonsVersion && in->PeekByte() == 1;
  if (!in->ReadVarint32(&t->doc_freq)) return false;
  if (inline_doc) {
    // The posting itself: frequency, docid; then the positions' length.
    if (!in->ReadVarint32(&t->max_tf) || !in->ReadVarint32(&t->only_doc) ||
        !in->ReadVarint64(&t->pos_length))
      return false;
    PlaceInlinePosting(offsets, t);
    return true;
  }
  if (!in->ReadVarint32(&t->max_tf) || !in->ReadVarint32(&t->min_length)) return false;
  if (format_version_ < kCompactPostingsVersion) {
    return in->ReadVarint64(&t->post_offset) && in->ReadVarint64(&t->post_length) &&
           in->ReadVarint64(&t->pos_offset) && in->ReadVarint64(&t->pos_length);
  }
  return SkipTermInfo(in, offsets, t);
}

bool SegmentReader::ReadCodedTermInfo(ByteReader* in, DictBlockCursor* offsets,
                                      TermInfo* t) const {
  uint32_t code;
  if (!in->ReadVarint32(&code)) return false;
  if (code > kDictEntryInline) {
    t->doc_freq = code - kDictEntryDocFreqBias;
    return in->ReadVarint32(&t->max_tf) && in->ReadVarint32(&t->min_length) &&
           SkipTermInfo(in, offsets, t);
  }
  // A term of one document: its posting, then (unless it has none) its positions' length.
  t->doc_freq = 1;
  t->max_tf = 1;
  uint64_t delta;
  if ((code == kDictEntryInline && !in->ReadVarint32(&t->max_tf)) || !in->ReadVarint64(&delta) ||
      !UndoZigZagDelta(offsets->doc, delta, &t->only_doc))
    return false;
  offsets->doc = t->only_doc;
  t->pos_length = 0;
  if (code != kDictEntryInlineOnceBare && !in->ReadVarint64(&t->pos_length)) return false;
  PlaceInlinePosting(offsets, t);
  return true;
}

bool SegmentReader::SkipCodedTermInfo(ByteReader* in, DictBlockCursor* offsets) const {
  uint32_t code;
  if (!in->ReadVarint32(&code)) return false;
  uint64_t delta, post_length = 0, pos_length = 0;
  if (code > kDictEntryInline) {
    if (!in->SkipFewVarints(2) || !in->ReadVarint64(&post_length) ||
        !in->ReadVarint64(&pos_length))
      return false;
    offsets->post_offset += post_length;
    offsets->pos_offset += pos_length;
    return true;
  }
  // A term of one document: its docid moves the block's docid on, so it is decoded.
  if ((code == kDictEntryInline && !in->SkipFewVarints(1)) || !in->ReadVarint64(&delta) ||
      !UndoZigZagDelta(offsets->doc, delta, &offsets->doc) ||
      (code != kDictEntryInlineOnceBare && !in->ReadVarint64(&pos_length)))
    return false;
  offsets->pos_offset += pos_length;
  return true;
}

const unsigned char* SegmentReader::PassOverCodedTermInfo(const unsigned char* p,
                                                          DictBlockCursor* offsets) {
  uint64_t code;
  if ((p = DecodeVarintUnchecked(p, &code)) == nullptr || code > UINT32_MAX) return nullptr;
  if (code > kDictEntryInline) {
    uint64_t post_length, pos_length;
    if ((p = SkipVarintUnchecked(p)) == nullptr || (p = SkipVarintUnchecked(p)) == nullptr ||
        (p = DecodeVarintUnchecked(p, &post_length)) == nullptr ||
        (p = DecodeVarintUnchecked(p, &pos_length)) == nullptr)
      return nullptr;
    offsets->post_offset += post_length;
    offsets->pos_offset += pos_length;
    return p;
  }
  uint64_t delta, pos_length = 0;
  uint32_t doc;
  if ((code == kDictEntryInline && (p = SkipVarintUnchecked(p)) == nullptr) ||
      (p = DecodeVarintUnchecked(p, &delta)) == nullptr ||
      !UndoZigZagDelta(offsets->doc, delta, &doc) ||
      (code != kDictEntryInlineOnceBare && (p = DecodeVarintUnchecked(p, &pos_length)) == nullptr))
    return nullptr;
  offsets->doc = doc;
  offsets->pos_offset += pos_length;
  return p;
}

bool SegmentReader::SkipTermInfo(ByteReader* in, DictBlockCursor* offsets, TermInfo* t) const {
  if (t == nullptr && format_version_ >= kDictEntryCodesVersion)
    return SkipCodedTermInfo(in, offsets);
  if (format_version_ < kCompactPostingsVersion) return in->SkipVarints(7);
  // Statistics skipped (by ReadTermInfo, read), then the two lengths that move the offsets on.
  // Offsets that wrap around are caught by OpenPostings' range checks like any other.
  // A doc_freq of 1 is the one-byte varint 1. Its entry holds frequency and docid where others
  // hold max_tf and min_length, and only the positions' length after them (no postings length).
  const bool inline_doc =
      t == nullptr && format_version_ >= kInlineSingletonsVersion && in->PeekByte() == 1;
  if (t == nullptr && !in->SkipVarints(3)) return false;
  uint64_t post_length = 0, pos_length;
  if (!inline_doc && !in->ReadVarint64(&post_length)) return false;
  if (!in->ReadVarint64(&pos_length)) return false;
  if (t != nullptr) {
    t->post_offset = offsets->post_offset;
    t->post_length = post_length;
    t->pos_offset = offsets->pos_offset;
    t->pos_length = pos_length;
  }
  offsets->post_offset += post_length;
  offsets->pos_offset += pos_length;
  return true;
}

// Flattened: every call a lookup makes per entry it passes over is inlined into its loop.
[[gnu::flatten]] Status SegmentReader::LookupTerm(uint32_t field_id, std::string_view term,
                                                  TermInfo* info) const {
  const std::string key = DictKey(field_id, term, format_version_);
  const size_t b = FindBlock(key);
  if (b == SIZE_MAX) return Status::NotFound("term");
  // The entries before the term are passed over by their keys alone: their seven TermInfo
  // varints are skipped, not decoded (a lookup is a good part of a short query's time). Nor are
  // the keys rebuilt from their prefix compression to be compared: `matched` is how many leading
  // bytes the last entry, smaller than the key, shares with it. An entry sharing more with that
  // one is smaller too, with the same `matched`; an entry sharing less is larger, as is every
  // entry after it. Only an entry sharing exactly `matched` bytes has its suffix compared.
  ByteReader in;
  DictBlockCursor offsets;
  TRAWL_RETURN_IF_ERROR(OpenDictBlock(b, &in, &offsets));
  size_t matched = 0, previous_size = 0;
  if (format_version_ >= kDictEntryCodesVersion) {
    // While an entry's two key varints and its term info's five, at most ten bytes each, fit in
    // what is left of the block, its reads need no bounds checks. The checked loop below reads
    // the block's last entries, and any entry this one cannot, from the same state, so both
    // give every entry, even a damaged one, the same answer.
    constexpr size_t kKeyHeadBytes = 2 * 10;
    const std::string_view entries = in.rest();
    const auto* const start = reinterpret_cast<const unsigned char*>(entries.data());
    const auto* const end = start + entries.size();
    const unsigned char* p = start;
    while (static_cast<size_t>(end - p) >= kKeyHeadBytes) {
      uint64_t shared, suffix_size;
      const unsigned char* q = DecodeVarintUnchecked(p, &shared);
      if (q == nullptr || (q = DecodeVarintUnchecked(q, &suffix_size)) == nullptr ||
          shared > previous_size || suffix_size > static_cast<size_t>(end - q) ||
          static_cast<size_t>(end - q) - suffix_size < kMaxCodedTermInfoBytes)
        break;
      const std::string_view suffix(reinterpret_cast<const char*>(q), suffix_size);
      q += suffix_size;
      size_t now_matched = matched;
      const EntryVsKey order = CompareEntryKey(shared, suffix, key, &now_matched);
      if (order == EntryVsKey::kLarger) return Status::NotFound("term");
      if (order == EntryVsKey::kEqual) {
        if (!in.Seek(in.position() + static_cast<size_t>(q - start)) ||
            !ReadTermInfo(&in, &offsets, info))
          return dict_->Corrupt("damaged entry in block " + std::to_string(b));
        SetInlineLength(field_id, info);
        return Status::OK();
      }
      if ((q = PassOverCodedTermInfo(q, &offsets)) == nullptr) break;
      matched = now_matched;
      previous_size = shared + suffix_size;
      p = q;
    }
    in.Seek(in.position() + static_cast<size_t>(p - start));
  }
  while (!in.empty()) {
    uint64_t shared;
    std::string_view suffix;
    if (!in.ReadVarint64(&shared) || shared > previous_size || !in.ReadLengthPrefixed(&suffix))
      return dict_->Corrupt("damaged entry in block " + std::to_string(b));
    previous_size = shared + suffix.size();
    const EntryVsKey order = CompareEntryKey(shared, suffix, key, &matched);
    if (order == EntryVsKey::kLarger) break;
    if (order == EntryVsKey::kEqual) {
      if (!ReadTermInfo(&in, &offsets, info))
        return dict_->Corrupt("damaged entry in block " + std::to_string(b));
      SetInlineLength(field_id, info);
      return Status::OK();
    }
    if (!SkipTermInfo(&in, &offsets, nullptr))
      return dict_->Corrupt("damaged entry in block " + std::to_string(b));
  }
  return Status::NotFound("term");
}

Status SegmentReader::ForEachTermWithPrefix(
    uint32_t field_id, std::string_view prefix,
    const std::function<bool(std::string_view, const TermInfo&)>& fn) const {
  const std::string key_prefix = DictKey(field_id, prefix, format_version_);
  const size_t code_length = key_prefix.size() - prefix.size();
  size_t b = FindBlock(key_prefix);
  if (b == SIZE_MAX) b = 0;
  bool done = false;
  for (; b < block_first_keys_.size() && !done; ++b) {
    TRAWL_RETURN_IF_ERROR(ScanBlock(b, [&](std::string_view k, const TermInfo& t) {
      if (k < key_prefix) return true;
      if (k.substr(0, key_prefix.size()) != key_prefix) {
        done = true;
        return false;
      }
      if (!fn(k.substr(code_length), t)) {
        done = true;
        return false;
      }
      return true;
    }));
  }
  return Status::OK();
}

Status SegmentReader::ForEachTermFrom(
    uint32_t field_id, std::string_view start,
    const std::function<bool(std::string_view, const TermInfo&)>& fn) const {
  const std::string from = DictKey(field_id, start, format_version_);
  // Field id codes are prefix-free: a key is of this field exactly when it starts with its code.
  const std::string_view code = std::string_view(from).substr(0, from.size() - start.size());
  size_t b = FindBlock(from);
  if (b == SIZE_MAX) b = 0;
  bool done = false;
  for (; b < block_first_keys_.size() && !done; ++b) {
    TRAWL_RETURN_IF_ERROR(ScanBlock(b, [&](std::string_view k, const TermInfo& t) {
      if (k < from) return true;
      if (!k.starts_with(code) || !fn(k.substr(code.size()), t)) {
        done = true;
        return false;
      }
      return true;
    }));
  }
  return Status::OK();
}

bool SegmentReader::RemembersChecks(const TermInfo& info) const {
  const uint64_t num_blocks = (uint64_t{info.doc_freq} + kPostingBlockSize - 1) / kPostingBlockSize;
  return checked_lists_ != nullptr && !info.inline_doc && num_blocks >= kMinBlocksToRememberChecked;
}

bool SegmentReader::WasChecked(const TermInfo& info) const {
  return RemembersChecks(info) && checked_lists_->Contains(info);
}

// The docid bitmap at the start of a term's postings, checked against the dictionary; leaves
// *in after it.
Status SegmentReader::ReadDocids(const TermInfo& info, bool checked, ByteReader* in,
                                 RoaringView* out) const {
  if (info.inline_doc) {
    if (info.doc_freq != 1 || info.only_doc >= num_docs_)
      return dict_->Corrupt("document " + std::to_string(info.only_doc) +
                            " of a term out of range");
    *in = ByteReader();
    *out = RoaringView::Single(info.only_doc);
    return Status::OK();
  }
  std::string_view post = post_->body();
  if (info.post_offset > post.size() || info.post_length > post.size() - info.post_offset)
    return post_->Corrupt("posting offset out of range");
  if (info.doc_freq == 0 || info.doc_freq > num_docs_) return dict_->Corrupt("bad document frequency");
  *in = ByteReader(post.substr(info.post_offset, info.post_length));
  std::string_view bitmap;
  if (!in->ReadLengthPrefixed(&bitmap)) return post_->Corrupt("truncated bitmap");
  const RoaringView::RunCheck run_check =
      checked ? RoaringView::RunCheck::kCheckedBefore : RoaringView::RunCheck::kCheck;
  if (!RoaringView::Open(bitmap, out, run_check).ok())
    return post_->Corrupt("damaged docid bitmap");
  if (out->cardinality() != info.doc_freq)
    return post_->Corrupt("bitmap cardinality disagrees with the dictionary");
  return Status::OK();
}

Status SegmentReader::OpenDocids(const TermInfo& info, RoaringView* out) const {
  ByteReader in;
  return ReadDocids(info, WasChecked(info), &in, out);
}

FieldLengthReader::FieldLengthReader(const SegmentReader* segment, uint32_t field_id)
    : segment_(segment), field_id_(field_id), num_docs_(segment->num_docs_) {
  if (field_id < segment->packed_lengths_.size()) packed_ = segment->packed_lengths_[field_id];
}

void FieldLengthReader::GetMany(const uint32_t* docids, size_t n, uint32_t* out) {
  // Locals: stores through `out` could otherwise alias the members, reloaded every value. The
  // block of the last value read is kept in the members at the end.
  uint32_t first = first_, span = span_, base = base_, width = width_;
  uint64_t mask = mask_;
  const char* data = data_;
  const uint32_t loadable_docs = packed_.loadable_docs;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t docid = docids[i];
    // The postings of a rare term mostly lie in different blocks: most blocks are whole and
    // were checked at open (width 0 included, read from its own 8 bytes), and are switched to
    // in the locals; the last one or two through Keep.
    if (docid - first > span) {
      if (docid < loadable_docs) {
        const char* entry = packed_.directory + static_cast<size_t>(docid / kLengthBlockSize) * 8;
        const size_t offset = DecodeFixed32(entry + 4);
        first = docid / kLengthBlockSize * kLengthBlockSize;
        span = kLengthBlockSize - 1;
        base = DecodeFixed32(entry);
        width = static_cast<unsigned char>(packed_.data[offset]);
        mask = (uint64_t{1} << width) - 1;
        data = packed_.data + offset + 1;
      } else {
        if (!Keep(docid)) {
          out[i] = segment_->FieldLength(field_id_, docid);
          continue;
        }
        first = first_, span = span_, base = base_, width = width_;
        mask = mask_;
        data = data_;
      }
    }
    const uint64_t bitpos = static_cast<uint64_t>(docid - first) * width;
    uint64_t word;
    std::memcpy(&word, data + (bitpos >> 3), 8);
    out[i] = base + static_cast<uint32_t>((word >> (bitpos & 7)) & mask);
  }
  first_ = first, span_ = span, base_ = base, width_ = width;
  mask_ = mask;
  data_ = data;
}

uint32_t FieldLengthReader::Load(uint32_t docid) {
  return Keep(docid) ? Get(docid) : segment_->FieldLength(field_id_, docid);
}

Status SegmentReader::OpenPostings(const TermInfo& info, PostingList* out) const {
  // A list checked whole by an earlier open needs no check of its docids' runs nor of its
  // block table (below).
  const bool remember = RemembersChecks(info);
  const bool checked = remember && checked_lists_->Contains(info);
  ByteReader in;
  TRAWL_RETURN_IF_ERROR(ReadDocids(info, checked, &in, &out->bitmap_));
  std::string_view pos = pos_->body();
  if (info.pos_offset > pos.size() || info.pos_length > pos.size() - info.pos_offset)
    return pos_->Corrupt("positions offset out of range");
  const uint64_t num_blocks = (info.doc_freq + kPostingBlockSize - 1) / kPostingBlockSize;
  uint64_t written_blocks = num_blocks;  // format 5 on: implied by doc_freq, not written
  if (post_->version() < kCompactPostingsVersion &&
      (!in.ReadVarint64(&written_blocks) || written_blocks != num_blocks))
    return post_->Corrupt("bad block count");
  out->info_ = info;
  out->num_blocks_ = num_blocks;
  out->table_ = {};
  out->format_version_ = post_->version();
  if (num_blocks > 1) {
    if (out->format_version_ >= kPackedBlockTablesVersion) {
      std::string_view header;
      if (!in.ReadBytes(BlockTableLayout::kHeaderBytes, &header))
        return post_->Corrupt("truncated block table");
      if (!BlockTableLayout::FromHeader(header.data(), &out->table_layout_))
        return post_->Corrupt("bad block table widths");
    } else {
      out->table_layout_ = BlockTableLayout::Fixed(out->format_version_);
    }
    if (!in.ReadBytes(num_blocks * out->table_layout_.entry_size(), &out->table_))
      return post_->Corrupt("truncated block table");
  }
  in.ReadBytes(in.remaining(), &out->tf_data_);
  if (info.inline_doc && info.max_tf > 1) {
    // The one frequency, as a block of one value packed in 32 bits.
    out->single_frequency_[0] = 32;
    const uint32_t minus_one = info.max_tf - 1;
    std::memcpy(out->single_frequency_ + 1, &minus_one, 4);
    out->tf_data_ = std::string_view(out->single_frequency_, sizeof(out->single_frequency_));
  }
  if (info.max_tf == 0) return dict_->Corrupt("a term of frequency 0");
  // Format 5 writes no frequencies for a term whose every frequency is 1: they read as packed
  // in width 0 at offset 0 of every block.
  if (out->format_version_ >= kCompactPostingsVersion && info.max_tf == 1) {
    if (!out->tf_data_.empty()) return post_->Corrupt("a frequency area for a term whose frequencies are all 1");
    static constexpr char kAllOnes[16] = {};
    out->tf_data_ = std::string_view(kAllOnes, sizeof(kAllOnes));
  }
  out->positions_ = pos.substr(info.pos_offset, info.pos_length);
  // Check every block's frequency bytes and position offset now, so cursors need no checks:
  // once per long list in the reader's life (checked_lists_), since the checks read nothing
  // but the segment's immutable bytes and the TermInfo's values. A long list of a common word
  // costs some 40 instructions a block to check, where a conjunction it follows reads few of
  // its blocks.
  if (checked) return Status::OK();
  // The table's layout copied, so that its widths stay in registers through the loop (the
  // table's bytes could otherwise alias them).
  const BlockTableLayout layout = out->table_layout_;
  const bool has_table = !out->table_.empty();
  const char* entry = out->table_.data();
  const std::string_view tf_data = out->tf_data_;
  const size_t positions_size = out->positions_.size();
  size_t prev_pos = 0;
  int64_t prev_last = -1;
  for (size_t b = 0; b < num_blocks; ++b, entry += layout.entry_size()) {
    // A single block has no table: it ends with the term, its areas start at 0.
    const uint32_t last_doc =
        has_table ? layout.Get(entry, BlockTableLayout::kLastDoc) : kNoMoreDocs - 1;
    if (static_cast<int64_t>(last_doc) <= prev_last)
      return post_->Corrupt("block last docids out of order");
    prev_last = last_doc;
    const size_t tf_offset = has_table ? layout.Get(entry, BlockTableLayout::kTfOffset) : 0;
    if (tf_offset >= tf_data.size()) return post_->Corrupt("frequency block out of range");
    const uint32_t width = static_cast<unsigned char>(tf_data[tf_offset]);
    if (width > 32 || PackedBytes(out->BlockPostings(b), width) > tf_data.size() - tf_offset - 1)
      return post_->Corrupt("frequency block out of range");
    const size_t pos_offset = has_table ? layout.Get(entry, BlockTableLayout::kPosOffset) : 0;
    if (pos_offset < prev_pos || pos_offset > positions_size)
      return pos_->Corrupt("position block offset out of range");
    prev_pos = pos_offset;
  }
  if (remember) checked_lists_->Insert(info);
  return Status::OK();
}

Status SegmentReader::VerifyStructure() const {
  std::string prev_key;
  uint64_t terms = 0;
  std::vector<uint32_t> positions;
  for (size_t b = 0; b < block_first_keys_.size(); ++b) {
    Status inner;
    TRAWL_RETURN_IF_ERROR(ScanBlock(b, [&](std::string_view key, const TermInfo& t) {
      if (terms > 0 && key <= prev_key) {
        inner = dict_->Corrupt("terms out of order in block " + std::to_string(b));
        return false;
      }
      prev_key.assign(key);
      ++terms;
      uint32_t field;
      std::string_view term;
      if (!SplitKey(key, &field, &term) || field >= fields_.size()) {
        inner = dict_->Corrupt("term of an unknown field");
        return false;
      }
      PostingList list;
      inner = OpenPostings(t, &list);
      if (inner.ok()) inner = list.docids().Validate();
      if (!inner.ok()) {
        inner = post_->Corrupt("term " + std::to_string(terms) + ": " + inner.message());
        return false;
      }
      // Every posting: a docid inside the segment, a frequency within the bounds, positions
      // that decode to exactly tf ascending values.
      PostingCursor cursor(&list);
      for (uint32_t d = cursor.doc(); d != kNoMoreDocs; d = cursor.Next()) {
        const uint32_t tf = cursor.freq();
        if (d >= num_docs_ || tf == 0 || tf > t.max_tf || FieldLength(field, d) < t.min_length) {
          inner = post_->Corrupt("posting of document " + std::to_string(d) + " out of bounds");
          return false;
        }
        // Its block's bounds must hold it, or top-k pruning would drop it.
        const PostingList::BlockInfo bi = list.block(cursor.ordinal() / kPostingBlockSize);
        bool dominated = bi.num_impacts == 0;
        for (uint32_t i = 0; i < bi.num_impacts && !dominated; ++i)
          dominated = tf <= bi.impact_tf[i] && FieldLength(field, d) >= bi.impact_length[i];
        if (tf > bi.max_tf || FieldLength(field, d) < bi.min_length || d > bi.last_doc ||
            !dominated) {
          inner = post_->Corrupt("posting of document " + std::to_string(d) +
                                 " outside its block's score bounds");
          return false;
        }
        // Terms of a field that is not text may have no positions at all.
        if (t.pos_length == 0 && fields_[field].type != FieldType::kText) continue;
        if (!cursor.Positions(&positions) || positions.size() != tf ||
            !std::is_sorted(positions.begin(), positions.end())) {
          inner = pos_->Corrupt("damaged positions of document " + std::to_string(d));
          return false;
        }
      }
      if (!list.PositionAnchorsAgree()) {
        inner = pos_->Corrupt("term " + std::to_string(terms) +
                              ": position anchors disagree with its positions");
        return false;
      }
      return true;
    }));
    TRAWL_RETURN_IF_ERROR(inner);
  }
  if (terms != num_terms_) return dict_->Corrupt("term count disagrees with the segment meta");
  if (columns_ != nullptr) TRAWL_RETURN_IF_ERROR(columns_->VerifyValues());
  return Status::OK();
}

}  // namespace trawl

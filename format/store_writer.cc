#include "format/store_writer.h"

// ZSTD_createCDict_advanced and ZSTD_getCParams: a dictionary whose match tables are sized for
// blocks, as zstd sizes its tables for a block compressed without one. (A ZSTD_createCDict is
// sized for input of unknown length, and compresses 16 KiB blocks worse than no dictionary.)
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
// ZDICT_trainFromBuffer_fastCover: the stable ZDICT_trainFromBuffer searches its parameters, ten
// times as long (a quarter of a second per MiB); fixed ones do as well on documents.
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

#include <algorithm>
#include <cassert>
#include <limits>
#include <utility>

#include "common/coding.h"

namespace trawl {

namespace {

constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
// Scratch buffers grown by one huge document are given back rather than kept for the segment.
constexpr size_t kKeepBufferBytes = 1 << 20;

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t LengthPrefixedSize(std::string_view s) { return VarintLength(s.size()) + s.size(); }

size_t SerializedSize(const Document& doc, const DocField* extra) {
  size_t n = VarintLength(doc.fields.size() + 1 + (extra != nullptr)) +
             LengthPrefixedSize(kIdField) + LengthPrefixedSize(doc.id);
  for (const auto& [name, value, kind] : doc.fields) {
    n += LengthPrefixedSize(name) + LengthPrefixedSize(value);
  }
  if (extra != nullptr) n += LengthPrefixedSize(extra->name) + LengthPrefixedSize(extra->value);
  return n;
}

void Serialize(const Document& doc, const DocField* extra, std::string* dst) {
  PutVarint64(dst, doc.fields.size() + 1 + (extra != nullptr));
  PutLengthPrefixed(dst, kIdField);
  PutLengthPrefixed(dst, doc.id);
  // Right after the id: a large document's last field stays its own, which lets a hit's id and
  // title be read from a prefix of its block (StoreReader::GetIdAndField).
  if (extra != nullptr) {
    PutLengthPrefixed(dst, extra->name);
    PutLengthPrefixed(dst, extra->value);
  }
  for (const auto& [name, value, kind] : doc.fields) {
    PutLengthPrefixed(dst, name);
    PutLengthPrefixed(dst, value);
  }
}

void ReleaseIfHuge(std::string* s, size_t keep) {
  if (s->capacity() > std::max(keep, kKeepBufferBytes)) std::string().swap(*s);
}

// Below this much sample a dictionary cannot pay for itself: it is not tried.
constexpr size_t kMinDictionarySampleBytes = 16 << 10;
constexpr size_t kMinDictionaryBytes = 1 << 10;
// A store that goes on past its dictionary sample keeps a dictionary that would pay for itself
// within this many samples' worth of documents.
constexpr size_t kDictionaryPaybackSamples = 4;
// Blocks up to this many block sizes are compressed with the dictionary (see UsesDictionary).
constexpr size_t kDictionaryBlockFactor = 2;
// The dictionary is chosen once this many samples' worth of blocks are held, however few of
// them it would compress.
constexpr size_t kMaxHeldSamples = 4;

// A dictionary trained on `samples` (sample_sizes bytes each, back to back), at most `capacity`
// bytes; empty if training fails (too few or too uniform samples).
std::string TrainDictionary(std::string_view samples, const std::vector<size_t>& sample_sizes,
                            size_t capacity, int zstd_level) {
  std::string dict(capacity, '\0');
  ZDICT_fastCover_params_t params{};
  // Segments of 200 bytes of k-mers of 8 bytes: what a search over k and d chooses on text
  // documents (gcide, kjv, usrdoc), in a tenth of its time.
  params.k = 200;
  params.d = 8;
  params.f = 18;
  params.accel = 4;
  params.splitPoint = 1.0;
  params.zParams.compressionLevel = zstd_level;
  const size_t n = ZDICT_trainFromBuffer_fastCover(
      dict.data(), dict.size(), samples.data(), sample_sizes.data(),
      static_cast<unsigned>(sample_sizes.size()), params);
  if (ZDICT_isError(n)) return std::string();
  dict.resize(n);
  return dict;
}

}  // namespace

void StoreWriter::CCtxDeleter::operator()(ZSTD_CCtx_s* cctx) const { ZSTD_freeCCtx(cctx); }
void StoreWriter::CDictDeleter::operator()(ZSTD_CDict_s* cdict) const { ZSTD_freeCDict(cdict); }

StoreWriter::StoreWriter(std::unique_ptr<FileWriter> file,
                         std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx,
                         const StoreCompression& compression, size_t dictionary_sample_bytes,
                         uint32_t format_version)
    : file_(std::move(file)),
      cctx_(std::move(cctx)),
      zstd_level_(compression.zstd_level),
      large_value_zstd_level_(compression.large_value_zstd_level),
      block_bytes_(compression.block_bytes),
      format_version_(format_version),
      frame_bytes_(format_version == 1 ? kMaxU32 : kStoreFrameBytes),
      dictionary_sample_bytes_(dictionary_sample_bytes),
      dictionary_chosen_(dictionary_sample_bytes == 0 || format_version < kStoreDictionaryVersion) {
}

StoreWriter::~StoreWriter() = default;

Status StoreWriter::Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                           const StoreCompression& compression, size_t dictionary_sample_bytes,
                           FileSystem* fs, uint32_t format_version) {
  for (const int level : {compression.zstd_level, compression.large_value_zstd_level}) {
    if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
      return Status::InvalidArgument("zstd level " + std::to_string(level) + " is outside " +
                                     std::to_string(ZSTD_minCLevel()) + ".." +
                                     std::to_string(ZSTD_maxCLevel()));
    }
  }
  if (compression.block_bytes == 0) {
    return Status::InvalidArgument("store block size must be positive");
  }
  if (format_version != 1 && format_version != 2) {
    return Status::InvalidArgument("no store format version " + std::to_string(format_version));
  }
  std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (cctx == nullptr || ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1))) {
    return Status::IOError(DisplayName(path) + ": cannot set up zstd compression");
  }
  std::unique_ptr<FileWriter> file;
  TRAWL_RETURN_IF_ERROR(FileWriter::Create(path, kStoreKind, format_version, &file, fs));
  // The store is written as documents come: its buffer is one of the fixed costs that
  // index_memory_bytes leaves out.
  file->ReserveBuffer();
  out->reset(new StoreWriter(std::move(file), std::move(cctx), compression, dictionary_sample_bytes,
                             format_version));
  return Status::OK();
}

Status StoreWriter::CheckAdd(const Document& doc) const {
  return CheckAdd(doc, SerializedSize(doc, nullptr));
}

Status StoreWriter::CheckAdd(const Document& doc, size_t size) const {
  if (finished_) return Status::InvalidArgument(DisplayName(file_->path()) + ": Add after Finish");
  if (num_docs_ == kMaxU32) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": too many documents");
  }
  // Block lengths are u32 on disk.
  if (size > kMaxU32) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": document '" + doc.id +
                                   "' is too large to store (" + std::to_string(size) +
                                   " bytes)");
  }
  return Status::OK();
}

Status StoreWriter::Add(const Document& doc) { return Add(doc, nullptr); }

Status StoreWriter::Add(const Document& doc, const DocField* engine_field) {
  const size_t size = SerializedSize(doc, engine_field);
  TRAWL_RETURN_IF_ERROR(CheckAdd(doc, size));
  if (block_.size() + size > kMaxU32) TRAWL_RETURN_IF_ERROR(FlushBlock());
  if (block_.empty()) block_first_doc_ = num_docs_;
  Serialize(doc, engine_field, &block_);
  if (!dictionary_chosen_) held_doc_ends_.push_back(held_.size() + block_.size());
  ++num_docs_;
  if (block_.size() >= block_bytes_) return FlushBlock();
  return Status::OK();
}

bool StoreWriter::UsesDictionary(size_t size) const {
  // A block (or frame) this much larger than the block size is a large value, which its own
  // content compresses: the dictionary's small tables would only slow its match search.
  return size <= kDictionaryBlockFactor * block_bytes_;
}

void StoreWriter::FrameEnds(std::string_view block, std::vector<size_t>* ends) const {
  ends->clear();
  size_t start = 0;
  // Frames of at most frame_bytes_ up to `end`.
  auto cut_to = [&](size_t end) {
    for (; end - start > frame_bytes_; start += frame_bytes_) ends->push_back(start + frame_bytes_);
    if (end > start) ends->push_back(start = end);
  };
  // A block of at most this many block sizes is small documents (one past the block size
  // closes it); a longer one holds a large value.
  if (format_version_ >= 2 && block.size() > kDictionaryBlockFactor * block_bytes_) {
    ByteReader in(block);
    uint64_t nfields = 0, length = 0;
    std::string_view name;
    bool ok = true;
    while (ok && !in.empty()) {
      ok = in.ReadVarint64(&nfields);
      for (uint64_t f = 0; ok && f < nfields; ++f) {
        ok = in.ReadLengthPrefixed(&name) && in.ReadVarint64(&length) &&
             length <= in.remaining();
        if (!ok) break;
        const size_t value = in.position();
        if (length >= kStoreLargeValueBytes) {
          cut_to(value);
          cut_to(value + length);
        }
        in.Seek(value + length);
      }
    }
    assert(ok);  // the block is what Serialize wrote
  }
  cut_to(block.size());
}

// Each frame is a one-shot compression, which records the content size in the frame header:
// readers rely on it to find a frame's place in the block.
Status StoreWriter::Compress(std::string_view block, const ZSTD_CDict_s* cdict,
                             std::string* out) {
  FrameEnds(block, &frame_ends_);
  out->clear();
  size_t begin = 0;
  for (const size_t end : frame_ends_) {
    const std::string_view content = block.substr(begin, end - begin);
    begin = end;
    const bool small = UsesDictionary(content.size());
    // A frame with the dictionary is compressed at the dictionary's level, set when it was made.
    if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel,
                                            small ? zstd_level_ : large_value_zstd_level_)) ||
        ZSTD_isError(ZSTD_CCtx_refCDict(cctx_.get(), small ? cdict : nullptr))) {
      return Status::IOError(DisplayName(file_->path()) + ": cannot set up zstd compression");
    }
    const size_t at = out->size();
    out->resize(at + ZSTD_compressBound(content.size()));
    const size_t n = ZSTD_compress2(cctx_.get(), out->data() + at, out->size() - at,
                                    content.data(), content.size());
    if (ZSTD_isError(n)) {
      return Status::IOError(DisplayName(file_->path()) + ": zstd: " + ZSTD_getErrorName(n));
    }
    out->resize(at + n);
  }
  if (out->size() > kMaxU32) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": compressed block too large");
  }
  return Status::OK();
}

Status StoreWriter::WriteBlock(uint32_t first_doc, std::string_view compressed,
                               size_t uncompressed) {
  PutFixed32(&index_, first_doc);
  PutFixed64(&index_, file_->body_offset());
  PutFixed32(&index_, static_cast<uint32_t>(compressed.size()));
  PutFixed32(&index_, static_cast<uint32_t>(uncompressed));
  ++num_blocks_;
  return file_->Append(compressed);
}

Status StoreWriter::FlushBlock() {
  if (block_.empty()) return Status::OK();
  if (!dictionary_chosen_) {
    const size_t block_size = block_.size();
    held_blocks_.push_back(HeldBlock{block_first_doc_, held_.size(), held_.size() + block_size});
    held_ += block_;
    block_.clear();
    ReleaseIfHuge(&block_, 4 * block_bytes_);
    if (UsesDictionary(block_size)) held_small_bytes_ += block_size;
    // Large documents are not what a dictionary is for, but they are held in memory too.
    if (held_small_bytes_ >= dictionary_sample_bytes_ ||
        held_.size() >= kMaxHeldSamples * dictionary_sample_bytes_) {
      return ChooseDictionary(/*finishing=*/false);
    }
    return Status::OK();
  }
  TRAWL_RETURN_IF_ERROR(Compress(block_, cdict_.get(), &compressed_));
  TRAWL_RETURN_IF_ERROR(WriteBlock(block_first_doc_, compressed_, block_.size()));
  block_.clear();
  ReleaseIfHuge(&block_, 4 * block_bytes_);
  ReleaseIfHuge(&compressed_, 4 * block_bytes_);
  return Status::OK();
}

Status StoreWriter::ChooseDictionary(bool finishing) {
  dictionary_chosen_ = true;
  // The dictionary is trained on the documents of the first three quarters of the held blocks
  // it would compress, in pieces of at most a block, as they are compressed; the blocks after
  // those tell what it saves on documents it has not seen (on those it was trained on it saves
  // more than it ever will, and even on documents that share nothing, random bytes say).
  std::string training;
  std::vector<size_t> sample_sizes;
  std::vector<bool> unseen(held_blocks_.size(), false);
  const size_t train_bytes = held_small_bytes_ / 4 * 3;
  {
    size_t doc = 0;  // index into held_doc_ends_
    for (size_t b = 0; b < held_blocks_.size(); ++b) {
      const HeldBlock& h = held_blocks_[b];
      const bool small = UsesDictionary(h.end - h.begin);
      if (small && training.size() >= train_bytes) unseen[b] = true;
      size_t begin = h.begin;
      for (; doc < held_doc_ends_.size() && held_doc_ends_[doc] <= h.end; ++doc) {
        const size_t end = held_doc_ends_[doc];
        if (small && !unseen[b]) {
          for (size_t p = begin; p < end; p += sample_sizes.back()) {
            sample_sizes.push_back(std::min(end - p, block_bytes_));
          }
          training.append(held_, begin, end - begin);
        }
        begin = end;
      }
    }
  }
  std::string dict;
  const size_t capacity = std::min(kStoreMaxDictionaryBytes, held_small_bytes_ / 32);
  if (held_small_bytes_ >= kMinDictionarySampleBytes && capacity >= kMinDictionaryBytes) {
    dict = TrainDictionary(training, sample_sizes, capacity, zstd_level_);
  }
  std::string().swap(training);
  std::vector<std::string> compressed(held_blocks_.size());
  size_t plain_total = 0;  // of the blocks the dictionary would compress
  size_t plain_unseen = 0;  // of those among them it was not trained on
  for (size_t b = 0; b < held_blocks_.size(); ++b) {
    const HeldBlock& h = held_blocks_[b];
    // A large block is compressed once the dictionary is chosen: only its small frames use it.
    if (!UsesDictionary(h.end - h.begin)) continue;
    TRAWL_RETURN_IF_ERROR(Compress(std::string_view(held_).substr(h.begin, h.end - h.begin),
                                   nullptr, &compressed[b]));
    plain_total += compressed[b].size();
    if (unseen[b]) plain_unseen += compressed[b].size();
  }
  if (!dict.empty() && plain_unseen > 0) {
    std::unique_ptr<ZSTD_CDict_s, CDictDeleter> cdict(ZSTD_createCDict_advanced(
        dict.data(), dict.size(), ZSTD_dlm_byCopy, ZSTD_dct_auto,
        ZSTD_getCParams(zstd_level_, block_bytes_, dict.size()), ZSTD_defaultCMem));
    if (cdict == nullptr) {
      return Status::IOError(DisplayName(file_->path()) + ": cannot set up a zstd dictionary");
    }
    std::vector<std::string> with_dict(held_blocks_.size());
    size_t with_unseen = 0;
    for (size_t b = 0; b < held_blocks_.size(); ++b) {
      const HeldBlock& h = held_blocks_[b];
      if (!UsesDictionary(h.end - h.begin)) continue;
      TRAWL_RETURN_IF_ERROR(Compress(std::string_view(held_).substr(h.begin, h.end - h.begin),
                                     cdict.get(), &with_dict[b]));
      if (unseen[b]) with_unseen += with_dict[b].size();
    }
    // Kept if it pays for itself at the rate it saves on unseen documents: over the held
    // blocks when they are the whole store (Finish chose), else over kDictionaryPaybackSamples
    // times as much, as the store goes on past its sample.
    const double rate =
        plain_unseen > with_unseen ? double(plain_unseen - with_unseen) / plain_unseen : 0;
    const double expected =
        rate * double(plain_total) * (finishing ? 1 : kDictionaryPaybackSamples);
    if (expected > double(dict.size())) {
      TRAWL_RETURN_IF_ERROR(file_->Append(dict));
      dictionary_bytes_ = dict.size();
      cdict_ = std::move(cdict);
      for (size_t b = 0; b < held_blocks_.size(); ++b) {
        if (UsesDictionary(held_blocks_[b].end - held_blocks_[b].begin)) {
          compressed[b] = std::move(with_dict[b]);
        }
      }
    }
  }
  for (size_t b = 0; b < held_blocks_.size(); ++b) {
    const HeldBlock& h = held_blocks_[b];
    if (!UsesDictionary(h.end - h.begin)) {
      TRAWL_RETURN_IF_ERROR(Compress(std::string_view(held_).substr(h.begin, h.end - h.begin),
                                     cdict_.get(), &compressed[b]));
    }
    TRAWL_RETURN_IF_ERROR(WriteBlock(h.first_doc, compressed[b], h.end - h.begin));
  }
  std::string().swap(held_);
  std::vector<HeldBlock>().swap(held_blocks_);
  std::vector<size_t>().swap(held_doc_ends_);
  held_small_bytes_ = 0;
  return Status::OK();
}

Status StoreWriter::Finish() {
  if (finished_) return Status::InvalidArgument(DisplayName(file_->path()) + ": Finish twice");
  TRAWL_RETURN_IF_ERROR(FlushBlock());
  if (!dictionary_chosen_) TRAWL_RETURN_IF_ERROR(ChooseDictionary(/*finishing=*/true));
  const uint64_t index_offset = file_->body_offset();
  if (format_version_ >= kStoreDictionaryVersion) {
    PutFixed32(&index_, static_cast<uint32_t>(dictionary_bytes_));
  }
  PutFixed32(&index_, num_blocks_);
  PutFixed32(&index_, num_docs_);
  PutFixed64(&index_, index_offset);
  TRAWL_RETURN_IF_ERROR(file_->Append(index_));
  TRAWL_RETURN_IF_ERROR(file_->Finish());
  finished_ = true;
  std::string().swap(index_);
  return Status::OK();
}

}  // namespace trawl

#include "format/store_writer.h"

#include <zstd.h>

#include <algorithm>
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

}  // namespace

void StoreWriter::CCtxDeleter::operator()(ZSTD_CCtx_s* cctx) const { ZSTD_freeCCtx(cctx); }

StoreWriter::StoreWriter(std::unique_ptr<FileWriter> file,
                         std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx, size_t block_bytes,
                         size_t frame_bytes)
    : file_(std::move(file)),
      cctx_(std::move(cctx)),
      block_bytes_(block_bytes),
      frame_bytes_(frame_bytes) {}

StoreWriter::~StoreWriter() = default;

Status StoreWriter::Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                           int zstd_level, size_t block_bytes, FileSystem* fs,
                           uint32_t format_version) {
  if (zstd_level < ZSTD_minCLevel() || zstd_level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("zstd level " + std::to_string(zstd_level) +
                                   " is outside " + std::to_string(ZSTD_minCLevel()) + ".." +
                                   std::to_string(ZSTD_maxCLevel()));
  }
  if (block_bytes == 0) return Status::InvalidArgument("store block size must be positive");
  if (format_version != 1 && format_version != 2) {
    return Status::InvalidArgument("no store format version " + std::to_string(format_version));
  }
  std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx(ZSTD_createCCtx());
  if (cctx == nullptr ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, zstd_level)) ||
      ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1))) {
    return Status::IOError(DisplayName(path) + ": cannot set up zstd compression");
  }
  std::unique_ptr<FileWriter> file;
  TRAWL_RETURN_IF_ERROR(FileWriter::Create(path, kStoreKind, format_version, &file, fs));
  const size_t frame_bytes = format_version == 1 ? kMaxU32 : kStoreFrameBytes;
  out->reset(new StoreWriter(std::move(file), std::move(cctx), block_bytes, frame_bytes));
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
  ++num_docs_;
  if (block_.size() >= block_bytes_) return FlushBlock();
  return Status::OK();
}

Status StoreWriter::FlushBlock() {
  if (block_.empty()) return Status::OK();
  compressed_.clear();
  for (size_t begin = 0; begin < block_.size(); begin += frame_bytes_)
    TRAWL_RETURN_IF_ERROR(CompressFrame(std::string_view(block_).substr(begin, frame_bytes_)));
  if (compressed_.size() > kMaxU32) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": compressed block too large");
  }
  PutFixed32(&index_, block_first_doc_);
  PutFixed64(&index_, file_->body_offset());
  PutFixed32(&index_, static_cast<uint32_t>(compressed_.size()));
  PutFixed32(&index_, static_cast<uint32_t>(block_.size()));
  ++num_blocks_;
  TRAWL_RETURN_IF_ERROR(file_->Append(compressed_));
  block_.clear();
  ReleaseIfHuge(&block_, 4 * block_bytes_);
  ReleaseIfHuge(&compressed_, 4 * block_bytes_);
  return Status::OK();
}

// Appends one frame to compressed_: a one-shot compression records the content size in the frame
// header, which readers rely on to find a frame's place in the block.
Status StoreWriter::CompressFrame(std::string_view content) {
  const size_t at = compressed_.size();
  compressed_.resize(at + ZSTD_compressBound(content.size()));
  const size_t n = ZSTD_compress2(cctx_.get(), compressed_.data() + at, compressed_.size() - at,
                                  content.data(), content.size());
  if (ZSTD_isError(n)) {
    return Status::IOError(DisplayName(file_->path()) + ": zstd: " + ZSTD_getErrorName(n));
  }
  compressed_.resize(at + n);
  return Status::OK();
}

Status StoreWriter::Finish() {
  if (finished_) return Status::InvalidArgument(DisplayName(file_->path()) + ": Finish twice");
  TRAWL_RETURN_IF_ERROR(FlushBlock());
  const uint64_t index_offset = file_->body_offset();
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

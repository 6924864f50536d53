#include "format/store_reader.h"

#include <zstd.h>

#include <utility>

#include "common/coding.h"
#include "format/store_writer.h"

namespace trawl {

namespace {

// The smallest serialized document: field count, then "id" and an empty value, all length 1.
constexpr uint64_t kMinDocumentBytes = 5;
// A per-thread buffer that grew past this for one huge block is given back afterwards.
constexpr size_t kKeepBufferBytes = 1 << 20;

// Per-thread decompression state: Get() is const and called from many threads at once.
struct Scratch {
  Scratch() : dctx(ZSTD_createDCtx()) {}
  ~Scratch() { ZSTD_freeDCtx(dctx); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ZSTD_DCtx* dctx;
  std::string buffer;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string BlockName(uint32_t block) { return "block " + std::to_string(block); }

bool SkipDocument(ByteReader* in) {
  uint64_t nfields;
  if (!in->ReadVarint64(&nfields) || nfields == 0 || nfields > in->remaining() / 2) return false;
  std::string_view unused;
  for (uint64_t f = 0; f < 2 * nfields; ++f) {
    if (!in->ReadLengthPrefixed(&unused)) return false;
  }
  return true;
}

bool DecodeDocument(ByteReader* in, Document* doc) {
  uint64_t nfields;
  // Each field takes at least two bytes, which bounds the reserve() below.
  if (!in->ReadVarint64(&nfields) || nfields == 0 || nfields > in->remaining() / 2) return false;
  std::string_view name, value;
  if (!in->ReadLengthPrefixed(&name) || name != kIdField || !in->ReadLengthPrefixed(&value)) {
    return false;
  }
  doc->id.assign(value);
  doc->fields.clear();
  doc->fields.reserve(nfields - 1);
  for (uint64_t f = 1; f < nfields; ++f) {
    if (!in->ReadLengthPrefixed(&name) || !in->ReadLengthPrefixed(&value)) return false;
    doc->fields.emplace_back(std::string(name), std::string(value));
  }
  return true;
}

}  // namespace

Status StoreReader::Open(const std::string& path, bool verify_checksum,
                         std::unique_ptr<StoreReader>* out, FileSystem* fs) {
  std::unique_ptr<StoreReader> r(new StoreReader());
  TRAWL_RETURN_IF_ERROR(MappedFile::Open(path, kStoreKind, kStoreFormatVersion, &r->file_, fs));
  if (verify_checksum) TRAWL_RETURN_IF_ERROR(r->file_->VerifyChecksum());
  std::string_view body = r->file_->body();
  if (body.size() < kStoreTrailerSize) return r->file_->Corrupt("too short for the trailer");
  ByteReader trailer(body.substr(body.size() - kStoreTrailerSize));
  trailer.ReadFixed32(&r->num_blocks_);
  trailer.ReadFixed32(&r->num_docs_);
  trailer.ReadFixed64(&r->index_offset_);
  const uint64_t index_end = body.size() - kStoreTrailerSize;
  const uint64_t index_size = uint64_t{r->num_blocks_} * kStoreBlockIndexEntrySize;
  if (r->index_offset_ > index_end || index_end - r->index_offset_ != index_size) {
    return r->file_->Corrupt("block index offset " + std::to_string(r->index_offset_) + " and " +
                             std::to_string(r->num_blocks_) +
                             " blocks do not match the body size " + std::to_string(body.size()));
  }
  r->index_ = body.substr(r->index_offset_, index_size);
  TRAWL_RETURN_IF_ERROR(r->CheckIndex());
  *out = std::move(r);
  return Status::OK();
}

// Get() relies on everything checked here, so a damaged index is reported once, at open.
Status StoreReader::CheckIndex() const {
  if ((num_blocks_ == 0) != (num_docs_ == 0)) {
    return file_->Corrupt(std::to_string(num_blocks_) + " blocks for " +
                          std::to_string(num_docs_) + " documents");
  }
  uint64_t expected_offset = 0;
  for (uint32_t i = 0; i < num_blocks_; ++i) {
    const Block b = BlockAt(i);
    if (i == 0 ? b.first_doc != 0 : b.first_doc <= BlockAt(i - 1).first_doc) {
      return file_->Corrupt(BlockName(i) + ": first docid " + std::to_string(b.first_doc) +
                            " out of order");
    }
    if (b.first_doc >= num_docs_) {
      return file_->Corrupt(BlockName(i) + ": first docid " + std::to_string(b.first_doc) +
                            " past the document count " + std::to_string(num_docs_));
    }
    if (b.offset != expected_offset || b.compressed == 0 ||
        b.compressed > index_offset_ - b.offset) {
      return file_->Corrupt(BlockName(i) + ": bytes " + std::to_string(b.offset) + "+" +
                            std::to_string(b.compressed) + " do not follow the previous block");
    }
    expected_offset = b.offset + b.compressed;
  }
  if (expected_offset != index_offset_) {
    return file_->Corrupt("blocks end at " + std::to_string(expected_offset) +
                          " but the block index starts at " + std::to_string(index_offset_));
  }
  for (uint32_t i = 0; i < num_blocks_; ++i) {
    const Block b = BlockAt(i);
    if (b.uncompressed < uint64_t{EndDoc(i) - b.first_doc} * kMinDocumentBytes) {
      return file_->Corrupt(BlockName(i) + ": uncompressed length " +
                            std::to_string(b.uncompressed) + " too small for its documents");
    }
  }
  return Status::OK();
}

StoreReader::Block StoreReader::BlockAt(uint32_t i) const {
  const char* p = index_.data() + size_t{i} * kStoreBlockIndexEntrySize;
  return Block{DecodeFixed32(p), DecodeFixed64(p + 4), DecodeFixed32(p + 12),
               DecodeFixed32(p + 16)};
}

// The last block whose first docid is ≤ docid (first docids are increasing from 0).
uint32_t StoreReader::FindBlock(uint32_t docid) const {
  uint32_t lo = 0, hi = num_blocks_;  // invariant: first[lo] <= docid < first[hi]
  while (hi - lo > 1) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (DecodeFixed32(index_.data() + size_t{mid} * kStoreBlockIndexEntrySize) <= docid) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

uint32_t StoreReader::EndDoc(uint32_t block) const {
  return block + 1 < num_blocks_ ? BlockAt(block + 1).first_doc : num_docs_;
}

Status StoreReader::DecompressBlock(uint32_t i, std::string* buffer) const {
  const Block b = BlockAt(i);
  const char* src = file_->body().data() + b.offset;
  // The frame header must agree with the index before a buffer is sized by either.
  unsigned long long frame_size = ZSTD_getFrameContentSize(src, b.compressed);
  if (frame_size != b.uncompressed) {
    return file_->Corrupt(BlockName(i) + ": zstd frame does not record the indexed length " +
                          std::to_string(b.uncompressed));
  }
  Scratch& scratch = ThreadScratch();
  if (scratch.dctx == nullptr) return Status::IOError("cannot set up zstd decompression");
  if (buffer->size() < b.uncompressed) buffer->resize(b.uncompressed);
  size_t n = ZSTD_decompressDCtx(scratch.dctx, buffer->data(), b.uncompressed, src,
                                 b.compressed);
  if (ZSTD_isError(n)) return file_->Corrupt(BlockName(i) + ": zstd: " + ZSTD_getErrorName(n));
  if (n != b.uncompressed) {
    return file_->Corrupt(BlockName(i) + ": decompressed to " + std::to_string(n) + " bytes, not " +
                          std::to_string(b.uncompressed));
  }
  return Status::OK();
}

Status StoreReader::Get(uint32_t docid, Document* out) const {
  if (docid >= num_docs_) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": docid " +
                                   std::to_string(docid) + " out of range (" +
                                   std::to_string(num_docs_) + " documents)");
  }
  const uint32_t i = FindBlock(docid);
  Scratch& scratch = ThreadScratch();
  Status s = DecompressBlock(i, &scratch.buffer);
  if (s.ok()) {
    s = DecodeFromBlock(i, std::string_view(scratch.buffer.data(), BlockAt(i).uncompressed),
                        docid, out);
  }
  if (scratch.buffer.capacity() > kKeepBufferBytes) std::string().swap(scratch.buffer);
  return s;
}

Status StoreReader::ForEach(const std::function<Status(uint32_t, Document*)>& fn) const {
  std::string buffer;
  Document doc;
  for (uint32_t i = 0; i < num_blocks_; ++i) {
    TRAWL_RETURN_IF_ERROR(DecompressBlock(i, &buffer));
    ByteReader in(std::string_view(buffer.data(), BlockAt(i).uncompressed));
    for (uint32_t d = BlockAt(i).first_doc, end = EndDoc(i); d < end; ++d) {
      if (!DecodeDocument(&in, &doc)) {
        return file_->Corrupt(BlockName(i) + ": document " + std::to_string(d) +
                              " is damaged or missing");
      }
      TRAWL_RETURN_IF_ERROR(fn(d, &doc));
    }
    if (!in.empty()) {
      return file_->Corrupt(BlockName(i) + ": " + std::to_string(in.remaining()) +
                            " bytes after its last document");
    }
    if (buffer.capacity() > kKeepBufferBytes) std::string().swap(buffer);
  }
  return Status::OK();
}

// Walks the whole block, so a block holding more or fewer documents than the index says (a
// damaged first docid) is caught rather than returning a neighbour's document.
Status StoreReader::DecodeFromBlock(uint32_t block, std::string_view data, uint32_t docid,
                                    Document* out) const {
  const uint32_t first = BlockAt(block).first_doc;
  const uint32_t end = EndDoc(block);
  ByteReader in(data);
  Document doc;
  for (uint32_t d = first; d < end; ++d) {
    bool ok = d == docid ? DecodeDocument(&in, &doc) : SkipDocument(&in);
    if (!ok) {
      return file_->Corrupt(BlockName(block) + ": document " + std::to_string(d) +
                            " is damaged or missing");
    }
  }
  if (!in.empty()) {
    return file_->Corrupt(BlockName(block) + ": " + std::to_string(in.remaining()) +
                          " bytes after its last document");
  }
  *out = std::move(doc);
  return Status::OK();
}

}  // namespace trawl

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
// GetIdAndField reads a block this long or shorter whole: zstd decodes a frame in blocks of up
// to this much output, so a prefix of a shorter frame costs the same decoding, and reading it
// whole checks its content checksum too.
constexpr uint32_t kWholeBlockBytes = ZSTD_BLOCKSIZE_MAX;
// The first prefix it reads of a longer block: the documents before a block's last one take
// less than the block size (16 KiB by default), and a large document is a block's last.
constexpr size_t kFirstPrefixBytes = 16 << 10;

// Per-thread decompression state: Get() is const and called from many threads at once.
struct Scratch {
  Scratch() : dctx(ZSTD_createDCtx()) {}
  ~Scratch() {
    ZSTD_freeDCtx(dctx);
    ZSTD_freeDStream(stream);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ZSTD_DCtx* dctx;
  std::string buffer;
  // For prefixes of large blocks; made on first use (its window buffer is as large as the
  // largest block it decoded, so it is given back after one past kKeepBufferBytes).
  ZSTD_DStream* stream = nullptr;
  std::string prefix;
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

// Reads one serialized document from `in`, a reader over the first bytes of a block of
// `block_size` bytes, with the checks DecodeDocument makes; with `head`, sets its id and its first
// field named `field`. The value of the block's last field, the end of its `last` document, is
// only checked to end where the block ends, as DecodeFromBlock's walk checks it, and read only if
// it is wanted. False if the bytes end first or are damaged.
bool ReadDocumentHead(ByteReader* in, uint64_t block_size, bool last, std::string_view field,
                      Document* head) {
  auto block_remaining = [&] { return block_size - in->position(); };
  uint64_t nfields;
  if (!in->ReadVarint64(&nfields) || nfields == 0 || nfields > block_remaining() / 2) return false;
  bool found = false;
  std::string_view name, value;
  for (uint64_t f = 0; f < nfields; ++f) {
    if (!in->ReadLengthPrefixed(&name) || (f == 0 && name != kIdField)) return false;
    const bool wanted = head != nullptr && (f == 0 || (name == field && !found));
    if (last && f + 1 == nfields) {
      uint64_t length;
      if (!in->ReadVarint64(&length) || length != block_remaining()) return false;
      if (!wanted) break;
      if (!in->ReadBytes(length, &value)) return false;
    } else if (!in->ReadLengthPrefixed(&value)) {
      return false;
    }
    if (!wanted) continue;
    if (f == 0) {
      head->id.assign(value);
    } else {
      head->fields.emplace_back(std::string(name), std::string(value));
      found = true;
    }
  }
  return true;
}

// GetIdAndField's walk of a block from `prefix`, its first bytes (`block_size` in all), holding
// `count` documents: every document is read as DecodeFromBlock reads it, the one `index` places
// after the first into *out, except for the value of the block's last field, which is not needed
// unless it is the one asked for. False if the prefix ends first or the bytes are damaged: the
// whole block then tells which.
bool DecodeHead(std::string_view prefix, uint64_t block_size, uint32_t count, uint32_t index,
                std::string_view field, Document* out) {
  ByteReader in(prefix);
  Document doc;
  for (uint32_t d = 0; d < count; ++d) {
    if (!ReadDocumentHead(&in, block_size, d + 1 == count, field, d == index ? &doc : nullptr)) {
      return false;
    }
  }
  *out = std::move(doc);
  return true;
}

}  // namespace

void StoreReader::DDictDeleter::operator()(ZSTD_DDict_s* ddict) const { ZSTD_freeDDict(ddict); }

Status StoreReader::Open(const std::string& path, bool verify_checksum,
                         std::unique_ptr<StoreReader>* out, FileSystem* fs) {
  std::unique_ptr<StoreReader> r(new StoreReader());
  TRAWL_RETURN_IF_ERROR(MappedFile::Open(path, kStoreKind, kStoreFormatVersion, &r->file_, fs));
  if (verify_checksum) TRAWL_RETURN_IF_ERROR(r->file_->VerifyChecksum());
  std::string_view body = r->file_->body();
  const bool has_dictionary = r->file_->version() >= kStoreDictionaryVersion;
  const size_t trailer_size = has_dictionary ? kStoreTrailerSize : kStoreTrailerSizeV1;
  if (body.size() < trailer_size) return r->file_->Corrupt("too short for the trailer");
  ByteReader trailer(body.substr(body.size() - trailer_size));
  if (has_dictionary) trailer.ReadFixed32(&r->dictionary_bytes_);
  trailer.ReadFixed32(&r->num_blocks_);
  trailer.ReadFixed32(&r->num_docs_);
  trailer.ReadFixed64(&r->index_offset_);
  const uint64_t index_end = body.size() - trailer_size;
  const uint64_t index_size = uint64_t{r->num_blocks_} * kStoreBlockIndexEntrySize;
  if (r->index_offset_ > index_end || index_end - r->index_offset_ != index_size) {
    return r->file_->Corrupt("block index offset " + std::to_string(r->index_offset_) + " and " +
                             std::to_string(r->num_blocks_) +
                             " blocks do not match the body size " + std::to_string(body.size()));
  }
  r->index_ = body.substr(r->index_offset_, index_size);
  if (r->dictionary_bytes_ > r->index_offset_) {
    return r->file_->Corrupt("dictionary of " + std::to_string(r->dictionary_bytes_) +
                             " bytes overlaps the block index at " +
                             std::to_string(r->index_offset_));
  }
  if (r->dictionary_bytes_ > 0) {
    // A damaged dictionary that still parses is caught by the blocks' checksums.
    r->ddict_.reset(ZSTD_createDDict(body.data(), r->dictionary_bytes_));
    if (r->ddict_ == nullptr) return r->file_->Corrupt("damaged zstd dictionary");
  }
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
  uint64_t expected_offset = dictionary_bytes_;
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
  const ZSTD_DDict_s* ddict = FrameDictionary(src, b.compressed);
  size_t n = ddict != nullptr
                 ? ZSTD_decompress_usingDDict(scratch.dctx, buffer->data(), b.uncompressed, src,
                                              b.compressed, ddict)
                 : ZSTD_decompressDCtx(scratch.dctx, buffer->data(), b.uncompressed, src,
                                       b.compressed);
  if (ZSTD_isError(n)) return file_->Corrupt(BlockName(i) + ": zstd: " + ZSTD_getErrorName(n));
  if (n != b.uncompressed) {
    return file_->Corrupt(BlockName(i) + ": decompressed to " + std::to_string(n) + " bytes, not " +
                          std::to_string(b.uncompressed));
  }
  return Status::OK();
}

const ZSTD_DDict_s* StoreReader::FrameDictionary(const char* frame, size_t size) const {
  // A frame records the id of the dictionary it was compressed with, 0 for none: zstd refuses
  // a frame of another dictionary's id.
  return ddict_ != nullptr && ZSTD_getDictID_fromFrame(frame, size) != 0 ? ddict_.get()
                                                                         : nullptr;
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

Status StoreReader::GetIdAndField(uint32_t docid, std::string_view field, Document* out) const {
  if (docid < num_docs_) {
    const uint32_t i = FindBlock(docid);
    if (BlockAt(i).uncompressed > kWholeBlockBytes && ReadHead(i, docid, field, out)) {
      return Status::OK();
    }
  }
  Document doc;
  TRAWL_RETURN_IF_ERROR(Get(docid, &doc));
  out->id = std::move(doc.id);
  out->fields.clear();
  for (DocField& f : doc.fields) {
    if (f.name == field) {
      out->fields.push_back(std::move(f));
      break;
    }
  }
  return Status::OK();
}

bool StoreReader::ReadHead(uint32_t i, uint32_t docid, std::string_view field,
                           Document* out) const {
  const Block b = BlockAt(i);
  const char* src = file_->body().data() + b.offset;
  if (ZSTD_getFrameContentSize(src, b.compressed) != b.uncompressed) return false;
  Scratch& scratch = ThreadScratch();
  if (scratch.stream == nullptr && (scratch.stream = ZSTD_createDStream()) == nullptr) {
    return false;
  }
  ZSTD_DStream* stream = scratch.stream;
  // The thread's stream serves every store: this one's dictionary, or none, is set each time.
  if (ZSTD_isError(ZSTD_DCtx_reset(stream, ZSTD_reset_session_only)) ||
      ZSTD_isError(ZSTD_DCtx_refDDict(stream, FrameDictionary(src, b.compressed)))) {
    return false;
  }
  ZSTD_inBuffer in{src, b.compressed, 0};
  std::string& prefix = scratch.prefix;
  size_t produced = 0;
  bool found = false;
  bool damaged = false;
  for (size_t want = kFirstPrefixBytes; want <= b.uncompressed / 2 && !found && !damaged;
       want *= 2) {
    if (prefix.size() < want) prefix.resize(want);
    ZSTD_outBuffer out_buf{prefix.data(), want, produced};
    while (out_buf.pos < want && !damaged) {
      const size_t in_before = in.pos, out_before = out_buf.pos;
      const size_t r = ZSTD_decompressStream(stream, &out_buf, &in);
      // r == 0: the frame ended before half its recorded length; no progress: it is cut short.
      damaged = ZSTD_isError(r) || r == 0 || (in.pos == in_before && out_buf.pos == out_before);
    }
    produced = out_buf.pos;
    if (!damaged) {
      found = DecodeHead(std::string_view(prefix.data(), produced), b.uncompressed,
                         EndDoc(i) - b.first_doc, docid - b.first_doc, field, out);
    }
  }
  if (ZSTD_sizeof_DStream(stream) > kKeepBufferBytes) {
    ZSTD_freeDStream(stream);
    scratch.stream = nullptr;
  }
  if (prefix.capacity() > kKeepBufferBytes) std::string().swap(prefix);
  return found;
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

#include "format/store_reader.h"

#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstring>
#include <utility>

#include "common/coding.h"
#include "format/store_writer.h"

// Under AddressSanitizer a LazyDocument's frames are poisoned until loaded, so that reading bytes
// nobody loaded is reported where it happens.
#if defined(__SANITIZE_ADDRESS__)
#define TRAWL_STORE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRAWL_STORE_ASAN 1
#endif
#endif
#if defined(TRAWL_STORE_ASAN)
#include <sanitizer/asan_interface.h>
#define TRAWL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define TRAWL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define TRAWL_POISON(p, n) ((void)(p), (void)(n))
#define TRAWL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace trawl {

namespace {

// The smallest serialized document: field count, then "id" and an empty value, all length 1.
constexpr uint64_t kMinDocumentBytes = 5;
// A per-thread buffer that grew past this for one huge block is given back afterwards.
constexpr size_t kKeepBufferBytes = 1 << 20;
// GetIdAndField reads a version 1 block this long or shorter whole: zstd decodes a frame in
// blocks of up to this much output, so a prefix of a shorter frame costs the same decoding, and
// reading it whole checks its content checksum too.
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
  // The last block Get decompressed: StoreReader::instance_ of its reader (0: none) and its
  // index. Store files never change, so it stays right while that reader lives.
  StoreBlockBuffer buffer;
  uint64_t buffer_reader = 0;
  uint32_t buffer_block = 0;
  bool Keeps(uint64_t reader, uint32_t block) const {
    return buffer_reader == reader && buffer_block == block;
  }
  // Gives back a kept block past kKeepBufferBytes, and forgets which it was.
  void TrimKeptBlock() {
    if (buffer.TrimIfHuge(kKeepBufferBytes)) buffer_reader = 0;
  }
  // For prefixes of large blocks; made on first use (its window buffer is as large as the
  // largest block it decoded, so it is given back after one past kKeepBufferBytes).
  ZSTD_DStream* stream = nullptr;
  std::string prefix;
  std::vector<StoreFrame> frames;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

std::string BlockName(uint32_t block) { return "block " + std::to_string(block); }

#if !defined(NDEBUG) && !defined(TRAWL_STORE_ASAN)
// With assertions, bytes of a LazyDocument nobody loaded read as this (invalid UTF-8, shown as
// U+FFFD), so that a snippet made from them differs from the reference a test compares it with.
constexpr char kUnloadedByte = '\xFF';
#endif

std::atomic<uint64_t> frames_decompressed{0};

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

Status StoreReader::FindFrames(uint32_t i, std::vector<StoreFrame>* out) const {
  const Block b = BlockAt(i);
  const char* src = file_->body().data() + b.offset;
  out->clear();
  uint64_t offset = 0, begin = 0;
  while (offset < b.compressed) {
    const size_t remaining = b.compressed - offset;
    // Every frame header must agree with the index before a buffer is sized by either.
    const unsigned long long length = ZSTD_getFrameContentSize(src + offset, remaining);
    if (length == ZSTD_CONTENTSIZE_ERROR || length == ZSTD_CONTENTSIZE_UNKNOWN ||
        length > b.uncompressed - begin) {
      return file_->Corrupt(BlockName(i) + ": zstd frame at byte " + std::to_string(offset) +
                            " does not record a length within the indexed length " +
                            std::to_string(b.uncompressed));
    }
    const size_t size = ZSTD_findFrameCompressedSize(src + offset, remaining);
    if (ZSTD_isError(size)) {
      return file_->Corrupt(BlockName(i) + ": zstd frame at byte " + std::to_string(offset) +
                            ": " + ZSTD_getErrorName(size));
    }
    out->push_back({static_cast<uint32_t>(offset), static_cast<uint32_t>(size),
                    static_cast<uint32_t>(begin), static_cast<uint32_t>(length)});
    offset += size;
    begin += length;
  }
  if (begin != b.uncompressed) {
    return file_->Corrupt(BlockName(i) + ": zstd frames do not record the indexed length " +
                          std::to_string(b.uncompressed) + " (they hold " +
                          std::to_string(begin) + " bytes)");
  }
  if (file_->version() < 2 && out->size() != 1) {
    return file_->Corrupt(BlockName(i) + ": " + std::to_string(out->size()) +
                          " zstd frames in a version 1 store, which has one a block");
  }
  return Status::OK();
}

uint64_t StoreFramesDecompressed() { return frames_decompressed.load(std::memory_order_relaxed); }

const ZSTD_DDict_s* StoreReader::FrameDictionary(const char* frame, size_t size) const {
  // A frame records the id of the dictionary it was compressed with, 0 for none: zstd refuses
  // a frame of another dictionary's id.
  return ddict_ != nullptr && ZSTD_getDictID_fromFrame(frame, size) != 0 ? ddict_.get()
                                                                         : nullptr;
}

Status StoreReader::DecompressFrame(uint32_t i, const StoreFrame& frame, char* dst) const {
  frames_decompressed.fetch_add(1, std::memory_order_relaxed);
  Scratch& scratch = ThreadScratch();
  if (scratch.dctx == nullptr) return Status::IOError("cannot set up zstd decompression");
  const char* src = file_->body().data() + BlockAt(i).offset + frame.offset;
  const ZSTD_DDict_s* ddict = FrameDictionary(src, frame.size);
  const size_t n =
      ddict != nullptr
          ? ZSTD_decompress_usingDDict(scratch.dctx, dst, frame.length, src, frame.size, ddict)
          : ZSTD_decompressDCtx(scratch.dctx, dst, frame.length, src, frame.size);
  if (!ZSTD_isError(n) && n == frame.length) return Status::OK();
  // Named only on failure: every hit decompresses a frame, and most never fail.
  const std::string where =
      BlockName(i) + (frame.offset == 0 ? "" : ", frame at byte " + std::to_string(frame.offset));
  if (ZSTD_isError(n)) return file_->Corrupt(where + ": zstd: " + ZSTD_getErrorName(n));
  return file_->Corrupt(where + ": decompressed to " + std::to_string(n) + " bytes, not " +
                        std::to_string(frame.length));
}

Status StoreReader::DecompressBlock(uint32_t i, StoreBlockBuffer* buffer) const {
  std::vector<StoreFrame>& frames = ThreadScratch().frames;
  // The frames are checked against the block's length before room is made for it: a damaged
  // length is reported, not allocated.
  TRAWL_RETURN_IF_ERROR(FindFrames(i, &frames));
  char* out = buffer->Room(BlockAt(i).uncompressed);
  for (const StoreFrame& f : frames) TRAWL_RETURN_IF_ERROR(DecompressFrame(i, f, out + f.begin));
  return Status::OK();
}

uint64_t StoreReader::NextInstance() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

Status StoreReader::CheckDocid(uint32_t docid) const {
  if (docid >= num_docs_) {
    return Status::InvalidArgument(DisplayName(file_->path()) + ": docid " +
                                   std::to_string(docid) + " out of range (" +
                                   std::to_string(num_docs_) + " documents)");
  }
  return Status::OK();
}

Status StoreReader::Get(uint32_t docid, Document* out) const {
  TRAWL_RETURN_IF_ERROR(CheckDocid(docid));
  const uint32_t i = FindBlock(docid);
  TRAWL_RETURN_IF_ERROR(KeepBlock(i, nullptr));
  Scratch& scratch = ThreadScratch();
  Status s = DecodeFromBlock(
      i, std::string_view(scratch.buffer.data(), BlockAt(i).uncompressed), docid, out);
  scratch.TrimKeptBlock();
  return s;
}

Status StoreReader::KeepBlock(uint32_t i, bool* decompressed) const {
  Scratch& scratch = ThreadScratch();
  const bool kept = scratch.Keeps(instance_, i);
  if (decompressed != nullptr) *decompressed = !kept;
  if (kept) return Status::OK();
  // Forgotten first: a block that fails half way is no block of anyone's.
  scratch.buffer_reader = 0;
  TRAWL_RETURN_IF_ERROR(DecompressBlock(i, &scratch.buffer));
  scratch.buffer_reader = instance_;
  scratch.buffer_block = i;
  return Status::OK();
}

Status StoreReader::GetIdAndField(uint32_t docid, std::string_view field, Document* out) const {
  if (docid < num_docs_) {
    const uint32_t i = FindBlock(docid);
    if (file_->version() >= 2 ? HasSeveralFrames(i) && ReadHeadOfFrames(docid, field, out)
                              : BlockAt(i).uncompressed > kWholeBlockBytes &&
                                    ReadHead(i, docid, field, out)) {
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

bool StoreReader::HasSeveralFrames(uint32_t i) const {
  const Block b = BlockAt(i);
  const size_t first = ZSTD_findFrameCompressedSize(file_->body().data() + b.offset, b.compressed);
  // A damaged frame header is for the whole read to report.
  return !ZSTD_isError(first) && first < b.compressed;
}

// A block of several frames: the frames the id and the field lie in, and those of the fields'
// headers, which are usually the first.
bool StoreReader::ReadHeadOfFrames(uint32_t docid, std::string_view field, Document* out) const {
  LazyDocument doc;
  if (!GetLazy(docid, &doc).ok()) return false;
  const auto it = std::find_if(doc.fields().begin(), doc.fields().end(),
                               [&](const LazyDocument::Field& f) { return f.name == field; });
  if (it != doc.fields().end() && !doc.Load(it->value).ok()) return false;
  out->id.assign(doc.id());
  out->fields.clear();
  if (it != doc.fields().end())
    out->fields.emplace_back(std::string(field), std::string(it->value));
  return true;
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
  // Only version 1 stores are read this way, and they have no dictionary.
  ZSTD_DCtx_reset(stream, ZSTD_reset_session_only);
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
  StoreBlockBuffer buffer;
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
    buffer.TrimIfHuge(kKeepBufferBytes);
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

namespace {

// Reads a LazyDocument's block from its start as ByteReader reads bytes, loading the frames its
// reads reach. After a false return, status() tells a frame's damage from the layout's.
class LazyReader {
 public:
  // `all_loaded`: the whole block is readable already (a block of one frame, loaded through
  // the kept block), so no read needs to ask the document to load anything.
  LazyReader(LazyDocument* doc, std::string_view block, bool all_loaded)
      : doc_(doc), block_(block), all_loaded_(all_loaded) {}

  size_t remaining() const { return block_.size() - pos_; }
  const Status& status() const { return status_; }

  // As ByteReader::ReadVarint64, a byte at a time so that no frame past the varint is loaded.
  bool ReadVarint64(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63 && pos_ < block_.size(); shift += 7) {
      if (!Load(1)) return false;
      const uint64_t byte = static_cast<unsigned char>(block_[pos_++]);
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }
  // The bytes are loaded only with `load`.
  bool ReadLengthPrefixed(bool load, std::string_view* out) {
    uint64_t length;
    if (!ReadVarint64(&length) || length > remaining() || (load && !Load(length))) return false;
    *out = block_.substr(pos_, length);
    pos_ += length;
    return true;
  }

 private:
  bool Load(size_t n) {
    if (all_loaded_) return true;
    status_ = doc_->Load(block_.substr(pos_, n));
    return status_.ok();
  }

  LazyDocument* doc_;
  std::string_view block_;
  bool all_loaded_;
  size_t pos_ = 0;
  Status status_;
};

}  // namespace

Status StoreReader::GetLazy(uint32_t docid, LazyDocument* out) const {
  TRAWL_RETURN_IF_ERROR(CheckDocid(docid));
  LazyDocument& doc = *out;
  doc.Reset();
  doc.reader_ = this;
  doc.block_ = FindBlock(docid);
  TRAWL_RETURN_IF_ERROR(FindFrames(doc.block_, &doc.frames_));
  doc.frame_loaded_.assign(doc.frames_.size(), false);
  doc.size_ = BlockAt(doc.block_).uncompressed;
  // Not zeroed: only the pages of the frames decompressed into it are ever touched.
  doc.buffer_ = std::make_unique_for_overwrite<char[]>(doc.size_);
#if !defined(NDEBUG) && !defined(TRAWL_STORE_ASAN)
  // Under ASan the poisoning below catches a read of such bytes instead; filling a block of
  // megabytes on every read would fault in every page of it.
  std::memset(doc.buffer_.get(), kUnloadedByte, doc.size_);
#endif
  TRAWL_POISON(doc.buffer_.get(), doc.size_);
  TRAWL_RETURN_IF_ERROR(LoadFromKeptBlock(&doc));
  return WalkLazy(docid, out);
}

// The walk reads a block of one frame whole, so such a block goes through the thread's kept
// block (Get's): the snippets of a page's hits, loaded in docid order, decompress a block they
// share once. A block of several frames is copied whole when it is the kept one, and is else
// left to be loaded a frame at a time.
Status StoreReader::LoadFromKeptBlock(LazyDocument* doc) const {
  Scratch& scratch = ThreadScratch();
  if (doc->frames_.size() != 1 && !scratch.Keeps(instance_, doc->block_)) return Status::OK();
  bool decompressed;
  TRAWL_RETURN_IF_ERROR(KeepBlock(doc->block_, &decompressed));
  doc->frames_decompressed_ = decompressed ? doc->frames_.size() : 0;
  TRAWL_UNPOISON(doc->buffer_.get(), doc->size_);
  std::memcpy(doc->buffer_.get(), scratch.buffer.data(), doc->size_);
  doc->frame_loaded_.assign(doc->frames_.size(), true);
  doc->loaded_prefix_ = doc->size_;
  scratch.TrimKeptBlock();
  return Status::OK();
}

// Walks every document of the block as DecodeFromBlock does, reading names and lengths but
// loading no value other than the id.
Status StoreReader::WalkLazy(uint32_t docid, LazyDocument* doc) const {
  const uint32_t first = BlockAt(doc->block_).first_doc;
  const uint32_t end = EndDoc(doc->block_);
  LazyReader in(doc, std::string_view(doc->buffer_.get(), doc->size_),
                doc->loaded_prefix_ == doc->size_);
  for (uint32_t d = first; d < end; ++d) {
    const bool wanted = d == docid;
    uint64_t nfields;
    bool ok = in.ReadVarint64(&nfields) && nfields != 0 && nfields <= in.remaining() / 2;
    for (uint64_t f = 0; ok && f < nfields; ++f) {
      std::string_view name, value;
      ok = in.ReadLengthPrefixed(wanted, &name) && (!wanted || f > 0 || name == kIdField) &&
           in.ReadLengthPrefixed(wanted && f == 0, &value);
      if (!ok || !wanted) continue;
      if (f == 0) {
        doc->id_ = value;
      } else {
        doc->fields_.push_back({name, value});
      }
    }
    if (!ok) {
      if (!in.status().ok()) return in.status();
      return file_->Corrupt(BlockName(doc->block_) + ": document " + std::to_string(d) +
                            " is damaged or missing");
    }
  }
  if (in.remaining() != 0) {
    return file_->Corrupt(BlockName(doc->block_) + ": " + std::to_string(in.remaining()) +
                          " bytes after its last document");
  }
  return Status::OK();
}

LazyDocument::LazyDocument() = default;

LazyDocument::~LazyDocument() { Reset(); }

void LazyDocument::Reset() {
  // Given back to the allocator readable, as it was handed out.
  if (buffer_ != nullptr) TRAWL_UNPOISON(buffer_.get(), size_);
  buffer_.reset();
  size_ = 0;
  frames_.clear();
  frame_loaded_.clear();
  frames_decompressed_ = 0;
  loaded_prefix_ = 0;
  id_ = {};
  fields_.clear();
}

Status LazyDocument::Load(std::string_view bytes) {
  if (bytes.empty()) return Status::OK();
  const size_t begin = static_cast<size_t>(bytes.data() - buffer_.get());
  assert(bytes.data() >= buffer_.get() && begin + bytes.size() <= size_);
  return LoadRange(begin, begin + bytes.size());
}

Status LazyDocument::LoadRange(size_t begin, size_t end) {
  if (end <= loaded_prefix_) return Status::OK();
  // The first frame ending after `begin`.
  auto frame =
      std::upper_bound(frames_.begin(), frames_.end(), begin,
                       [](size_t b, const StoreFrame& f) { return b < f.begin + f.length; });
  for (; frame != frames_.end() && frame->begin < end; ++frame) {
    const size_t k = static_cast<size_t>(frame - frames_.begin());
    if (frame_loaded_[k]) continue;
    char* dst = buffer_.get() + frame->begin;
    TRAWL_UNPOISON(dst, frame->length);
    const Status s = reader_->DecompressFrame(block_, *frame, dst);
    if (!s.ok()) {
      TRAWL_POISON(dst, frame->length);
      return s;
    }
    frame_loaded_[k] = true;
    ++frames_decompressed_;
  }
  size_t k = 0;
  while (k < frames_.size() && frame_loaded_[k]) ++k;
  loaded_prefix_ = k == 0 ? 0 : frames_[k - 1].begin + frames_[k - 1].length;
  return Status::OK();
}

bool LazyDocument::Loaded(std::string_view bytes) const {
  if (bytes.empty()) return true;
  const size_t begin = static_cast<size_t>(bytes.data() - buffer_.get());
  const size_t end = begin + bytes.size();
  if (bytes.data() < buffer_.get() || end > size_) return false;
  auto frame =
      std::upper_bound(frames_.begin(), frames_.end(), begin,
                       [](size_t b, const StoreFrame& f) { return b < f.begin + f.length; });
  for (; frame != frames_.end() && frame->begin < end; ++frame)
    if (!frame_loaded_[static_cast<size_t>(frame - frames_.begin())]) return false;
  return true;
}

}  // namespace trawl

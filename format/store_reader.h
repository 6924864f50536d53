// Reads a segment's stored documents (format: format/store_writer.h, docs/format.md).
#ifndef TRAWL_FORMAT_STORE_READER_H_
#define TRAWL_FORMAT_STORE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/file_format.h"
#include "trawl/document.h"
#include "trawl/status.h"

struct ZSTD_DDict_s;

namespace trawl {

class StoreReader;

// Room for a decompressed store block, not zeroed: StoreReader::FindFrames checks that a block's
// frames cover it and DecompressFrame that each fills its part, so every byte read was written.
class StoreBlockBuffer {
 public:
  // At least n bytes; what was in them is lost when they grow.
  char* Room(size_t n) {
    if (n > capacity_) {
      data_ = std::make_unique_for_overwrite<char[]>(n);
      capacity_ = n;
    }
    return data_.get();
  }
  const char* data() const { return data_.get(); }
  // Gives back what one huge block made it take; whether it did.
  bool TrimIfHuge(size_t keep) {
    if (capacity_ <= keep) return false;
    data_.reset();
    capacity_ = 0;
    return true;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// One zstd frame of a store block: where its compressed bytes lie in the block and which of the
// block's uncompressed bytes it holds.
struct StoreFrame {
  uint32_t offset;  // of the compressed bytes, from the block's start
  uint32_t size;    // compressed
  uint32_t begin;   // of the content, from the block's uncompressed start
  uint32_t length;  // of the content
};

// A stored document whose block is decompressed a frame at a time, as its bytes are asked for
// (StoreReader::GetLazy): a snippet of a large document needs its id, title and token marks and
// the text around its matches, a few of the block's frames. Every view it hands out points into
// one buffer as large as the block and stays valid while it lives; a value's bytes are readable
// only once Load has made them so. Not thread-safe; the StoreReader must outlive it.
class LazyDocument {
 public:
  struct Field {
    std::string_view name;   // readable
    std::string_view value;  // readable after Load(value or a part of it)
  };

  LazyDocument();
  ~LazyDocument();
  LazyDocument(const LazyDocument&) = delete;
  LazyDocument& operator=(const LazyDocument&) = delete;

  // Readable: the walk that found the fields loaded it.
  std::string_view id() const { return id_; }
  // The fields after the id, in order, as Get would return them.
  const std::vector<Field>& fields() const { return fields_; }

  // Makes `bytes`, a part of the views above, readable by decompressing the frames that hold
  // them. Corruption naming the file for a damaged frame.
  Status Load(std::string_view bytes);
  // Whether all of `bytes` is readable (for assertions: reading anything else is a bug).
  bool Loaded(std::string_view bytes) const;

  size_t num_frames() const { return frames_.size(); }
  size_t frames_decompressed() const { return frames_decompressed_; }

 private:
  friend class StoreReader;
  void Reset();
  Status LoadRange(size_t begin, size_t end);

  const StoreReader* reader_ = nullptr;
  uint32_t block_ = 0;
  std::vector<StoreFrame> frames_;
  std::vector<bool> frame_loaded_;
  size_t frames_decompressed_ = 0;
  // Bytes [0, loaded_prefix_) are readable: the walk over the fields reads from the start.
  size_t loaded_prefix_ = 0;
  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
  std::string_view id_;
  std::vector<Field> fields_;
};

// Frames decompressed by every StoreReader of the process so far, for tests and benchmarks to
// see how much of a store a read decoded.
uint64_t StoreFramesDecompressed();

class StoreReader {
 public:
  // Maps the file and checks its block index: blocks back to back, inside the body, first docids
  // increasing from 0, counts consistent. verify_checksum: also the whole file's CRC.
  // `fs` null means FileSystem::Default().
  static Status Open(const std::string& path, bool verify_checksum,
                     std::unique_ptr<StoreReader>* out, FileSystem* fs = nullptr);
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  uint32_t num_docs() const { return num_docs_; }
  // Bytes of the zstd dictionary the blocks are compressed with (0: none; always 0 in version 1).
  uint32_t dictionary_bytes() const { return dictionary_bytes_; }
  // See MappedFile::ReleaseResidentPages.
  void ReleaseResidentPages() const { file_->ReleaseResidentPages(); }

  // Decompresses the block holding `docid` and decodes the document. InvalidArgument for a docid
  // out of range, Corruption naming the file for damaged data. Thread-safe. Each thread keeps
  // the last block it decompressed here, so that reading documents in docid order (a page of
  // hits sorted for loading) decompresses each block once.
  Status Get(uint32_t docid, Document* out) const;
  // The document's id and its first field named `field` (out->fields holds that field, or
  // nothing if the document has none): what Get returns, less the other fields, as a hit that
  // shows its id and title needs. Errors as Get's. Thread-safe.
  //
  // A block of several frames (version 2: one holding a large value) is decompressed only in
  // part, as GetLazy decompresses it: the frames of the fields' headers, of the id and of the
  // field, each checked whole; the large values between them are not decompressed unless one
  // is the field. A version 1 block longer than one zstd block (128 KiB; a large document makes
  // one) is decompressed up to the value of its last field, the large document's last (the
  // body, as documents are made): with zstd's streaming decoder, 16 KiB first, twice as much
  // while more is needed, at most half the block. That value is not needed
  // unless it is the field asked for; it is only checked to end where the block ends. Everything
  // else Get checks is checked the same way (the frame's recorded length, zstd's checks of the
  // blocks it decodes, every document of the block and their count), but not the frame's content
  // checksum, which covers the whole block: damage zstd's decoder does not notice (in literals
  // stored raw, say) is then not reported here, though Get would report it. Whenever the prefix
  // (or the frames) cannot answer (what is needed lies past half the block; the frame or a
  // document is damaged) the whole block is read as Get reads it, and errors are Get's.
  Status GetIdAndField(uint32_t docid, std::string_view field, Document* out) const;
  // The document as a LazyDocument, with its id and field names read: decompresses only the
  // frames those lie in (with a block of one frame, the whole block). Every document of the
  // block is walked as Get walks it, but the frames of values nobody loads are not decompressed,
  // so their damage is found only when they are. A block of one frame is decompressed as Get
  // decompresses it, into the thread's kept block, and the thread's kept block is copied rather
  // than decompressed again. Errors as Get's. Thread-safe.
  Status GetLazy(uint32_t docid, LazyDocument* out) const;
  // Calls fn(docid, doc) for every document in docid order, decompressing each block once (a
  // merge reads every document; Get would decompress a block once per document in it). Stops
  // at the first error, fn's or the file's. fn may move from *doc.
  Status ForEach(const std::function<Status(uint32_t, Document*)>& fn) const;

 private:
  struct Block {
    uint32_t first_doc;
    uint64_t offset;
    uint32_t compressed;
    uint32_t uncompressed;
  };

  struct DDictDeleter {
    void operator()(ZSTD_DDict_s* ddict) const;
  };
  friend class LazyDocument;

  StoreReader() = default;
  Status CheckIndex() const;
  // The frames of the block, checked: each inside the block and recording its content size,
  // back to back, their contents adding up to the indexed length; one frame in version 1.
  Status FindFrames(uint32_t block, std::vector<StoreFrame>* out) const;
  Status DecompressFrame(uint32_t block, const StoreFrame& frame, char* dst) const;
  Status WalkLazy(uint32_t docid, LazyDocument* doc) const;
  // Loads the whole of doc's block from the thread's kept block, after decompressing it there
  // if it is one frame; else loads nothing.
  Status LoadFromKeptBlock(LazyDocument* doc) const;
  Status CheckDocid(uint32_t docid) const;
  // Whether block i is more than one zstd frame (false if its first frame header is damaged).
  bool HasSeveralFrames(uint32_t i) const;
  // GetIdAndField of a version 2 store, from the frames that hold what it returns; false if
  // they cannot answer (damage: Get then reports it).
  bool ReadHeadOfFrames(uint32_t docid, std::string_view field, Document* out) const;
  // Makes block i of this reader the thread's kept block (Get's), decompressing it unless it
  // already is; *decompressed (if not null) says whether it was.
  Status KeepBlock(uint32_t i, bool* decompressed) const;
  // The whole block, into *buffer (made as large as it after its frames were checked).
  Status DecompressBlock(uint32_t block, StoreBlockBuffer* buffer) const;
  // The dictionary a block's frame was compressed with: the store's, or none (null).
  const ZSTD_DDict_s* FrameDictionary(const char* frame, size_t size) const;
  // The entries stay in the mapped file (20 bytes per ~16 KiB block); decoded on demand.
  Block BlockAt(uint32_t i) const;
  uint32_t FindBlock(uint32_t docid) const;
  uint32_t EndDoc(uint32_t block) const;
  // GetIdAndField from a prefix of the block; false if the prefix cannot answer.
  bool ReadHead(uint32_t block, uint32_t docid, std::string_view field, Document* out) const;
  Status DecodeFromBlock(uint32_t block, std::string_view data, uint32_t docid,
                         Document* out) const;

  std::unique_ptr<MappedFile> file_;
  // Tells this reader's blocks from those of one opened later at the same address, in the
  // block a thread keeps (Get).
  const uint64_t instance_ = NextInstance();
  static uint64_t NextInstance();
  // The dictionary the blocks were compressed with, parsed once (null: none).
  std::unique_ptr<ZSTD_DDict_s, DDictDeleter> ddict_;
  uint32_t dictionary_bytes_ = 0;
  std::string_view index_;
  uint64_t index_offset_ = 0;
  uint32_t num_blocks_ = 0;
  uint32_t num_docs_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_STORE_READER_H_

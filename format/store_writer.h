// The stored-document file of a segment: every document's id and fields, for showing results.
//
// File kind "STOR", version 2 (1 is read too), inside the common envelope
// (format/file_format.h). Body:
//
//   dictionary: D bytes (D may be 0)         a zstd dictionary small blocks are compressed with
//   block 0 | block 1 | ... | block B-1      zstd frames, back to back from body offset D
//   block index: B entries of 20 bytes       first docid u32 | offset from body start u64 |
//                                            compressed length u32 | uncompressed length u32
//   dictionary length D u32 | block count B u32 | doc count N u32 | offset of the block index u64
//
// Documents are numbered 0..N-1 in the order they were added. Block i holds docids
// first[i] .. first[i+1]-1 (the last block: up to N-1), serialized back to back, each as
//
//   varint field count, then per field: varint name length, name, varint value length, value
//
// with the document's id first, as a field named "id" (kIdField), then its fields in order. A
// block is closed once its uncompressed size reaches the block size (4 KiB by default), so
// documents never span blocks and a document larger than the block size makes one large block.
// A block is one zstd frame, or consecutive independent frames, so that a part of a large
// document can be read without decompressing all of it: a block longer than two block sizes
// (it holds a large value) gives every value of kStoreLargeValueBytes or more frames of its own,
// and the bytes between such values theirs, so that the documents' heads (ids, titles, token
// marks, the fields' names and lengths) lie in small frames apart from the large values; no
// frame holds more than kStoreFrameBytes. (Until this writer, version 2 cut a block longer than
// kStoreFrameBytes every kStoreFrameBytes from its start; readers take any cut.) Every zstd
// frame records its content size and a content checksum, so a damaged block is caught when it
// is read even without verifying the file checksum; a frame compressed with the dictionary
// records its id. Integers are little-endian; varints are LEB128.
//
// The dictionary is trained on the segment's first documents (the dictionary sample, 1 MiB of
// small blocks by default) and kept only if it pays for itself: on those documents if they are
// the whole store, else within four times as much at the rate it saves on them. A 4 KiB block
// of short documents shares little with itself but much with its neighbours (field names, id
// prefixes, the corpus's vocabulary). Frames of more than two block sizes (a large value) are
// compressed without it.
//
// Version 1 wrote every block as one frame, had no dictionary and a 16-byte trailer (no
// dictionary length, blocks from offset 0); readers accept both.
#ifndef TRAWL_FORMAT_STORE_WRITER_H_
#define TRAWL_FORMAT_STORE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format/file_format.h"
#include "format/segment_format.h"
#include "trawl/document.h"
#include "trawl/status.h"

struct ZSTD_CCtx_s;
struct ZSTD_CDict_s;

namespace trawl {

inline constexpr std::string_view kStoreKind = kStoreFile.kind;
inline constexpr uint32_t kStoreFormatVersion = 2;
// The first version whose trailer holds a dictionary length.
inline constexpr uint32_t kStoreDictionaryVersion = 2;
// What every segment's store is written with. A hit's id, title and snippet read its
// document's whole small block, and zstd decodes in time about linear in the bytes. Blocks of
// small documents (frames of at most two block sizes, those compressed with the dictionary) are
// compressed at level 6, which makes 4 KiB blocks smaller than 8 KiB blocks at level 3
// (kjv-verses' store -2%, gcide's -5%), and one decodes in about two thirds of the time of an
// 8 KiB block at level 3. Longer frames (large values, read a frame at a time) compress at level
// 3: at 6 they would make the mixed peers corpus's index 2.5% smaller and its indexing about a
// tenth slower again (docs/benchmarks.md, "Smaller store blocks at level 6").
inline constexpr int kStoreZstdLevel = 6;
inline constexpr int kStoreLargeValueZstdLevel = 3;
inline constexpr size_t kStoreBlockBytes = 4096;
// The most content of one frame of a larger block (version 2): a snippet of a large document
// decompresses the few frames around its matches. Each frame starts without the history of the
// one before: the peers' usrdoc stores (1-9 MB documents) grow by 10%.
inline constexpr size_t kStoreFrameBytes = 64 << 10;
// In a block longer than two block sizes, a value this long or longer is framed apart from the
// bytes around it: a read of a hit's id and title then decompresses a few KiB, not the value.
// Each cut costs a frame's header and checksum (about 12 bytes) and the history the value's
// compression would have had of the bytes before it.
inline constexpr size_t kStoreLargeValueBytes = 4 << 10;
inline constexpr size_t kStoreBlockIndexEntrySize = 20;
// How much of a segment's first serialized documents a dictionary is trained on (0: none), and
// the most it may hold: enough for the vocabulary and layout of a corpus's documents, small
// beside the stores worth one.
inline constexpr size_t kStoreDictionarySampleBytes = 1 << 20;
inline constexpr size_t kStoreMaxDictionaryBytes = 32 << 10;
inline constexpr size_t kStoreTrailerSizeV1 = 16;
inline constexpr size_t kStoreTrailerSize = 20;

// How a segment's store is compressed: what IndexWriterOptions::store_block_bytes,
// store_zstd_level and store_large_value_zstd_level set. Readers need none of them: every frame
// says how to decode it.
struct StoreCompression {
  int zstd_level = kStoreZstdLevel;  // frames of at most two block sizes
  size_t block_bytes = kStoreBlockBytes;
  int large_value_zstd_level = kStoreLargeValueZstdLevel;  // longer frames
};

class StoreWriter {
 public:
  // Creates `path` (it must not exist). InvalidArgument for a zstd level outside zstd's range,
  // a zero block size or a format version other than 1 and 2 (1, every block one frame and no
  // dictionary, is written for tests of what older stores hold). dictionary_sample_bytes 0: no
  // dictionary is tried.
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                       const StoreCompression& compression, size_t dictionary_sample_bytes,
                       FileSystem* fs, uint32_t format_version = kStoreFormatVersion);
  // Every frame at `zstd_level`.
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out, int zstd_level,
                       size_t block_bytes = kStoreBlockBytes,
                       size_t dictionary_sample_bytes = kStoreDictionarySampleBytes,
                       FileSystem* fs = nullptr, uint32_t format_version = kStoreFormatVersion) {
    return Create(path, out, StoreCompression{zstd_level, block_bytes, zstd_level},
                  dictionary_sample_bytes, fs, format_version);
  }
  // With the segment defaults above.
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                       FileSystem* fs = nullptr) {
    return Create(path, out, StoreCompression{}, fs);
  }
  // With `compression`, and the dictionary sample and format of a segment.
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                       const StoreCompression& compression, FileSystem* fs) {
    return Create(path, out, compression, kStoreDictionarySampleBytes, fs);
  }
  ~StoreWriter();  // an unfinished file is removed
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Appends `doc` as docid num_docs(), with `engine_field` (if not null: the engine's own data
  // about the document, such as its token marks) as its first field after the id.
  Status Add(const Document& doc);
  Status Add(const Document& doc, const DocField* engine_field);
  // What Add would refuse `doc` for (InvalidArgument), without adding it: lets a caller check
  // before it changes anything else for the document.
  Status CheckAdd(const Document& doc) const;
  // Writes the last block, the index and the trailer, and fsyncs. Nothing may be added after.
  Status Finish();

  uint32_t num_docs() const { return num_docs_; }
  // Heap bytes of the parts of the writer that grow with the documents: the block index (20
  // bytes per block) and, until the dictionary is chosen, the blocks held back to train it on
  // (about the dictionary sample). The rest is a fixed cost: the zstd context, the open block
  // and the file's write buffer (about 1.5 MiB at level 3).
  size_t index_memory_bytes() const {
    return index_.capacity() + held_.capacity() + held_blocks_.capacity() * sizeof(HeldBlock) +
           held_doc_ends_.capacity() * sizeof(size_t);
  }
  // Bytes of the dictionary written (0 before it is chosen, or without one).
  size_t dictionary_bytes() const { return dictionary_bytes_; }
  const std::string& path() const { return file_->path(); }

 private:
  Status CheckAdd(const Document& doc, size_t serialized_size) const;

  struct CCtxDeleter {
    void operator()(ZSTD_CCtx_s* cctx) const;
  };
  struct CDictDeleter {
    void operator()(ZSTD_CDict_s* cdict) const;
  };
  // A closed block held back until the dictionary is chosen: held_[begin, end) from doc first.
  struct HeldBlock {
    uint32_t first_doc;
    size_t begin;
    size_t end;
  };

  StoreWriter(std::unique_ptr<FileWriter> file, std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx,
              const StoreCompression& compression, size_t dictionary_sample_bytes,
              uint32_t format_version);
  Status FlushBlock();
  // Trains a dictionary on the held blocks, keeps it if it pays for itself (on them when
  // `finishing`, as they are the whole store), writes it and then the held blocks. Every later
  // block is compressed at once.
  Status ChooseDictionary(bool finishing);
  // Whether a block or frame of `size` bytes is compressed with the dictionary (if any).
  bool UsesDictionary(size_t size) const;
  // Where the frames of `block` end (file comment above): one frame for a version 1 store.
  void FrameEnds(std::string_view block, std::vector<size_t>* ends) const;
  // Compresses a block into *out as the frames FrameEnds cuts, those UsesDictionary accepts
  // at zstd_level_ with `cdict` (null: none with a dictionary), the others at
  // large_value_zstd_level_.
  Status Compress(std::string_view block, const ZSTD_CDict_s* cdict, std::string* out);
  Status WriteBlock(uint32_t first_doc, std::string_view compressed, size_t uncompressed);

  std::unique_ptr<FileWriter> file_;
  std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx_;
  std::unique_ptr<ZSTD_CDict_s, CDictDeleter> cdict_;  // null without a dictionary
  int zstd_level_;                                     // frames UsesDictionary accepts
  int large_value_zstd_level_;                         // the others
  size_t block_bytes_;
  uint32_t format_version_;
  size_t frame_bytes_;  // the most content of a frame
  size_t dictionary_sample_bytes_;
  bool dictionary_chosen_ = false;
  size_t dictionary_bytes_ = 0;
  std::string held_;  // serialized documents of the held blocks
  size_t held_small_bytes_ = 0;  // of those the dictionary would compress (UsesDictionary)
  std::vector<HeldBlock> held_blocks_;
  std::vector<size_t> held_doc_ends_;  // where each held document ends in held_
  std::string block_;       // serialized documents of the open block
  std::string compressed_;  // scratch for compressing it
  std::vector<size_t> frame_ends_;  // scratch for Compress
  std::string index_;       // block index entries so far
  uint32_t block_first_doc_ = 0;
  uint32_t num_blocks_ = 0;
  uint32_t num_docs_ = 0;
  bool finished_ = false;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_STORE_WRITER_H_

// The stored-document file of a segment: every document's id and fields, for showing results.
//
// File kind "STOR", version 2, inside the common envelope (format/file_format.h). Body:
//
//   block 0 | block 1 | ... | block B-1      zstd frames, back to back from body offset 0
//   block index: B entries of 20 bytes       first docid u32 | offset from body start u64 |
//                                            compressed length u32 | uncompressed length u32
//   block count B u32 | doc count N u32 | offset of the block index u64
//
// Documents are numbered 0..N-1 in the order they were added. Block i holds docids
// first[i] .. first[i+1]-1 (the last block: up to N-1), serialized back to back, each as
//
//   varint field count, then per field: varint name length, name, varint value length, value
//
// with the document's id first, as a field named "id" (kIdField), then its fields in order. A block is closed
// once its uncompressed size reaches the block size (16 KiB by default), so documents never span
// blocks and a document larger than the block size makes one large block. A block is one zstd
// frame, or, when it is longer than kStoreFrameBytes (version 2 on), consecutive independent
// frames of kStoreFrameBytes each but the last, so that a part of a large document can be read
// without decompressing all of it. Every zstd frame records its content size and a content
// checksum, so a damaged block is caught when it is read even without verifying the file checksum.
// Version 1 wrote every block as one frame; readers accept both. Integers are little-endian;
// varints are LEB128.
#ifndef TRAWL_FORMAT_STORE_WRITER_H_
#define TRAWL_FORMAT_STORE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "format/file_format.h"
#include "format/segment_format.h"
#include "trawl/document.h"
#include "trawl/status.h"

struct ZSTD_CCtx_s;

namespace trawl {

inline constexpr std::string_view kStoreKind = kStoreFile.kind;
inline constexpr uint32_t kStoreFormatVersion = 2;
// What every segment's store is written with: level 3 compresses text about 4:1 at several
// hundred MB/s, and 16 KiB blocks keep a hit's fetch to one small frame.
inline constexpr int kStoreZstdLevel = 3;
inline constexpr size_t kStoreBlockBytes = 16384;
// The most content of one frame of a larger block (version 2): a snippet of a large document
// decompresses the few frames around its matches. Each frame starts without the history of the
// one before: the peers' usrdoc stores (1-9 MB documents) grow by 10%.
inline constexpr size_t kStoreFrameBytes = 64 << 10;
inline constexpr size_t kStoreBlockIndexEntrySize = 20;
inline constexpr size_t kStoreTrailerSize = 16;

class StoreWriter {
 public:
  // Creates `path` (it must not exist). InvalidArgument for a zstd level outside zstd's range,
  // a zero block size or a format version other than 1 and 2 (1, every block one frame, is
  // written for tests of what older stores hold).
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                       int zstd_level = kStoreZstdLevel, size_t block_bytes = kStoreBlockBytes,
                       FileSystem* fs = nullptr, uint32_t format_version = kStoreFormatVersion);
  // With the segment defaults above.
  static Status Create(const std::string& path, std::unique_ptr<StoreWriter>* out,
                       FileSystem* fs) {
    return Create(path, out, kStoreZstdLevel, kStoreBlockBytes, fs);
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
  // Heap bytes of the block index, the one part of the writer that grows with the documents
  // (20 bytes per block). The rest is a fixed cost: the zstd context, the open block and the
  // file's write buffer (about 1.5 MiB at level 3).
  size_t index_memory_bytes() const { return index_.capacity(); }
  const std::string& path() const { return file_->path(); }

 private:
  Status CheckAdd(const Document& doc, size_t serialized_size) const;

  struct CCtxDeleter {
    void operator()(ZSTD_CCtx_s* cctx) const;
  };

  StoreWriter(std::unique_ptr<FileWriter> file, std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx,
              size_t block_bytes, size_t frame_bytes);
  Status FlushBlock();
  Status CompressFrame(std::string_view content);

  std::unique_ptr<FileWriter> file_;
  std::unique_ptr<ZSTD_CCtx_s, CCtxDeleter> cctx_;
  size_t block_bytes_;
  size_t frame_bytes_;  // the most content of a frame
  std::string block_;       // serialized documents of the open block
  std::string compressed_;  // scratch for compressing it
  std::string index_;       // block index entries so far
  uint32_t block_first_doc_ = 0;
  uint32_t num_blocks_ = 0;
  uint32_t num_docs_ = 0;
  bool finished_ = false;
};

}  // namespace trawl

#endif  // TRAWL_FORMAT_STORE_WRITER_H_

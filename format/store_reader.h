// Reads a segment's stored documents (format: format/store_writer.h, docs/format.md).
#ifndef TRAWL_FORMAT_STORE_READER_H_
#define TRAWL_FORMAT_STORE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "format/file_format.h"
#include "trawl/document.h"
#include "trawl/status.h"

struct ZSTD_DDict_s;

namespace trawl {

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
  // out of range, Corruption naming the file for damaged data. Thread-safe.
  Status Get(uint32_t docid, Document* out) const;
  // The document's id and its first field named `field` (out->fields holds that field, or
  // nothing if the document has none): what Get returns, less the other fields, as a hit that
  // shows its id and title needs. Errors as Get's. Thread-safe.
  //
  // A block longer than one zstd block (128 KiB; a large document makes one) is decompressed only
  // up to the value of its last field, the large document's last (the body, as documents are
  // made): with zstd's streaming decoder, 16 KiB first, twice as much while more is needed, at
  // most half the block. That value is not needed unless it is the field asked for; it is only
  // checked to end where the block ends. Everything else Get checks is checked the same way (the
  // frame's recorded length, zstd's checks of the blocks it decodes, every document of the block
  // and their count), but not the frame's content checksum, which covers the whole block: damage
  // zstd's decoder does not notice (in literals stored raw, say) is then not reported here,
  // though Get would report it. Whenever the prefix cannot answer (what is needed lies past half
  // the block; the frame or a document is damaged) the whole block is read as Get reads it, and
  // errors are Get's.
  Status GetIdAndField(uint32_t docid, std::string_view field, Document* out) const;
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

  StoreReader() = default;
  Status CheckIndex() const;
  Status DecompressBlock(uint32_t block, std::string* buffer) const;
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

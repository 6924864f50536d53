// The envelope every trawl file shares: a 16-byte header and a 16-byte footer around the body.
//
//   header: magic "TRWL" | kind (4 ASCII bytes, e.g. "DICT") | format version u32 | reserved u32 (0)
//   body:   whatever the file kind defines (docs/format.md)
//   footer: body length u64 | CRC-32 (zlib polynomial) of header+body u32 | end magic "LWRT"
//
// FileWriter streams a file out with the footer computed on the way; MappedFile memory-maps one
// and checks the envelope. A reader never trusts the body: it reads it with ByteReader.
#ifndef TRAWL_FORMAT_FILE_FORMAT_H_
#define TRAWL_FORMAT_FILE_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "trawl/file_system.h"
#include "trawl/status.h"

namespace trawl {

inline constexpr size_t kFileHeaderSize = 16;
inline constexpr size_t kFileFooterSize = 16;

// Writes a new file (it must not exist) under a buffer; nothing is durable until Finish().
class FileWriter {
 public:
  // `kind` is exactly 4 characters.
  // `fs` null means FileSystem::Default(); it must outlive the writer.
  static Status Create(const std::string& path, std::string_view kind, uint32_t version,
                       std::unique_ptr<FileWriter>* out, FileSystem* fs = nullptr);
  ~FileWriter();  // an unfinished file is closed and removed
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  Status Append(std::string_view data);
  // Takes the whole write buffer now rather than as the file grows: for a file written a little
  // at a time while its writer's memory is budgeted (the store, streamed during indexing), whose
  // buffer is then a fixed cost of the writer rather than growth.
  void ReserveBuffer();
  // Bytes of body written so far: the offset the next Append lands at, relative to the body.
  uint64_t body_offset() const { return body_bytes_; }
  // Writes the footer, flushes, fsyncs and closes.
  Status Finish();
  const std::string& path() const { return path_; }

 private:
  FileWriter(std::string path, std::unique_ptr<WritableFile> file, FileSystem* fs);
  Status FlushBuffer();
  std::string path_;
  std::unique_ptr<WritableFile> file_;  // null once closed
  FileSystem* fs_;
  std::string buffer_;
  uint64_t body_bytes_ = 0;
  uint32_t crc_ = 0;
  bool finished_ = false;
};

// A read-only memory map of one trawl file. Move-only owner: views into body() must not outlive it.
class MappedFile {
 public:
  // Maps `path` and checks size, header magic, kind and version (≤ max_version), footer magic and
  // length. The body checksum is checked only by VerifyChecksum(). Errors name the file; NotFound
  // if it does not exist. `fs` null means FileSystem::Default(); the map does not need it after.
  static Status Open(const std::string& path, std::string_view kind, uint32_t max_version,
                     std::unique_ptr<MappedFile>* out, FileSystem* fs = nullptr);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  Status VerifyChecksum() const;
  // Unmaps the pages this process has touched; later reads fault them in again from the page
  // cache. For sequential readers (a merge) that would otherwise count the whole file in their
  // resident set although they will not look back.
  void ReleaseResidentPages() const;
  std::string_view body() const { return body_; }
  uint32_t version() const { return version_; }
  const std::string& path() const { return path_; }
  uint64_t file_size() const { return size_; }
  // Corruption status naming this file: "seg_1.dict: <what>".
  Status Corrupt(std::string_view what) const;

 private:
  MappedFile() = default;
  std::string path_;
  std::unique_ptr<MappedRegion> region_;
  const char* data_ = nullptr;  // region_'s bytes
  uint64_t size_ = 0;
  std::string_view body_;
  uint32_t version_ = 0;
};

// CRC-32 (zlib's polynomial, as in every file's footer) of `bytes`: for checksums of parts of a
// file that are checked more often than the whole (the dictionary's block index).
uint32_t ChecksumOf(std::string_view bytes);

// Reads a whole (small) file into *out. `fs` null means FileSystem::Default().
Status ReadFileToString(const std::string& path, std::string* out, FileSystem* fs = nullptr);
// A short name for error messages: the last two path components.
std::string DisplayName(const std::string& path);

}  // namespace trawl

#endif  // TRAWL_FORMAT_FILE_FORMAT_H_

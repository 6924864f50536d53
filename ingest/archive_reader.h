// Archives and compressed streams through libarchive: tar (plain, gzip, bzip2, xz, zstd), zip,
// and single gzip/bzip2/xz/zstd-compressed files. This layer knows nothing of documents: it
// hands out member paths and byte streams, and enforces the decompression limits that keep a
// compression bomb from exhausting the machine. input_reader decides what the bytes become.
//
// Only libarchive's built-in decompressors are enabled: its other filters would run external
// programs (lrzip, lzop, ...) on untrusted input.
#ifndef TRAWL_INGEST_ARCHIVE_READER_H_
#define TRAWL_INGEST_ARCHIVE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "ingest/byte_source.h"

struct archive;
struct archive_entry;

namespace trawl {

struct ArchiveLimits {
  // Decompressed bytes one input file may produce, all nesting levels together.
  uint64_t max_output_bytes = uint64_t{16} << 30;
  // Output bytes per input byte, checked once `ratio_grace_bytes` have come out (small files
  // of zeros legitimately compress far better than this). 0: no limit.
  uint64_t max_ratio = 200;
  uint64_t ratio_grace_bytes = uint64_t{16} << 20;
  // Members (of any type) one input file may hold, all nesting levels together.
  uint64_t max_members = 10'000'000;
};

// What one input file on disk may decompress to, shared by every archive and compressed stream
// nested in it. Once a limit is crossed every reader of that file stops.
class DecompressionBudget {
 public:
  // `input` is the file as read from disk (its bytes_read() is the ratio's denominator); it
  // must outlive the budget.
  DecompressionBudget(const ArchiveLimits& limits, const FdSource* input)
      : limits_(limits), input_(input) {}

  // Names what is being decompressed now ("x.tar.gz!dir/file"), for the message.
  void set_where(std::string where) { where_ = std::move(where); }
  // False once a limit is crossed; message() then says which.
  bool ChargeBytes(uint64_t bytes);
  bool ChargeMember();

  bool exceeded() const { return !message_.empty(); }
  const std::string& message() const { return message_; }
  uint64_t output_bytes() const { return output_bytes_; }
  // True the first time only: several nested readers see the same stop, one reports it.
  bool TakeReport() { return !std::exchange(reported_, true); }

 private:
  bool Stop(std::string why);

  const ArchiveLimits limits_;
  const FdSource* const input_;
  std::string where_;
  uint64_t output_bytes_ = 0;
  uint64_t members_ = 0;
  std::string message_;
  bool reported_ = false;
};

// Reads one stream with libarchive: the members of an archive, or the single decompressed
// stream of a compressed file.
class ArchiveReader {
 public:
  enum class Mode {
    kArchive,     // tar or zip, compressed or not
    kCompressed,  // one compressed stream (x.gz, x.zst, ...): kind() is kNeither if it is not
    kSniff,       // whatever it turns out to be: a tar (not a zip), a compressed stream, or neither
  };
  enum class Kind { kArchive, kCompressed, kNeither, kBroken };
  enum class Step {
    kMember,     // a regular file: its path, and data() to read it
    kBadMember,  // one member cannot be read (error()); the archive goes on
    kEnd,        // the end, or a stop already reported by whoever read the failing data
    kFailed,     // damage or a limit: error() says where and why; nothing more can be read
  };

  // `where` names the stream in messages and member names ("x.tar.gz", "a.zip!inner.tar").
  // `in` and `budget` must outlive the reader. Reads the stream's first header, so kind() is
  // known at once; problems show up as kBroken and a kFailed first step.
  ArchiveReader(ByteSource* in, Mode mode, DecompressionBudget* budget, std::string where);
  ~ArchiveReader();
  ArchiveReader(const ArchiveReader&) = delete;
  ArchiveReader& operator=(const ArchiveReader&) = delete;

  Kind kind() const { return kind_; }

  // Moves past the current member (reading out what nobody read, within the limits) to the
  // next regular file, and sets *path to its path in the archive ("./" prefixes dropped). A
  // compressed stream has one member, called "data".
  Step Next(std::string* path);

  // The current member's bytes; valid until the next Next().
  ByteSource* data();

  // What the archive records of the current member, where it records it. A compressed stream's
  // single member has neither: what gzip keeps of the original file is not the file on disk.
  struct MemberInfo {
    // Modification time, milliseconds since the Unix epoch.
    std::optional<int64_t> mtime_millis;
    // The member's size as listed (a zip member's uncompressed size; a tar member's bytes), not
    // what a compressed member (x.txt.gz) decompresses to.
    std::optional<uint64_t> size;
  };
  const MemberInfo& member_info() const { return member_info_; }

  // "x.tar.gz: damaged after member 'a/b.txt': Truncated tar archive" and the like.
  const std::string& error() const { return error_; }

 private:
  class MemberSource;
  struct Callbacks;  // libarchive's read and seek callbacks, kept out of this header

  void Open(Mode mode);
  Step NextHeader(std::string* path);
  Step FinishMember();
  Step Fail(std::string message);
  std::string LibarchiveError() const;
  // "at byte N of x.tar.gz": how far into its input (compressed) the reader is.
  std::string Position() const;

  ByteSource* const in_;
  DecompressionBudget* const budget_;
  const std::string where_;
  struct archive* archive_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  std::unique_ptr<MemberSource> member_;
  std::string member_path_;  // the current (or last) member
  MemberInfo member_info_;
  Kind kind_ = Kind::kBroken;
  // Open() reads the first header to learn the kind; the first Next() returns it.
  int first_header_rc_ = 0;
  bool first_header_pending_ = true;
  struct archive_entry* first_entry_ = nullptr;
  bool done_ = false;
  // Members come out of a decompressor (a compressed tar, a zip), not stored as they are.
  bool decompressing_ = false;
  std::string error_;
};

}  // namespace trawl

#endif  // TRAWL_INGEST_ARCHIVE_READER_H_

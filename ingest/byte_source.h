// ByteSource: a forward-only stream of bytes (a file, an archive member, a decompressed stream)
// that the input readers consume, and LineReader, which splits one into lines.
//
// Errors are kept as text, not as a Status, because they end up in InputStats::messages: a bad
// input is reported and skipped, it does not fail a run.
#ifndef TRAWL_INGEST_BYTE_SOURCE_H_
#define TRAWL_INGEST_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace trawl {

inline constexpr size_t kReadBufferSize = 1 << 20;

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Reads up to `cap` bytes into `buf`; *got == 0 at the end. False on an error, described by
  // error(); a source that failed stays failed.
  virtual bool Read(char* buf, size_t cap, size_t* got) = 0;

  // Moves to absolute byte `offset` (SEEK_SET) or relative to the end (SEEK_END) and returns
  // the new position, or -1 when the source cannot seek. Only files can; libarchive uses it to
  // read a zip's central directory.
  virtual int64_t Seek(int64_t /*offset*/, int /*whence*/) { return -1; }

  const std::string& error() const { return error_; }
  bool failed() const { return failed_; }
  // The error ended the stream for good (a damaged or truncated archive, a limit), as opposed to
  // a problem with this one member (an encrypted zip entry) after which the archive goes on.
  bool fatal() const { return fatal_; }

 protected:
  bool Fail(std::string what, bool fatal = true) {
    error_ = std::move(what);
    failed_ = true;
    fatal_ = fatal;
    return false;
  }

 private:
  std::string error_;
  bool failed_ = false;
  bool fatal_ = false;
};

// A file descriptor, read as it is.
class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owns_fd) : fd_(fd), owns_fd_(owns_fd) {}
  ~FdSource() override;
  FdSource(const FdSource&) = delete;
  FdSource& operator=(const FdSource&) = delete;

  bool Read(char* buf, size_t cap, size_t* got) override;
  int64_t Seek(int64_t offset, int whence) override;

  // Every byte read so far (seeks do not count): what a compression ratio is measured against.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  int fd_;
  bool owns_fd_;
  uint64_t bytes_read_ = 0;
};

// Bytes already read from `rest` (kept in `head`), then the rest of it: a stream whose first
// bytes were inspected can be handed on whole.
class PrefixedSource : public ByteSource {
 public:
  PrefixedSource(std::string_view head, ByteSource* rest) : head_(head), rest_(rest) {}
  bool Read(char* buf, size_t cap, size_t* got) override;

 private:
  std::string_view head_;
  ByteSource* rest_;
};

// Appends up to `limit` bytes to *out (reading until *out holds `limit` bytes or the stream
// ends); false on a read error.
bool ReadUpTo(ByteSource* in, uint64_t limit, std::string* out);

// Splits a ByteSource into lines over one large buffer; a line longer than the buffer grows it,
// up to `max_line_bytes`: a longer line is cut there and the rest of it is read and dropped, so
// that one endless line (a bomb, a binary file) cannot take all memory.
class LineReader {
 public:
  LineReader(ByteSource* in, uint64_t* bytes_read, size_t max_line_bytes = SIZE_MAX);

  // Sets *line to the next line without its '\n' (valid until the next call). False at the end
  // or on a read error; failed() tells which. line_cut() says whether this line was cut.
  bool Next(std::string_view* line);
  bool failed() const { return failed_; }
  bool line_cut() const { return line_cut_; }

 private:
  bool Refill();
  // Drops bytes up to and including the next '\n'; false at the end or on a read error.
  bool SkipRestOfLine();
  size_t CappedSize(size_t size) const;

  ByteSource* in_;
  uint64_t* bytes_read_;
  const size_t max_line_bytes_;
  std::string buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool failed_ = false;
  bool line_cut_ = false;
  bool skip_pending_ = false;  // the last line was cut: its rest comes before the next line
};

}  // namespace trawl

#endif  // TRAWL_INGEST_BYTE_SOURCE_H_

#include "indexer/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>

namespace trawl {

namespace {

using Sink = std::function<Status(Document&&)>;
using Json = nlohmann::ordered_json;  // ordered: fields keep their input order

constexpr size_t kReadBufferSize = 1 << 20;
constexpr size_t kSniffBytes = 64 << 10;
constexpr size_t kMaxReasonChars = 300;
constexpr const char* kStdinName = "<stdin>";

// std::strerror is not thread-safe; the generic category's message is.
std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void AddMessage(InputStats* stats, std::string msg) {
  if (stats->messages.size() < kMaxInputMessages) {
    stats->messages.push_back(std::move(msg));
  } else {
    ++stats->messages_dropped;
  }
}

void CountUnreadable(InputStats* stats, const std::string& where, const std::string& why) {
  ++stats->skipped_unreadable;
  AddMessage(stats, where + ": " + why);
}

// ---------------------------------------------------------------------------------------------
// Bytes from a file descriptor, optionally through gzip. Errors are kept as text because they end
// up in InputStats::messages, not in a Status.
class ByteStream {
 public:
  ByteStream(int fd, bool owns_fd, bool gzip) : fd_(fd), owns_fd_(owns_fd), gzip_(gzip) {}
  ~ByteStream() {
    if (zs_ready_) inflateEnd(&zs_);
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to `cap` bytes; *got == 0 at the end. False on an error, described by error().
  bool Read(char* buf, size_t cap, size_t* got) {
    return gzip_ ? ReadGzip(buf, cap, got) : ReadRaw(buf, cap, got);
  }
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string what) {
    error_ = std::move(what);
    return false;
  }
  bool ReadRaw(char* buf, size_t cap, size_t* got);
  bool ReadGzip(char* buf, size_t cap, size_t* got);
  bool FillInput();

  int fd_;
  bool owns_fd_;
  bool gzip_;
  z_stream zs_{};
  bool zs_ready_ = false;
  std::unique_ptr<char[]> in_buf_;
  bool raw_eof_ = false;
  bool in_member_ = false;  // inside a gzip member: the input must not end here
  uint64_t members_done_ = 0;
  std::string error_;
};

bool ByteStream::ReadRaw(char* buf, size_t cap, size_t* got) {
  for (;;) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n >= 0) {
      *got = static_cast<size_t>(n);
      return true;
    }
    if (errno != EINTR) return Fail(ErrnoText(errno));
  }
}

bool ByteStream::FillInput() {
  size_t n = 0;
  if (!ReadRaw(in_buf_.get(), kReadBufferSize, &n)) return false;
  raw_eof_ = n == 0;
  zs_.next_in = reinterpret_cast<Bytef*>(in_buf_.get());
  zs_.avail_in = static_cast<uInt>(n);
  return true;
}

bool ByteStream::ReadGzip(char* buf, size_t cap, size_t* got) {
  if (!zs_ready_) {
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) return Fail("cannot initialize zlib");
    zs_ready_ = true;
    in_buf_ = std::make_unique<char[]>(kReadBufferSize);
  }
  cap = std::min<size_t>(cap, std::numeric_limits<uInt>::max());
  *got = 0;
  while (*got == 0) {
    if (zs_.avail_in == 0 && !raw_eof_ && !FillInput()) return false;
    if (zs_.avail_in == 0 && raw_eof_) {
      if (in_member_) return Fail("unexpected end of gzip data (truncated file?)");
      return true;
    }
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(cap);
    bool starting_member = !in_member_;
    int rc = inflate(&zs_, Z_NO_FLUSH);
    *got = cap - zs_.avail_out;
    if (rc == Z_STREAM_END) {
      // gzip allows several members back to back (cat a.gz b.gz); keep going.
      ++members_done_;
      in_member_ = false;
      inflateReset(&zs_);
    } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
      in_member_ = true;
    } else if (starting_member && members_done_ > 0) {
      // Junk after a complete member (tape padding and the like): gzip(1) ignores it too.
      zs_.avail_in = 0;
      raw_eof_ = true;
      return true;
    } else {
      return Fail(std::string("bad gzip data: ") + (zs_.msg != nullptr ? zs_.msg : "error"));
    }
  }
  return true;
}

// Splits a ByteStream into lines over one large buffer; a line longer than the buffer grows it.
class LineReader {
 public:
  LineReader(ByteStream* in, uint64_t* bytes_read)
      : in_(in), bytes_read_(bytes_read), buf_(kReadBufferSize, '\0') {}

  // Sets *line to the next line without its '\n' (valid until the next call). False at the end
  // or on a read error; failed() tells which.
  bool Next(std::string_view* line);
  bool failed() const { return failed_; }

 private:
  bool Refill();

  ByteStream* in_;
  uint64_t* bytes_read_;
  std::string buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool failed_ = false;
};

bool LineReader::Next(std::string_view* line) {
  size_t scan_from = begin_;
  for (;;) {
    const void* nl = std::memchr(buf_.data() + scan_from, '\n', end_ - scan_from);
    if (nl != nullptr) {
      size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
      *line = std::string_view(buf_.data() + begin_, pos - begin_);
      begin_ = pos + 1;
      return true;
    }
    if (eof_ || failed_) {
      if (failed_ || begin_ == end_) return false;
      *line = std::string_view(buf_.data() + begin_, end_ - begin_);
      begin_ = end_;
      return true;
    }
    scan_from = end_ - begin_;  // the partial line moves to the front and is not rescanned
    if (!Refill()) return false;
  }
}

bool LineReader::Refill() {
  size_t partial = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, partial);
    begin_ = 0;
    end_ = partial;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  size_t got = 0;
  if (!in_->Read(buf_.data() + end_, buf_.size() - end_, &got)) {
    failed_ = true;
    return false;
  }
  eof_ = got == 0;
  end_ += got;
  *bytes_read_ += got;
  return true;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

// Length of the well-formed UTF-8 sequence starting at s[i] (i < s.size()), or 0 if there is none.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  if ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) > 0x9F) ||
      (c == 0xF0 && byte(1) < 0x90) || (c == 0xF4 && byte(1) > 0x8F)) {
    return 0;
  }
  return n;
}

size_t CountInvalidUtf8Bytes(std::string_view s) {
  size_t invalid = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      ++invalid;
      n = 1;
    }
    i += n;
  }
  return invalid;
}

// The largest cut ≤ limit that does not split a UTF-8 sequence (for well-formed text).
size_t Utf8Boundary(std::string_view s, size_t limit) {
  if (limit >= s.size()) return s.size();
  size_t cut = limit;
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80; ++k) {
    --cut;
  }
  return (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80 ? limit : cut;
}

// Why `text` looks binary, or nullptr if it is text.
const char* BinaryReason(std::string_view text) {
  std::string_view sniff = text.substr(0, kSniffBytes);
  if (sniff.find('\0') != std::string_view::npos) return "binary file (NUL byte), skipped";
  if (CountInvalidUtf8Bytes(sniff) * 10 > sniff.size()) {
    return "binary file (over 10% invalid UTF-8), skipped";
  }
  return nullptr;
}

// Cuts the document's field values to `limit` bytes in all; true if anything was cut.
bool ApplySizeLimit(uint64_t limit, Document* doc) {
  uint64_t used = 0;
  for (size_t i = 0; i < doc->fields.size(); ++i) {
    std::string& value = doc->fields[i].second;
    if (value.size() <= limit - used) {
      used += value.size();
      continue;
    }
    value.resize(Utf8Boundary(value, static_cast<size_t>(limit - used)));
    doc->fields.resize(i + 1);
    return true;
  }
  return false;
}

Status Emit(Document&& doc, const InputOptions& options, InputStats* stats, const Sink& sink) {
  if (ApplySizeLimit(options.max_document_bytes, &doc)) ++stats->truncated;
  TRAWL_RETURN_IF_ERROR(sink(std::move(doc)));
  ++stats->documents;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// JSONL

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string ClipReason(std::string reason) {
  if (reason.size() > kMaxReasonChars) {
    reason.resize(Utf8Boundary(reason, kMaxReasonChars));
    reason += "...";
  }
  return reason;
}

// nlohmann says "[json.exception.parse_error.101] parse error at line 1, column 5: <detail>";
// the line number is ours, the column and detail are worth keeping.
std::string ParseErrorReason(const Json::parse_error& e) {
  std::string_view what = e.what();
  size_t column = what.find("column ");
  if (column == std::string_view::npos) return ClipReason("invalid JSON: " + std::string(what));
  return ClipReason("invalid JSON at " + std::string(what.substr(column)));
}

bool IdToString(const Json& id, std::string* out) {
  if (id.is_string()) {
    *out = id.get<std::string>();
  } else if (id.is_number()) {
    *out = id.dump();
  } else {
    return false;
  }
  return true;
}

// Builds a Document from one JSONL line; false with *reason on a bad line.
bool ParseJsonLine(std::string_view line, Document* doc, std::string* reason) {
  Json j;
  try {
    j = Json::parse(line);
  } catch (const Json::parse_error& e) {
    *reason = ParseErrorReason(e);
    return false;
  } catch (const std::exception& e) {
    *reason = ClipReason(std::string("invalid JSON: ") + e.what());
    return false;
  }
  if (!j.is_object()) {
    *reason = std::string("expected a JSON object, got ") + j.type_name();
    return false;
  }
  auto id = j.find("id");
  if (id == j.end()) {
    *reason = "missing \"id\"";
    return false;
  }
  if (!IdToString(*id, &doc->id)) {
    *reason = std::string("\"id\" must be a string or a number, got ") + id->type_name();
    return false;
  }
  if (doc->id.empty()) {
    *reason = "empty \"id\"";
    return false;
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "id" || !it->is_string()) continue;
    doc->fields.emplace_back(it.key(), std::move(it->get_ref<std::string&>()));
  }
  return true;
}

Status ReadJsonl(const std::string& name, ByteStream* in, const InputOptions& options,
                 InputStats* stats, const Sink& sink) {
  LineReader lines(in, &stats->bytes_read);
  std::string_view line;
  uint64_t line_no = 0;
  while (lines.Next(&line)) {
    ++line_no;
    if (IsBlank(line)) continue;
    Document doc;
    std::string reason;
    if (!ParseJsonLine(line, &doc, &reason)) {
      std::string msg = name + ":" + std::to_string(line_no) + ": " + reason;
      if (!options.skip_errors) return Status::InvalidArgument(std::move(msg));
      ++stats->skipped_bad_json;
      AddMessage(stats, std::move(msg));
      continue;
    }
    TRAWL_RETURN_IF_ERROR(Emit(std::move(doc), options, stats, sink));
  }
  // The lines before a read error were good; the rest of the file is lost.
  if (lines.failed()) CountUnreadable(stats, name + ":" + std::to_string(line_no + 1), in->error());
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Plain files

// Reads at most `limit` bytes; false on a read error.
bool ReadUpTo(ByteStream* in, uint64_t limit, std::string* out) {
  while (out->size() < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kReadBufferSize, limit - out->size()));
    size_t old = out->size();
    out->resize(old + want);
    size_t got = 0;
    if (!in->Read(out->data() + old, want, &got)) return false;
    out->resize(old + got);
    if (got == 0) break;
  }
  return true;
}

std::string FileTitle(std::string_view path, bool gzip) {
  std::string_view name = BaseName(path);
  if (gzip && EndsWith(name, ".gz")) name.remove_suffix(3);
  return std::string(name);
}

Status ReadPlainFile(const std::string& path, bool gzip, const InputOptions& options,
                     InputStats* stats, const Sink& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CountUnreadable(stats, path, ErrnoText(errno));
    return Status::OK();
  }
  ByteStream in(fd, /*owns_fd=*/true, gzip);
  // One byte past the limit tells a file that fits from one that must be cut.
  uint64_t limit = options.max_document_bytes;
  if (limit < std::numeric_limits<uint64_t>::max()) ++limit;
  struct stat st;
  std::string text;
  if (!gzip && ::fstat(fd, &st) == 0 && st.st_size > 0) {
    text.reserve(static_cast<size_t>(std::min<uint64_t>(st.st_size, limit)));
  }
  bool ok = ReadUpTo(&in, limit, &text);
  stats->bytes_read += text.size();
  if (!ok) {
    CountUnreadable(stats, path, in.error());
    return Status::OK();
  }
  if (text.empty()) {
    ++stats->skipped_empty;
    AddMessage(stats, path + ": empty file, skipped");
    return Status::OK();
  }
  if (const char* why = BinaryReason(text)) {
    ++stats->skipped_binary;
    AddMessage(stats, path + ": " + why);
    return Status::OK();
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // a BOM is not text
  Document doc;
  doc.id = path;
  doc.fields.emplace_back("title", FileTitle(path, gzip));
  doc.fields.emplace_back("body", std::move(text));
  return Emit(std::move(doc), options, stats, sink);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

enum class FileKind { kJsonl, kJsonlGzip, kGzip, kArchive, kPlain };

FileKind Classify(std::string_view path) {
  std::string_view name = BaseName(path);
  if (EndsWith(name, ".jsonl")) return FileKind::kJsonl;
  if (EndsWith(name, ".jsonl.gz")) return FileKind::kJsonlGzip;
  if (EndsWith(name, ".tar.gz") || EndsWith(name, ".tgz")) return FileKind::kArchive;
  if (EndsWith(name, ".gz")) return FileKind::kGzip;
  return FileKind::kPlain;
}

Status ReadJsonlFile(const std::string& path, bool gzip, const InputOptions& options,
                     InputStats* stats, const Sink& sink) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CountUnreadable(stats, path, ErrnoText(errno));
    return Status::OK();
  }
  ByteStream in(fd, /*owns_fd=*/true, gzip);
  return ReadJsonl(path, &in, options, stats, sink);
}

Status ReadOneFile(const std::string& path, const InputOptions& options, InputStats* stats,
                   const Sink& sink) {
  switch (Classify(path)) {
    case FileKind::kJsonl:
      return ReadJsonlFile(path, /*gzip=*/false, options, stats, sink);
    case FileKind::kJsonlGzip:
      return ReadJsonlFile(path, /*gzip=*/true, options, stats, sink);
    case FileKind::kGzip:
      return ReadPlainFile(path, /*gzip=*/true, options, stats, sink);
    case FileKind::kArchive:
      // Until archives are unpacked they are read as plain files, which the binary check skips.
    case FileKind::kPlain:
      break;
  }
  return ReadPlainFile(path, /*gzip=*/false, options, stats, sink);
}

// Every regular file below `root` (symlinks to files included, symlinked directories not
// entered), sorted so that a run is deterministic whatever order the file system lists.
std::vector<std::string> ListFiles(const std::string& root, InputStats* stats) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::vector<fs::path> pending{fs::path(root)};
  while (!pending.empty()) {
    fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code entry_ec;
      fs::file_status own = it->symlink_status(entry_ec);
      if (fs::is_directory(own)) {
        pending.push_back(it->path());
      } else if (fs::is_regular_file(own)) {
        files.push_back(it->path().string());
      } else if (fs::is_symlink(own)) {
        fs::file_status target = it->status(entry_ec);
        if (entry_ec) {
          CountUnreadable(stats, it->path().string(), entry_ec.message());
        } else if (fs::is_regular_file(target)) {
          files.push_back(it->path().string());
        }
      }
      // Sockets, FIFOs and devices are not documents (and a FIFO would block).
    }
    if (ec) CountUnreadable(stats, dir.string(), ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Status ReadInput(const std::string& input, const InputOptions& options, InputStats* stats,
                 const std::function<Status(Document&&)>& sink) {
  InputStats ignored;
  if (stats == nullptr) stats = &ignored;
  if (input == "-") {
    ByteStream in(STDIN_FILENO, /*owns_fd=*/false, /*gzip=*/false);
    return ReadJsonl(kStdinName, &in, options, stats, sink);
  }
  struct stat st;
  if (::stat(input.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound(input + ": no such file or directory");
    }
    CountUnreadable(stats, input, ErrnoText(errno));
    return Status::OK();
  }
  if (!S_ISDIR(st.st_mode)) return ReadOneFile(input, options, stats, sink);
  for (const std::string& path : ListFiles(input, stats)) {
    TRAWL_RETURN_IF_ERROR(ReadOneFile(path, options, stats, sink));
  }
  return Status::OK();
}

}  // namespace trawl

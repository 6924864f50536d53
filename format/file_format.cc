#include "format/file_format.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include "common/coding.h"

namespace trawl {

static_assert(std::endian::native == std::endian::little,
              "trawl's on-disk formats are read in place and assume a little-endian host");

namespace {

constexpr char kMagic[4] = {'T', 'R', 'W', 'L'};
constexpr char kEndMagic[4] = {'L', 'W', 'R', 'T'};
constexpr size_t kWriteBufferSize = 1 << 20;

Status ErrnoStatus(const std::string& path, const char* op) {
  return Status::IOError(DisplayName(path) + ": " + op + ": " + std::strerror(errno));
}

uint32_t Crc(uint32_t crc, const char* p, size_t n) {
  // zlib's crc32 takes uInt lengths; feed large ranges in pieces.
  while (n > 0) {
    size_t chunk = n > (1u << 30) ? (1u << 30) : n;
    crc = static_cast<uint32_t>(
        crc32(crc, reinterpret_cast<const Bytef*>(p), static_cast<uInt>(chunk)));
    p += chunk;
    n -= chunk;
  }
  return crc;
}

}  // namespace

std::string DisplayName(const std::string& path) {
  size_t last = path.find_last_of('/');
  if (last == std::string::npos || last == 0) return path;
  size_t prev = path.find_last_of('/', last - 1);
  return prev == std::string::npos ? path : path.substr(prev + 1);
}

FileWriter::FileWriter(std::string path, int fd, FileSystem* fs)
    : path_(std::move(path)), fd_(fd), fs_(fs) {
  buffer_.reserve(kWriteBufferSize);
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) fs_->Close(fd_);
  if (!finished_) ::unlink(path_.c_str());
}

Status FileWriter::Create(const std::string& path, std::string_view kind, uint32_t version,
                          std::unique_ptr<FileWriter>* out, FileSystem* fs) {
  if (kind.size() != 4) return Status::InvalidArgument("file kind must be 4 bytes");
  if (fs == nullptr) fs = FileSystem::Default();
  int fd = fs->CreateExclusive(path);
  if (fd < 0) return ErrnoStatus(path, "create");
  std::unique_ptr<FileWriter> w(new FileWriter(path, fd, fs));
  std::string header(kMagic, 4);
  header.append(kind);
  PutFixed32(&header, version);
  PutFixed32(&header, 0);
  w->crc_ = Crc(w->crc_, header.data(), header.size());
  w->buffer_ = header;
  *out = std::move(w);
  return Status::OK();
}

Status FileWriter::FlushBuffer() {
  const char* p = buffer_.data();
  size_t n = buffer_.size();
  while (n > 0) {
    ssize_t w = fs_->Write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path_, "write");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  buffer_.clear();
  return Status::OK();
}

Status FileWriter::Append(std::string_view data) {
  crc_ = Crc(crc_, data.data(), data.size());
  body_bytes_ += data.size();
  if (buffer_.size() + data.size() > kWriteBufferSize) {
    TRAWL_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() > kWriteBufferSize) {
      buffer_.assign(data.data(), data.size());
      return FlushBuffer();
    }
  }
  buffer_.append(data.data(), data.size());
  return Status::OK();
}

Status FileWriter::Finish() {
  std::string footer;
  PutFixed64(&footer, body_bytes_);
  PutFixed32(&footer, crc_);
  footer.append(kEndMagic, 4);
  buffer_.append(footer);
  TRAWL_RETURN_IF_ERROR(FlushBuffer());
  if (fs_->Sync(fd_) != 0) return ErrnoStatus(path_, "fsync");
  if (fs_->Close(fd_) != 0) {
    fd_ = -1;
    return ErrnoStatus(path_, "close");
  }
  fd_ = -1;
  finished_ = true;
  return Status::OK();
}

MappedFile::~MappedFile() {
  if (data_ != nullptr && size_ > 0) ::munmap(const_cast<char*>(data_), size_);
}

void MappedFile::ReleaseResidentPages() const {
  // Advice only: on failure the pages simply stay resident.
  if (data_ != nullptr && size_ > 0) ::madvise(const_cast<char*>(data_), size_, MADV_DONTNEED);
}

Status MappedFile::Corrupt(std::string_view what) const {
  return Status::Corruption(DisplayName(path_) + ": " + std::string(what));
}

Status MappedFile::Open(const std::string& path, std::string_view kind, uint32_t max_version,
                        std::unique_ptr<MappedFile>* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(DisplayName(path) + ": no such file");
    return ErrnoStatus(path, "open");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus(path, "stat");
    ::close(fd);
    return s;
  }
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ < kFileHeaderSize + kFileFooterSize) {
    ::close(fd);
    return f->Corrupt("truncated: " + std::to_string(f->size_) + " bytes is shorter than header and footer");
  }
  // Header and footer are read with pread rather than through the map: touching a mapped page
  // maps the whole page-cache folio around it (hundreds of KiB on recent kernels), and a
  // writer that opens every segment it flushes would otherwise carry that for each file.
  char d[kFileHeaderSize];
  char footer[kFileFooterSize];
  const ssize_t got_header = ::pread(fd, d, sizeof d, 0);
  const ssize_t got_footer =
      got_header < 0 ? -1
                     : ::pread(fd, footer, sizeof footer, static_cast<off_t>(f->size_ - sizeof footer));
  if (got_header != static_cast<ssize_t>(sizeof d) ||
      got_footer != static_cast<ssize_t>(sizeof footer)) {
    Status s = got_header < 0 || got_footer < 0 ? ErrnoStatus(path, "read")
                                                : f->Corrupt("truncated while being opened");
    ::close(fd);
    return s;
  }
  void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return ErrnoStatus(path, "mmap");
  f->data_ = static_cast<const char*>(p);

  if (std::memcmp(d, kMagic, 4) != 0) return f->Corrupt("bad magic: not a trawl file");
  if (std::string_view(d + 4, 4) != kind) {
    return f->Corrupt("wrong file kind '" + std::string(d + 4, 4) + "', expected '" +
                      std::string(kind) + "'");
  }
  f->version_ = DecodeFixed32(d + 8);
  if (f->version_ == 0 || f->version_ > max_version) {
    return Status::NotSupported(DisplayName(path) + ": format version " +
                                std::to_string(f->version_) + " is not supported (this build reads up to " +
                                std::to_string(max_version) + ")");
  }
  if (std::memcmp(footer + 12, kEndMagic, 4) != 0) return f->Corrupt("bad footer: file truncated or overwritten");
  uint64_t body_len = DecodeFixed64(footer);
  if (body_len != f->size_ - kFileHeaderSize - kFileFooterSize) {
    return f->Corrupt("length in footer (" + std::to_string(body_len) +
                      ") does not match the file size: truncated or extended");
  }
  f->body_ = std::string_view(f->data_ + kFileHeaderSize, body_len);
  *out = std::move(f);
  return Status::OK();
}

Status MappedFile::VerifyChecksum() const {
  uint32_t crc = static_cast<uint32_t>(crc32(0, nullptr, 0));
  crc = Crc(crc, data_, size_ - kFileFooterSize);
  uint32_t stored = DecodeFixed32(data_ + size_ - kFileFooterSize + 8);
  if (crc != stored) return Corrupt("checksum mismatch: the file is damaged");
  return Status::OK();
}

Status SyncDirectory(const std::string& dir, FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  if (fs->SyncDirectory(dir) != 0) return ErrnoStatus(dir, "fsync directory");
  return Status::OK();
}

Status ReadFileToString(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return ErrnoStatus(path, "open");
  }
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus(path, "read");
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::OK();
}

}  // namespace trawl

#include "format/file_format.h"

#include <zlib.h>

#include <bit>
#include <cassert>
#include <cstring>

#include "common/coding.h"

namespace trawl {

static_assert(std::endian::native == std::endian::little,
              "trawl's on-disk formats are read in place and assume a little-endian host");

namespace {

constexpr char kMagic[4] = {'T', 'R', 'W', 'L'};
constexpr char kEndMagic[4] = {'L', 'W', 'R', 'T'};
constexpr size_t kWriteBufferSize = 1 << 20;

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

FileWriter::FileWriter(std::string path, std::unique_ptr<WritableFile> file, FileSystem* fs)
    : path_(std::move(path)), file_(std::move(file)), fs_(fs) {
  // Not reserved up front (unless ReserveBuffer asks): the buffer grows with the file, up to
  // kWriteBufferSize. A commit of a few documents writes seven files of a few kilobytes each; a
  // megabyte apiece was a fresh mapping per file under AddressSanitizer, most of the
  // fault-injection tests' time there.
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
}

FileWriter::~FileWriter() {
  if (finished_) return;
  file_.reset();
  // Best effort: a file left behind is unreferenced, and the next writer removes it.
  (void)fs_->RemoveFile(path_);
}

Status FileWriter::Create(const std::string& path, std::string_view kind, uint32_t version,
                          std::unique_ptr<FileWriter>* out, FileSystem* fs) {
  if (kind.size() != 4) return Status::InvalidArgument("file kind must be 4 bytes");
  if (fs == nullptr) fs = FileSystem::Default();
  std::unique_ptr<WritableFile> file;
  TRAWL_RETURN_IF_ERROR(fs->NewWritableFile(path, &file));
  std::unique_ptr<FileWriter> w(new FileWriter(path, std::move(file), fs));
  std::string header(kMagic, 4);
  header.append(kind);
  PutFixed32(&header, version);
  PutFixed32(&header, 0);
  w->crc_ = Crc(w->crc_, header.data(), header.size());
  w->buffer_ = header;
  *out = std::move(w);
  return Status::OK();
}

void FileWriter::ReserveBuffer() { buffer_.reserve(kWriteBufferSize); }

Status FileWriter::FlushBuffer() {
  assert(file_ != nullptr && "write after Finish");
  TRAWL_RETURN_IF_ERROR(file_->Append(buffer_));
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
  TRAWL_RETURN_IF_ERROR(file_->Sync());
  // Closed whatever the outcome: a descriptor that failed to close is not closed again.
  const Status closed = file_->Close();
  file_.reset();
  TRAWL_RETURN_IF_ERROR(closed);
  finished_ = true;
  return Status::OK();
}

MappedFile::~MappedFile() = default;

void MappedFile::ReleaseResidentPages() const { region_->ReleaseResidentPages(); }

Status MappedFile::Corrupt(std::string_view what) const {
  return Status::Corruption(DisplayName(path_) + ": " + std::string(what));
}

Status MappedFile::Open(const std::string& path, std::string_view kind, uint32_t max_version,
                        std::unique_ptr<MappedFile>* out, FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  std::unique_ptr<ReadableFile> file;
  TRAWL_RETURN_IF_ERROR(fs->NewReadableFile(path, &file));
  std::unique_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  TRAWL_RETURN_IF_ERROR(file->Size(&f->size_));
  if (f->size_ < kFileHeaderSize + kFileFooterSize) {
    return f->Corrupt("truncated: " + std::to_string(f->size_) + " bytes is shorter than header and footer");
  }
  // Header and footer are read with pread rather than through the map: touching a mapped page
  // maps the whole page-cache folio around it (hundreds of KiB on recent kernels), and a
  // writer that opens every segment it flushes would otherwise carry that for each file.
  char d[kFileHeaderSize];
  char footer[kFileFooterSize];
  size_t got_header = 0, got_footer = 0;
  TRAWL_RETURN_IF_ERROR(file->Read(0, sizeof d, d, &got_header));
  TRAWL_RETURN_IF_ERROR(file->Read(f->size_ - sizeof footer, sizeof footer, footer, &got_footer));
  if (got_header != sizeof d || got_footer != sizeof footer) {
    return f->Corrupt("truncated while being opened");
  }
  TRAWL_RETURN_IF_ERROR(file->Map(f->size_, &f->region_));
  file.reset();  // the map outlives the descriptor
  assert(f->region_->data().size() == f->size_);
  f->data_ = f->region_->data().data();

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

uint32_t ChecksumOf(std::string_view bytes) {
  return Crc(static_cast<uint32_t>(crc32(0, nullptr, 0)), bytes.data(), bytes.size());
}

Status MappedFile::VerifyChecksum() const {
  uint32_t crc = static_cast<uint32_t>(crc32(0, nullptr, 0));
  crc = Crc(crc, data_, size_ - kFileFooterSize);
  uint32_t stored = DecodeFixed32(data_ + size_ - kFileFooterSize + 8);
  if (crc != stored) return Corrupt("checksum mismatch: the file is damaged");
  return Status::OK();
}

Status ReadFileToString(const std::string& path, std::string* out, FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  std::unique_ptr<ReadableFile> file;
  TRAWL_RETURN_IF_ERROR(fs->NewReadableFile(path, &file));
  uint64_t size = 0;
  TRAWL_RETURN_IF_ERROR(file->Size(&size));
  out->resize(size);
  size_t got = 0;
  TRAWL_RETURN_IF_ERROR(file->Read(0, out->size(), out->data(), &got));
  out->resize(got);  // shorter if the file shrank meanwhile
  return Status::OK();
}

}  // namespace trawl

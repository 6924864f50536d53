#include "ingest/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace trawl {

namespace {

// std::strerror is not thread-safe; the generic category's message is.
std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

}  // namespace

FdSource::~FdSource() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

bool FdSource::Read(char* buf, size_t cap, size_t* got) {
  *got = 0;
  if (failed()) return false;
  for (;;) {
    ssize_t n = ::read(fd_, buf, cap);
    if (n >= 0) {
      *got = static_cast<size_t>(n);
      bytes_read_ += *got;
      return true;
    }
    if (errno != EINTR) return Fail(ErrnoText(errno));
  }
}

int64_t FdSource::Seek(int64_t offset, int whence) {
  if (failed()) return -1;
  off_t pos = ::lseek(fd_, static_cast<off_t>(offset), whence);
  return pos < 0 ? -1 : static_cast<int64_t>(pos);
}

bool PrefixedSource::Read(char* buf, size_t cap, size_t* got) {
  if (head_.empty()) {
    bool ok = rest_->Read(buf, cap, got);
    if (!ok) Fail(rest_->error(), rest_->fatal());
    return ok;
  }
  *got = std::min(cap, head_.size());
  std::memcpy(buf, head_.data(), *got);
  head_.remove_prefix(*got);
  return true;
}

bool ReadUpTo(ByteSource* in, uint64_t limit, std::string* out) {
  while (out->size() < limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kReadBufferSize, limit - out->size()));
    size_t old = out->size();
    out->resize(old + want);
    size_t got = 0;
    bool ok = in->Read(out->data() + old, want, &got);
    out->resize(old + got);
    if (!ok) return false;
    if (got == 0) break;
  }
  return true;
}

LineReader::LineReader(ByteSource* in, uint64_t* bytes_read, size_t max_line_bytes)
    : in_(in),
      bytes_read_(bytes_read),
      max_line_bytes_(std::max<size_t>(max_line_bytes, 1)),
      buf_(CappedSize(kReadBufferSize), '\0') {}

// Room for one byte past the limit, which tells a line at the limit from a longer one.
size_t LineReader::CappedSize(size_t size) const {
  return max_line_bytes_ < size ? max_line_bytes_ + 1 : size;
}

bool LineReader::Next(std::string_view* line) {
  line_cut_ = false;
  if (skip_pending_) {
    skip_pending_ = false;
    if (!SkipRestOfLine()) return false;
  }
  size_t scan_from = begin_;
  for (;;) {
    const void* nl = std::memchr(buf_.data() + scan_from, '\n', end_ - scan_from);
    if (nl != nullptr) {
      size_t pos = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
      if (pos - begin_ <= max_line_bytes_) {
        *line = std::string_view(buf_.data() + begin_, pos - begin_);
        begin_ = pos + 1;
        return true;
      }
    }
    if (end_ - begin_ > max_line_bytes_) {
      // Too long: hand out the first max_line_bytes_, drop the rest before the next line.
      *line = std::string_view(buf_.data() + begin_, max_line_bytes_);
      begin_ += max_line_bytes_;
      line_cut_ = true;
      skip_pending_ = true;
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

bool LineReader::SkipRestOfLine() {
  for (;;) {
    const void* nl = std::memchr(buf_.data() + begin_, '\n', end_ - begin_);
    if (nl != nullptr) {
      begin_ = static_cast<size_t>(static_cast<const char*>(nl) - buf_.data()) + 1;
      return true;
    }
    begin_ = end_ = 0;
    if (eof_ || failed_ || !Refill()) return !failed_;
    if (eof_) return true;
  }
}

bool LineReader::Refill() {
  size_t partial = end_ - begin_;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, partial);
    begin_ = 0;
    end_ = partial;
  }
  if (end_ == buf_.size()) buf_.resize(CappedSize(buf_.size() * 2));
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

}  // namespace trawl

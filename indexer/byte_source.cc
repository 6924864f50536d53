#include "indexer/byte_source.h"

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

}  // namespace trawl

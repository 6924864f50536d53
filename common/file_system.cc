// The POSIX FileSystem behind FileSystem::Default().
#include "trawl/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>

namespace trawl {

namespace {

// "<path>: <op>: <strerror>", NotFound for ENOENT so that callers can tell "gone" from "failed".
Status PosixError(const std::string& path, const char* op, int error) {
  std::string msg = path + ": " + op + ": " + std::strerror(error);
  if (error == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Append(std::string_view data) override {
    assert(fd_ >= 0 && "Append after Close");
    const char* p = data.data();
    size_t n = data.size();
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "write", errno);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::OK();
  }

  Status Sync() override {
    assert(fd_ >= 0 && "Sync after Close");
    if (::fsync(fd_) != 0) return PosixError(path_, "fsync", errno);
    return Status::OK();
  }

  Status Close() override {
    assert(fd_ >= 0 && "Close twice");
    const int rc = ::close(fd_);
    fd_ = -1;  // closed whatever close() says: retrying could close another thread's descriptor
    if (rc != 0) return PosixError(path_, "close", errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixMappedRegion final : public MappedRegion {
 public:
  PosixMappedRegion(const char* data, size_t size) : data_(data), size_(size) {}
  ~PosixMappedRegion() override {
    if (size_ > 0) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view data() const override { return std::string_view(data_, size_); }
  void ReleaseResidentPages() const override {
    // On failure the pages simply stay resident.
    if (size_ > 0) ::madvise(const_cast<char*>(data_), size_, MADV_DONTNEED);
  }

 private:
  const char* data_;
  size_t size_;
};

class PosixReadableFile final : public ReadableFile {
 public:
  PosixReadableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixReadableFile() override { ::close(fd_); }

  Status Size(uint64_t* size) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return PosixError(path_, "stat", errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status Read(uint64_t offset, size_t n, char* dst, size_t* got) override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, dst + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "read", errno);
      }
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    *got = done;
    return Status::OK();
  }

  Status Map(uint64_t size, std::unique_ptr<MappedRegion>* out) override {
    if (size == 0) {  // mmap refuses empty ranges
      *out = std::make_unique<PosixMappedRegion>(nullptr, 0);
      return Status::OK();
    }
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return PosixError(path_, "mmap", errno);
    *out = std::make_unique<PosixMappedRegion>(static_cast<const char*>(p), size);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
};

// Closing the descriptor drops the flock, so the lock is released however this object goes,
// and the kernel releases it if the process dies: a lock file left behind never blocks.
class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, "create", errno);
    *out = std::make_unique<PosixWritableFile>(path, fd);
    return Status::OK();
  }

  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, "open", errno);
    *out = std::make_unique<PosixReadableFile>(path, fd);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      const int error = errno;
      return PosixError(to, ("rename from " + from).c_str(), error);
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, "remove", errno);
    return Status::OK();
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return PosixError(path, "mkdir", errno);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, "stat", errno);
    if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": exists and is not a directory");
    return Status::OK();
  }

  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError(dir, "list directory", errno);
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      const std::string_view name(e->d_name);
      if (name != "." && name != "..") names->emplace_back(name);
    }
    const int error = errno;  // readdir returns null at the end and on error alike
    ::closedir(d);
    if (error != 0) return PosixError(dir, "list directory", error);
    return Status::OK();
  }

  Status SyncDirectory(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, "fsync directory", errno);
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0) return PosixError(dir, "fsync directory", error);
    return Status::OK();
  }

  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError(path, "open lock file", errno);
    // flock rather than fcntl locks: those are per process, so a second lock from this process
    // would succeed, and closing any descriptor of the file would drop them.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == EWOULDBLOCK) return Status::Busy(path + ": held by another writer");
      return PosixError(path, "flock", error);
    }
    // If the file was removed (and perhaps created again, and locked by another writer) between
    // open and flock, this lock guards nothing: callers compare the path's identity with the
    // one they locked, so it must be the path's file that is locked.
    struct stat locked, named;
    if (::fstat(fd, &locked) != 0 || ::stat(path.c_str(), &named) != 0 ||
        locked.st_dev != named.st_dev || locked.st_ino != named.st_ino) {
      ::close(fd);
      return Status::Busy(path + ": replaced while being locked (another writer is starting)");
    }
    *lock = std::make_unique<PosixFileLock>(path, fd);
    return Status::OK();
  }

  Status GetFileIdentity(const std::string& path, FileIdentity* identity) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, "stat", errno);
    identity->device = static_cast<uint64_t>(st.st_dev);
    identity->inode = static_cast<uint64_t>(st.st_ino);
    return Status::OK();
  }

  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    assert(lock != nullptr);
    // Only locks this file system made come back here.
    auto* posix = static_cast<PosixFileLock*>(lock.get());
    const std::string path = posix->path();
    const int rc = ::flock(posix->fd(), LOCK_UN);
    const int error = errno;
    lock.reset();  // closes the descriptor, which releases the lock even if LOCK_UN failed
    if (rc != 0) return PosixError(path, "unlock", error);
    return Status::OK();
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static FileSystem* fs = new PosixFileSystem();  // never destroyed: usable during static teardown
  return fs;
}

}  // namespace trawl

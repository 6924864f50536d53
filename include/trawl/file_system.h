// FileSystem: every call the library makes on files and directories — create, write, fsync,
// open for reading, map, rename, remove, make a directory, list one, lock one, tell which file a
// path names — goes through
// this interface (as LevelDB's Env, Tantivy's Directory), so that embedders and tests can
// substitute their own: one that fails the Nth call with ENOSPC, as Lucene's
// MockDirectoryWrapper does, or that counts calls. Only the input readers of trawl-index
// (archives, JSONL, mbox, HTML) read their user-supplied inputs directly.
//
// Every call returns a Status; a failure names the path and the operating system's reason
// ("IO error: /idx/seg_3.post: write: No space left on device"). A file or directory that does
// not exist is NotFound. Implementations must be safe to call from several threads at once.
#ifndef TRAWL_FILE_SYSTEM_H_
#define TRAWL_FILE_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

// A file being written. Owns its descriptor: destroying it without Close() closes it (and
// ignores the outcome, so a caller that needs the data must Sync and Close).
class TRAWL_EXPORT WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file (retrying short writes), or fails.
  virtual Status Append(std::string_view data) = 0;
  // Makes what was appended durable (fsync).
  virtual Status Sync() = 0;
  // Closes the descriptor; no call may follow, whatever the outcome.
  virtual Status Close() = 0;
};

// A read-only memory map. Owns the mapping: views into data() must not outlive it. The mapping
// stays readable when its file is removed or renamed.
class TRAWL_EXPORT MappedRegion {
 public:
  virtual ~MappedRegion() = default;
  virtual std::string_view data() const = 0;
  // Gives back the pages this process has touched; later reads fault them in again from the
  // page cache. Advice only: it cannot fail in a way the caller must handle.
  virtual void ReleaseResidentPages() const {}
};

// A file open for reading. Owns its descriptor; a map made from it outlives it.
class TRAWL_EXPORT ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  virtual Status Size(uint64_t* size) = 0;
  // Reads up to `n` bytes at `offset` into `dst` (retrying short reads); *got is less than `n`
  // only at the end of the file.
  virtual Status Read(uint64_t offset, size_t n, char* dst, size_t* got) = 0;
  // Maps the first `size` bytes (the file's size, as Size() gave it) read-only.
  virtual Status Map(uint64_t size, std::unique_ptr<MappedRegion>* out) = 0;
};

// An exclusive lock on a file, held until UnlockFile() or until this object is destroyed (or
// the process dies).
class TRAWL_EXPORT FileLock {
 public:
  virtual ~FileLock() = default;
};

// Which file a path names (device and inode): the same path names another file once the file
// is removed and a new one created there.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  bool operator==(const FileIdentity&) const = default;
};

class TRAWL_EXPORT FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates `path`, which must not exist, for writing. On error *out is left unchanged.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Opens an existing file for reading. NotFound if it does not exist.
  virtual Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) = 0;
  // Atomically replaces `to` (if it exists) by `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // NotFound if it does not exist. Open readers and maps of the file keep working.
  virtual Status RemoveFile(const std::string& path) = 0;
  // Creates a directory; OK if it exists already. InvalidArgument if `path` exists and is not a
  // directory.
  virtual Status CreateDir(const std::string& path) = 0;
  // The names of the entries of `dir`, without "." and "..", in no particular order. NotFound
  // if `dir` does not exist.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  // fsyncs a directory, making renames and new entries in it durable.
  virtual Status SyncDirectory(const std::string& dir) = 0;
  // Takes an exclusive, non-blocking lock on `path`, creating the file if needed. Busy if
  // another process (or another FileLock of this one) holds it.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) = 0;
  // Releases a lock this file system's LockFile() gave.
  virtual Status UnlockFile(std::unique_ptr<FileLock> lock) = 0;
  // The identity of the file `path` names now. NotFound if there is none. A writer compares its
  // lock file's identity with the one it locked, to notice that the lock file was removed or
  // replaced (and another writer may have locked the new one). This default says NotSupported,
  // and then the writer cannot notice it.
  virtual Status GetFileIdentity(const std::string& path, FileIdentity* identity) {
    (void)identity;
    return Status::NotSupported(path + ": this file system cannot tell files apart");
  }

  // The operating system's file system (POSIX calls, reads through mmap). Never null; lives for
  // the whole process.
  static FileSystem* Default();
};

// Forwards every call to another file system: a base for ones that change a few calls.
class TRAWL_EXPORT FileSystemWrapper : public FileSystem {
 public:
  // `target` null means FileSystem::Default(). It must outlive this wrapper.
  explicit FileSystemWrapper(FileSystem* target = nullptr)
      : target_(target != nullptr ? target : Default()) {}
  FileSystem* target() const { return target_; }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return target_->NewWritableFile(path, out);
  }
  Status NewReadableFile(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    return target_->NewReadableFile(path, out);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status CreateDir(const std::string& path) override { return target_->CreateDir(path); }
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return target_->GetChildren(dir, names);
  }
  Status SyncDirectory(const std::string& dir) override { return target_->SyncDirectory(dir); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    return target_->LockFile(path, lock);
  }
  Status UnlockFile(std::unique_ptr<FileLock> lock) override {
    return target_->UnlockFile(std::move(lock));
  }
  Status GetFileIdentity(const std::string& path, FileIdentity* identity) override {
    return target_->GetFileIdentity(path, identity);
  }

 private:
  FileSystem* target_;
};

}  // namespace trawl

#endif  // TRAWL_FILE_SYSTEM_H_

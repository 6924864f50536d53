// FileSystem: every write, fsync, rename and directory sync the index writer performs goes
// through this interface, so tests (and embedders) can substitute their own — for example one
// that fails the Nth write with ENOSPC, as Lucene's MockDirectoryWrapper does. Calls follow POSIX
// conventions: -1 with errno set on failure. Reads go through mmap and are not routed here.
#ifndef TRAWL_FILE_SYSTEM_H_
#define TRAWL_FILE_SYSTEM_H_

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace trawl {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates a new file for writing (it must not exist); returns a descriptor.
  virtual int CreateExclusive(const std::string& path);
  virtual ssize_t Write(int fd, const void* data, size_t size);
  virtual int Sync(int fd);
  virtual int Close(int fd);
  virtual int Rename(const std::string& from, const std::string& to);
  // fsyncs a directory, making renames and new entries in it durable.
  virtual int SyncDirectory(const std::string& dir);

  // The operating system's file system. Never null; lives for the whole process.
  static FileSystem* Default();
};

}  // namespace trawl

#endif  // TRAWL_FILE_SYSTEM_H_

// trawl-evict: drops files from the page cache, so that the next read of them goes to the disk,
// for measuring a cold start without root.
//
//   trawl-evict PATH...
//
// Every regular file under each PATH (a file, or a directory walked recursively): fdatasync
// (dirty pages cannot be dropped), posix_fadvise(POSIX_FADV_DONTNEED) over the whole file, then
// mincore over a read-only mapping of it (mapping reads nothing) counts the pages still resident.
// A file with resident pages is tried again, up to 3 times. Pages that a running process has
// mapped and touched (a searcher with the index open) cannot be dropped this way.
//
// Prints the files, bytes, and resident pages before and after; exits 1 if any page stayed
// resident (naming each such file), 2 on an error (naming the file). Unlike
// /proc/sys/vm/drop_caches it touches only the given files; what it cannot drop: the kernel's
// cached directory entries and inodes (metadata), and a host's cache under a virtual disk.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct FileError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& path, const char* what) {
  throw FileError{path + ": " + what + ": " + std::strerror(errno)};
}

// Pages of the file resident in the page cache.
size_t ResidentPages(int fd, size_t size, const std::string& path) {
  if (size == 0) return 0;
  void* map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) Fail(path, "mmap");
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((size + page - 1) / page);
  const int rc = mincore(map, size, vec.data());
  const int saved = errno;
  munmap(map, size);
  errno = saved;
  if (rc != 0) Fail(path, "mincore");
  size_t resident = 0;
  for (unsigned char v : vec) resident += v & 1;
  return resident;
}

struct Totals {
  size_t files = 0, bytes = 0, before = 0, after = 0;
  std::vector<std::string> stuck;  // files with pages left
};

void EvictFile(const std::string& path, Totals* totals) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(path, "open");
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  const off_t end = lseek(fd, 0, SEEK_END);
  if (end < 0) Fail(path, "lseek");
  const size_t size = static_cast<size_t>(end);
  const size_t before = ResidentPages(fd, size, path);
  size_t after = before;
  for (int attempt = 0; attempt < 3 && after > 0; ++attempt) {
    if (fdatasync(fd) != 0 && errno != EINVAL) Fail(path, "fdatasync");
    const int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (rc != 0) {
      errno = rc;
      Fail(path, "posix_fadvise");
    }
    after = ResidentPages(fd, size, path);
  }
  ++totals->files;
  totals->bytes += size;
  totals->before += before;
  totals->after += after;
  if (after > 0) totals->stuck.push_back(path + " (" + std::to_string(after) + " pages)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: trawl-evict PATH...\n");
    return 2;
  }
  Totals totals;
  try {
    for (int i = 1; i < argc; ++i) {
      const fs::path root = argv[i];
      std::error_code ec;
      if (fs::is_directory(root, ec)) {
        for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
          if (it->is_regular_file(ec)) EvictFile(it->path().string(), &totals);
        }
        if (ec) throw FileError{root.string() + ": " + ec.message()};
      } else if (fs::is_regular_file(root, ec)) {
        EvictFile(root.string(), &totals);
      } else {
        throw FileError{root.string() + ": not a file or directory"};
      }
    }
  } catch (const FileError& e) {
    std::fprintf(stderr, "trawl-evict: %s\n", e.message.c_str());
    return 2;
  }
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  std::printf("@evict files=%zu bytes=%zu resident_before_bytes=%zu resident_after_bytes=%zu\n", totals.files,
              totals.bytes, totals.before * page, totals.after * page);
  for (const std::string& s : totals.stuck) std::fprintf(stderr, "trawl-evict: still resident: %s\n", s.c_str());
  return totals.stuck.empty() ? 0 : 1;
}

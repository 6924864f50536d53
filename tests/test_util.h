// Helpers shared by the test files.
#ifndef TRAWL_TESTS_TEST_UTIL_H_
#define TRAWL_TESTS_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

#include <trawl/document.h>

namespace trawl {

// The directories FreshTempDir made, removed when the process that made them exits, however
// its tests ended; TRAWL_KEEP_TEMP=1 keeps them to look at. A child the tests fork (a writer
// that a crash test kills, a helper that exits) inherits this object and must not remove them.
class TempDirsRemovedAtExit {
 public:
  static TempDirsRemovedAtExit& Get() {
    static TempDirsRemovedAtExit dirs;
    return dirs;
  }
  void Add(const std::filesystem::path& dir) { dirs_.push_back(dir); }
  ~TempDirsRemovedAtExit() {
    if (::getpid() != owner_ || std::getenv("TRAWL_KEEP_TEMP") != nullptr) return;
    for (const std::filesystem::path& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  }

 private:
  TempDirsRemovedAtExit() : owner_(::getpid()) {}
  const pid_t owner_;
  std::vector<std::filesystem::path> dirs_;
};

// A new empty directory under the system's temp directory, unique to this process and call
// (tests of one binary may run in parallel processes under ctest), removed at the process's
// exit.
inline std::filesystem::path FreshTempDir(const std::string& prefix) {
  static int counter = 0;
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              (prefix + "_" + std::to_string(::getpid()) + "_" +
                               std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TempDirsRemovedAtExit::Get().Add(dir);
  return dir;
}

// Where tests whose subject is not the disk keep their indexes: memory (/dev/shm) when it has
// room, where a file system call costs no I/O and fsync nothing, else the temp directory. A
// killed process's writes survive in memory as on a disk, so crash tests hold there too.
inline std::filesystem::path ScratchRoot() {
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space("/dev/shm", ec);
  if (!ec && space.available >= (1ull << 30) && ::access("/dev/shm", W_OK) == 0)
    return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

// A mkdtemp template under ScratchRoot(): mkdtemp(t.data()) on the returned string.
inline std::string ScratchTemplate(const std::string& prefix) {
  return (ScratchRoot() / (prefix + "_XXXXXX")).string();
}

// `s` quoted for /bin/sh.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes `content` to `path`, creating its directories; returns the path.
inline std::string WriteFileAt(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path.string();
}

// `command` run by /bin/sh in `dir`: std::system's status.
inline int RunIn(const std::filesystem::path& dir, const std::string& command) {
  return std::system(("cd " + Quote(dir.string()) + " && (" + command + ")").c_str());
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// gtest prints fields that differ readably, kind included. In namespace trawl, where gtest looks
// for it beside DocField.
inline void PrintTo(const DocField& f, std::ostream* os) {
  *os << "{" << f.name << " (kind " << static_cast<int>(f.kind) << "): \"" << f.value << "\"}";
}

}  // namespace trawl

#endif  // TRAWL_TESTS_TEST_UTIL_H_

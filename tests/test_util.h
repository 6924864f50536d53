// Helpers shared by the test files.
#ifndef TRAWL_TESTS_TEST_UTIL_H_
#define TRAWL_TESTS_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace trawl {

// A new empty directory under the system's temp directory, unique to this process and call
// (tests of one binary may run in parallel processes under ctest).
inline std::filesystem::path FreshTempDir(const std::string& prefix) {
  static int counter = 0;
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              (prefix + "_" + std::to_string(::getpid()) + "_" +
                               std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
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

}  // namespace trawl

#endif  // TRAWL_TESTS_TEST_UTIL_H_

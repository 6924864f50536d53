// Helpers shared by the fuzz targets that need files: a scratch directory that lives for the
// process (in /dev/shm when there is one, so each execution costs no disk I/O).
#ifndef TRAWL_FUZZ_FUZZ_UTIL_H_
#define TRAWL_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace trawl_fuzz {

// A fresh directory, unique to this process, under /dev/shm or the system's temp directory.
inline std::string ScratchDir(std::string_view name) {
  namespace fs = std::filesystem;
  const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  const fs::path dir = base / ("trawl-fuzz-" + std::string(name) + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  // Removed when the process exits normally (libFuzzer's runs end in exit()).
  static std::vector<fs::path>* made = [] {
    auto* v = new std::vector<fs::path>();
    std::atexit([] {
      std::error_code ignored;
      for (const fs::path& p : *made) fs::remove_all(p, ignored);
    });
    return v;
  }();
  made->push_back(dir);
  return dir.string();
}

inline void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
}

}  // namespace trawl_fuzz

#endif  // TRAWL_FUZZ_FUZZ_UTIL_H_

// Helpers shared by the benchmark programs.
#ifndef TRAWL_BENCH_BENCH_UTIL_H_
#define TRAWL_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "trawl/status.h"

namespace trawl::bench {

inline double NowS() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The machine is shared: the load average goes into every report.
inline std::string LoadAvg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return f ? a + " " + b + " " + c : "?";
}

inline void Check(const trawl::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

// Bytes of the regular files under `dir`.
inline long long DirSize(const std::string& dir) {
  namespace fs = std::filesystem;
  long long size = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) size += static_cast<long long>(it->file_size(ec));
  }
  return size;
}

}  // namespace trawl::bench

#endif  // TRAWL_BENCH_BENCH_UTIL_H_

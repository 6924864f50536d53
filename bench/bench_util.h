// Helpers shared by the benchmark programs.
#ifndef TRAWL_BENCH_BENCH_UTIL_H_
#define TRAWL_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "trawl/status.h"

// CMake passes the project's version; a build without it still says something.
#ifndef TRAWL_VERSION
#define TRAWL_VERSION "unknown"
#endif

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

// The median of the values (the mean of the middle two for an even count); 0 for none. On a
// shared machine it is the robust figure of repeated timings.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A query of the peers harness's classes (../shared/tools/peers/queries.py: term, and2/and3,
// or2/or3, phrase2/phrase3) over `words` in trawl's language, each word prefixed with `field`
// ("text:"; empty: the index's default fields). No words: the empty string (matches nothing).
inline std::string PeerClassQuery(const std::string& cls, const std::vector<std::string>& words,
                                  const std::string& field) {
  if (words.empty()) return "";
  auto starts = [&](const char* p) { return cls.rfind(p, 0) == 0; };
  std::string q;
  if (starts("phrase")) {
    if (words.size() == 1) return field + words[0];
    q = field + "\"";
    for (size_t i = 0; i < words.size(); ++i) q += (i ? " " : "") + words[i];
    return q + "\"";
  }
  const char* prefix;
  if (starts("and")) prefix = "+";
  else if (starts("or") || starts("term")) prefix = "";
  else throw std::runtime_error("unknown query class " + cls);
  for (size_t i = 0; i < words.size(); ++i) q += (i ? " " : "") + std::string(prefix) + field + words[i];
  return q;
}

// One line of a peers query file (queries.py: `class<TAB>words`, the words lowercase a-z
// separated by single spaces): its class, its words as written, and the trawl query string
// (PeerClassQuery with `field`; empty when it has no words).
struct PeerQuery {
  std::string cls;
  std::string text;
  std::string query;
};

// The words of a peers query: the non-empty items between single spaces.
inline std::vector<std::string> SplitSpaces(const std::string& text) {
  std::vector<std::string> words;
  size_t p = 0;
  while (p < text.size()) {
    size_t e = text.find(' ', p);
    if (e == std::string::npos) e = text.size();
    if (e > p) words.push_back(text.substr(p, e - p));
    p = e + 1;
  }
  return words;
}

// The queries of a peers query file in file order ('#' lines and lines without a tab skipped);
// throws when the file cannot be read or holds none.
inline std::vector<PeerQuery> ReadPeerQueryFile(const std::string& file, const std::string& field) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot open " + file);
  std::vector<PeerQuery> queries;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    PeerQuery q{line.substr(0, tab), line.substr(tab + 1), ""};
    q.query = PeerClassQuery(q.cls, SplitSpaces(q.text), field);
    queries.push_back(std::move(q));
  }
  if (queries.empty()) throw std::runtime_error(file + ": no queries");
  return queries;
}

// The non-empty items of a comma-separated list ("TOP_10,COUNT", "1,2").
inline std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> items;
  size_t p = 0;
  while (p <= list.size()) {
    size_t q = list.find(',', p);
    if (q == std::string::npos) q = list.size();
    if (q > p) items.push_back(list.substr(p, q - p));
    p = q + 1;
  }
  return items;
}

}  // namespace trawl::bench

#endif  // TRAWL_BENCH_BENCH_UTIL_H_

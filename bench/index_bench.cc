// trawl-index-bench: indexing throughput, index size and peak memory on JSONL input.
//
//   trawl-index-bench FILE.jsonl... [--threads 1,2] [--memory-mb M] [--dir DIR] [--keep]
//                     [--max-docs N] [--one-field] [--optimize] [--language L] [--no-baseline]
//                     [--repeat K] [--json FILE]
//
// Input: JSONL lines {"id": ..., <field>: "...", ...}. By default every string member except
// "id" becomes a field in input order (title, body), as trawl-index does; --one-field indexes
// one field `text` = title + "\n" + body instead, as the peers adapter does (the configuration
// the Lucene and Xapian numbers of ../shared/tools/peers are measured in). --max-docs reads only
// the first N lines (trawl-gen-corpus output for N docs is a prefix of any larger one).
//
// Each run is a child process (fork), so its peak RSS (wait4's ru_maxrss) and CPU time are its
// own. Runs, in order:
//   parse  (baseline, unless --no-baseline) reads and parses the input and builds every Document
//          exactly as the index runs do, without indexing: the cost of the input side, and it
//          leaves the input in the page cache for the runs after it
//   index  once per --threads value (default 1,2): IndexWriter::Open on an empty DIR/threads-T,
//          Add every document, Commit (and with --optimize, Optimize to one segment, timed
//          apart). Memory budget --memory-mb (default 1024, shared by the workers).
// docs/s and MB/s are over wall time from Open to the end of Commit (Optimize excluded; the
// "+opt" column has it). MB/s counts input bytes (the JSONL); "text" is the bytes of the field
// values. Index size is every file in the index directory after the commit (keep_commits = 1,
// so no previous commit's files are counted). speedup = docs/s of the run / docs/s of the first
// index run. The index directories are removed after measuring unless --keep. --repeat K runs
// every configuration K times (interleaved) and reports the run of median wall time (min_s is
// the fastest; peak RSS is the largest of the K).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/status.h"

namespace {

namespace fs = std::filesystem;
using trawl::bench::Check;
using trawl::bench::DirSize;
using trawl::bench::LoadAvg;
using trawl::bench::NowS;
using trawl::bench::SplitCommas;
using std::string;
using std::vector;

struct Options {
  vector<string> files;
  vector<uint32_t> threads{1, 2};
  size_t memory_mb = 1024;
  string dir = "/tmp/trawl-index-bench";
  bool keep = false, one_field = false, optimize = false, baseline = true;
  int repeat = 1;
  uint64_t max_docs = 0;
  string language = "english";
  string json;
};

// What a child reports back (through a pipe, as JSON).
struct RunResult {
  string name;
  uint32_t threads = 0;
  uint64_t docs = 0, input_bytes = 0, text_bytes = 0;
  double wall_s = 0, optimize_s = 0;
  // filled by the parent
  double cpu_s = 0, maxrss_mb = 0, min_wall_s = 0;
  uint64_t index_bytes = 0, segments = 0;
  std::map<string, uint64_t> bytes_by_kind;
};

// Reads every input line (up to --max-docs) into a Document and calls fn(doc).
template <typename Fn>
void ReadDocs(const Options& o, RunResult* r, Fn&& fn) {
  static char iobuf[1 << 20];
  string line;
  trawl::Document doc;
  for (const string& file : o.files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + file);
    in.rdbuf()->pubsetbuf(iobuf, sizeof iobuf);
    uint64_t lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (o.max_docs && r->docs >= o.max_docs) return;
      r->input_bytes += line.size() + 1;
      if (line.empty()) continue;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const std::exception& e) {
        throw std::runtime_error(file + ":" + std::to_string(lineno) + ": " + e.what());
      }
      doc.id = j.at("id").get<string>();
      if (o.one_field) {
        doc.fields.resize(1);
        doc.fields[0].name = "text";
        string& text = doc.fields[0].value;
        text = j.contains("title") ? j["title"].get<string>() : string();
        text += '\n';
        if (j.contains("body")) text += j["body"].get_ref<const string&>();
        r->text_bytes += text.size() - 1;
      } else {
        doc.fields.clear();
        for (auto it = j.begin(); it != j.end(); ++it) {
          if (it.key() == "id" || !it->is_string()) continue;
          doc.fields.emplace_back(it.key(), std::move(it->get_ref<string&>()));
          r->text_bytes += doc.fields.back().value.size();
        }
      }
      fn(doc);
      ++r->docs;
    }
  }
}

RunResult ParseOnly(const Options& o) {
  RunResult r;
  r.name = "parse";
  const double t0 = NowS();
  ReadDocs(o, &r, [](const trawl::Document&) {});
  r.wall_s = NowS() - t0;
  return r;
}

RunResult Index(const Options& o, uint32_t threads, const string& dir) {
  RunResult r;
  r.name = "index";
  r.threads = threads;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(fs::path(dir).parent_path(), ec);
  trawl::IndexWriterOptions wo;
  wo.language = o.language;
  wo.memory_budget_bytes = o.memory_mb << 20;
  wo.threads = threads;
  wo.keep_commits = 1;
  const double t0 = NowS();
  std::unique_ptr<trawl::IndexWriter> writer;
  Check(trawl::IndexWriter::Open(dir, wo, &writer), "open " + dir);
  ReadDocs(o, &r, [&](const trawl::Document& d) { Check(writer->Add(d), "add " + d.id); });
  Check(writer->Commit(), "commit");
  r.wall_s = NowS() - t0;
  if (o.optimize) {
    const double t1 = NowS();
    Check(writer->Optimize(), "optimize");
    r.optimize_s = NowS() - t1;
  }
  return r;
}

nlohmann::json ToJson(const RunResult& r) {
  return {{"name", r.name},       {"threads", r.threads},         {"docs", r.docs},
          {"input_bytes", r.input_bytes}, {"text_bytes", r.text_bytes}, {"wall_s", r.wall_s},
          {"optimize_s", r.optimize_s}};
}

// Runs fn in a child process; returns its result with the child's CPU time and peak RSS.
template <typename Fn>
RunResult InChild(Fn&& fn) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(string("pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    int rc = 0;
    string out;
    try {
      out = ToJson(fn()).dump();
    } catch (const std::exception& e) {
      out = nlohmann::json{{"error", e.what()}}.dump();
      rc = 1;
    }
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = ::write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::close(fds[1]);
    ::_exit(rc);
  }
  ::close(fds[1]);
  string got;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  struct rusage ru {};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  if (got.empty())
    throw std::runtime_error("benchmark child died (status " + std::to_string(status) + ")");
  const nlohmann::json j = nlohmann::json::parse(got);
  if (j.contains("error")) throw std::runtime_error(j["error"].get<string>());
  RunResult r;
  r.name = j["name"];
  r.threads = j["threads"];
  r.docs = j["docs"];
  r.input_bytes = j["input_bytes"];
  r.text_bytes = j["text_bytes"];
  r.wall_s = j["wall_s"];
  r.optimize_s = j["optimize_s"];
  r.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  r.maxrss_mb = ru.ru_maxrss / 1024.0;
  return r;
}

void MeasureDir(const string& dir, RunResult* r) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const uint64_t n = it->file_size(ec);
    r->index_bytes += n;
    string ext = it->path().extension().string();
    if (ext.empty()) ext = it->path().filename().string();
    if (ext == ".meta") ++r->segments;
    r->bytes_by_kind[ext] += n;
  }
}

uint64_t InputFileBytes(const vector<string>& files) {
  uint64_t bytes = 0;
  for (const auto& f : files) {
    std::error_code ec;
    const auto n = fs::file_size(f, ec);
    if (ec) throw std::runtime_error("cannot stat " + f);
    bytes += n;
  }
  return bytes;
}

// Every configuration (the baseline, then each thread count) --repeat times, each in a child;
// per configuration the run of median wall time, with the fastest time and the largest RSS.
vector<RunResult> MeasureRuns(const Options& o) {
  // Repetitions are interleaved (every configuration once, then again), so that a burst of load
  // from elsewhere on the machine spreads over the configurations; each reports its median.
  const size_t nconf = (o.baseline ? 1 : 0) + o.threads.size();
  vector<vector<RunResult>> reps(nconf);
  for (int rep = 0; rep < o.repeat; ++rep) {
    size_t k = 0;
    if (o.baseline) {
      std::fprintf(stderr, "trawl-index-bench: parse-only baseline...\n");
      reps[k++].push_back(InChild([&] { return ParseOnly(o); }));
    }
    for (uint32_t t : o.threads) {
      const string dir = o.dir + "/threads-" + std::to_string(t);
      std::fprintf(stderr, "trawl-index-bench: indexing with %u thread(s) into %s...\n", t, dir.c_str());
      RunResult r = InChild([&] { return Index(o, t, dir); });
      MeasureDir(dir, &r);
      if (!o.keep || rep + 1 < o.repeat) {
        std::error_code ec;
        fs::remove_all(dir, ec);
      }
      reps[k++].push_back(std::move(r));
    }
  }
  vector<RunResult> runs;
  for (auto& v : reps) {
    std::sort(v.begin(), v.end(), [](const RunResult& a, const RunResult& b) { return a.wall_s < b.wall_s; });
    RunResult r = v[v.size() / 2];  // the median run (upper median for an even count)
    r.min_wall_s = v.front().wall_s;
    for (const auto& x : v) r.maxrss_mb = std::max(r.maxrss_mb, x.maxrss_mb);
    runs.push_back(std::move(r));
  }
  return runs;
}

void PrintReport(const Options& o, const vector<RunResult>& runs, uint64_t file_bytes, const string& load_before,
                 const string& load_after) {
  const RunResult& any = runs.back();
  string files;
  for (const auto& f : o.files) files += (files.empty() ? "" : " ") + f;
  std::printf(
      "trawl %s index bench: %s: %llu docs, %.1f MB input (%.1f MB of files), %.1f MB text; fields %s; "
      "language %s; memory budget %zu MB%s\n",
      TRAWL_VERSION, files.c_str(), static_cast<unsigned long long>(any.docs), any.input_bytes / 1e6,
      file_bytes / 1e6, any.text_bytes / 1e6, o.one_field ? "text (title + body)" : "as in the input",
      o.language.c_str(), o.memory_mb, o.optimize ? "; optimized to one segment" : "");
  std::printf("load average before %s, after %s (%u cores)\n", load_before.c_str(), load_after.c_str(),
              std::thread::hardware_concurrency());
  std::printf("%-6s %7s %8s %8s %8s %9s %7s %7s %8s %9s %9s %8s %8s %8s %5s\n", "run", "threads", "wall_s", "min_s", "cpu_s",
              "docs/s", "MB/s", "speedup", "+opt_s", "index_MB", "bytes/doc", "idx/text", "idx/input", "peakRSS",
              "segs");
  double base_dps = 0;
  for (const auto& r : runs) {
    const double dps = r.docs / r.wall_s, mbps = r.input_bytes / 1e6 / r.wall_s;
    if (r.name == "parse") {
      std::printf("%-6s %7s %8.2f %8.2f %8.2f %9.0f %7.2f %7s %8s %9s %9s %8s %8s %7.0fM %5s\n", "parse", "-",
                  r.wall_s, r.min_wall_s, r.cpu_s, dps, mbps, "-", "-", "-", "-", "-", "-", r.maxrss_mb, "-");
      continue;
    }
    if (base_dps == 0) base_dps = dps;
    char opt[32] = "-";
    if (o.optimize) std::snprintf(opt, sizeof opt, "%.2f", r.optimize_s);
    std::printf("%-6s %7u %8.2f %8.2f %8.2f %9.0f %7.2f %6.2fx %8s %9.1f %9.0f %8.3f %8.3f %7.0fM %5llu\n",
                "index", r.threads, r.wall_s, r.min_wall_s, r.cpu_s, dps, mbps, dps / base_dps, opt, r.index_bytes / 1e6,
                static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.docs),
                static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.text_bytes),
                static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.input_bytes), r.maxrss_mb,
                static_cast<unsigned long long>(r.segments));
  }
  // Index size by file kind (the last index run).
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
    if (it->name != "index") continue;
    std::printf("index bytes by file kind (threads %u):", it->threads);
    for (const auto& [k, n] : it->bytes_by_kind)
      std::printf(" %s %.1f MB (%.0f B/doc)", k.c_str(), n / 1e6, static_cast<double>(n) / std::max<uint64_t>(1, it->docs));
    std::printf("\n");
    break;
  }
}

void WriteJson(const Options& o, const vector<RunResult>& runs, uint64_t file_bytes, const string& load_before,
               const string& load_after) {
  nlohmann::ordered_json j;
  j["engine"] = "trawl";
  j["version"] = TRAWL_VERSION;
  j["files"] = o.files;
  j["file_bytes"] = file_bytes;
  j["memory_mb"] = o.memory_mb;
  j["one_field"] = o.one_field;
  j["language"] = o.language;
  j["optimize"] = o.optimize;
  j["loadavg_before"] = load_before;
  j["loadavg_after"] = load_after;
  nlohmann::ordered_json jr = nlohmann::ordered_json::array();
  double b = 0;
  for (const auto& r : runs) {
    const double dps = r.docs / r.wall_s;
    if (r.name == "index" && b == 0) b = dps;
    nlohmann::ordered_json e = {{"run", r.name},
                                {"threads", r.threads},
                                {"docs", r.docs},
                                {"input_bytes", r.input_bytes},
                                {"text_bytes", r.text_bytes},
                                {"wall_s", r.wall_s},
                                {"min_wall_s", r.min_wall_s},
                                {"repeat", o.repeat},
                                {"cpu_s", r.cpu_s},
                                {"docs_per_s", dps},
                                {"mb_per_s", r.input_bytes / 1e6 / r.wall_s},
                                {"peak_rss_mb", r.maxrss_mb}};
    if (r.name == "index") {
      e["speedup"] = dps / b;
      e["optimize_s"] = r.optimize_s;
      e["index_bytes"] = r.index_bytes;
      e["bytes_per_doc"] = static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.docs);
      e["index_to_text"] = static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.text_bytes);
      e["index_to_input"] = static_cast<double>(r.index_bytes) / std::max<uint64_t>(1, r.input_bytes);
      e["segments"] = r.segments;
      e["bytes_by_kind"] = r.bytes_by_kind;
    }
    jr.push_back(std::move(e));
  }
  j["runs"] = std::move(jr);
  std::ofstream f(o.json);
  f << j.dump(1) << "\n";
  if (!f) throw std::runtime_error("cannot write " + o.json);
}

int Run(const Options& o) {
  const uint64_t file_bytes = InputFileBytes(o.files);
  const string load_before = LoadAvg();
  const vector<RunResult> runs = MeasureRuns(o);
  const string load_after = LoadAvg();
  if (runs.empty()) return 0;
  PrintReport(o, runs, file_bytes, load_before, load_after);
  if (!o.json.empty()) WriteJson(o, runs, file_bytes, load_before, load_after);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: trawl-index-bench FILE.jsonl... [--threads 1,2] [--memory-mb M] [--dir DIR] [--keep]\n"
      "         [--max-docs N] [--one-field] [--optimize] [--language L] [--no-baseline] [--repeat K]\n"
      "         [--json FILE]\n";
  try {
    Options o;
    vector<string> a(argv + 1, argv + argc);
    for (size_t i = 0; i < a.size(); ++i) {
      const bool has = i + 1 < a.size();
      if (a[i] == "--keep") o.keep = true;
      else if (a[i] == "--one-field") o.one_field = true;
      else if (a[i] == "--optimize") o.optimize = true;
      else if (a[i] == "--no-baseline") o.baseline = false;
      else if (a[i] == "--threads" && has) {
        o.threads.clear();
        const string s = a[++i];
        for (const string& item : SplitCommas(s)) {
          const int t = std::atoi(item.c_str());
          if (t < 1) throw std::runtime_error("bad --threads " + s);
          o.threads.push_back(static_cast<uint32_t>(t));
        }
      } else if (a[i] == "--memory-mb" && has) o.memory_mb = std::strtoull(a[++i].c_str(), nullptr, 10);
      else if (a[i] == "--dir" && has) o.dir = a[++i];
      else if (a[i] == "--repeat" && has) o.repeat = std::max(1, std::atoi(a[++i].c_str()));
      else if (a[i] == "--max-docs" && has) o.max_docs = std::strtoull(a[++i].c_str(), nullptr, 10);
      else if (a[i] == "--language" && has) o.language = a[++i];
      else if (a[i] == "--json" && has) o.json = a[++i];
      else if (!a[i].empty() && a[i][0] == '-') {
        std::cerr << "unknown option " << a[i] << "\n" << usage;
        return 2;
      } else o.files.push_back(a[i]);
    }
    if (o.files.empty()) {
      std::cerr << usage;
      return 2;
    }
    return Run(o);
  } catch (const std::exception& e) {
    std::cerr << "trawl-index-bench: " << e.what() << "\n";
    return 1;
  }
}

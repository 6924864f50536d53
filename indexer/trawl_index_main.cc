// trawl-index: adds files, directories, archives, mail and JSONL to an index. A thin layer over
// IndexWriter and ReadInput: flags, progress and the summary live here, no indexing logic.
//
// Exit status: 0 all input indexed and committed; 1 failed (bad flags, an unreadable index, a
// bad JSONL line without --skip-errors, a failed commit): nothing committed, or with
// --commit-every only what the commits before the failure committed, as the error says; 2
// committed, but some input was skipped (the summary says what and why).
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cctype>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "indexer/mpi_driver.h"
#include "ingest/input_reader.h"
#include "trawl/backup.h"
#include "trawl/document.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"
#include "trawl/shards.h"
#include "trawl/status.h"
#include "trawl/verify.h"

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace trawl {
namespace {

constexpr char kProgram[] = "trawl-index";
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitSkipped = 2;

using Clock = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::cerr << kProgram << ": error: " << message << "\n";
  return kExitFailed;
}

int64_t DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

// --verify: a report on stdout, one line per problem; exit 1 when anything is wrong.
int RunVerify(const std::string& dir, bool all_commits) {
  VerifyReport report;
  Status s = VerifyIndex(dir, all_commits, &report);
  if (!s.ok()) return Fail(s.message());
  for (const std::string& p : report.problems) std::cout << "damaged: " << p << "\n";
  std::cout << (report.ok() ? "ok" : "FAILED") << ": " << report.commits_checked << " commit(s), "
            << report.segments_checked << " segment(s), " << report.documents << " documents, "
            << report.problems.size() << " problem(s)\n";
  return report.ok() ? kExitOk : kExitFailed;
}

// The message alone where it already says what went wrong ("x.jsonl:3: ..."); the kind in
// front where it adds something ("Corruption: ...", "Busy: ...").
std::string ErrorText(const Status& s) {
  if (s.IsInvalidArgument() || s.IsNotFound()) return s.message();
  return s.ToString();
}

// --backup DEST: the current commit's files linked (or copied) into DEST; safe while a writer
// goes on (trawl/backup.h).
int RunBackup(const std::string& dir, const std::string& dest) {
  BackupResult result;
  const Status s = BackupIndex(dir, dest, &result);
  if (!s.ok()) return Fail(ErrorText(s));
  std::cout << "backed up generation " << result.commit.generation << " ("
            << result.commit.documents << " documents, " << result.commit.files.size()
            << " files, " << result.commit.bytes << " bytes: " << result.linked << " linked, "
            << result.copied << " copied) to " << dest << "\n";
  return kExitOk;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string FormatBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1000 * 1000) {
    std::snprintf(buf, sizeof(buf), "%.1f KB", bytes / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MB", bytes / 1e6);
  }
  return buf;
}

// "16G", "500M", "64k" (binary units) or plain bytes; false if `text` is none of these.
bool ParseSize(const std::string& text, uint64_t* bytes) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  size_t end = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &end);
  } catch (const std::exception&) {
    return false;
  }
  int shift = 0;
  if (end < text.size()) {
    const char* units = "KMGT";
    const char* unit = std::strchr(units, std::toupper(static_cast<unsigned char>(text[end])));
    if (unit == nullptr || *unit == '\0') return false;
    shift = 10 * static_cast<int>(unit - units + 1);
    ++end;
    if (end < text.size() && (text[end] == 'B' || text[end] == 'b')) ++end;  // "16GB"
    if (end != text.size()) return false;
  }
  if (value > (std::numeric_limits<uint64_t>::max() >> shift)) return false;
  *bytes = static_cast<uint64_t>(value) << shift;
  return true;
}

std::string Format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c);
  return buf;
}

// One refreshed line on a terminal: enough to see that a long run is alive and how fast it goes.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(Clock::now()) {}

  void SetInput(const std::string& input) { input_ = input; }

  // Cheap enough to call for every document: it redraws at most four times a second. `current`
  // is the file or archive member being read, if the reader says (else the INPUT).
  void Update(uint64_t documents, uint64_t bytes, const std::string& current) {
    if (!enabled_) return;
    const Clock::time_point now = Clock::now();
    if (shown_ && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    shown_ = true;
    const double secs = std::max(Seconds(now - start_), 1e-3);
    std::string name = current.empty() ? input_ : current;
    if (name.size() > 60) name = "..." + name.substr(name.size() - 57);
    std::cerr << "\r" << documents << " docs, "
              << Format("%.1f MB, %.0f docs/s", bytes / 1e6, documents / secs) << ", " << name
              << "\x1b[K" << std::flush;
  }

  // Commit writes the last segment and fsyncs everything, which can take a while: say so.
  void Committing(uint64_t documents) {
    if (!enabled_) return;
    std::cerr << "\r" << documents << " docs, committing..."
              << "\x1b[K" << std::flush;
    shown_ = true;
  }

  // Erases the line so that the summary starts on a clean one.
  void Clear() {
    if (enabled_ && shown_) std::cerr << "\r\x1b[K" << std::flush;
    shown_ = false;
  }

 private:
  const bool enabled_;
  const Clock::time_point start_;
  Clock::time_point last_;
  bool shown_ = false;
  std::string input_;
};

// The skip reasons in the order the summaries list them: the name in --json-summary, the words
// on stderr, the count.
struct SkipReason {
  const char* key;
  const char* words;
  uint64_t count;
};

std::vector<SkipReason> SkipReasons(const InputStats& stats) {
  return {{"binary", "binary", stats.skipped_binary},
          {"bad_encoding", "bad encoding", stats.skipped_bad_encoding},
          {"too_large", "too large", stats.skipped_too_large},
          {"bad_json", "bad JSON", stats.skipped_bad_json},
          {"bad_value", "values not of their field's type", stats.skipped_bad_value},
          {"unreadable", "unreadable or damaged", stats.skipped_unreadable},
          {"empty", "empty", stats.skipped_empty},
          {"nested_archive", "nested archives (see --recurse-archives)", stats.skipped_nested},
          {"over_limit", "stopped at a decompression limit", stats.skipped_over_limit}};
}

uint64_t Skipped(const InputStats& stats) {
  uint64_t total = 0;
  for (const SkipReason& r : SkipReasons(stats)) total += r.count;
  return total;
}

// Everything the summaries report about one run.
struct RunSummary {
  const InputStats* stats = nullptr;
  uint64_t indexed = 0;
  uint64_t deleted_ids = 0;
  uint64_t deleted_by_query = 0;  // documents --delete-query matched
  uint64_t other_parts = 0;       // documents --part left to the other parts
  uint64_t max_document_bytes = 0;
  double seconds = 0;
  std::string index_dir;
  uint64_t committed = 0;  // documents in the index's current commit
  uint64_t index_bytes = 0;
  int exit_code = 0;
  std::string error;  // why the run failed (exit_code 1)
};

// The bytes of the files in the index directory (all retained commits).
uint64_t DirectoryBytes(const std::string& dir) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const uintmax_t size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

void PrintSummary(const RunSummary& r) {
  const InputStats& stats = *r.stats;
  const double s = std::max(r.seconds, 1e-6);
  std::cerr << "indexed " << r.indexed << " documents, " << FormatBytes(stats.bytes_read)
            << Format(" read in %.2f s (%.0f docs/s, ", r.seconds, r.indexed / s)
            << Format("%.1f MB/s)", stats.bytes_read / 1e6 / s) << "\n";
  const uint64_t skipped = Skipped(stats);
  if (skipped > 0) {
    std::cerr << "skipped " << skipped << ":";
    const char* sep = " ";
    for (const SkipReason& reason : SkipReasons(stats)) {
      if (reason.count == 0) continue;
      std::cerr << sep << reason.count << " " << reason.words;
      sep = ", ";
    }
    std::cerr << "\n";
  }
  if (r.other_parts > 0) {
    std::cerr << "left " << r.other_parts << " documents to the other parts (--part)\n";
  }
  if (stats.excluded > 0) {
    std::cerr << "excluded " << stats.excluded << " files and members (--include/--exclude)\n";
  }
  if (stats.truncated > 0) {
    std::cerr << "truncated " << stats.truncated << " documents over the size limit ("
              << FormatBytes(r.max_document_bytes) << ", --max-doc-bytes; HTML pages 16 MiB)\n";
  }
  std::cerr << "index " << r.index_dir << ": " << r.committed << " documents, "
            << FormatBytes(r.index_bytes) << "\n";
}

// The --json-summary object.
nlohmann::ordered_json JsonSummary(const RunSummary& r) {
  const InputStats& stats = *r.stats;
  const double s = std::max(r.seconds, 1e-6);
  nlohmann::ordered_json j;
  j["status"] = r.exit_code == kExitOk ? "ok" : r.exit_code == kExitSkipped ? "skipped" : "failed";
  j["exit_code"] = r.exit_code;
  if (!r.error.empty()) j["error"] = r.error;
  j["documents"] = r.indexed;
  j["truncated"] = stats.truncated;
  nlohmann::ordered_json skipped;
  skipped["total"] = Skipped(stats);
  for (const SkipReason& reason : SkipReasons(stats)) skipped[reason.key] = reason.count;
  j["skipped"] = std::move(skipped);
  j["excluded"] = stats.excluded;
  j["other_parts"] = r.other_parts;
  j["deleted"] = r.deleted_ids;
  j["deleted_by_query"] = r.deleted_by_query;
  j["bytes_read"] = stats.bytes_read;
  j["input_bytes"] = stats.input_bytes;
  j["seconds"] = r.seconds;
  j["docs_per_second"] = r.indexed / s;
  j["bytes_per_second"] = stats.bytes_read / s;
  j["index"] = {{"path", r.index_dir}, {"documents", r.committed}, {"bytes", r.index_bytes}};
  j["messages"] = stats.messages;
  j["messages_dropped"] = stats.messages_dropped;
  return j;
}

// --json-summary: one line of JSON on stdout, for scripts.
void PrintJsonSummary(const RunSummary& r) {
  // Paths need not be UTF-8: replace what is not rather than throw.
  std::cout << JsonSummary(r).dump(-1, ' ', false,
                                   nlohmann::ordered_json::error_handler_t::replace)
            << std::endl;
}

// Without --verbose, the warnings shown before "... and N more": a directory full of binary
// files must not bury the answer under a screen of "binary file" lines; the summary's counts per
// reason follow.
constexpr size_t kFewMessages = 10;

void PrintMessages(const InputStats& stats, bool verbose) {
  // Each message already says what was skipped and why ("x.jsonl:3: ...", "f: binary file").
  const size_t shown =
      verbose ? stats.messages.size() : std::min(stats.messages.size(), kFewMessages);
  for (size_t i = 0; i < shown; ++i) {
    std::cerr << kProgram << ": warning: " << stats.messages[i] << "\n";
  }
  const uint64_t more = stats.messages.size() - shown + stats.messages_dropped;
  if (more > 0) {
    std::cerr << kProgram << ": warning: ... and " << more << " more"
              << (shown < stats.messages.size() ? " (--verbose shows each)" : "") << "\n";
  }
}

// The command line, as given.
struct Flags {
  std::string index_dir, language, stopwords, tokenizer;
  uint32_t merge_factor = 10;
  uint32_t max_token_chars = 255;
  uint64_t memory_mb = 512;
  int64_t threads = 1;
  uint64_t commit_every = 0;
  std::vector<std::string> inputs, delete_ids, delete_queries;
  std::string delete_from;
  std::string schema_file;
  std::string backup_dest;
  // --part I/N as typed; CheckFlags parses it into part_index and part_count (1: no parts).
  std::string part;
  uint32_t part_index = 0, part_count = 1;
  // --mpi: build the shard set DIR/part-* on the ranks of an MPI job, in --parts parts (0: one
  // per rank).
  bool mpi = false;
  uint32_t parts = 0;
  // A part of an --mpi job: the driver reports a failure, naming the part, instead of the run.
  bool part_of_job = false;
  Schema schema;  // read from schema_file by CheckFlags
  InputOptions input_options;
  // Sizes as typed ("16G"); CheckFlags puts them into input_options.
  std::string max_decompressed, max_doc_bytes;
  // --store-block as typed ("4K"), and parsed by CheckFlags.
  std::string store_block;
  uint64_t store_block_bytes = 4096;
  int store_level = 6;
  int store_large_level = 3;
  bool verify = false, verify_all = false, optimize = false;
  bool quiet = false, verbose = false, json_summary = false;
  bool force = false;
  bool ascii_folding = false;
  bool merge_in_commit = false;
};

// The options --help lists, writing into *flags.
po::options_description VisibleOptions(Flags* flags) {
  po::options_description visible(
      "Usage: trawl-index --index DIR [options] INPUT...\n\n"
      "Adds documents to the index in DIR, creating it if needed, and commits them at once\n"
      "(or every --commit-every N): readers see all of this run's documents or none.\n\n"
      "INPUT is a file, a directory (read recursively), an archive (.tar, .tar.gz/.tgz,\n"
      ".tar.bz2, .tar.xz, .tar.zst, .zip), a compressed file (.gz, .bz2, .xz, .zst: read like\n"
      "the file without the suffix), JSONL (.jsonl: one {\"id\", \"title\", \"body\", ...}\n"
      "object a line), mail (.mbox: a document a message, id FILE#MESSAGE-ID), HTML (.html,\n"
      ".htm: the visible text) or - for JSONL on stdin. A file becomes a document with id =\n"
      "its path, an archive member one with id = ARCHIVE!MEMBER. Adding an id that exists\n"
      "replaces that document.\n\n"
      "Exit status: 0 success; 1 failure, nothing committed (with --commit-every: nothing\n"
      "after the last \"committed N\"); 2 committed, but some input was\n"
      "skipped (binary, badly encoded, empty, unreadable or damaged files, nested archives,\n"
      "decompression limits, over-long JSONL lines; bad JSONL lines with --skip-errors).\n"
      "Truncated documents are indexed (cut) and do not change the status.\n\n"
      "Options");
  InputOptions& input = flags->input_options;
  // clang-format off
  visible.add_options()
      ("index", po::value(&flags->index_dir)->value_name("DIR"), "index directory (required)")
      ("language", po::value(&flags->language)->value_name("NAME")->default_value("english"),
       "Snowball stemmer language, or none (only when creating the index; an existing index "
       "keeps its analyzer)")
      ("stopwords", po::value(&flags->stopwords)->value_name("LIST")->default_value(""),
       "stop words: empty for none, english, or a file with one word a line (only when "
       "creating)")
      ("tokenizer", po::value(&flags->tokenizer)->value_name("NAME")->default_value("simple"),
       "simple: runs of letters and digits; standard: Unicode word boundaries as Lucene's "
       "StandardTokenizer (keeps don't, e.g, 3.14, 1,000 whole; strips English possessives) "
       "(only when creating)")
      ("ascii-folding", "fold tokens to ASCII as Lucene's ASCIIFoldingFilter (cafe matches "
       "café, strasse straße) (only when creating; a schema's text field may set its own "
       "analyzer)")
      ("max-token-chars", po::value(&flags->max_token_chars)->value_name("N")->default_value(255),
       "longer tokens are not indexed (only when creating)")
      ("memory-mb", po::value(&flags->memory_mb)->value_name("M")->default_value(1024),
       "indexing memory budget: buffered documents are written out as a segment beyond it")
      ("threads", po::value(&flags->threads)->value_name("N")->default_value(DefaultThreads()),
       "indexing threads (default: all cores); each builds its own segments")
      ("commit-every", po::value(&flags->commit_every)->value_name("N")->default_value(0),
       "commit after every N documents (0: once at the end); prints \"committed N\" on "
       "stdout after each commit, so work up to the last one survives an interruption")
      ("delete", po::value(&flags->delete_ids)->value_name("ID")->multitoken(),
       "delete the documents with these ids (before adding INPUTs)")
      ("delete-from", po::value(&flags->delete_from)->value_name("FILE"),
       "delete the ids listed in FILE, one per line")
      ("optimize", "merge the index into one segment (after adding INPUTs)")
      ("merge", "same as --optimize")
      ("store-block", po::value(&flags->store_block)->value_name("SIZE")->default_value("4K"),
       "stored documents are compressed in blocks of about SIZE (1K to 1M): smaller blocks "
       "read a hit's id, title and snippet faster and take more space")
      ("store-level", po::value(&flags->store_level)->value_name("N")->default_value(6),
       "zstd level of the blocks of stored documents (1 to 19): higher is smaller and indexes "
       "slower")
      ("store-large-level",
       po::value(&flags->store_large_level)->value_name("N")->default_value(3),
       "zstd level of the stored values of 4 KiB or more that are compressed apart from their "
       "block (1 to 19): large values are most of the bytes of a corpus of long documents")
      ("merge-factor", po::value(&flags->merge_factor)->value_name("F")->default_value(10),
       "at each commit, every F adjacent segments of similar size merge into one, so an index "
       "has about F-1 segments per power of F documents (0: merge only on --optimize)")
      ("merge-in-commit", "run merges inside each commit, which then waits for them, instead "
       "of on a background thread while indexing goes on (either way the run ends once the "
       "merges its commits call for are done)")
      ("delete-query", po::value(&flags->delete_queries)->value_name("QUERY")->composing(),
       "delete every committed document that QUERY matches (repeatable; before INPUTs are "
       "added), e.g. --delete-query 'date:<2020-01-01'")
      ("schema", po::value(&flags->schema_file)->value_name("FILE"),
       "the index's fields and their types, a JSON file {\"fields\": {NAME: {\"type\": "
       "\"text|keyword|int|float|date|bool|stored\", ...}}} (see docs/architecture.md); for "
       "an existing index, fields it lacks are added and a changed field is refused")
      ("part", po::value(&flags->part)->value_name("I/N"),
       "index only the documents whose id hashes to part I of N (0 <= I < N; 64-bit FNV-1a of "
       "the id, modulo N), and delete only such ids: N runs on the same inputs, one per I, build "
       "N disjoint shards whose union is the whole input (trawl-search --index on each, or a "
       "shards.json naming them, searches them as one; docs/scaling.md)")
      ("mpi", "build a shard set in DIR on the ranks of an MPI job (mpirun -np R trawl-index "
       "--mpi ...): parts DIR/part-I as --part I/P builds them, handed out to the ranks as they "
       "become free, then DIR/shards.json naming them once all have committed; a rerun after a "
       "failure keeps the parts that committed and builds the others (docs/scaling.md)")
      ("parts", po::value(&flags->parts)->value_name("P"),
       "with --mpi, the number of parts (default: the number of ranks); more parts than ranks "
       "balances uneven inputs and machines, at the cost of each part reading all inputs")
      ("force", "create the index even in a directory that holds other files and no index "
       "(refused otherwise; only the index's own file names are ever touched)")
      ("verify", "check every checksum and the structure of the current commit; exit 1 and "
       "name the damaged files if anything is wrong")
      ("verify-all", "like --verify, for every retained commit")
      ("backup", po::value(&flags->backup_dest)->value_name("DEST"),
       "copy the current commit into DEST, a new or empty directory (hard links where the file "
       "system allows, else copies; consistent while another process writes) and exit")
      ("skip-errors", "skip bad JSONL lines (counted, exit status 2) instead of failing")
      ("json-summary", "print the summary as one line of JSON on stdout (also when the run "
       "fails), for scripts")
      ("max-doc-bytes", po::value(&flags->max_doc_bytes)->value_name("SIZE")->default_value("64M"),
       "documents larger than this are truncated to it (and counted); a JSONL line over twice "
       "this is skipped")
      ("include", po::value(&input.include)->value_name("GLOB")->composing(),
       "read only the files and archive members whose path matches (repeatable; fnmatch, "
       "'*' matches '/' too, a GLOB without '/' also matches the bare file name)")
      ("exclude", po::value(&input.exclude)->value_name("GLOB")->composing(),
       "skip the files, archive members and archives whose path matches (repeatable)")
      ("recurse-archives", "also open archives inside archives")
      ("max-decompressed",
       po::value(&flags->max_decompressed)->value_name("SIZE")->default_value("16G"),
       "stop reading an input file after this much decompressed data (e.g. 500M, 16G)")
      ("max-compression-ratio",
       po::value(&input.max_compression_ratio)->value_name("N")->default_value(200),
       "stop reading an input file that decompresses to more than N times the bytes read of it, "
       "once 16 MiB have come out (a compression bomb); 0 for no limit")
      ("max-archive-members",
       po::value(&input.max_archive_members)->value_name("N")->default_value(10000000),
       "stop reading an input file after this many archive members")
      ("quiet,q", "no progress line and no summary")
      ("verbose,v", "a warning for every item skipped (default: the first 10, then how many "
       "more; the summary counts them by reason)")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  return visible;
}

// Fills *flags from the command line. Returns the exit status when the program ends here
// (--help, --version, a flag it does not know), nothing when it goes on.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  const po::options_description visible = VisibleOptions(flags);
  po::options_description hidden;
  hidden.add_options()("input", po::value(&flags->inputs)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("input", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Fail(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << kProgram << " " << TRAWL_VERSION << "\n";
    return kExitOk;
  }
  flags->verify = vm.count("verify") > 0;
  flags->verify_all = vm.count("verify-all") > 0;
  flags->optimize = vm.count("optimize") > 0 || vm.count("merge") > 0;
  flags->quiet = vm.count("quiet") > 0;
  flags->verbose = vm.count("verbose") > 0;
  flags->json_summary = vm.count("json-summary") > 0;
  flags->mpi = vm.count("mpi") > 0;
  if (vm.count("parts") && !flags->mpi) return Fail("--parts needs --mpi (see --help)");
  if (vm.count("parts") && flags->parts == 0) return Fail("--parts must be at least 1");
  flags->force = vm.count("force") > 0;
  flags->merge_in_commit = vm.count("merge-in-commit") > 0;
  flags->ascii_folding = vm.count("ascii-folding") > 0;
  flags->input_options.skip_errors = vm.count("skip-errors") > 0;
  flags->input_options.recurse_archives = vm.count("recurse-archives") > 0;
  return std::nullopt;
}

// Appends the ids listed in `file`, one a line, to *ids; false if it cannot be read.
bool ReadIdFile(const std::string& file, std::vector<std::string>* ids) {
  std::ifstream in(file);
  if (!in) return false;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) ids->push_back(line);
  }
  return true;
}

// A typo in the last of many inputs should not cost an hour of indexing first: what is wrong
// with the INPUTs, or an empty string.
std::string CheckInputs(const std::vector<std::string>& inputs) {
  int stdin_inputs = 0;
  for (const std::string& input : inputs) {
    if (input == "-") {
      ++stdin_inputs;
      continue;
    }
    std::error_code ec;
    if (!std::filesystem::exists(input, ec)) return input + ": no such file or directory";
  }
  if (stdin_inputs > 1) return "- (stdin) given more than once";
  return std::string();
}

// Parses --part I/N; false unless both are decimal numbers with 0 <= I < N <= 1000000.
bool ParsePart(const std::string& text, uint32_t* index, uint32_t* count) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos) return false;
  uint64_t i = 0, n = 0;
  auto number = [](std::string_view digits, uint64_t* out) {
    if (digits.empty() || digits.size() > 7) return false;
    *out = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
      *out = *out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  const std::string_view all(text);
  if (!number(all.substr(0, slash), &i) || !number(all.substr(slash + 1), &n)) return false;
  if (n < 1 || n > 1000000 || i >= n) return false;
  *index = static_cast<uint32_t>(i);
  *count = static_cast<uint32_t>(n);
  return true;
}

// Completes the flags of an indexing run (the ids of --delete-from, the sizes) and returns the
// first thing wrong with them, or an empty string.
std::string CheckFlags(Flags* flags) {
  InputOptions& input = flags->input_options;
  if (!flags->delete_from.empty() && !ReadIdFile(flags->delete_from, &flags->delete_ids)) {
    return flags->delete_from + ": cannot read";
  }
  if (!flags->schema_file.empty()) {
    std::ifstream in(flags->schema_file, std::ios::binary);
    if (!in) return flags->schema_file + ": cannot read";
    const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Status s = Schema::FromJson(json, &flags->schema);
    if (!s.ok()) return flags->schema_file + ": " + s.message();
  }
  if (!flags->part.empty() && !ParsePart(flags->part, &flags->part_index, &flags->part_count)) {
    return "--part: expected I/N with 0 <= I < N <= 1000000 (e.g. 0/4), got '" + flags->part +
           "'";
  }
  if (flags->inputs.empty() && flags->delete_ids.empty() && flags->delete_queries.empty() &&
      !flags->optimize && flags->schema_file.empty()) {
    return "no INPUT given (see --help)";
  }
  if (flags->memory_mb == 0 || flags->memory_mb > (uint64_t{1} << 30)) {
    return "--memory-mb must be between 1 and 1073741824";
  }
  if (flags->threads < 1 || flags->threads > 1024) return "--threads must be between 1 and 1024";
  if (!ParseSize(flags->store_block, &flags->store_block_bytes) ||
      flags->store_block_bytes < kMinStoreBlockBytes ||
      flags->store_block_bytes > kMaxStoreBlockBytes) {
    return "--store-block: expected a size from 1K to 1M (e.g. 4K), got '" + flags->store_block +
           "'";
  }
  if (flags->store_level < 1 || flags->store_level > kMaxStoreZstdLevel) {
    return "--store-level must be between 1 and " + std::to_string(kMaxStoreZstdLevel);
  }
  if (flags->store_large_level < 1 || flags->store_large_level > kMaxStoreZstdLevel) {
    return "--store-large-level must be between 1 and " + std::to_string(kMaxStoreZstdLevel);
  }
  if (flags->max_token_chars == 0) return "--max-token-chars must be at least 1";
  if (!ParseSize(flags->max_decompressed, &input.max_decompressed_bytes) ||
      input.max_decompressed_bytes == 0) {
    return "--max-decompressed: expected a size such as 500M or 16G, got '" +
           flags->max_decompressed + "'";
  }
  if (!ParseSize(flags->max_doc_bytes, &input.max_document_bytes) ||
      input.max_document_bytes == 0) {
    return "--max-doc-bytes: expected a size such as 64M or 1G, got '" + flags->max_doc_bytes + "'";
  }
  if (input.max_archive_members == 0) return "--max-archive-members must be at least 1";
  if (flags->mpi) {
    // A part is built from empty and only from the inputs: deletions and intermediate commits
    // have nothing to act on, and the ranks cannot share one stdin.
    if (!flags->part.empty()) return "--mpi chooses the parts itself; --part is for one part";
    if (flags->parts > 1000000) return "--parts must be at most 1000000";
    if (!flags->delete_ids.empty() || !flags->delete_queries.empty())
      return "--mpi builds a shard set from its inputs; --delete and --delete-query do not apply";
    if (flags->commit_every > 0)
      return "--mpi commits each part once (a part that did not finish is rebuilt from empty); "
             "--commit-every does not apply";
    if (flags->inputs.empty()) return "--mpi needs INPUTs";
    for (const std::string& input : flags->inputs)
      if (input == "-") return "--mpi cannot read stdin (-): every part reads the inputs";
  }
  return CheckInputs(flags->inputs);
}

IndexWriterOptions WriterOptions(const Flags& flags) {
  IndexWriterOptions options;
  options.language = flags.language;
  options.stopwords = flags.stopwords;
  options.tokenizer = flags.tokenizer;
  options.max_token_chars = flags.max_token_chars;
  options.ascii_folding = flags.ascii_folding;
  options.memory_budget_bytes = static_cast<size_t>(flags.memory_mb) << 20;
  options.store_block_bytes = static_cast<uint32_t>(flags.store_block_bytes);
  options.store_zstd_level = flags.store_level;
  options.store_large_value_zstd_level = flags.store_large_level;
  options.threads = static_cast<uint32_t>(flags.threads);
  options.merge_factor = flags.merge_factor;
  options.merge_in_background = !flags.merge_in_commit;
  options.force = flags.force;
  options.schema = flags.schema;
  return options;
}

// One run that deletes, adds and commits: open the writer, delete the ids, add the inputs,
// commit (or optimize), then the summaries. Any failure drops the writer uncommitted, so the
// index stays at its last commit.
class IndexingRun {
 public:
  explicit IndexingRun(const Flags& flags) : flags_(flags), start_(Clock::now()) {
    summary_.stats = &stats_;
    summary_.index_dir = flags.index_dir;
    summary_.max_document_bytes = flags.input_options.max_document_bytes;
  }

  // Returns the exit status.
  int Run() {
    Status s = IndexWriter::Open(flags_.index_dir, WriterOptions(flags_), &writer_);
    if (!s.ok()) return Failed(flags_.index_dir + ": " + ErrorText(s));
    summary_.committed = writer_->committed_documents();
    Progress progress(!flags_.quiet && ::isatty(STDERR_FILENO));
    s = DeleteIds();
    if (s.ok()) s = AddInputs(&progress);
    if (s.ok()) s = CommitAtEnd(&progress);
    if (s.ok() && !flags_.quiet && !flags_.delete_ids.empty()) {
      std::cerr << kProgram << ": deleted " << summary_.deleted_ids << " of "
                << flags_.delete_ids.size() << " ids (the others were not in the index)\n";
    }
    if (s.ok() && !flags_.quiet && !flags_.delete_queries.empty()) {
      std::cerr << kProgram << ": --delete-query deleted " << summary_.deleted_by_query
                << " documents\n";
    }
    progress.Clear();
    if (!s.ok()) {
      if (!flags_.quiet) PrintMessages(stats_, flags_.verbose);
      summary_.committed = writer_->committed_documents();
      writer_.reset();
      if (committed_by_run_ == 0) return Failed(ErrorText(s) + " (nothing committed)");
      // --commit-every commits survive the failure: a script must not redo them as lost.
      return Failed(ErrorText(s) + " (the first " + std::to_string(committed_by_run_) +
                    " documents were committed; the ones after them were not)");
    }
    return Succeeded();
  }

  // What Run found and did; its `stats` live as long as this run.
  const RunSummary& summary() const { return summary_; }

 private:
  Status DeleteIds() {
    for (const std::string& id : flags_.delete_ids) {
      if (!InPart(id)) continue;  // the part that holds it deletes it
      bool found = false;
      TRAWL_RETURN_IF_ERROR(writer_->Delete(id, &found));
      summary_.deleted_ids += found ? 1 : 0;
    }
    return DeleteQueries();
  }

  // The committed documents each --delete-query matches, found by a searcher of the last
  // commit and deleted by id.
  Status DeleteQueries() {
    if (flags_.delete_queries.empty() || writer_->committed_documents() == 0) return Status::OK();
    std::unique_ptr<Searcher> searcher;
    TRAWL_RETURN_IF_ERROR(Searcher::Open(flags_.index_dir, {}, &searcher));
    for (const std::string& query : flags_.delete_queries) {
      SearchOptions options;
      options.count_only = true;
      SearchResults results;
      Status s = searcher->Search(query, options, &results);
      if (s.ok() && results.total > 0) {
        options = SearchOptions();
        options.top_k = results.total;
        options.snippet_chars = 0;
        s = searcher->Search(query, options, &results);
      }
      if (!s.ok()) return Status::InvalidArgument("--delete-query '" + query + "': " + s.message());
      for (const Hit& hit : results.hits) {
        bool found = false;
        TRAWL_RETURN_IF_ERROR(writer_->Delete(hit.id, &found));
        summary_.deleted_by_query += found ? 1 : 0;
      }
    }
    return Status::OK();
  }

  Status AddInputs(Progress* progress) {
    for (const std::string& input : flags_.inputs) {
      progress->SetInput(input == "-" ? "stdin" : input);
      stats_.current.clear();
      TRAWL_RETURN_IF_ERROR(ReadInput(input, flags_.input_options, &stats_,
                                      [&](Document&& doc) { return Add(doc, progress); }));
    }
    return Status::OK();
  }

  // Whether the document with this id belongs to this run's --part (every one without it).
  bool InPart(std::string_view id) const {
    return PartOfId(id, flags_.part_count) == flags_.part_index;
  }

  // With --commit-every, also commits after every N-th document.
  Status Add(const Document& doc, Progress* progress) {
    if (!InPart(doc.id)) {
      ++summary_.other_parts;
      return Status::OK();
    }
    uint64_t& indexed = summary_.indexed;
    Status added = writer_->Add(doc);
    if (added.IsInvalidArgument()) {
      // A document that does not fit the schema: named, and skipped under --skip-errors.
      std::string what = stats_.source + ": document '" + doc.id + "': " + added.message();
      if (!flags_.input_options.skip_errors) return Status::InvalidArgument(std::move(what));
      ++stats_.skipped_bad_value;
      if (stats_.messages.size() < kMaxInputMessages) {
        stats_.messages.push_back(std::move(what));
      } else {
        ++stats_.messages_dropped;
      }
      return Status::OK();
    }
    TRAWL_RETURN_IF_ERROR(added);
    ++indexed;
    progress->Update(indexed, stats_.bytes_read, stats_.current);
    if (flags_.commit_every > 0 && indexed % flags_.commit_every == 0) {
      progress->Committing(indexed);
      TRAWL_RETURN_IF_ERROR(writer_->Commit());
      committed_by_run_ = indexed;
      std::cout << "committed " << indexed << std::endl;
    }
    return Status::OK();
  }

  Status CommitAtEnd(Progress* progress) {
    progress->Committing(summary_.indexed);
    TRAWL_RETURN_IF_ERROR(flags_.optimize ? writer_->Optimize() : writer_->Commit());
    if (flags_.commit_every > 0) std::cout << "committed " << summary_.indexed << std::endl;
    // The index is left as merged as a run with merges inside its commits would leave it. A
    // merge that fails has changed nothing: everything is committed, so it is only a warning.
    Status merged = writer_->WaitForMerges();
    if (!merged.ok() && !flags_.quiet)
      std::cerr << kProgram << ": warning: " << ErrorText(merged)
                << " (everything is committed; the next commit merges again)\n";
    return Status::OK();
  }

  // A failed run: the one-line error, and for scripts the JSON summary saying so.
  int Failed(const std::string& error) {
    summary_.exit_code = kExitFailed;
    summary_.error = error;
    summary_.seconds = Seconds(Clock::now() - start_);
    summary_.index_bytes = DirectoryBytes(flags_.index_dir);
    if (flags_.json_summary) PrintJsonSummary(summary_);
    return flags_.part_of_job ? kExitFailed : Fail(error);
  }

  int Succeeded() {
    summary_.seconds = Seconds(Clock::now() - start_);
    summary_.committed = writer_->committed_documents();
    summary_.index_bytes = DirectoryBytes(flags_.index_dir);
    summary_.exit_code = Skipped(stats_) > 0 ? kExitSkipped : kExitOk;
    if (!flags_.quiet) {
      PrintMessages(stats_, flags_.verbose);
      PrintSummary(summary_);
    }
    if (flags_.json_summary) PrintJsonSummary(summary_);
    return summary_.exit_code;
  }

  const Flags& flags_;
  const Clock::time_point start_;
  InputStats stats_;
  RunSummary summary_;
  std::unique_ptr<IndexWriter> writer_;
  uint64_t committed_by_run_ = 0;  // documents of this run in its last commit
};

// The options that change what a part holds, as text for the fingerprint of an --mpi job: a
// rerun with other ones is another job. --threads, --memory-mb and merging change only how the
// parts are built, so a rerun may change them and still keep the committed parts.
std::string ContentOptionsKey(const Flags& flags) {
  const InputOptions& input = flags.input_options;
  nlohmann::ordered_json j;
  j["language"] = flags.language;
  j["stopwords"] = flags.stopwords;
  j["tokenizer"] = flags.tokenizer;
  j["ascii_folding"] = flags.ascii_folding;
  j["max_token_chars"] = flags.max_token_chars;
  j["schema"] = flags.schema.ToJson();
  j["include"] = input.include;
  j["exclude"] = input.exclude;
  j["recurse_archives"] = input.recurse_archives;
  j["skip_errors"] = input.skip_errors;
  j["max_document_bytes"] = input.max_document_bytes;
  j["max_decompressed_bytes"] = input.max_decompressed_bytes;
  j["max_compression_ratio"] = input.max_compression_ratio;
  j["max_archive_members"] = input.max_archive_members;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// --mpi: the job for the driver (indexer/mpi_driver.h), each part an ordinary quiet run with
// --part I/P into its own directory.
MpiJob MpiJobOf(const Flags& flags) {
  MpiJob job;
  job.index_dir = flags.index_dir;
  job.parts = flags.parts;
  job.inputs = flags.inputs;
  job.options_key = ContentOptionsKey(flags);
  job.force = flags.force;
  job.quiet = flags.quiet;
  job.json_summary = flags.json_summary;
  job.build_part = [flags](const std::string& part_dir, uint32_t part, uint32_t parts) {
    Flags part_flags = flags;
    part_flags.index_dir = part_dir;
    part_flags.part_index = part;
    part_flags.part_count = parts;
    part_flags.quiet = true;
    part_flags.json_summary = false;
    part_flags.part_of_job = true;
    IndexingRun run(part_flags);
    PartOutcome outcome;
    outcome.exit_code = run.Run();
    outcome.error = run.summary().error;
    outcome.documents = run.summary().committed;
    outcome.summary = JsonSummary(run.summary());
    return outcome;
  };
  return job;
}

int Run(int argc, char** argv) {
  Flags flags;
  if (const std::optional<int> exit_code = ParseFlags(argc, argv, &flags)) return *exit_code;
  if (flags.index_dir.empty()) return Fail("--index DIR is required (see --help)");
  if (flags.verify || flags.verify_all) return RunVerify(flags.index_dir, flags.verify_all);
  if (!flags.backup_dest.empty()) return RunBackup(flags.index_dir, flags.backup_dest);
  // Without MPI nothing else about an --mpi command matters: the driver's stub says so.
  if (flags.mpi && !MpiBuilt()) return RunMpiJob(argc, argv, MpiJob());
  const std::string problem = CheckFlags(&flags);
  if (!problem.empty()) return Fail(problem);
  if (flags.mpi) return RunMpiJob(argc, argv, MpiJobOf(flags));
  return IndexingRun(flags).Run();
}

}  // namespace
}  // namespace trawl

int main(int argc, char** argv) {
  // The library reports errors as values; this catches what the programs themselves may throw
  // (allocation failure, stream errors) so that every failure ends in one line, never abort().
  try {
    return trawl::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trawl-index: error: " << e.what() << "\n";
    return 1;
  }
}

// trawl-search: queries an index, once, in batch (one JSON line per query) or in an interactive
// shell. A thin layer over Searcher: flags, output formats and the shell live here, no search
// logic.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/limit_options.h"
#include "cli/search_json.h"
#include "cli/search_options.h"
#include "cli/shell.h"
#include "trawl/searcher.h"
#include "trawl/searcher_manager.h"
#include "trawl/status.h"

#ifndef TRAWL_VERSION
#define TRAWL_VERSION "unknown"
#endif

namespace po = boost::program_options;

namespace trawl {
namespace {

constexpr char kProgram[] = "trawl-search";
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

using cli::Dump;
using cli::Json;

void PrintError(const std::string& message) {
  std::cerr << kProgram << ": error: " << message << "\n";
}

// The message alone where it says everything (a query syntax error with its column); the kind
// in front where it adds something ("Corruption: seg_1.post: ...").
std::string ErrorText(const Status& s) {
  if (s.IsInvalidArgument() || s.IsNotFound() || s.IsDeadlineExceeded()) return s.message();
  return s.ToString();
}

// Ids and titles come from arbitrary input; control characters in them must not drive the
// terminal. (Snippets are already folded by MakeSnippet.)
std::string Printable(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  }
  return out;
}

std::string TrimLine(std::string line) {
  const size_t b = line.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string();
  const size_t e = line.find_last_not_of(" \t\r\n");
  return line.substr(b, e - b + 1);
}

// What stays fixed for a run; the shell changes `top_k`, `json` and `explain` as it goes.
struct Settings {
  SearchOptions search;
  // --timeout-ms: each query's own budget, from when it starts (0: none).
  int64_t timeout_ms = 0;
  bool count = false;
  bool json = false;
  // Highlight marks for plain output: bold on a terminal, brackets in files and pipes.
  std::string plain_begin = "[";
  std::string plain_end = "]";
};

struct Outcome {
  Status status;
  SearchResults results;
  uint64_t took_us = 0;
};

class QueryRunner {
 public:
  explicit QueryRunner(const Searcher& searcher) : searcher_(searcher) {}

  Outcome Run(const std::string& query, const Settings& settings, bool count) const {
    Outcome out;
    SearchOptions options = settings.search;
    options.highlight_begin = settings.json ? "<b>" : settings.plain_begin;
    options.highlight_end = settings.json ? "</b>" : settings.plain_end;
    const auto start = std::chrono::steady_clock::now();
    if (settings.timeout_ms > 0)
      options.deadline = start + std::chrono::milliseconds(settings.timeout_ms);
    if (count && !options.allow_partial) {
      out.status = searcher_.Count(query, options, &out.results.total);
    } else {
      // A count that may be partial is a search for the count alone: only Search returns
      // partial results.
      options.count_only = count;
      out.status = searcher_.Search(query, options, &out.results);
    }
    if (out.status.IsDeadlineExceeded()) {
      out.status = Status::DeadlineExceeded("the query ran longer than --timeout-ms " +
                                            std::to_string(settings.timeout_ms) +
                                            " and was stopped");
    }
    out.took_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - start)
                                            .count());
    return out;
  }

 private:
  const Searcher& searcher_;
};

std::string JsonLine(const std::string& query, const Outcome& o, bool count, bool explain) {
  if (!o.status.ok()) {
    Json j;
    j["query"] = query;
    j["error"] = ErrorText(o.status);
    return Dump(j);
  }
  return Dump(cli::SearchJson(query, o.results, o.took_us, count, explain));
}

void PrintFacets(const std::vector<FacetResult>& facets, std::ostream& out) {
  for (const FacetResult& f : facets) {
    out << f.field << ":";
    for (const FacetCount& c : f.counts) out << "  " << Printable(c.value) << " (" << c.count << ")";
    out << "\n";
  }
}

void PrintPlain(const Outcome& o, const Settings& settings, bool count, std::ostream& out) {
  if (count) {
    out << o.results.total << (o.results.partial ? " (partial: a lower bound)" : "") << "\n";
    PrintFacets(o.results.facets, out);
    return;
  }
  char header[96];
  std::snprintf(header, sizeof(header), "%llu %s (%.2f ms)",
                static_cast<unsigned long long>(o.results.total),
                o.results.total == 1 ? "match" : "matches", o.took_us / 1000.0);
  out << header;
  if (o.results.partial) out << " (partial: stopped at --timeout-ms " << settings.timeout_ms << ")";
  const size_t first = settings.search.offset + 1;
  if (!o.results.hits.empty() && (first > 1 || o.results.hits.size() < o.results.total)) {
    out << ", showing " << first << "-" << first + o.results.hits.size() - 1;
  }
  out << "\n";
  for (size_t i = 0; i < o.results.hits.size(); ++i) {
    const Hit& h = o.results.hits[i];
    char rank_score[64];
    std::snprintf(rank_score, sizeof(rank_score), "%3zu. %.4f  ", first + i, h.score);
    out << rank_score << Printable(h.id);
    if (!h.title.empty() && h.title != h.id) out << "  " << Printable(h.title);
    if (h.collapsed > 0) out << "  (+" << h.collapsed << " more)";
    out << "\n";
    for (const DocField& f : h.fields) out << "     " << f.name << ": " << Printable(f.value) << "\n";
    if (!h.snippet.empty()) out << "     " << h.snippet << "\n";
    if (settings.search.explain && !h.explanation.empty()) {
      std::istringstream lines(h.explanation);
      for (std::string line; std::getline(lines, line);) out << "       " << line << "\n";
    }
  }
  PrintFacets(o.results.facets, out);
  if (!o.results.next.empty()) out << "next page: --after " << o.results.next << "\n";
}

// Batch mode: one JSON line per line of `in`; a failed query is reported in its line and the
// batch goes on. A blank line is an empty query that matches nothing: skipping it would shift
// every later answer off the line number of its query. Returns the exit status: non-zero if
// any query failed.
int RunBatch(const QueryRunner& runner, Settings settings, std::istream& in) {
  settings.json = true;  // batch output is always JSON, snippets marked with <b>
  int status = kExitOk;
  std::string line;
  while (std::getline(in, line)) {
    const std::string query = TrimLine(line);
    const Outcome o = query.empty() ? Outcome() : runner.Run(query, settings, settings.count);
    if (!o.status.ok()) status = kExitFailed;
    // Flushed per line, so that a program feeding queries through a pipe gets each answer.
    std::cout << JsonLine(query, o, settings.count, settings.search.explain) << std::endl;
  }
  return status;
}

// The command line, as given.
struct Flags {
  std::vector<std::string> index_dirs;  // one, or several searched as one index
  std::string queries_file;
  std::vector<std::string> query_words, field_weights, field_bs;
  std::vector<std::string> filters, sorts, facets, range_facets, snippet_fields;
  std::string after, collapse, fields;
  bool print_schema = false;
  // Signed, so that a negative value is an error rather than a huge unsigned number.
  int64_t top_k = 10, offset = 0;
  double k1 = 1.2, b = 0.75;
  double proximity = 0.5;
  int64_t proximity_window = 5;
  int64_t timeout_ms = 0;
  QueryLimits limits;
  bool partial = false;
  bool count = false, json = false, plain = false, bm25f = false, explain = false;
  bool verify = false;
  bool use_proximity = false;
  // --proximity-weight or --proximity-window given: they mean nothing without --proximity.
  bool proximity_tuned = false;
};

// The options --help lists, writing into *flags.
po::options_description VisibleOptions(Flags* flags) {
  po::options_description visible(
      "Usage: trawl-search --index DIR [--index DIR...] [options] [QUERY]\n\n"
      "Searches the index in DIR (several --index: the indexes as one). With QUERY: prints the\n"
      "ranked hits (or, with --count, the number of matches). Without QUERY: an interactive\n"
      "shell if stdin is a terminal (:help lists its commands; history in\n"
      "$XDG_STATE_HOME/trawl or ~/.local/state/trawl), else batch mode on stdin (one query a\n"
      "line, one JSON line each, like --queries). A QUERY\n"
      "may start with '-' ('-draft report'): only --options and -h are options.\n"
      "Query language: word \"exact phrase\" \"phrase\"~N a AND b a OR b NOT a +must -not\n"
      "( ... ) field:word field:\"phrase\" pref*. Bare words combine with OR, ranked by BM25.\n\n"
      "Exit status: 0 success; 1 an error (a bad query, a missing or damaged index; in batch\n"
      "mode: if any query failed, after answering all of them).\n\n"
      "Options");
  // clang-format off
  visible.add_options()
      ("index", po::value(&flags->index_dirs)->value_name("DIR")->composing(),
       "index directory (required); repeat it to search several indexes (shards) as one, "
       "scored with the statistics of their union; a directory holding shards.json searches "
       "the parts it lists")
      ("top", po::value(&flags->top_k)->value_name("K")->default_value(10),
       "number of hits to show")
      ("offset", po::value(&flags->offset)->value_name("N")->default_value(0),
       "hits to skip first (paging: --offset 10 shows hits 11 to 20)")
      ("count", "print only the exact number of matching documents")
      ("json", "one JSON object per query: "
       "{\"query\", \"total\", \"took_us\", \"hits\": [{\"id\", \"score\", \"title\", \"snippet\"}]}")
      ("queries", po::value(&flags->queries_file)->value_name("FILE"),
       "batch mode: one query per line of FILE (- for stdin), one JSON line per query; a blank "
       "line answers with no hits (total 0)")
      ("plain", "queries are plain text, not the query language: every term found in them is "
       "optional (a bag of words, like Anserini's topic runs)")
      ("k1", po::value(&flags->k1)->value_name("X")->default_value(1.2, "1.2"), "BM25 k1")
      ("b", po::value(&flags->b)->value_name("X")->default_value(0.75, "0.75"), "BM25 b")
      ("bm25f", "score a word without field: by BM25F over all text fields (one saturation of "
       "the weighted, per-field normalized term frequencies) instead of a sum of per-field BM25")
      ("field-weight", po::value(&flags->field_weights)->value_name("FIELD=W")->composing(),
       "BM25F weight of a field (default 1; repeatable), e.g. --field-weight title=2")
      ("field-b", po::value(&flags->field_bs)->value_name("FIELD=B")->composing(),
       "BM25F b of a field (default --b; repeatable), e.g. --field-b title=0.3")
      ("proximity", "term proximity for bare words and --plain queries: two query words near "
       "each other in a field add a BM25TP term-pair score")
      ("proximity-weight",
       po::value(&flags->proximity)->value_name("W")->default_value(0.5, "0.5"),
       "with --proximity: the weight of the term-pair scores")
      ("proximity-window",
       po::value(&flags->proximity_window)->value_name("N")->default_value(5),
       "with --proximity: the largest distance in positions at which two words are near "
       "(1 to 64)")
      ("filter", po::value(&flags->filters)->value_name("QUERY")->composing(),
       "hits must also match QUERY, which does not change scores (repeatable: all must match), "
       "e.g. --filter 'date:[2024-01-01 TO *]' --filter tag:news")
      ("sort", po::value(&flags->sorts)->value_name("FIELD[:asc|desc]")->composing(),
       "order hits by a field with a column, or by score (repeatable: later keys break ties; "
       "default asc, score desc; documents without a value last)")
      ("after", po::value(&flags->after)->value_name("CURSOR"),
       "the page after the one whose \"next\" cursor this is (same query, filters and sort)")
      ("facet", po::value(&flags->facets)->value_name("FIELD[:N]")->composing(),
       "count the values of a keyword or bool field over all matches, top N (default 10; "
       "0: all; repeatable)")
      ("facet-range", po::value(&flags->range_facets)->value_name("FIELD:INTERVAL")->composing(),
       "count the matches of an int, float or date field in buckets: year, month, week, day, "
       "hour (dates, UTC) or a bucket width (numbers) (repeatable)")
      ("collapse", po::value(&flags->collapse)->value_name("FIELD"),
       "only the best hit per value of a keyword field, with how many it stands for")
      ("fields", po::value(&flags->fields)->value_name("A,B"),
       "stored fields to show with each hit (* for all)")
      ("snippet-field", po::value(&flags->snippet_fields)->value_name("FIELD")->composing(),
       "the text field snippets come from (repeatable: the first a hit has; default: the hit's "
       "text field with the most query words)")
      ("schema", "print the index's fields and their types (JSON) and exit")
      ("explain", "explain how each hit's score was computed")
      ("timeout-ms", po::value(&flags->timeout_ms)->value_name("MS")->default_value(0),
       "stop each query still running after MS milliseconds, as an error (0: no limit)")
      ("partial", "with --timeout-ms: a query past it answers with the hits found so far "
       "(\"partial\": true in JSON; total a lower bound) instead of an error")
      ("verify", "check every file's checksum at open (reads the whole index once; without it "
       "only sizes, headers and footers are checked, and damage inside a file is never a crash "
       "but may go unnoticed: trawl-index --verify checks everything)")
      ("help,h", "show this help and exit")
      ("version", "show the version and exit");
  // clang-format on
  // Limits on each query (docs/security.md): past one, the query fails naming it.
  cli::AddQueryLimitOptions(&visible, &flags->limits, /*request_limits=*/true);
  return visible;
}

// The arguments with every query word moved after a "--", in order, so that a query starting
// with '-' ("-light", "-draft report") is a query and not an unknown option: an argument is an
// option if it starts with "--" or is "-h", and the next one is its value if it takes one.
std::vector<std::string> QueryWordsLast(int argc, char** argv,
                                        const po::options_description& options) {
  std::vector<std::string> kept, words;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      words.insert(words.end(), argv + i + 1, argv + argc);
      break;
    }
    if (arg == "-h" || arg.rfind("--", 0) == 0) {
      kept.push_back(arg);
      const std::string name = arg == "-h" ? "h" : arg.substr(2, arg.find('=') - 2);
      const po::option_description* option = options.find_nothrow(name, false);
      if (arg.find('=') == std::string::npos && option != nullptr &&
          option->semantic()->max_tokens() > 0 && i + 1 < argc) {
        kept.push_back(argv[++i]);
      }
    } else {
      words.push_back(arg);
    }
  }
  kept.push_back("--");
  kept.insert(kept.end(), words.begin(), words.end());
  return kept;
}

// Fills *flags from the command line. Returns the exit status when the program ends here
// (--help, --version, a flag it does not know), nothing when it goes on.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  const po::options_description visible = VisibleOptions(flags);
  po::options_description hidden;
  hidden.add_options()("query", po::value(&flags->query_words)->composing());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("query", -1);

  const std::vector<std::string> args = QueryWordsLast(argc, argv, all);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    PrintError(std::string(e.what()) + " (see --help)");
    return kExitFailed;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return kExitOk;
  }
  if (vm.count("version")) {
    std::cout << kProgram << " " << TRAWL_VERSION << "\n";
    return kExitOk;
  }
  flags->count = vm.count("count") > 0;
  flags->json = vm.count("json") > 0;
  flags->plain = vm.count("plain") > 0;
  flags->bm25f = vm.count("bm25f") > 0;
  flags->explain = vm.count("explain") > 0;
  flags->verify = vm.count("verify") > 0;
  flags->partial = vm.count("partial") > 0;
  flags->print_schema = vm.count("schema") > 0;
  flags->use_proximity = vm.count("proximity") > 0;
  flags->proximity_tuned =
      !vm["proximity-weight"].defaulted() || !vm["proximity-window"].defaulted();
  return std::nullopt;
}

// The first thing wrong with the flags, or an empty string.
std::string CheckFlags(const Flags& flags) {
  if (flags.index_dirs.empty()) return "--index DIR is required";
  constexpr int64_t kMaxHits = 10000000;  // bounds the top-k heap: offset + top are all kept
  if (flags.top_k < 0 || flags.top_k > kMaxHits) return "--top must be between 0 and 10000000";
  if (flags.offset < 0 || flags.offset > kMaxHits) {
    return "--offset must be between 0 and 10000000";
  }
  if (!(flags.k1 >= 0) || flags.k1 > 1000) return "--k1 must be between 0 and 1000";
  if (!(flags.b >= 0 && flags.b <= 1)) return "--b must be between 0 and 1";
  // An option with an optional value (--proximity[=W]) would take the first query word as
  // its value, so the weight has an option of its own.
  if (!(flags.proximity >= 0 && flags.proximity <= 1e6)) {
    return "--proximity-weight must be between 0 and 1000000";
  }
  if (!flags.use_proximity && flags.proximity_tuned) {
    return "--proximity-weight and --proximity-window need --proximity";
  }
  if (flags.proximity_window < 1 || flags.proximity_window > 64) {
    return "--proximity-window must be between 1 and 64";
  }
  constexpr int64_t kMaxTimeoutMs = int64_t{1000} * 60 * 60 * 24 * 365;  // a year
  if (flags.timeout_ms < 0 || flags.timeout_ms > kMaxTimeoutMs) {
    return "--timeout-ms must be between 0 (no limit) and " + std::to_string(kMaxTimeoutMs);
  }
  if (!flags.queries_file.empty() && !flags.query_words.empty()) {
    return "give either QUERY or --queries, not both";
  }
  if (flags.partial && flags.timeout_ms == 0) return "--partial needs --timeout-ms";
  return cli::CheckQueryLimits(flags.limits);
}

// --sort, --facet, --facet-range, --fields into *search; the first thing wrong, or "".
std::string MakeTypedSettings(const Flags& flags, SearchOptions* search) {
  search->filters = flags.filters;
  for (const std::string& spec : flags.sorts) {
    SortField key;
    std::string error = cli::ParseSortSpec(spec, "--sort", &key);
    if (!error.empty()) return error;
    search->sort.push_back(std::move(key));
  }
  search->after = flags.after;
  for (const std::string& spec : flags.facets) {
    FacetRequest request;
    std::string error = cli::ParseFacetSpec(spec, "--facet", &request);
    if (!error.empty()) return error;
    search->facets.push_back(std::move(request));
  }
  for (const std::string& spec : flags.range_facets) {
    RangeFacetRequest request;
    std::string error = cli::ParseRangeFacetSpec(spec, "--facet-range", &request);
    if (!error.empty()) return error;
    search->range_facets.push_back(std::move(request));
  }
  search->collapse = flags.collapse;
  search->fields = cli::SplitFieldList(flags.fields);
  search->snippet_fields = flags.snippet_fields;
  return std::string();
}

// Colour and bold on a terminal, unless the user asked for none (https://no-color.org).
bool UseColor() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(STDOUT_FILENO) && (no_color == nullptr || no_color[0] == '\0');
}

// The settings of checked flags into *settings; the first thing wrong with the BM25F field
// values, or an empty string.
std::string MakeSettings(const Flags& flags, Settings* settings) {
  SearchOptions& search = settings->search;
  search.top_k = static_cast<size_t>(flags.top_k);
  search.offset = static_cast<size_t>(flags.offset);
  search.k1 = flags.k1;
  search.b = flags.b;
  search.explain = flags.explain;
  search.plain_text = flags.plain;
  search.bm25f = flags.bm25f;
  search.proximity = flags.use_proximity ? flags.proximity : 0;
  search.proximity_window = static_cast<uint32_t>(flags.proximity_window);
  search.limits = flags.limits;
  search.allow_partial = flags.partial;
  std::string error = cli::ParseFieldValues(flags.field_weights, "--field-weight",
                                            &search.field_weights);
  if (error.empty()) error = cli::ParseFieldValues(flags.field_bs, "--field-b", &search.field_b);
  if (!error.empty()) return error;
  if ((!flags.field_weights.empty() || !flags.field_bs.empty()) && !search.bm25f) {
    return "--field-weight and --field-b need --bm25f";
  }
  error = MakeTypedSettings(flags, &search);
  if (!error.empty()) return error;
  settings->count = flags.count;
  settings->timeout_ms = flags.timeout_ms;
  settings->json = flags.json;
  if (UseColor()) {
    settings->plain_begin = "\x1b[1m";
    settings->plain_end = "\x1b[0m";
  }
  return std::string();
}

// The interactive shell, over a SearcherManager so that it sees the commits made meanwhile.
int RunShell(const std::vector<std::string>& index_dirs, const SearcherOptions& searcher_options,
             const Settings& settings) {
  std::unique_ptr<SearcherManager> manager;
  const Status s = SearcherManager::Open(index_dirs, searcher_options, &manager);
  if (!s.ok()) {
    PrintError(ErrorText(s));
    return kExitFailed;
  }
  cli::ShellSettings shell;
  shell.search = settings.search;
  shell.timeout_ms = settings.timeout_ms;
  shell.json = settings.json;
  shell.color = UseColor();
  shell.version = TRAWL_VERSION;
  return cli::RunShell(manager.get(), shell);
}

// QUERY on the command line: its answer, in the output format chosen.
int RunOnce(const QueryRunner& runner, const Settings& settings,
            const std::vector<std::string>& query_words) {
  // Several words without quotes are one query, as if quoted: `trawl-search ... quick fox`.
  std::string query;
  for (const std::string& w : query_words) query += (query.empty() ? "" : " ") + w;
  const Outcome o = runner.Run(query, settings, settings.count);
  if (!o.status.ok()) {
    PrintError(ErrorText(o.status));
    return kExitFailed;
  }
  if (settings.json) {
    std::cout << JsonLine(query, o, settings.count, settings.search.explain) << "\n";
  } else {
    PrintPlain(o, settings, settings.count, std::cout);
  }
  return kExitOk;
}

int Run(int argc, char** argv) {
  Flags flags;
  if (const std::optional<int> exit_code = ParseFlags(argc, argv, &flags)) return *exit_code;
  Settings settings;
  std::string problem = CheckFlags(flags);
  if (problem.empty()) problem = MakeSettings(flags, &settings);
  if (!problem.empty()) {
    PrintError(problem + " (see --help)");
    return kExitFailed;
  }

  SearcherOptions searcher_options;
  searcher_options.verify_checksums = flags.verify;
  if (flags.query_words.empty() && flags.queries_file.empty() && !flags.print_schema &&
      ::isatty(STDIN_FILENO)) {
    return RunShell(flags.index_dirs, searcher_options, settings);
  }
  std::unique_ptr<Searcher> searcher;
  const Status s = Searcher::Open(flags.index_dirs, searcher_options, &searcher);
  if (!s.ok()) {
    PrintError(ErrorText(s));
    return kExitFailed;
  }
  if (flags.print_schema) {
    std::cout << searcher->schema().ToJson() << "\n";
    return kExitOk;
  }
  const QueryRunner runner(*searcher);
  if (!flags.query_words.empty()) return RunOnce(runner, settings, flags.query_words);
  const std::string& queries_file = flags.queries_file;
  if (!queries_file.empty() && queries_file != "-") {
    std::ifstream in(queries_file);
    if (!in) {
      PrintError(queries_file + ": cannot open");
      return kExitFailed;
    }
    return RunBatch(runner, settings, in);
  }
  return RunBatch(runner, settings, std::cin);
}

}  // namespace
}  // namespace trawl

int main(int argc, char** argv) {
  // The library reports errors as values; this catches what the program itself may throw
  // (allocation failure, stream errors) so that every failure ends in one line, never abort().
  try {
    return trawl::Run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "trawl-search: error: " << e.what() << "\n";
    return 1;
  }
}

#include "cli/shell.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli/line_editor.h"
#include "cli/pager.h"
#include "cli/search_json.h"
#include "cli/search_options.h"
#include "cli/shell_output.h"
#include "trawl/query.h"
#include "trawl/schema.h"

namespace trawl::cli {
namespace {

constexpr char kPrompt[] = "trawl> ";

// Set by SIGINT while a query runs (the query reads it as its cancel flag). At the prompt the
// terminal sends no SIGINT: Ctrl-C is a key there (LineEditor).
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "read and written in a signal handler");

extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

void InstallInterruptHandler() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a read at the prompt or in the pager goes on; the query polls the flag.
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

constexpr const char* kCommands[] = {":analyze", ":count", ":explain", ":facet", ":fields",
                                     ":filter",  ":help",  ":json",    ":next",  ":prev",
                                     ":quit",    ":schema", ":show",   ":sort",  ":stats",
                                     ":top"};

constexpr char kHelp[] =
    "Type a query to search; Enter on an empty line shows the next page. Commands:\n"
    "  :next, :prev        the next or the previous page of hits\n"
    "  :show N             the stored document of hit N (through $PAGER if set)\n"
    "  :explain N          how hit N's score was computed (:explain alone: for every hit)\n"
    "  :count [QUERY]      the number of matches of QUERY, or of the last query\n"
    "  :analyze [FIELD:]TEXT   the terms FIELD's analyzer makes of TEXT (none: the index's),\n"
    "                      each as FIELD:=\"term\", which searches it as it is, and its documents\n"
    "  :top N              N hits a page\n"
    "  :filter [QUERY]     hits must also match QUERY (no QUERY: no filter)\n"
    "  :sort [FIELD[:asc|desc]]   order hits by a field (none: by score)\n"
    "  :facet [FIELD[:N]]  count the values of a keyword field over the matches (none: off)\n"
    "  :fields, :schema    the index's fields: a list, or the schema as JSON\n"
    "  :stats              documents, commit and the settings in force\n"
    "  :json               toggle JSON output\n"
    "  :help, :quit        this help; leave (or Ctrl-D). Ctrl-C stops a running query.\n"
    "Tab completes commands and field names. Query language: word \"exact phrase\" a AND b\n"
    "a OR b NOT a +must -not ( ... ) field:word field:\"phrase\" pref* (docs/query-language.md)\n";

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::string();
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// A number of 1 to 10000000, or 0 if `text` is not one.
size_t ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 8) return 0;
  size_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n;
}

class Shell {
 public:
  Shell(SearcherManager* manager, const ShellSettings& settings)
      : manager_(manager),
        searcher_(manager->Acquire()),
        settings_(settings),
        style_(settings.color),
        history_file_(DefaultHistoryFile()),
        editor_("trawl-search", history_file_,
                [this](const std::string& line, const std::string& word) {
                  return Complete(line, word);
                }) {}

  int Run() {
    InstallInterruptHandler();
    std::cout << style_.Bold("trawl-search " + settings_.version) << ": " << searcher_->num_docs()
              << " documents. :help for help, :quit to leave.\n";
    std::string line;
    while (true) {
      std::cout.flush();
      const LineEditor::Read read = editor_.ReadLine(kPrompt, &line);
      if (read == LineEditor::Read::kEnd) {
        std::cout << "\n";
        return 0;
      }
      if (read == LineEditor::Read::kInterrupted) continue;
      const std::string input = Trim(line);
      indent_ = input.empty() ? 0 : line.find_first_not_of(" \t\r\n");
      if (!input.empty()) editor_.Remember(input);
      if (!Handle(input)) return 0;
    }
  }

 private:
  // One line typed; false to leave.
  bool Handle(const std::string& input) {
    if (input.empty()) {
      if (!query_.empty() && HasNextPage()) ShowPage(offset_ + PageSize());
      return true;
    }
    if (input[0] != ':') {
      NewQuery(input);
      return true;
    }
    const size_t space = input.find(' ');
    const std::string command = input.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : Trim(input.substr(space));
    const size_t arg_column = space == std::string::npos ? 0 : input.find_first_not_of(' ', space);
    if (command == ":quit" || command == ":q" || command == ":exit") return false;
    if (command == ":help") {
      std::cout << kHelp;
    } else if (command == ":next") {
      if (query_.empty() || !HasNextPage()) {
        PrintError("no next page");
      } else {
        ShowPage(offset_ + PageSize());
      }
    } else if (command == ":prev") {
      if (query_.empty() || offset_ == 0) {
        PrintError("no previous page");
      } else {
        ShowPage(offset_ >= PageSize() ? offset_ - PageSize() : 0);
      }
    } else if (command == ":show") {
      ShowDocument(arg);
    } else if (command == ":explain") {
      if (arg.empty()) {
        settings_.search.explain = !settings_.search.explain;
        std::cout << "explanations " << (settings_.search.explain ? "on" : "off") << "\n";
      } else {
        ExplainHit(arg);
      }
    } else if (command == ":count") {
      CountMatches(arg.empty() ? query_ : arg, arg.empty() ? 0 : arg_column);
    } else if (command == ":analyze") {
      AnalyzeText(arg);
    } else if (command == ":top") {
      const size_t k = ParseCount(arg);
      if (k == 0) {
        PrintError(":top needs a number of hits (1 to 10000000)");
      } else {
        settings_.search.top_k = k;
        std::cout << "hits per page: " << k << "\n";
      }
    } else if (command == ":filter") {
      SetFilter(arg, arg_column);
    } else if (command == ":sort") {
      SetSort(arg);
    } else if (command == ":facet") {
      SetFacet(arg);
    } else if (command == ":fields") {
      ListFields();
    } else if (command == ":schema") {
      std::cout << searcher_->schema().ToJson() << "\n";
    } else if (command == ":stats") {
      ShowStats();
    } else if (command == ":json") {
      settings_.json = !settings_.json;
      std::cout << "JSON output " << (settings_.json ? "on" : "off") << "\n";
    } else {
      PrintError("unknown command " + command + " (:help lists them)");
    }
    return true;
  }

  size_t PageSize() const { return settings_.search.top_k == 0 ? 10 : settings_.search.top_k; }
  bool HasNextPage() const { return offset_ + results_.hits.size() < results_.total; }

  void PrintError(const std::string& message) const {
    std::cout << style_.Error("error: " + message) << "\n";
  }

  // A failed query: with a caret under the column of a syntax error in the line as typed
  // (`start`: where the query text begins in it), then the message.
  void ReportError(const Status& s, size_t start) const {
    const std::string message = s.IsInvalidArgument() || s.IsCancelled() || s.IsDeadlineExceeded()
                                    ? s.message()
                                    : s.ToString();
    const size_t column = ErrorColumn(message);
    if (column > 0) {
      std::cout << std::string(sizeof(kPrompt) - 1 + indent_ + start + column - 1, ' ') << style_.Error("^")
                << "\n";
    }
    PrintError(message);
  }

  // Before each query: a commit made since the last one, by this process or another, becomes
  // the one searched, and the user is told.
  void Refresh() {
    bool changed = false;
    const Status s = manager_->MaybeRefresh(&changed);
    if (!s.ok()) {
      std::cout << style_.Notice(
                       "warning: cannot open the index's new commit, searching the "
                       "old one: " +
                       s.ToString())
                << "\n";
      return;
    }
    if (!changed) return;
    const uint64_t before = searcher_->num_docs();
    searcher_ = manager_->Acquire();
    std::cout << style_.Notice("index changed (commit " + std::to_string(searcher_->generation()) +
                               "): " + std::to_string(searcher_->num_docs()) + " documents, " +
                               std::to_string(before) + " before")
              << "\n";
  }

  SearchOptions Options() const {
    SearchOptions options = settings_.search;
    options.highlight_begin = settings_.json ? "<b>" : (style_.on ? "\x1b[1;33m" : "[");
    options.highlight_end = settings_.json ? "</b>" : (style_.on ? "\x1b[0m" : "]");
    options.after.clear();
    options.cancel = &g_interrupted;
    if (settings_.timeout_ms > 0) {
      options.deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.timeout_ms);
    }
    return options;
  }

  // Runs `query` with `options`, Ctrl-C stopping it.
  Status Search(const std::string& query, const SearchOptions& options, SearchResults* results,
                uint64_t* took_us) {
    g_interrupted.store(false);
    const auto start = std::chrono::steady_clock::now();
    Status s = searcher_->Search(query, options, results);
    *took_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - start)
                                         .count());
    if (s.IsCancelled()) s = Status::Cancelled("stopped (Ctrl-C)");
    g_interrupted.store(false);
    return s;
  }

  void NewQuery(const std::string& query) {
    Refresh();
    SearchOptions options = Options();
    SearchResults results;
    uint64_t took_us = 0;
    const Status s = Search(query, options, &results, &took_us);
    if (!s.ok()) {
      ReportError(s, 0);
      return;
    }
    query_ = query;
    offset_ = options.offset;
    results_ = std::move(results);
    took_us_ = took_us;
    PrintResults();
  }

  void ShowPage(size_t offset) {
    Refresh();
    SearchOptions options = Options();
    options.offset = offset;
    SearchResults results;
    uint64_t took_us = 0;
    const Status s = Search(query_, options, &results, &took_us);
    if (!s.ok()) {
      ReportError(s, 0);
      return;
    }
    offset_ = offset;
    results_ = std::move(results);
    took_us_ = took_us;
    PrintResults();
  }

  void PrintResults() const {
    if (settings_.json) {
      std::cout << Dump(SearchJson(query_, results_, took_us_, false, settings_.search.explain))
                << "\n";
      return;
    }
    std::cout << FormatResults(results_, offset_, took_us_, settings_.search.explain, style_);
  }

  // The hit at rank `arg` (1-based over all pages) of the last query, into *hit.
  bool FindHit(const std::string& command, const std::string& arg, bool explain, Hit* hit) {
    const size_t rank = ParseCount(arg);
    if (rank == 0) {
      PrintError(command + " needs the number of a hit, as listed");
      return false;
    }
    if (query_.empty()) {
      PrintError("no query yet");
      return false;
    }
    SearchOptions options = Options();
    options.offset = rank - 1;
    options.top_k = 1;
    options.explain = explain;
    options.facets.clear();
    options.range_facets.clear();
    SearchResults results;
    uint64_t took_us = 0;
    const Status s = Search(query_, options, &results, &took_us);
    if (!s.ok()) {
      ReportError(s, 0);
      return false;
    }
    if (results.hits.empty()) {
      PrintError("there is no hit " + std::to_string(rank) + " (" + std::to_string(results.total) +
                 " matches)");
      return false;
    }
    *hit = std::move(results.hits[0]);
    return true;
  }

  void ShowDocument(const std::string& arg) {
    Hit hit;
    if (!FindHit(":show", arg, false, &hit)) return;
    Document doc;
    const Status s = searcher_->Get(hit.id, &doc);
    if (!s.ok()) {
      PrintError(s.ToString());
      return;
    }
    if (settings_.json) {
      std::cout << Dump(DocumentJson(doc)) << "\n";
      return;
    }
    std::cout.flush();
    Page(FormatDocument(doc, style_));
  }

  void ExplainHit(const std::string& arg) {
    Hit hit;
    if (!FindHit(":explain", arg, true, &hit)) return;
    std::cout << style_.Id(Printable(hit.id)) << "\n";
    std::cout << FormatExplanation(hit.explain_tree, 2, style_);
  }

  // What a text becomes before it is searched: the terms of FIELD's analyzer, and with a field
  // each term as an indexed-term query with its number of documents.
  void AnalyzeText(const std::string& arg) {
    std::string field, text = arg;
    const size_t colon = arg.find(':');
    if (colon != std::string::npos && colon > 0 &&
        (arg.compare(0, colon, "id") == 0 ||
         searcher_->schema().Find(arg.substr(0, colon)) != nullptr)) {
      field = arg.substr(0, colon);
      text = Trim(arg.substr(colon + 1));
    }
    if (text.empty()) {
      PrintError(":analyze needs a text: :analyze [FIELD:]TEXT");
      return;
    }
    Refresh();
    std::vector<std::string> terms;
    const Status s = searcher_->Analyze(field, text, &terms);
    if (!s.ok()) {
      PrintError(s.message());
      return;
    }
    if (terms.empty()) std::cout << "no terms (only stop words or punctuation)\n";
    for (const std::string& term : terms) {
      if (field.empty()) {
        std::cout << term << "\n";
        continue;
      }
      const Query query = Query::IndexedTerm(field, term);
      uint64_t count = 0;
      const Status counted = searcher_->Count(query, SearchOptions(), &count);
      if (!counted.ok()) {
        PrintError(counted.message());
        return;
      }
      std::cout << query.ToString() << "  " << count << (count == 1 ? " document" : " documents")
                << "\n";
    }
  }

  void CountMatches(const std::string& query, size_t start) {
    if (query.empty()) {
      PrintError(":count needs a query (or one run before)");
      return;
    }
    Refresh();
    g_interrupted.store(false);
    uint64_t count = 0;
    Status s = searcher_->Count(query, Options(), &count);
    g_interrupted.store(false);
    if (s.IsCancelled()) s = Status::Cancelled("stopped (Ctrl-C)");
    if (!s.ok()) {
      ReportError(s, start);
      return;
    }
    std::cout << count << "\n";
  }

  // After :filter, :sort or :facet: the last query again, from its first page.
  void Rerun() {
    if (!query_.empty()) ShowPage(0);
  }

  void SetFilter(const std::string& arg, size_t start) {
    if (arg.empty()) {
      settings_.search.filters.clear();
      std::cout << "no filter\n";
    } else {
      Query parsed;
      const Status s = ParseQuery(arg, &parsed);
      if (!s.ok()) {
        ReportError(s, start);
        return;
      }
      settings_.search.filters = {arg};
      std::cout << "filter: " << arg << "\n";
    }
    Rerun();
  }

  void SetSort(const std::string& arg) {
    if (arg.empty()) {
      settings_.search.sort.clear();
      std::cout << "sorted by score\n";
    } else {
      SortField key;
      const std::string error = ParseSortSpec(arg, ":sort", &key);
      if (!error.empty()) {
        PrintError(error);
        return;
      }
      settings_.search.sort = {key};
      std::cout << "sorted by " << key.field << (key.descending ? " descending" : " ascending")
                << "\n";
    }
    Rerun();
  }

  void SetFacet(const std::string& arg) {
    if (arg.empty()) {
      settings_.search.facets.clear();
      std::cout << "no facets\n";
    } else {
      FacetRequest request;
      const std::string error = ParseFacetSpec(arg, ":facet", &request);
      if (!error.empty()) {
        PrintError(error);
        return;
      }
      settings_.search.facets = {request};
      std::cout << "facet: " << request.field << "\n";
    }
    Rerun();
  }

  void ListFields() const {
    for (const Schema::Field& f : searcher_->schema().fields()) {
      std::cout << "  " << style_.Bold(f.name) << "  " << FieldTypeName(f.spec.type)
                << (f.spec.column ? ", column" : "") << (f.spec.indexed ? "" : ", not indexed")
                << "\n";
    }
  }

  void ShowStats() const {
    std::cout << "documents: " << searcher_->num_docs() << "\n"
              << "commit: " << searcher_->generation() << "\n"
              << "fields: " << searcher_->schema().fields().size() << "\n"
              << "hits per page: " << PageSize() << "\n";
    for (const std::string& f : settings_.search.filters) std::cout << "filter: " << f << "\n";
    for (const SortField& s : settings_.search.sort) {
      std::cout << "sort: " << s.field << (s.descending ? ":desc" : ":asc") << "\n";
    }
    for (const FacetRequest& f : settings_.search.facets) std::cout << "facet: " << f.field << "\n";
    if (!query_.empty()) {
      std::cout << "last query: " << query_ << " (" << results_.total << " matches)\n";
    }
    std::cout << "history: " << (history_file_.empty() ? "(none)" : history_file_) << "\n";
  }

  // Tab: commands at the start of a line; field names as arguments of :sort and :facet, and
  // in queries, where they complete to "name:".
  std::vector<std::string> Complete(const std::string& line, const std::string& word) const {
    std::vector<std::string> out;
    if (!line.empty() && line[0] == ':' && line.find(' ') == std::string::npos) {
      for (const char* c : kCommands) {
        if (std::string_view(c).substr(0, word.size()) == word) out.emplace_back(c);
      }
      return out;
    }
    const bool bare = line.rfind(":sort ", 0) == 0 || line.rfind(":facet ", 0) == 0;
    std::string sign;
    std::string prefix = word;
    if (!bare && !prefix.empty() && (prefix[0] == '+' || prefix[0] == '-')) {
      sign = prefix.substr(0, 1);
      prefix.erase(0, 1);
    }
    if (prefix.find(':') != std::string::npos) return out;
    for (const Schema::Field& f : searcher_->schema().fields()) {
      if (f.name.compare(0, prefix.size(), prefix) == 0) {
        out.push_back(sign + f.name + (bare ? "" : ":"));
      }
    }
    return out;
  }

  SearcherManager* manager_;
  std::shared_ptr<const Searcher> searcher_;
  ShellSettings settings_;
  Style style_;
  std::string history_file_;
  LineEditor editor_;
  // Where the text of the line being handled starts (after the spaces typed before it).
  size_t indent_ = 0;
  // The last query that ran, and the page of it on screen.
  std::string query_;
  size_t offset_ = 0;
  SearchResults results_;
  uint64_t took_us_ = 0;
};

}  // namespace

int RunShell(SearcherManager* manager, const ShellSettings& settings) {
  Shell shell(manager, settings);
  return shell.Run();
}

}  // namespace trawl::cli

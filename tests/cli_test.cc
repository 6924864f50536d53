// End-to-end tests of the two programs: they run trawl-index and trawl-search as a user or a
// script would, on small corpora written into a fresh directory, and check exit statuses and
// output.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_util.h"

#ifndef TRAWL_INDEX_BIN
#error "TRAWL_INDEX_BIN must be defined (tests/CMakeLists.txt does)"
#endif
#ifndef TRAWL_SEARCH_BIN
#error "TRAWL_SEARCH_BIN must be defined (tests/CMakeLists.txt does)"
#endif

namespace trawl {
namespace cli_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RunResult {
  int exit_code = -1;    // the exit status, or -1 if the program did not exit normally
  bool crashed = false;  // killed by a signal (SIGSEGV, SIGABRT, ...)
  std::string out;
  std::string err;
};

void WriteFile(const fs::path& path, const std::string& data) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << data;
  ASSERT_TRUE(out.good()) << path;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The corpus: 20 documents that all contain "common", with a few distinctive ones.
std::string CorpusJsonl() {
  static const char* const kFiller[] = {"rivers carry sediment toward the delta",
                                        "a lighthouse keeper counts the ships",
                                        "bread rises slowly in a cold kitchen",
                                        "the orchestra tuned before the concert",
                                        "glaciers carve valleys over many centuries",
                                        "a cartographer draws the coastline",
                                        "bees return to the hive at dusk",
                                        "the library opens early on mondays"};
  std::string out;
  for (int i = 1; i <= 20; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "doc%02d", i);
    std::string title = "Document " + std::to_string(i);
    std::string body = "This common text belongs to document number " + std::to_string(i) + ". " +
                       kFiller[i % 8] + ". ";
    switch (i) {
      case 3:
        title = "Zebra herd";
        body += "The zebra grazes while a zebra herd crosses the plain; every zebra has stripes.";
        break;
      case 11:
        body +=
            "Among the many animals in the large park, one zebra was seen near the gate, far "
            "from the lions, the elephants, the giraffes and the antelopes of the reserve.";
        break;
      case 5:
      case 7:
        body += "She studied at the Institute of Technology in Cambridge.";
        break;
      case 9:
        body += "An institute devoted to the history of technology opened downtown.";
        break;
      case 13:
        body += "New technology changes how people work.";
        break;
      default:
        break;
    }
    json doc = {{"id", id}, {"title", title}, {"body", body}};
    out += doc.dump() + "\n";
  }
  return out;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_cli_test");
    index_ = (dir_ / "index").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `program args` through the shell with stdin from `stdin_path` (/dev/null by default,
  // so that trawl-search never sees a terminal) and captures stdout and stderr.
  RunResult Run(const std::string& program, const std::string& args,
                const std::string& stdin_path = "/dev/null") {
    const fs::path out = dir_ / "stdout.txt", err = dir_ / "stderr.txt";
    const std::string command = Quote(program) + " " + args + " <" + Quote(stdin_path) + " >" +
                                Quote(out.string()) + " 2>" + Quote(err.string());
    const int status = std::system(command.c_str());
    RunResult r;
    if (status != -1 && WIFEXITED(status)) {
      r.exit_code = WEXITSTATUS(status);
    } else if (status != -1 && WIFSIGNALED(status)) {
      r.crashed = true;
    }
    // The shell reports a child killed by a signal as 128 + the signal number.
    if (r.exit_code > 128) r.crashed = true;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    // In a TRAWL_SANITIZE build a memory error ends the program with status 1 and a report:
    // that is a crash too, not an orderly error.
    if (Contains(r.err, "Sanitizer") || Contains(r.err, "runtime error:")) r.crashed = true;
    return r;
  }
  RunResult Index(const std::string& args) { return Run(TRAWL_INDEX_BIN, args); }
  RunResult Search(const std::string& args) { return Run(TRAWL_SEARCH_BIN, args); }
  RunResult SearchIn(const std::string& index, const std::string& args) {
    return Search("--index " + Quote(index) + " " + args);
  }

  // The exact count for `query`, or -1 (with a test failure) if trawl-search failed.
  long long Count(const std::string& query, const std::string& index = "") {
    RunResult r = SearchIn(index.empty() ? index_ : index, "--count " + Quote(query));
    EXPECT_EQ(r.exit_code, 0) << query << "\n" << r.err;
    if (r.exit_code != 0) return -1;
    EXPECT_EQ(r.out.back(), '\n');
    return std::stoll(r.out);
  }

  json SearchJson(const std::string& query, const std::string& options = "") {
    RunResult r = SearchIn(index_, "--json " + options + " " + Quote(query));
    EXPECT_EQ(r.exit_code, 0) << query << "\n" << r.err;
    EXPECT_EQ(Lines(r.out).size(), 1u) << r.out;
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }

  std::string Corpus() {
    const fs::path path = dir_ / "corpus.jsonl";
    WriteFile(path, CorpusJsonl());
    return path.string();
  }

  void IndexCorpus() {
    RunResult r = Index("--quiet --index " + Quote(index_) + " " + Quote(Corpus()));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A directory of text files, one of them gzip-compressed.
  std::string TextDirectory() {
    const fs::path notes = dir_ / "notes";
    WriteFile(notes / "a.txt", "Notes about the aardvark burrow.\nThe aardvark digs at night.\n");
    WriteFile(notes / "sub" / "b.txt", "The okapi lives in the rain forest.\n");
    WriteFile(notes / "c.txt", "A narwhal tusk is really a long tooth.\n");
    EXPECT_EQ(std::system(("gzip " + Quote((notes / "c.txt").string())).c_str()), 0);
    EXPECT_TRUE(fs::exists(notes / "c.txt.gz"));
    return notes.string();
  }

  // The segment files of the index, largest first.
  std::vector<fs::path> SegmentFiles(const std::string& index) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(index)) {
      if (e.is_regular_file() && e.path().filename().string().rfind("seg_", 0) == 0) {
        files.push_back(e.path());
      }
    }
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      return fs::file_size(a) > fs::file_size(b);
    });
    return files;
  }

  std::string CopyIndex(const std::string& name) {
    const fs::path copy = dir_ / name;
    fs::copy(index_, copy, fs::copy_options::recursive);
    return copy.string();
  }

  fs::path dir_;
  std::string index_;
};

TEST_F(CliTest, CliHelpAndVersion) {
  for (const char* program : {TRAWL_INDEX_BIN, TRAWL_SEARCH_BIN}) {
    RunResult help = Run(program, "--help");
    EXPECT_EQ(help.exit_code, 0) << program << "\n" << help.err;
    EXPECT_TRUE(Contains(help.out, "--index")) << help.out;
    EXPECT_TRUE(Contains(help.out, "Usage:")) << help.out;
    RunResult version = Run(program, "--version");
    EXPECT_EQ(version.exit_code, 0) << program << "\n" << version.err;
    const std::string name = fs::path(program).filename().string();
    EXPECT_EQ(version.out.rfind(name + " ", 0), 0u) << version.out;
    EXPECT_EQ(Lines(version.out).size(), 1u);
  }
  EXPECT_TRUE(Contains(Run(TRAWL_INDEX_BIN, "--help").out, "--threads"));
  EXPECT_TRUE(Contains(Run(TRAWL_INDEX_BIN, "--help").out, "--delete"));
}

TEST_F(CliTest, CliUsageErrorsAreOneLineAndNonZero) {
  RunResult r = Index(Quote(Corpus()));  // no --index
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("trawl-index: error: ", 0), 0u) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;

  r = Index("--index " + Quote(index_) + " --no-such-flag " + Quote(Corpus()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("trawl-index: error: ", 0), 0u) << r.err;

  r = Index("--index " + Quote(index_) + " " + Quote((dir_ / "missing.jsonl").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "missing.jsonl")) << r.err;

  r = Search("fox");  // no --index
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("trawl-search: error: ", 0), 0u) << r.err;

  r = SearchIn((dir_ / "no_index_here").string(), "fox");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.crashed);
  EXPECT_EQ(r.err.rfind("trawl-search: error: ", 0), 0u) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;

  r = SearchIn(index_, "--top -3 fox");
  EXPECT_EQ(r.exit_code, 1);
}

TEST_F(CliTest, CliIndexReportsSummaryUnlessQuiet) {
  RunResult r = Index("--index " + Quote(index_) + " " + Quote(Corpus()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(Contains(r.err, "indexed 20 documents")) << r.err;
  EXPECT_TRUE(Contains(r.err, "docs/s")) << r.err;
  EXPECT_TRUE(Contains(r.err, "MB/s")) << r.err;
  EXPECT_FALSE(Contains(r.err, "\r")) << "no progress line when stderr is not a terminal";

  r = Index("--quiet --index " + Quote(index_) + " " + Quote(Corpus()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// A directory of binary files: the first few warnings and a count, not a line each, unless
// --verbose; the summary's counts per reason stay.
TEST_F(CliTest, CliIndexShowsFewSkipWarningsUnlessVerbose) {
  for (int i = 0; i < 15; ++i) {
    WriteFile(dir_ / "input" / ("blob" + std::to_string(i) + ".bin"), std::string("a\0b", 3));
  }
  WriteFile(dir_ / "input" / "words.txt", "some words to index\n");
  const std::string input = Quote((dir_ / "input").string());
  RunResult r = Index("--index " + Quote(index_) + " " + input);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  size_t warnings = 0;
  for (const std::string& line : Lines(r.err)) warnings += Contains(line, ": binary file");
  EXPECT_EQ(warnings, 10u) << r.err;
  EXPECT_TRUE(Contains(r.err, "trawl-index: warning: ... and 5 more (--verbose shows each)"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, "skipped 15: 15 binary")) << r.err;

  r = Index("--verbose --index " + Quote(index_) + " " + input);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  warnings = 0;
  for (const std::string& line : Lines(r.err)) warnings += Contains(line, ": binary file");
  EXPECT_EQ(warnings, 15u) << r.err;
  EXPECT_FALSE(Contains(r.err, "more")) << r.err;
}

// A query may start with '-' (a negated word): it is the query, not an unknown option, before
// or after the options and beside other words.
TEST_F(CliTest, CliQueryStartingWithDashIsAQuery) {
  IndexCorpus();
  RunResult r = SearchIn(index_, "--count -zebra");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "18\n");  // all but the two zebra documents
  r = Search("-zebra --count --index " + Quote(index_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "18\n");
  r = SearchIn(index_, "--count --top 3 document -zebra");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "18\n");
  r = SearchIn(index_, "--count -- -zebra");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "18\n");
  r = SearchIn(index_, "--no-such-flag zebra");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "--no-such-flag")) << r.err;
}

TEST_F(CliTest, CliCountAndRanking) {
  IndexCorpus();
  EXPECT_EQ(Count("common"), 20);
  EXPECT_EQ(Count("zebra"), 2);
  EXPECT_EQ(Count("nonexistentword"), 0);

  RunResult r = SearchIn(index_, "--count zebra");
  EXPECT_EQ(r.out, "2\n");

  json j = SearchJson("zebra");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["query"], "zebra");
  EXPECT_EQ(j["total"], 2);
  ASSERT_TRUE(j["took_us"].is_number_integer());
  EXPECT_GE(j["took_us"].get<long long>(), 0);
  ASSERT_EQ(j["hits"].size(), 2u);
  // The document that says zebra three times in a short body ranks first.
  EXPECT_EQ(j["hits"][0]["id"], "doc03");
  EXPECT_EQ(j["hits"][0]["title"], "Zebra herd");
  EXPECT_EQ(j["hits"][1]["id"], "doc11");
  EXPECT_GT(j["hits"][0]["score"].get<double>(), j["hits"][1]["score"].get<double>());
  for (const auto& hit : j["hits"]) {
    for (const char* key : {"id", "score", "title", "snippet"}) EXPECT_TRUE(hit.contains(key));
    EXPECT_TRUE(Contains(hit["snippet"].get<std::string>(), "<b>zebra</b>")) << hit;
  }
  // The documented key order (query, total, took_us, hits).
  const std::string line = SearchIn(index_, "--json zebra").out;
  size_t previous = 0;
  for (const char* key : {"\"query\"", "\"total\"", "\"took_us\"", "\"hits\""}) {
    const size_t at = line.find(key);
    ASSERT_NE(at, std::string::npos) << key;
    EXPECT_GE(at, previous) << key << " out of order in " << line;
    previous = at;
  }

  j = SearchJson("zebra", "--count");
  EXPECT_EQ(j["total"], 2);
  EXPECT_TRUE(j.contains("took_us"));
  EXPECT_FALSE(j.contains("hits"));

  j = SearchJson("\"zebra herd\"");
  ASSERT_EQ(j["hits"].size(), 1u);
  EXPECT_EQ(j["hits"][0]["id"], "doc03");
}

TEST_F(CliTest, CliPlainOutput) {
  IndexCorpus();
  RunResult r = SearchIn(index_, "zebra");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_GE(lines.size(), 5u) << r.out;
  EXPECT_EQ(lines[0].rfind("2 matches (", 0), 0u) << lines[0];
  EXPECT_TRUE(Contains(lines[1], "doc03")) << lines[1];
  EXPECT_TRUE(Contains(lines[1], "Zebra herd")) << lines[1];
  EXPECT_TRUE(Contains(lines[1], "1.")) << lines[1];
  // Not a terminal: brackets, not ANSI escapes.
  EXPECT_TRUE(Contains(r.out, "[zebra]")) << r.out;
  EXPECT_FALSE(Contains(r.out, "\x1b")) << r.out;
  EXPECT_EQ(lines[2].rfind("  ", 0), 0u) << "snippets are indented: " << lines[2];
}

TEST_F(CliTest, CliPhraseVersusWords) {
  IndexCorpus();
  EXPECT_EQ(Count("\"institute of technology\""), 2);
  EXPECT_EQ(Count("+institute +technology"), 3);
  EXPECT_EQ(Count("institute AND technology"), 3);
  EXPECT_EQ(Count("institute technology"), 4);
  EXPECT_EQ(Count("\"technology institute\""), 0);

  json j = SearchJson("\"institute of technology\"");
  ASSERT_EQ(j["hits"].size(), 2u);
  std::vector<std::string> ids = {j["hits"][0]["id"], j["hits"][1]["id"]};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"doc05", "doc07"}));
}

// A query whose positive clauses match nothing matches nothing, beside exclusions too; one left
// with no positive clause (a stop word is left out, as Lucene's QueryParser leaves it out) is
// purely negative: every document but those excluded.
TEST_F(CliTest, CliExclusionBesideClausesThatMatchNothing) {
  IndexCorpus();
  EXPECT_EQ(Count("zzzznotaword -zebra"), 0);
  EXPECT_EQ(Count("\"no such phrase\" -zebra"), 0);
  EXPECT_EQ(Count("zzzz* -zebra"), 0);
  EXPECT_EQ(Count("+(zzzz yyyy) -zebra"), 0);
  EXPECT_EQ(Count("(zzzz -zebra) OR stripes"), 1);
  EXPECT_EQ(Count("NOT zebra"), 18);
  // "--" ends the options, so that a query may start with '-'.
  EXPECT_EQ(SearchIn(index_, "--count -- " + Quote("-zebra")).out, "18\n");
  EXPECT_EQ(SearchJson("zzzznotaword -zebra")["hits"].size(), 0u);

  const std::string stop = (dir_ / "stop").string();
  RunResult r =
      Index("--quiet --stopwords english --index " + Quote(stop) + " " + Quote(Corpus()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("the -zebra", stop), 18);
  EXPECT_EQ(Count("the", stop), 0);
  EXPECT_EQ(Count("the zzzznotaword -zebra", stop), 0);
  EXPECT_EQ(Count("+the +stripes", stop), 1);
}

TEST_F(CliTest, CliOffsetPagingIsConsistent) {
  IndexCorpus();
  const json all = SearchJson("common document", "--top 20");
  ASSERT_EQ(all["total"], 20);
  ASSERT_EQ(all["hits"].size(), 20u);
  std::vector<std::string> paged;
  for (int offset = 0; offset < 20; offset += 6) {
    json page = SearchJson("common document", "--top 6 --offset " + std::to_string(offset));
    EXPECT_EQ(page["total"], 20) << "total does not depend on paging";
    EXPECT_EQ(page["hits"].size(), std::min<size_t>(6, 20 - offset));
    for (const auto& hit : page["hits"]) paged.push_back(hit["id"]);
  }
  std::vector<std::string> expected;
  for (const auto& hit : all["hits"]) expected.push_back(hit["id"]);
  EXPECT_EQ(paged, expected);
  // Scores never increase down the list.
  for (size_t i = 1; i < all["hits"].size(); ++i) {
    EXPECT_GE(all["hits"][i - 1]["score"].get<double>(), all["hits"][i]["score"].get<double>());
  }
  json beyond = SearchJson("common", "--offset 50");
  EXPECT_EQ(beyond["total"], 20);
  EXPECT_TRUE(beyond["hits"].empty());
  json none = SearchJson("common", "--top 0");
  EXPECT_EQ(none["total"], 20);
  EXPECT_TRUE(none["hits"].empty());
}

TEST_F(CliTest, CliBatchQueries) {
  IndexCorpus();
  const fs::path queries = dir_ / "queries.txt";
  WriteFile(queries, "zebra\n\n\"institute of technology\"\n\"unterminated\n  \t\ncommon\n");
  for (const std::string& how : {"--queries " + Quote(queries.string()), std::string("")}) {
    RunResult r = how.empty() ? Run(TRAWL_SEARCH_BIN, "--index " + Quote(index_), queries.string())
                              : SearchIn(index_, how);
    EXPECT_NE(r.exit_code, 0) << "one query failed";
    EXPECT_FALSE(r.crashed);
    std::vector<std::string> lines = Lines(r.out);
    // One answer per input line, blank lines included, so answer N is query N.
    ASSERT_EQ(lines.size(), 6u) << r.out;
    std::vector<json> answers;
    for (const auto& line : lines) answers.push_back(json::parse(line));
    EXPECT_EQ(answers[0]["query"], "zebra");
    EXPECT_EQ(answers[0]["total"], 2);
    EXPECT_EQ(answers[0]["hits"][0]["id"], "doc03");
    for (size_t blank : {1u, 4u}) {
      EXPECT_EQ(answers[blank]["query"], "");
      EXPECT_EQ(answers[blank]["total"], 0);
      EXPECT_EQ(answers[blank]["hits"], json::array());
      EXPECT_FALSE(answers[blank].contains("error"));
    }
    EXPECT_EQ(answers[2]["total"], 2);
    EXPECT_EQ(answers[3]["query"], "\"unterminated");
    EXPECT_TRUE(answers[3].contains("error"));
    EXPECT_FALSE(answers[3].contains("hits"));
    EXPECT_EQ(answers[5]["total"], 20);
    EXPECT_EQ(answers[5]["hits"].size(), 10u);
  }
  RunResult r = SearchIn(index_, "--count --queries " + Quote(queries.string()));
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(json::parse(lines[1])["total"], 0);
  EXPECT_EQ(json::parse(lines[5])["total"], 20);
  EXPECT_FALSE(json::parse(lines[5]).contains("hits"));
}

TEST_F(CliTest, CliStandardTokenizerIsKeptByTheIndex) {
  const fs::path corpus = dir_ / "contractions.jsonl";
  WriteFile(corpus,
            "{\"id\": \"a\", \"body\": \"I don't know, e.g. pi is 3.14\"}\n"
            "{\"id\": \"b\", \"body\": \"don t 3 14 e g\"}\n");
  RunResult r = Index("--quiet --tokenizer standard --index " + Quote(index_) + " " +
                      Quote(corpus.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Queries are analyzed with the index's tokenizer: "don't" is one term, found only in a.
  EXPECT_EQ(Count("don't"), 1);
  EXPECT_EQ(Count("3.14"), 1);
  EXPECT_EQ(Count("e.g."), 1);
  EXPECT_EQ(Count("don"), 1);
  // Adding to the index keeps its tokenizer, whatever the option says now.
  const fs::path more = dir_ / "more.jsonl";
  WriteFile(more, "{\"id\": \"c\", \"body\": \"won't don't\"}\n");
  r = Index("--quiet --tokenizer simple --index " + Quote(index_) + " " + Quote(more.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("don't"), 2);
  r = Index("--quiet --tokenizer bogus --index " + Quote((dir_ / "other").string()) + " " +
            Quote(more.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "unknown tokenizer 'bogus'")) << r.err;
}

// --ascii-folding is the index's, kept like its tokenizer; a schema gives a field its own
// analyzer, and a bad one is an error naming the field.
TEST_F(CliTest, CliAsciiFoldingAndFieldAnalyzers) {
  const fs::path corpus = dir_ / "accents.jsonl";
  WriteFile(corpus,
            "{\"id\": \"a\", \"title\": \"Crème brûlée\", \"body\": \"Straße\"}\n"
            "{\"id\": \"b\", \"title\": \"creme\", \"body\": \"strasse\"}\n");
  const fs::path schema = dir_ / "schema.json";
  WriteFile(schema, R"({"fields": {"body": {"type": "text", "analyzer": {"ascii_folding": false,
                                                                         "language": "none"}}}})");
  RunResult r = Index("--quiet --ascii-folding --schema " + Quote(schema.string()) + " --index " +
                      Quote(index_) + " " + Quote(corpus.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("title:creme"), 2);
  EXPECT_EQ(Count("title:CRÈME"), 2);
  EXPECT_EQ(Count("body:strasse"), 1);  // body keeps its accents
  EXPECT_EQ(Count("body:straße"), 1);
  EXPECT_EQ(Count("brulee"), 1);
  // The schema shows the field's analyzer.
  r = SearchIn(index_, "--schema");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "\"ascii_folding\": false")) << r.out;

  const fs::path bad = dir_ / "bad.json";
  WriteFile(bad, R"({"fields": {"body": {"type": "text", "analyzer": {"language": "elvish"}}}})");
  r = Index("--quiet --schema " + Quote(bad.string()) + " --index " +
            Quote((dir_ / "other").string()) + " " + Quote(corpus.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "field 'body': unknown language 'elvish'")) << r.err;
}

TEST_F(CliTest, CliPlainQueriesAreBagsOfWords) {
  IndexCorpus();
  // Query syntax means nothing in plain text: the quotes, '-' and '(' are separators.
  json j = SearchJson("\"zebra -common (unbalanced", "--plain");
  EXPECT_EQ(j["total"], 20);
  EXPECT_EQ(j["hits"][0]["id"], "doc03");
  EXPECT_EQ(SearchJson("zebra common")["hits"], j["hits"]);
  RunResult r = SearchIn(index_, "--plain --count " + Quote("NOT zebra"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "2\n");
}

TEST_F(CliTest, CliBm25fOptions) {
  IndexCorpus();
  json j = SearchJson("zebra", "--bm25f --field-weight title=3 --field-b title=0.2 --explain");
  ASSERT_EQ(j["total"], 2);
  EXPECT_EQ(j["hits"][0]["id"], "doc03");
  EXPECT_TRUE(Contains(j["hits"][0]["explanation"].get<std::string>(), "BM25F")) << j;
  // Matches do not change, scores do.
  json plain = SearchJson("zebra");
  EXPECT_EQ(plain["total"], 2);
  EXPECT_NE(plain["hits"][0]["score"], j["hits"][0]["score"]);
  for (const char* bad : {"--field-weight title=2 zebra", "--bm25f --field-weight title zebra",
                          "--bm25f --field-b title=0.3x zebra", "--bm25f --field-b =1 zebra"}) {
    RunResult r = SearchIn(index_, bad);
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  }
  RunResult r = SearchIn(index_, "--bm25f --field-b body=2 zebra");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "must be between 0 and 1")) << r.err;
}

// --store-block and --store-level change how stored documents are compressed, not what a search
// shows; a value out of range is one line naming the flag.
TEST_F(CliTest, CliStoreCompressionOptions) {
  // One thread each: the same documents in the same order, so ties order alike.
  const std::string plain = (dir_ / "plain").string(), other = (dir_ / "small-blocks").string();
  RunResult r = Index("--quiet --threads 1 --index " + Quote(plain) + " " + Quote(Corpus()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Index("--quiet --threads 1 --store-block 1K --store-level 9 --store-large-level 1 --index " +
            Quote(other) + " " + Quote(Corpus()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* q : {"zebra", "common", "\"quick brown\""}) {
    json a = json::parse(SearchIn(plain, "--json " + Quote(q)).out),
         b = json::parse(SearchIn(other, "--json " + Quote(q)).out);
    a.erase("took_us");
    b.erase("took_us");
    EXPECT_EQ(a, b) << q;
  }
  for (const std::string bad :
       {"--store-block 512", "--store-block 2M", "--store-block 4Q", "--store-level 0",
        "--store-level 20", "--store-large-level 0", "--store-large-level 20"}) {
    r = Index(bad + " --index " + Quote((dir_ / "never").string()) + " " + Quote(Corpus()));
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(Contains(r.err, bad.substr(0, bad.find(' ')))) << r.err;
  }
}

TEST_F(CliTest, CliProximityOptions) {
  IndexCorpus();
  json without = SearchJson("institute technology", "--top 20");
  json with = SearchJson("institute technology", "--top 20 --proximity --explain");
  // Matches do not change; "Institute of Technology" (distance 2) gains, and "institute ...
  // history of technology" (distance 6, beyond the window of 5) keeps its score.
  EXPECT_EQ(with["total"], without["total"]);
  auto score = [](const json& j, const std::string& id) {
    for (const auto& h : j["hits"])
      if (h["id"] == id) return h["score"].get<double>();
    return -1.0;
  };
  EXPECT_GT(score(with, "doc05"), score(without, "doc05"));
  EXPECT_DOUBLE_EQ(score(with, "doc09"), score(without, "doc09"));
  EXPECT_EQ(with["hits"][0]["id"], "doc05") << with;
  EXPECT_TRUE(Contains(with["hits"][0]["explanation"].get<std::string>(), "body proximity"))
      << with;
  // A weight of 0 is plain BM25.
  EXPECT_EQ(SearchJson("institute technology", "--top 20 --proximity --proximity-weight 0")["hits"],
            without["hits"]);
  for (const char* bad : {"--proximity-weight 1 zebra", "--proximity-window 3 zebra",
                          "--proximity --proximity-window 0 zebra",
                          "--proximity --proximity-window 65 zebra",
                          "--proximity --proximity-weight -1 zebra"}) {
    RunResult r = SearchIn(index_, bad);
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  }
}

TEST_F(CliTest, CliExplainShowsScoreBreakdown) {
  IndexCorpus();
  json j = SearchJson("zebra", "--explain");
  ASSERT_FALSE(j["hits"].empty());
  for (const auto& hit : j["hits"]) {
    ASSERT_TRUE(hit.contains("explanation")) << hit;
    EXPECT_FALSE(hit["explanation"].get<std::string>().empty()) << hit;
  }
  EXPECT_FALSE(SearchJson("zebra")["hits"][0].contains("explanation"));
}

TEST_F(CliTest, CliQueryErrorExitsOne) {
  IndexCorpus();
  RunResult r = SearchIn(index_, Quote("(unbalanced"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("trawl-search: error: ", 0), 0u) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(CliTest, CliSecondRunAddsToIndex) {
  IndexCorpus();
  EXPECT_EQ(Count("common"), 20);
  RunResult r = Index("--quiet --index " + Quote(index_) + " " + Quote(TextDirectory()));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  EXPECT_EQ(Count("common"), 20);
  EXPECT_EQ(Count("zebra"), 2);
  EXPECT_EQ(Count("aardvark"), 1);
  EXPECT_EQ(Count("okapi"), 1);
  EXPECT_EQ(Count("narwhal"), 1);
  EXPECT_EQ(Count("common OR aardvark OR okapi OR narwhal"), 23);

  json j = SearchJson("narwhal");
  ASSERT_EQ(j["hits"].size(), 1u);
  EXPECT_TRUE(Contains(j["hits"][0]["id"], "c.txt")) << j;
  j = SearchJson("okapi");
  ASSERT_EQ(j["hits"].size(), 1u);
  EXPECT_TRUE(Contains(j["hits"][0]["id"], "b.txt")) << j;
  EXPECT_EQ(j["hits"][0]["title"], "b.txt");
  EXPECT_TRUE(Contains(j["hits"][0]["snippet"], "<b>okapi</b>")) << j;
}

TEST_F(CliTest, CliRefusesADirectoryOfOtherFilesUnlessForced) {
  const fs::path notes = dir_ / "mine";
  WriteFile(notes / "seg_notes.txt", "my notes\n");
  WriteFile(notes / "todo.txt", "buy milk\n");
  RunResult r = Index("--quiet --index " + Quote(notes.string()) + " " + Quote(Corpus()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, notes.string() + ": not empty and not a trawl index")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--force")) << r.err;
  EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
  EXPECT_TRUE(fs::exists(notes / "seg_notes.txt"));
  EXPECT_FALSE(fs::exists(notes / "LOCK"));

  r = Index("--quiet --force --index " + Quote(notes.string()) + " " + Quote(Corpus()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("common", notes.string()), 20);
  // A second run into what is now an index needs no --force and removes none of the user's files.
  r = Index("--quiet --index " + Quote(notes.string()) + " " + Quote(TextDirectory()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadFile(notes / "seg_notes.txt"), "my notes\n");
  EXPECT_EQ(ReadFile(notes / "todo.txt"), "buy milk\n");
}

TEST_F(CliTest, CliReaddingAnIdReplacesTheDocument) {
  IndexCorpus();
  const fs::path update = dir_ / "update.jsonl";
  WriteFile(update, R"({"id": "doc03", "title": "Plain horses", "body": "No stripes here."})"
                    "\n");
  RunResult r = Index("--quiet --index " + Quote(index_) + " " + Quote(update.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("zebra"), 1);
  EXPECT_EQ(Count("stripes"), 1);
  EXPECT_EQ(Count("common OR stripes"), 20);
}

TEST_F(CliTest, CliIndexFromStdin) {
  RunResult r = Run(TRAWL_INDEX_BIN, "--quiet --index " + Quote(index_) + " -", Corpus());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("common"), 20);
}

TEST_F(CliTest, CliBadJsonLineFailsTheRun) {
  const fs::path bad = dir_ / "file.jsonl";
  WriteFile(bad,
            "{\"id\": \"g1\", \"body\": \"good wombat line\"}\n"
            "{\"id\": \"g2\", \"body\": \"another wombat line\"}\n"
            "this is not json\n"
            "{\"id\": \"g4\", \"body\": \"a wombat after the bad line\"}\n");
  RunResult r = Index("--index " + Quote(index_) + " " + Quote(bad.string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Contains(r.err, "trawl-index: error: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "file.jsonl:3")) << r.err;
  // Nothing was committed: either there is no index yet, or it has none of these documents.
  RunResult count = SearchIn(index_, "--count wombat");
  EXPECT_FALSE(count.crashed);
  if (count.exit_code == 0) {
    EXPECT_EQ(count.out, "0\n");
  }

  r = Index("--skip-errors --index " + Quote(index_) + " " + Quote(bad.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, "file.jsonl:3")) << r.err;
  EXPECT_TRUE(Contains(r.err, "bad JSON")) << r.err;
  EXPECT_EQ(Count("wombat"), 3);
}

TEST_F(CliTest, CliTruncatedSegmentFileIsAnError) {
  IndexCorpus();
  const std::string damaged = CopyIndex("truncated");
  const std::vector<fs::path> files = SegmentFiles(damaged);
  ASSERT_FALSE(files.empty());
  for (uint64_t cut : {1, 7, 100}) {
    const std::string copy = CopyIndex("truncated_" + std::to_string(cut));
    const fs::path victim = fs::path(copy) / files[0].filename();
    fs::resize_file(victim, fs::file_size(victim) - std::min<uint64_t>(cut, fs::file_size(victim)));
    for (const char* verify : {"", "--verify"}) {
      RunResult r = SearchIn(copy, std::string(verify) + " zebra");
      EXPECT_FALSE(r.crashed) << victim << " " << verify;
      EXPECT_NE(r.exit_code, 0) << victim << " cut " << cut << " " << verify << "\n" << r.out;
      EXPECT_EQ(r.err.rfind("trawl-search: error: ", 0), 0u) << r.err;
      EXPECT_TRUE(Contains(r.err, victim.filename().string())) << r.err;
    }
  }
}

TEST_F(CliTest, CliFlippedByteIsAnErrorNamingTheFile) {
  IndexCorpus();
  const std::vector<fs::path> files = SegmentFiles(index_);
  ASSERT_FALSE(files.empty());
  // The largest file first, then every other segment file: each damaged in its own copy.
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string copy = CopyIndex("flipped_" + std::to_string(i));
    const fs::path victim = fs::path(copy) / files[i].filename();
    std::string bytes = ReadFile(victim);
    ASSERT_GT(bytes.size(), 0u);
    bytes[bytes.size() / 2] ^= 0x5A;
    WriteFile(victim, bytes);
    RunResult r = SearchIn(copy, "--verify zebra");
    EXPECT_FALSE(r.crashed) << victim;
    EXPECT_NE(r.exit_code, 0) << victim << "\n" << r.out;
    EXPECT_EQ(r.err.rfind("trawl-search: error: ", 0), 0u) << r.err;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(Contains(r.err, victim.filename().string())) << r.err;
    // Without checksums the damage may go unnoticed, but it must never crash.
    for (const char* query : {"zebra", "common", "\"institute of technology\"", "comm*"}) {
      RunResult unchecked = SearchIn(copy, std::string("--json ") + Quote(query));
      EXPECT_FALSE(unchecked.crashed) << victim << " " << query << "\n" << unchecked.err;
    }
  }
}

// --schema at creation, kept by later runs: a new field may be added, a type may not change,
// and a bad schema file names itself.
TEST_F(CliTest, CliSchemaIsKeptAndATypeChangeIsRefused) {
  const fs::path schema = dir_ / "schema.json", changed = dir_ / "changed.json",
                 grown = dir_ / "grown.json", broken = dir_ / "broken.json";
  WriteFile(schema, R"({"fields": {"tag": {"type": "keyword"}, "n": {"type": "int"}}})");
  WriteFile(changed, R"({"fields": {"tag": {"type": "text"}}})");
  WriteFile(grown, R"({"fields": {"price": {"type": "float"}}})");
  WriteFile(broken, R"({"fields": {"tag": {"type": "keywrd"}}})");
  const fs::path docs = dir_ / "docs.jsonl";
  WriteFile(docs, "{\"id\": \"a\", \"body\": \"apple\", \"tag\": \"New York\", \"n\": 3}\n"
                  "{\"id\": \"b\", \"body\": \"berry\", \"tag\": \"new york\", \"n\": -2}\n");
  RunResult r = Index("--quiet --schema " + Quote(schema.string()) + " --index " + Quote(index_) +
                      " " + Quote(docs.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("tag:\"New York\""), 1);
  EXPECT_EQ(Count("n:[-5 TO 0]"), 1);
  EXPECT_EQ(Count("n:*"), 2);

  r = Index("--quiet --schema " + Quote(changed.string()) + " --index " + Quote(index_) + " " +
            Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "'tag'")) << r.err;
  EXPECT_TRUE(Contains(r.err, "keyword")) << r.err;

  r = Index("--quiet --schema " + Quote(broken.string()) + " --index " + Quote(index_) + " " +
            Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, broken.string())) << r.err;
  EXPECT_TRUE(Contains(r.err, "keywrd")) << r.err;

  r = Index("--quiet --schema " + Quote(grown.string()) + " --index " + Quote(index_) + " " +
            Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = SearchIn(index_, "--schema");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json printed = json::parse(r.out);
  EXPECT_EQ(printed["fields"]["tag"]["type"], "keyword");
  EXPECT_EQ(printed["fields"]["n"]["type"], "int");
  EXPECT_EQ(printed["fields"]["price"]["type"], "float");
  EXPECT_EQ(printed["fields"]["body"]["type"], "text");
}

// A value that does not fit its field's type fails the run naming the file, line, field and
// value; with --skip-errors the document is skipped and counted, never silently dropped.
TEST_F(CliTest, CliValueOfTheWrongTypeIsANamedSkip) {
  const fs::path docs = dir_ / "docs.jsonl";
  WriteFile(docs, "{\"id\": \"a\", \"n\": 1}\n"
                  "{\"id\": \"b\", \"n\": \"many\"}\n"
                  "{\"id\": \"c\", \"n\": 3}\n");
  RunResult r = Index("--index " + Quote(index_) + " " + Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "'n'")) << r.err;
  EXPECT_TRUE(Contains(r.err, "many")) << r.err;
  EXPECT_TRUE(Contains(r.err, docs.string())) << r.err;

  r = Index("--skip-errors --json-summary --index " + Quote(index_) + " " + Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const json summary = json::parse(Lines(r.out).back());
  EXPECT_EQ(summary["documents"], 2) << summary;
  EXPECT_EQ(summary["skipped"]["bad_value"], 1) << summary;
  EXPECT_EQ(Count("n:*"), 2);
}

// A document with hundreds of fields is an ordinary document; one that would take the schema
// past its max_fields is refused alone: it fails the run naming it, or with --skip-errors it is
// skipped and counted, and the run goes on and commits the others.
TEST_F(CliTest, CliADocumentPastMaxFieldsIsRefusedAloneNeverTheRun) {
  auto wide = [](const std::string& id, const std::string& prefix, int n) {
    json doc = {{"id", id}};
    for (int f = 0; f < n; ++f) doc[prefix + std::to_string(f)] = "value";
    return doc.dump() + "\n";
  };
  const fs::path docs = dir_ / "docs.jsonl";
  WriteFile(docs, wide("a", "a", 3) + wide("wide", "w", 300) + wide("b", "a", 2));
  RunResult r = Index("--quiet --index " + Quote(index_) + " " + Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Count("w299:value"), 1);
  fs::remove_all(index_);

  const fs::path schema = dir_ / "schema.json";
  WriteFile(schema, "{\"max_fields\": 10}");
  r = Index("--schema " + Quote(schema.string()) + " --index " + Quote(index_) + " " +
            Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 1);
  // File and line, as a bad JSON line is named.
  EXPECT_TRUE(Contains(r.err, docs.string() + ":2: document 'wide'")) << r.err;
  EXPECT_TRUE(Contains(r.err, "max_fields")) << r.err;

  r = Index("--skip-errors --json-summary --schema " + Quote(schema.string()) + " --index " +
            Quote(index_) + " " + Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  const json summary = json::parse(Lines(r.out).back());
  EXPECT_EQ(summary["documents"], 2) << summary;
  EXPECT_EQ(summary["skipped"]["bad_value"], 1) << summary;
  EXPECT_EQ(Count("a0:value"), 2);
  // The index keeps its cap: a later run adding known fields works, new ones past it are skipped.
  WriteFile(docs, wide("c", "a", 3) + wide("d", "z", 8));
  r = Index("--skip-errors --quiet --index " + Quote(index_) + " " + Quote(docs.string()));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(Count("a0:value"), 3);
  EXPECT_EQ(Count("z0:value"), 0);
}

TEST_F(CliTest, CliDeleteQueryRemovesEveryMatch) {
  const fs::path docs = dir_ / "docs.jsonl";
  std::string lines;
  for (int i = 0; i < 30; ++i) {
    lines += "{\"id\": \"d" + std::to_string(i) + "\", \"body\": \"word" +
             std::to_string(i % 3) + "\", \"n\": " + std::to_string(i) + "}\n";
  }
  WriteFile(docs, lines);
  ASSERT_EQ(Index("--quiet --index " + Quote(index_) + " " + Quote(docs.string())).exit_code, 0);
  RunResult r = Index("--json-summary --index " + Quote(index_) +
                      " --delete-query 'word1 OR n:>=27'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(Lines(r.out).back());
  EXPECT_EQ(summary["deleted_by_query"], 12) << summary;  // 10 word1, and 27 and 29
  EXPECT_EQ(Count("*"), 18);
  EXPECT_EQ(Count("word1"), 0);
  EXPECT_EQ(Count("n:>=27"), 0);
  r = Index("--index " + Quote(index_) + " --delete-query 'n:[1 TO'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "syntax error")) << r.err;
  EXPECT_EQ(Count("*"), 18);
}

}  // namespace
}  // namespace cli_test
}  // namespace trawl

// trawl-index end to end on archives, compressed files, mail, HTML and JSONL, as a script would
// run it: exit statuses, the --json-summary counts, the warnings on stderr, and trawl-search
// finding the text of every member. The inputs are built in each test with the command-line
// tools (tar, gzip, bzip2, xz, zstd, zip); a test whose tool is missing is skipped.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
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
namespace cli_archive_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool HaveTool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

#define REQUIRE_TOOLS(...)                                                     \
  for (const char* tool : {__VA_ARGS__}) {                                     \
    if (!HaveTool(tool)) GTEST_SKIP() << tool << " is not installed";          \
  }

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  json summary;  // stdout's last line parsed, when it is JSON
};

class CliArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_cli_archive");
    index_ = Path("index");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& rel) const { return (dir_ / rel).string(); }

  std::string Write(const std::string& rel, const std::string& content) {
    return WriteFileAt(dir_ / rel, content);
  }

  // Runs `command` in the test directory; a failure fails the test.
  void Sh(const std::string& command) {
    ASSERT_EQ(RunIn(dir_, command), 0) << command;
  }

  // trawl-index --index INDEX --json-summary ARGS, stdin from `stdin_command`'s output if given.
  RunResult Index(const std::string& args, const std::string& stdin_command = "") {
    const std::string out = Path("stdout.txt"), err = Path("stderr.txt");
    std::string command = Quote(TRAWL_INDEX_BIN) + " --index " + Quote(index_) +
                          " --json-summary " + args + " >" + Quote(out) + " 2>" + Quote(err);
    command = stdin_command.empty() ? command + " </dev/null"
                                    : "cd " + Quote(dir_.string()) + " && " + stdin_command +
                                          " | " + command;
    const int status = std::system(command.c_str());
    RunResult r;
    if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    std::string last = r.out;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    r.summary = json::parse(last, nullptr, /*allow_exceptions=*/false);
    return r;
  }

  // trawl-search --json: the parsed result, or a test failure.
  json Search(const std::string& query) {
    const std::string out = Path("search.txt");
    const std::string command = Quote(TRAWL_SEARCH_BIN) + " --index " + Quote(index_) +
                                " --json --top 100 " + Quote(query) + " </dev/null >" +
                                Quote(out) + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(out);
    return json::parse(ReadFile(out), nullptr, /*allow_exceptions=*/false);
  }

  // The ids of the documents matching `query`.
  std::vector<std::string> Hits(const std::string& query) {
    json j = Search(query);
    std::vector<std::string> ids;
    if (!j.is_object()) return ids;
    for (const json& hit : j["hits"]) ids.push_back(hit["id"].get<std::string>());
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  fs::path dir_;
  std::string index_;
};

// Every kind of input, each holding a word of its own that the search must find under the
// right id.
TEST_F(CliArchiveTest, CliArchiveEveryKindIsIndexedAndSearchable) {
  REQUIRE_TOOLS("tar", "gzip", "bzip2", "xz", "zstd", "zip");
  // A tar in each compression, with a text file and an HTML page in a subdirectory.
  const std::vector<std::pair<std::string, std::string>> tars = {
      {"plain.tar", "tar -cf"},       {"gz.tar.gz", "tar -czf"},  {"short.tgz", "tar -czf"},
      {"bz.tar.bz2", "tar -cjf"},     {"xz.tar.xz", "tar -cJf"},  {"zst.tar.zst", "tar --zstd -cf"}};
  for (const auto& [name, command] : tars) {
    const std::string tag = name.substr(0, name.find('.'));
    Write("src_" + tag + "/notes.txt", "the " + tag + "word text member\n");
    Write("src_" + tag + "/web/page.html",
          "<html><head><title>" + tag + "title page</title><script>var " + tag +
              "script = 1;</script></head><body><p>" + tag + "html body</p></body></html>");
    Sh("mkdir -p in && " + command + " in/" + name + " -C src_" + tag + " notes.txt web/page.html");
  }
  Write("zipsrc/a.txt", "zipword inside a zip\n");
  Write("zipsrc/d/b.txt", "zipdeep further down\n");
  Sh("mkdir -p in && cd zipsrc && zip -q -r ../in/z.zip a.txt d");
  // Single compressed files, and JSONL compressed.
  for (const std::string tool : {"gzip", "bzip2", "xz", "zstd"}) {
    Write("in/single_" + tool + ".txt", tool + "single compressed text\n");
    Sh(tool + " -q in/single_" + tool + ".txt" + (tool == "zstd" ? " --rm" : ""));
  }
  Write("in/docs.jsonl", "{\"id\": \"j-gz\", \"title\": \"Gzip JSONL\", \"body\": \"jsonlgz\"}\n");
  Write("in/more.jsonl", "{\"id\": \"j-zst\", \"title\": \"Zstd JSONL\", \"body\": \"jsonlzst\"}\n");
  Sh("gzip in/docs.jsonl && zstd -q --rm in/more.jsonl");

  RunResult r = Index(Quote(Path("in")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.summary.is_object()) << r.out;
  // 6 tars x 2 members + 2 zip members + 4 single files + 2 JSONL lines.
  EXPECT_EQ(r.summary["documents"], 20) << r.out;
  EXPECT_EQ(r.summary["skipped"]["total"], 0) << r.out;
  EXPECT_EQ(r.summary["index"]["documents"], 20);
  EXPECT_GT(r.summary["index"]["bytes"].get<uint64_t>(), 0u);
  EXPECT_GT(r.summary["input_bytes"].get<uint64_t>(), 0u);

  const std::string in = Path("in");
  for (const auto& [name, command] : tars) {
    SCOPED_TRACE(name);
    const std::string tag = name.substr(0, name.find('.'));
    EXPECT_EQ(Hits(tag + "word"), std::vector<std::string>{in + "/" + name + "!notes.txt"});
    EXPECT_EQ(Hits(tag + "html"), std::vector<std::string>{in + "/" + name + "!web/page.html"});
    EXPECT_EQ(Hits("title:" + tag + "title"), std::vector<std::string>{in + "/" + name + "!web/page.html"});
    EXPECT_TRUE(Hits(tag + "script").empty()) << "script text is not visible text";
  }
  EXPECT_EQ(Hits("zipword"), std::vector<std::string>{in + "/z.zip!a.txt"});
  EXPECT_EQ(Hits("zipdeep"), std::vector<std::string>{in + "/z.zip!d/b.txt"});
  EXPECT_EQ(Hits("gzipsingle"), std::vector<std::string>{in + "/single_gzip.txt.gz"});
  EXPECT_EQ(Hits("bzip2single"), std::vector<std::string>{in + "/single_bzip2.txt.bz2"});
  EXPECT_EQ(Hits("xzsingle"), std::vector<std::string>{in + "/single_xz.txt.xz"});
  EXPECT_EQ(Hits("zstdsingle"), std::vector<std::string>{in + "/single_zstd.txt.zst"});
  EXPECT_EQ(Hits("jsonlgz"), std::vector<std::string>{"j-gz"});
  EXPECT_EQ(Hits("jsonlzst"), std::vector<std::string>{"j-zst"});
}

TEST_F(CliArchiveTest, CliArchiveJsonlOnStdinPlainAndCompressed) {
  REQUIRE_TOOLS("gzip", "zstd", "xz");
  Write("a.jsonl", "{\"id\": \"s1\", \"body\": \"stdinplain\"}\n");
  Write("b.jsonl", "{\"id\": \"s2\", \"body\": \"stdingzip\"}\n{\"id\": \"s3\", \"body\": \"x\"}\n");
  Write("c.jsonl", "{\"id\": \"s4\", \"body\": \"stdinzstd\"}\n");
  Write("d.jsonl", "{\"id\": \"s5\", \"body\": \"stdinxz\"}\n");
  RunResult r = Index("-", "cat a.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.summary["documents"], 1);
  r = Index("-", "gzip -c b.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.summary["documents"], 2);
  r = Index("-", "zstd -q -c c.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = Index("-", "xz -c d.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Hits("stdinplain"), std::vector<std::string>{"s1"});
  EXPECT_EQ(Hits("stdingzip"), std::vector<std::string>{"s2"});
  EXPECT_EQ(Hits("stdinzstd"), std::vector<std::string>{"s4"});
  EXPECT_EQ(Hits("stdinxz"), std::vector<std::string>{"s5"});

  // A bad line on stdin is named by line.
  Write("bad.jsonl", "{\"id\": \"ok\"}\n{\"id\": \n");
  r = Index("-", "gzip -c bad.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "<stdin>:2: ")) << r.err;
}

// Exit 0 when everything is indexed, 2 when something was skipped (with every reason counted
// in the JSON summary), 1 when the run failed and nothing was committed.
TEST_F(CliArchiveTest, CliArchiveSummaryCountsAndExitStatus) {
  REQUIRE_TOOLS("tar", "gzip", "zip");
  Write("good/a.txt", "exitzero text\n");
  RunResult r = Index(Quote(Path("good")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.summary.is_object()) << r.out;
  EXPECT_EQ(r.summary["status"], "ok");
  EXPECT_EQ(r.summary["exit_code"], 0);

  Write("mix/src/text.txt", "mixtext\n");
  Write("mix/src/binary.dat", std::string("MZ\0\0\x90\x03", 6) + "more");
  std::string latin;
  for (int i = 0; i < 500; ++i) latin += "\xE9\xE8\xFC\xE0";
  Write("mix/src/latin.txt", latin);
  Write("mix/src/empty.txt", "");
  Write("mix/inner/x.txt", "nestedword\n");
  Sh("cd mix/inner && zip -q ../src/inner.zip x.txt");
  Sh("tar -czf mix/pack.tar.gz -C mix/src text.txt binary.dat latin.txt empty.txt inner.zip");
  Write("mix/lines.jsonl",
        "{\"id\": \"l1\", \"body\": \"jsonline\"}\nnot json\n{\"id\": \"l3\", \"body\": \"\xFF\xFE\"}\n");
  r = Index("--skip-errors " + Quote(Path("mix/pack.tar.gz")) + " " +
            Quote(Path("mix/lines.jsonl")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  ASSERT_TRUE(r.summary.is_object()) << r.out;
  EXPECT_EQ(r.summary["status"], "skipped");
  EXPECT_EQ(r.summary["exit_code"], 2);
  EXPECT_EQ(r.summary["documents"], 2);  // text.txt and l1
  const json& skipped = r.summary["skipped"];
  EXPECT_EQ(skipped["binary"], 1) << skipped;
  EXPECT_EQ(skipped["bad_encoding"], 2) << skipped;  // latin.txt and line 3
  EXPECT_EQ(skipped["bad_json"], 1) << skipped;
  EXPECT_EQ(skipped["empty"], 1) << skipped;
  EXPECT_EQ(skipped["nested_archive"], 1) << skipped;
  EXPECT_EQ(skipped["total"], 6) << skipped;
  EXPECT_GT(r.summary["bytes_read"].get<uint64_t>(), 0u);
  EXPECT_GE(r.summary["seconds"].get<double>(), 0.0);
  EXPECT_TRUE(r.summary.contains("docs_per_second"));
  EXPECT_EQ(r.summary["messages"].size(), 6u) << r.summary["messages"];
  // The human summary and the warnings go to stderr, naming archive and member.
  const std::string pack = Path("mix/pack.tar.gz");
  EXPECT_TRUE(Contains(r.err, pack + "!binary.dat: binary file (NUL byte at byte 2)")) << r.err;
  EXPECT_TRUE(Contains(r.err, pack + "!latin.txt: not UTF-8 text")) << r.err;
  EXPECT_TRUE(Contains(r.err, pack + "!inner.zip: archive inside an archive")) << r.err;
  EXPECT_TRUE(Contains(r.err, "lines.jsonl:2: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "lines.jsonl:3: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "skipped 6: 1 binary, 2 bad encoding, 1 bad JSON")) << r.err;
  EXPECT_TRUE(Hits("nestedword").empty());

  // --recurse-archives opens the zip inside the tar.
  r = Index("--recurse-archives " + Quote(pack));
  EXPECT_EQ(r.summary["skipped"]["nested_archive"], 0);
  EXPECT_EQ(Hits("nestedword"), std::vector<std::string>{pack + "!inner.zip!x.txt"});

  // Without --skip-errors the bad line fails the run: status 1, nothing committed, and the
  // JSON summary still comes out.
  const json before = Search("jsonline");
  r = Index(Quote(Path("mix/lines.jsonl")) + " " + Quote(Path("good")));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  ASSERT_TRUE(r.summary.is_object()) << r.out;
  EXPECT_EQ(r.summary["status"], "failed");
  EXPECT_TRUE(Contains(r.summary["error"].get<std::string>(), "lines.jsonl:2")) << r.out;
  EXPECT_EQ(Search("jsonline")["total"], before["total"]);
  EXPECT_TRUE(Hits("exitzero").size() == 1u);
}

TEST_F(CliArchiveTest, CliArchiveOversizedDocumentsAreTruncatedNotDropped) {
  REQUIRE_TOOLS("tar");
  std::string big;
  while (big.size() < 10000) big += "early words ";
  big += "tailword";
  Write("src/big.txt", big);
  Write("src/small.txt", "smallword\n");
  Sh("tar -cf big.tar -C src big.txt small.txt");
  Write("huge.jsonl", "{\"id\": \"fine\", \"body\": \"fineline\"}\n"
                     "{\"id\": \"cut\", \"body\": \"cutline " + std::string(5000, 'y') + "\"}\n"
                     "{\"id\": \"huge\", \"body\": \"" + std::string(1200 << 10, 'z') + "\"}\n");

  RunResult r = Index("--max-doc-bytes 1K " + Quote(Path("big.tar")));
  EXPECT_EQ(r.exit_code, 0) << r.err;  // truncated is indexed, not skipped
  EXPECT_EQ(r.summary["documents"], 2);
  EXPECT_EQ(r.summary["truncated"], 1);
  EXPECT_TRUE(Contains(r.err, "big.tar!big.txt: larger than the document size limit, truncated"))
      << r.err;
  EXPECT_EQ(Hits("early"), std::vector<std::string>{Path("big.tar") + "!big.txt"});
  EXPECT_TRUE(Hits("tailword").empty()) << "the text past the limit is cut";

  // A JSONL document over the limit is truncated like any other; a line too long to parse
  // (over twice the limit plus 1 MiB) cannot be cut as JSON and is skipped as too large.
  r = Index("--max-doc-bytes 1K " + Quote(Path("huge.jsonl")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.summary["documents"], 2);
  EXPECT_EQ(r.summary["truncated"], 1);
  EXPECT_EQ(r.summary["skipped"]["too_large"], 1);
  EXPECT_TRUE(Contains(r.err, "huge.jsonl:2: larger than the document size limit")) << r.err;
  EXPECT_TRUE(Contains(r.err, "huge.jsonl:3: line longer than")) << r.err;
  EXPECT_EQ(Hits("cutline"), std::vector<std::string>{"cut"});

  r = Index("--max-doc-bytes 0 " + Quote(Path("huge.jsonl")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.err, "--max-doc-bytes")) << r.err;
}

// 200 MB of zeros, gzip'ed to about 200 KB, with --max-decompressed 20M: stopped at the limit
// with an error naming archive and member, quickly, and the members before it are indexed.
TEST_F(CliArchiveTest, CliArchiveGzipBombIsStoppedAtItsLimit) {
  REQUIRE_TOOLS("tar", "gzip", "truncate");
  Write("b/a.txt", "beforebomb\n");
  Write("b/z.txt", "afterbomb\n");
  Sh("truncate -s 200M b/zeros.txt && tar -cf - -C b a.txt zeros.txt z.txt | gzip -1 > "
     "bomb.tar.gz && rm b/zeros.txt");
  Sh("yes 'text that repeats' | head -c 200M | gzip -1 > bomb.txt.gz");
  ASSERT_LT(fs::file_size(dir_ / "bomb.tar.gz"), 1u << 20);

  const auto start = std::chrono::steady_clock::now();
  RunResult r = Index("--max-decompressed 20M " + Quote(Path("bomb.tar.gz")) + " " +
                      Quote(Path("bomb.txt.gz")));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.summary["skipped"]["over_limit"], 2) << r.out;
  EXPECT_TRUE(Contains(r.err, Path("bomb.tar.gz") + "!zeros.txt: stopped: more than 20 MiB"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, Path("bomb.txt.gz") + ": stopped: more than 20 MiB")) << r.err;
  // Well under what reading 400 MB would take; the limit, not the data, ended the reads.
  EXPECT_LT(r.summary["bytes_read"].get<uint64_t>(), uint64_t{80} << 20) << r.out;
  EXPECT_LT(seconds, 30.0);
  EXPECT_EQ(Hits("beforebomb"), std::vector<std::string>{Path("bomb.tar.gz") + "!a.txt"});
  EXPECT_TRUE(Hits("afterbomb").empty());

  // The default ratio limit (200:1) stops it too, without any flag.
  r = Index(Quote(Path("bomb.tar.gz")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Contains(r.err, "200:1")) << r.err;
}

// A truncated .tar.gz and a zip with a damaged member: the members before the damage are
// indexed, the damage is reported with archive and member, the run goes on to the next input.
TEST_F(CliArchiveTest, CliArchiveDamageIsReportedAndTheRunGoesOn) {
  REQUIRE_TOOLS("tar", "gzip", "zip", "head");
  std::string names;
  for (int i = 1; i <= 6; ++i) {
    // Text that compresses poorly, so that the cut falls in a predictable member.
    std::string text = "member" + std::to_string(i) + "word\n";
    unsigned x = 12345u * static_cast<unsigned>(i);
    // Large enough that the decompressed data libarchive loses with a truncated block (up to
    // one buffer before the damage) stays within the damaged member.
    while (text.size() < 300000) {
      x = x * 1103515245u + 12345u;
      text += static_cast<char>('a' + (x >> 16) % 26);
      if ((x >> 8) % 7 == 0) text += ' ';
    }
    Write("t/f" + std::to_string(i) + ".txt", text);
    names += " f" + std::to_string(i) + ".txt";
  }
  Sh("tar -czf whole.tar.gz -C t" + names + " && cd t && zip -q ../damaged.zip" + names);
  const auto tgz_size = fs::file_size(dir_ / "whole.tar.gz");
  // 2.5 members' worth: the first two whole, the third cut.
  Sh("head -c " + std::to_string(tgz_size * 5 / 12) + " whole.tar.gz > cut.tar.gz");
  // Overwrite bytes in the middle of the second member's compressed data (the members are
  // about the same size).
  {
    std::fstream f(dir_ / "damaged.zip", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(dir_ / "damaged.zip") / 4));
    f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef\xde\xad\xbe\xef", 12);
  }
  Write("zz_after.txt", "afterdamage\n");

  RunResult r = Index(Quote(Path("cut.tar.gz")) + " " + Quote(Path("damaged.zip")) + " " +
                      Quote(Path("zz_after.txt")));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.summary["skipped"]["unreadable"], 2) << r.out;
  const std::string cut = Path("cut.tar.gz"), zip = Path("damaged.zip");
  EXPECT_EQ(Hits("member1word"), (std::vector<std::string>{cut + "!f1.txt", zip + "!f1.txt"}));
  EXPECT_EQ(Hits("member2word"), (std::vector<std::string>{cut + "!f2.txt"}));
  EXPECT_TRUE(Contains(r.err, cut + "!f3.txt: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, "(at byte ")) << r.err;
  // The zip loses the damaged member only: the others have their own headers and checksums.
  EXPECT_TRUE(Contains(r.err, zip + "!f2.txt: ")) << r.err;
  EXPECT_EQ(Hits("member6word"), (std::vector<std::string>{zip + "!f6.txt"}));
  EXPECT_EQ(r.summary["documents"], 2 + 5 + 1) << r.out;
  EXPECT_EQ(Hits("afterdamage"), std::vector<std::string>{Path("zz_after.txt")});
}

TEST_F(CliArchiveTest, CliArchiveIncludeExcludeMboxAndHtml) {
  REQUIRE_TOOLS("tar", "gzip");
  Write("src/keep.txt", "includedword\n");
  Write("src/skip.md", "markdownword\n");
  Write("src/logs/debug.txt", "logword\n");
  Write("src/mail/list.mbox",
        "From a@example.org Mon Jan  1 10:00:00 2024\n"
        "From: Ada <ada@example.org>\n"
        "Subject: =?UTF-8?Q?Caf=C3=A9?= plans\n"
        "Date: Mon, 1 Jan 2024 10:00:00 +0000\n"
        "\n"
        "firstmessage body\n"
        "\n"
        "From b@example.org Tue Jan  2 10:00:00 2024\n"
        "From: Bob <bob@example.org>\n"
        "Subject: =?X-UNKNOWN?B?////?= second\n"
        "Message-ID: <m2@example.org>\n"
        "Date: sometime last week\n"
        "\n"
        "secondmessage body\n");
  Write("src/site/index.html",
        "<html><head><title>Welcome home</title><style>.stylehidden{}</style></head>"
        "<body><h1>visibleheading</h1><script>scripthidden()</script></body></html>");
  Sh("tar -czf all.tar.gz -C src keep.txt skip.md logs mail site");

  RunResult r = Index("--include '*.txt' --include '*.mbox' --include '*.html' --exclude "
                      "'logs/*' " +
                      Quote(Path("all.tar.gz")));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.summary["documents"], 4) << r.out;  // keep.txt, 2 messages, index.html
  EXPECT_EQ(r.summary["excluded"], 2) << r.out;   // skip.md, logs/debug.txt
  const std::string a = Path("all.tar.gz");
  EXPECT_EQ(Hits("includedword"), std::vector<std::string>{a + "!keep.txt"});
  EXPECT_TRUE(Hits("markdownword").empty());
  EXPECT_TRUE(Hits("logword").empty());
  EXPECT_EQ(Hits("firstmessage"), std::vector<std::string>{a + "!mail/list.mbox#1"});
  EXPECT_EQ(Hits("secondmessage"), std::vector<std::string>{a + "!mail/list.mbox#m2@example.org"});
  EXPECT_EQ(Hits("title:caf\xC3\xA9"), std::vector<std::string>{a + "!mail/list.mbox#1"});
  // `from` is a keyword (the address as written), `date` a date.
  EXPECT_EQ(Hits("from:\"Ada <ada@example.org>\""), std::vector<std::string>{a + "!mail/list.mbox#1"});
  EXPECT_EQ(Hits("from:*ada*"), std::vector<std::string>{a + "!mail/list.mbox#1"});
  EXPECT_EQ(Hits("date:[2024-01-01 TO 2024-01-01]"),
            (std::vector<std::string>{a + "!mail/list.mbox#1"}));
  // A date no parser reads keeps its message, the header as text.
  EXPECT_EQ(Hits("date_header:week"),
            std::vector<std::string>{a + "!mail/list.mbox#m2@example.org"});
  json hit = Search("secondmessage");
  ASSERT_EQ(hit["hits"].size(), 1u);
  EXPECT_TRUE(Contains(hit["hits"][0]["title"].get<std::string>(), "second")) << hit;
  EXPECT_EQ(Hits("visibleheading"), std::vector<std::string>{a + "!site/index.html"});
  EXPECT_EQ(Hits("title:welcome"), std::vector<std::string>{a + "!site/index.html"});
  EXPECT_TRUE(Hits("stylehidden OR scripthidden").empty());
}

#undef REQUIRE_TOOLS

}  // namespace
}  // namespace cli_archive_test
}  // namespace trawl

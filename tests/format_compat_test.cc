// Indexes of every segment format this build writes or has written open and answer exactly as
// they did when written: tests/fixtures/index-v4 (segment format 4, typed fields, several
// posting blocks per common term) against the answers recorded in index-v4-expected.txt, and
// tests/fixtures/index-v6 (format 6: offset-free dictionary entries, compact bitmaps, packed
// lengths, and bitmaps for terms of one document) and tests/fixtures/index-v7 (format 7: terms of
// one document in the dictionary, block tables of fixed u32 fields; store format 2) of the same
// documents against the same; tests/fixtures/index-v8 (format 8: packed block tables, coded
// dictionary entries; long documents for phrases) against index-v8-expected.txt.
// Setting TRAWL_RECORD_EXPECTED=1 rewrites those files from this build's answers (only ever done
// with the build that wrote the fixture).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace format_compat_test {
namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(TRAWL_SOURCE_DIR) / "tests" / "fixtures";

// Term, conjunction, disjunction, phrase, rare-word, id, keyword, range and filtered queries,
// covering terms of one posting and terms of several blocks.
const char* const kQueries[] = {
    "the",          "index",          "the AND of",       "index OR bitmap OR rare3",
    "\"the of\"",   "\"posting index\"", "rare0",          "rare21 OR rare28",
    "id:d7",        "tag:red",        "year:[1995 TO 2000]", "title:block",
    "segment -the", "store column frequency", "entry", "entry the", "bitmap AND tag:blue",
};

// One line per query: query TAB total TAB id:score per hit, scores to the last bit.
std::string Answers(const std::filesystem::path& index,
                    std::span<const char* const> queries = kQueries) {
  std::unique_ptr<Searcher> searcher;
  SearcherOptions options;
  options.verify_checksums = true;
  Status s = Searcher::Open(index.string(), options, &searcher);
  if (!s.ok()) return "open: " + s.ToString();
  std::ostringstream out;
  for (const char* q : queries) {
    SearchResults r;
    s = searcher->Search(q, {}, &r);
    if (!s.ok()) return std::string(q) + ": " + s.ToString();
    uint64_t count = 0;
    s = searcher->Count(q, &count);
    if (!s.ok() || count != r.total) return std::string(q) + ": count disagrees";
    out << q << '\t' << r.total;
    for (const Hit& h : r.hits) {
      char score[64];
      std::snprintf(score, sizeof(score), "%.17g", h.score);
      out << '\t' << h.id << ':' << score;
    }
    out << '\n';
  }
  return out.str();
}

TEST(FormatCompatTest, Version4IndexAnswersAsWhenWritten) {
  const std::filesystem::path expected_path = kFixtures / "index-v4-expected.txt";
  const std::string answers = Answers(kFixtures / "index-v4");
  if (std::getenv("TRAWL_RECORD_EXPECTED") != nullptr) {
    std::ofstream(expected_path) << answers;
    GTEST_SKIP() << "recorded " << expected_path;
  }
  EXPECT_EQ(answers, ReadFile(expected_path));
}

TEST(FormatCompatTest, Version6IndexAnswersAsWhenWritten) {
  EXPECT_EQ(Answers(kFixtures / "index-v6"), ReadFile(kFixtures / "index-v4-expected.txt"));
}

TEST(FormatCompatTest, Version7IndexAnswersAsWhenWritten) {
  EXPECT_EQ(Answers(kFixtures / "index-v7"), ReadFile(kFixtures / "index-v4-expected.txt"));
}

// tests/fixtures/index-v4-source/make_docs.py, the same documents in the same JSONL.
std::string FixtureDocs() {
  const std::vector<std::string> words = {
      "the",      "of",      "and",    "index",  "term",       "block",  "posting",
      "segment",  "roaring", "bitmap", "phrase", "query",      "score",  "merge",
      "dictionary", "length", "position", "frequency", "store", "column"};
  uint64_t state = 12345;
  auto rand = [&](uint64_t n) {
    state = (state * 1103515245 + 12345) % (uint64_t{1} << 31);
    return (state >> 8) % n;
  };
  const char* const tags[] = {"red", "green", "blue"};
  std::string out;
  for (int i = 0; i < 160; ++i) {
    std::vector<std::string> doc_words;
    for (uint64_t k = 0, n = 2 + rand(8); k < n; ++k) {
      const uint64_t a = rand(words.size()), b = rand(words.size()), c = rand(words.size());
      doc_words.push_back(words[std::min({a, b, c})]);
    }
    if (i % 7 == 0) doc_words.push_back("rare" + std::to_string(i % 40));
    std::string body, title;
    for (size_t k = 0; k < doc_words.size(); ++k) {
      body += (k > 0 ? " " : "") + doc_words[k];
      if (k < 2) title += (k > 0 ? " " : "") + doc_words[k];
    }
    out += "{\"id\": \"d" + std::to_string(i) + "\", \"title\": \"" + title +
           "\", \"body\": \"entry " + body + "\", \"tag\": \"" + tags[i % 3] +
           "\", \"year\": " + std::to_string(1990 + i % 30) + "}\n";
  }
  return out;
}

// `docs` (JSONL) indexed by this build's trawl-index with the fixtures' schema into a fresh
// directory; returns the index's path.
std::filesystem::path IndexWithThisBuild(const std::string& prefix, const std::string& docs) {
  const std::filesystem::path dir = FreshTempDir(prefix);
  const std::string docs_path = WriteFileAt(dir / "docs.jsonl", docs);
  const std::filesystem::path index = dir / "index";
  const int rc = std::system((std::string(TRAWL_INDEX_BIN) + " --threads 1 --index " +
                              Quote(index.string()) + " --schema " +
                              Quote((kFixtures / "index-v4-source" / "schema.json").string()) +
                              " " + Quote(docs_path) + " >/dev/null 2>&1")
                                 .c_str());
  EXPECT_EQ(rc, 0);
  return index;
}

TEST(FormatCompatTest, CurrentFormatAnswersAsVersion4) {
  // The fixture's documents indexed by this build: every count, hit and score as the version 4
  // segment gave them.
  const std::filesystem::path index = IndexWithThisBuild("format_compat_current", FixtureDocs());
  EXPECT_EQ(Answers(index), ReadFile(kFixtures / "index-v4-expected.txt"));
}

// 150 documents of 30 to 60 words, about every other one "the": a block of its postings takes
// over a KiB of positions, which phrases with the other words seek into at every posting they
// reach. tests/fixtures/index-v8 holds them as segment format 8 wrote them.
std::string LongPositionDocs() {
  const std::vector<std::string> words = {"of",      "and",   "index", "term",  "block",
                                          "posting", "query", "score", "merge", "store"};
  uint64_t state = 777;
  auto rand = [&](uint64_t n) {
    state = (state * 6364136223846793005ull + 1442695040888963407ull);
    return (state >> 33) % n;
  };
  std::string out;
  for (int i = 0; i < 150; ++i) {
    std::string body, title;
    const uint64_t n = 30 + rand(31);
    const uint64_t rare_at = i % 4 == 0 ? rand(n) : n;
    for (uint64_t k = 0; k < n; ++k) {
      std::string w = rand(2) == 0 ? "the" : words[std::min(rand(words.size()), rand(words.size()))];
      if (k == rare_at) w = "rare" + std::to_string(i % 9);
      body += (k > 0 ? " " : "") + w;
      if (k < 2) title += (k > 0 ? " " : "") + w;
    }
    out += "{\"id\": \"p" + std::to_string(i) + "\", \"title\": \"" + title +
           "\", \"body\": \"" + body + "\", \"tag\": \"red\", \"year\": 2000}\n";
  }
  return out;
}

// Phrases of "the" with words common and rare, before and after it, exact and with slop.
const char* const kPhraseQueries[] = {
    "\"the of\"",        "\"of the\"",         "\"the the\"",      "\"the rare3\"",
    "\"rare5 the\"",     "\"the index the\"",  "\"the rare0 the\"", "\"and the of\"",
    "\"the store\"~2",   "\"rare7 the\"~3",    "the",              "\"the merge\" rare2",
    "\"posting the\" AND \"the block\"",
};

// Set TRAWL_RECORD_EXPECTED=1 only with the build that writes the fixture's format: it records
// this build's answers and index as tests/fixtures/index-v8*.
TEST(FormatCompatTest, CurrentFormatAnswersPhrasesAsVersion8) {
  const std::filesystem::path index = IndexWithThisBuild("format_compat_phrases", LongPositionDocs());
  const std::string answers = Answers(index, kPhraseQueries);
  const std::filesystem::path expected_path = kFixtures / "index-v8-expected.txt";
  if (std::getenv("TRAWL_RECORD_EXPECTED") != nullptr) {
    std::ofstream(expected_path) << answers;
    std::filesystem::remove_all(kFixtures / "index-v8");
    std::filesystem::copy(index, kFixtures / "index-v8");
    std::filesystem::remove(kFixtures / "index-v8" / "LOCK");
    GTEST_SKIP() << "recorded " << expected_path;
  }
  EXPECT_EQ(answers, ReadFile(expected_path));
}

TEST(FormatCompatTest, Version8IndexAnswersPhrasesAsWhenWritten) {
  EXPECT_EQ(Answers(kFixtures / "index-v8", kPhraseQueries),
            ReadFile(kFixtures / "index-v8-expected.txt"));
}

TEST(FormatCompatTest, WriterMergesVersion4SegmentsIntoTheCurrentFormat) {
  const std::filesystem::path dir = FreshTempDir("format_compat");
  std::filesystem::copy(kFixtures / "index-v4", dir, std::filesystem::copy_options::recursive);
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir.string(), {}, &writer).ok());
    // A new segment of this build beside the old one, then both merged into one of this build.
    Document d;
    d.id = "new";
    d.Add("title", "posting");
    d.Add("body", "an index of the current format");
    ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
    uint64_t n = 0;
    std::unique_ptr<Searcher> before;
    ASSERT_TRUE(Searcher::Open(dir.string(), {}, &before).ok());
    ASSERT_TRUE(before->Count("index", &n).ok());
    const uint64_t index_count = n;
    ASSERT_TRUE(writer->Optimize().ok());
    std::unique_ptr<Searcher> after;
    SearcherOptions options;
    options.verify_checksums = true;
    ASSERT_TRUE(Searcher::Open(dir.string(), options, &after).ok());
    ASSERT_TRUE(after->Count("index", &n).ok());
    EXPECT_EQ(n, index_count);
  }
  // The old answers hold after the merge, but for the one document added (scores change with
  // the statistics, so only the old documents' counts are compared).
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir.string(), {}, &searcher).ok());
  std::istringstream expected(ReadFile(kFixtures / "index-v4-expected.txt"));
  std::string line;
  while (std::getline(expected, line)) {
    const std::string query = line.substr(0, line.find('\t'));
    const uint64_t total = std::stoull(line.substr(query.size() + 1));
    std::string filtered = "(" + query + ") -id:new";
    uint64_t n = 0;
    ASSERT_TRUE(searcher->Count(filtered, &n).ok()) << filtered;
    EXPECT_EQ(n, total) << query;
  }
}

}  // namespace
}  // namespace format_compat_test
}  // namespace trawl

// Hostile input, each case as a stranger would send it: 100,000 nested parentheses, a 1 MB
// token, a phrase of 1,000 repetitions of a common word, a one-letter prefix over 200,000
// terms, a tar of 100,000 empty members, a segment whose dictionary offsets are all
// 0xFFFFFFFF, a manifest naming a missing segment. Each ends with a clean error, or a clean
// bounded answer, and leaves the index on disk as it was.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ingest/input_reader.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace trawl {
namespace bad_input_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Every file of a directory with its size and modification time: what "nothing changed"
// compares.
using DirState = std::map<std::string, std::pair<uintmax_t, fs::file_time_type>>;
DirState StateOf(const fs::path& dir) {
  DirState state;
  for (const auto& entry : fs::directory_iterator(dir)) {
    state[entry.path().filename().string()] = {entry.is_regular_file() ? entry.file_size() : 0,
                                               entry.last_write_time()};
  }
  return state;
}

// A vocabulary of 200,000 distinct terms starting with 'a' ("aaaaaa", "aaaaab", ...), 200 in
// each of 1,000 documents with the word "common" in each; one segment, then a second small
// one.
class BadInputTest : public ::testing::Test {
 protected:
  static constexpr int kDocs = 1000;
  static constexpr int kTermsPerDoc = 200;

  static void SetUpTestSuite() {
    dir_ = new fs::path(FreshTempDir("trawl_bad_input"));
    IndexWriterOptions options;
    options.language = "none";
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_->string(), options, &writer).ok());
    int term = 0;
    for (int id = 0; id < kDocs; ++id) {
      std::string body = "common common ";
      for (int t = 0; t < kTermsPerDoc; ++t, ++term) {
        std::string word = "a";
        for (int n = term, k = 0; k < 5; ++k, n /= 26) word += static_cast<char>('a' + n % 26);
        body += word + ' ';
      }
      Document doc;
      doc.id = "d" + std::to_string(id);
      doc.Add("body", body);
      ASSERT_TRUE(writer->Add(doc).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
    Document doc;
    doc.id = "last";
    doc.Add("body", "common words only");
    ASSERT_TRUE(writer->Add(doc).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    before_ = StateOf(*dir_);
    ASSERT_TRUE(Searcher::Open(dir_->string(), {}, &searcher_).ok());
  }
  void TearDown() override { EXPECT_EQ(StateOf(*dir_), before_) << "the index changed on disk"; }

  Status SearchWith(const std::string& query, const SearchOptions& options,
                    SearchResults* results = nullptr) const {
    SearchResults ignored;
    return searcher_->Search(query, options, results != nullptr ? results : &ignored);
  }

  static fs::path* dir_;
  std::unique_ptr<Searcher> searcher_;
  DirState before_;
};
fs::path* BadInputTest::dir_ = nullptr;

TEST_F(BadInputTest, HundredThousandNestedParentheses) {
  const std::string nested = std::string(100000, '(') + "common" + std::string(100000, ')');
  SearchOptions options;
  options.limits.max_query_bytes = 1 << 20;
  Status s = SearchWith(nested, options);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("at column 257: parentheses nested deeper than 256, the max_depth "
                             "limit (raise it with --max-depth)"),
            std::string::npos)
      << s.message();
  uint64_t count = 0;
  EXPECT_TRUE(searcher_->Count(nested, options, &count).IsInvalidArgument());
  // At the highest depth allowed the descent still ends cleanly.
  options.limits.max_depth = QueryLimits::kMaxDepthCeiling;
  s = SearchWith(nested, options);
  EXPECT_NE(s.message().find("at column 501"), std::string::npos) << s.message();
  // Unbalanced, and other runs of 100,000 operators: errors, not recursion.
  for (const std::string& query :
       {std::string(100000, '('), std::string(100000, ')'), std::string(100000, '"'),
        std::string(100000, '-') + "common", std::string(100000, '+'),
        [] {
          std::string q;
          for (int i = 0; i < 100000; ++i) q += "NOT ";
          return q + "common";
        }(),
        [] {
          std::string q = "common";
          for (int i = 0; i < 100000; ++i) q += " AND common";
          return q;
        }()}) {
    SCOPED_TRACE(query.substr(0, 20));
    s = SearchWith(query, options);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  }
}

TEST_F(BadInputTest, OneMegabyteToken) {
  const std::string token(1 << 20, 'x');
  SearchOptions options;
  Status s = SearchWith(token, options);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("the query is 1048576 bytes, more than 65536, the max_query_bytes "
                             "limit (raise it with --max-query-bytes)"),
            std::string::npos)
      << s.message();
  // Allowed, each form of it is a clean answer: nothing matches.
  options.limits.max_query_bytes = 2 << 20;
  for (const std::string& query : {token, "\"" + token + "\"", token + "*", "x*" + token,
                                   token + "~2", "body:" + token, "common " + token}) {
    SCOPED_TRACE(query.substr(0, 10) + "..." + query.substr(query.size() - 3));
    SearchResults results;
    s = SearchWith(query, options, &results);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(results.total, query.starts_with("common") ? kDocs + 1u : 0u);
  }
  options.plain_text = true;
  EXPECT_TRUE(SearchWith(token, options).ok());

  // A document holding one: indexed (cut to the analyzer's longest token), found by its start.
  const fs::path small = FreshTempDir("trawl_bad_input_token");
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(small.string(), {}, &writer).ok());
    Document doc;
    doc.id = "big";
    doc.Add("body", "before " + token + " after");
    ASSERT_TRUE(writer->Add(doc).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(small.string(), {}, &searcher).ok());
  SearchResults results;
  ASSERT_TRUE(searcher->Search("+before +after", {}, &results).ok());
  EXPECT_EQ(results.total, 1u);
  ASSERT_TRUE(searcher->Search("xxxxxxxx*", {}, &results).ok());
  fs::remove_all(small);
}

TEST_F(BadInputTest, PhraseOfAThousandCommonWords) {
  std::string words;
  for (int i = 0; i < 1000; ++i) words += "common ";
  SearchOptions options;
  Status s = SearchWith("\"" + words + "\"", options);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(s.message(),
            "at column 1: a phrase of 1000 terms in field 'body', more than 256, the "
            "max_phrase_terms limit (raise it with --max-phrase-terms)");
  // Allowed, exact and sloppy: a clean answer within a generous bound (no document holds
  // three in a row), or a clean stop at the deadline.
  options.limits.max_phrase_terms = 1000;
  for (const std::string& query : {"\"" + words + "\"", "\"" + words + "\"~10"}) {
    options.deadline = Clock::now() + std::chrono::seconds(10);
    const auto start = Clock::now();
    SearchResults results;
    s = SearchWith(query, options, &results);
    EXPECT_TRUE(s.ok() || s.IsDeadlineExceeded()) << s.ToString();
    if (s.ok()) {
      EXPECT_EQ(results.total, 0u);
    }
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));
  }
}

TEST_F(BadInputTest, OneLetterPrefixOverALargeVocabulary) {
  SearchOptions options;
  for (const char* query : {"a*", "a?????", "common OR *a*"}) {
    SCOPED_TRACE(query);
    const Status s = SearchWith(query, options);
    ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_NE(s.message().find("matches more than 100000 terms of field 'body' in one segment, "
                               "the max_expansions limit (raise it with --max-expansions)"),
              std::string::npos)
        << s.message();
    uint64_t count = 0;
    EXPECT_TRUE(searcher_->Count(query, options, &count).IsInvalidArgument());
  }
  // Raised, a clean answer: every document of the first segment.
  options.limits.max_expansions = 1000000;
  const auto start = Clock::now();
  SearchResults results;
  ASSERT_TRUE(SearchWith("a*", options, &results).ok());
  EXPECT_EQ(results.total, static_cast<uint64_t>(kDocs));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));
}

// A ustar header of an empty regular file.
std::string EmptyTarMember(const std::string& name) {
  char h[512] = {};
  std::memcpy(h, name.data(), std::min<size_t>(name.size(), 99));
  std::memcpy(h + 100, "0000644", 8);                // mode
  std::memcpy(h + 108, "0000000", 8);                // uid
  std::memcpy(h + 116, "0000000", 8);                // gid
  std::memcpy(h + 124, "00000000000", 12);           // size
  std::memcpy(h + 136, "14000000000", 12);           // mtime
  std::memset(h + 148, ' ', 8);                      // checksum, as spaces while summed
  h[156] = '0';                                      // a regular file
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(h + 148, 8, "%06o", sum);
  h[155] = ' ';
  return std::string(h, sizeof h);
}

TEST_F(BadInputTest, TarOfAHundredThousandEmptyMembers) {
  const fs::path work = FreshTempDir("trawl_bad_input_tar");
  const fs::path tar = work / "empty.tar";
  {
    std::ofstream out(tar, std::ios::binary);
    for (int i = 0; i < 100000; ++i) out << EmptyTarMember("dir/f" + std::to_string(i) + ".txt");
    out << std::string(1024, '\0');
  }
  // Into an index through the ingest library: nothing to add, nothing committed.
  const fs::path index = work / "index";
  std::unique_ptr<IndexWriter> writer;
  ASSERT_TRUE(IndexWriter::Open(index.string(), {}, &writer).ok());
  InputStats stats;
  const auto start = Clock::now();
  const Status s = ReadInput(tar.string(), {}, &stats,
                             [&](Document&& doc) { return writer->Add(doc); });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stats.documents, 0u);
  EXPECT_EQ(stats.skipped_empty, 100000u);
  EXPECT_EQ(stats.messages.size(), kMaxInputMessages);  // the rest only counted
  EXPECT_EQ(stats.messages_dropped, 100000u - kMaxInputMessages);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(60));
  writer.reset();
  fs::remove_all(work);
}

// The segments of an index, largest first.
std::vector<std::string> SegmentsBySize(const fs::path& dir) {
  std::vector<std::pair<uintmax_t, std::string>> sizes;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".dict")
      sizes.emplace_back(entry.file_size(), entry.path().stem().string());
  }
  std::sort(sizes.rbegin(), sizes.rend());
  std::vector<std::string> names;
  for (const auto& [size, name] : sizes) names.push_back(name);
  return names;
}

// A copy of the test index, to damage.
fs::path CopyOfIndex(const fs::path& dir, const std::string& name) {
  const fs::path copy = FreshTempDir(name);
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename() != "LOCK") fs::copy_file(entry.path(), copy / entry.path().filename());
  }
  return copy;
}

// The CRC of a trawl file recomputed after its body was changed (docs/format.md: the footer's
// CRC-32 covers everything before the footer), so that only the structural checks can tell.
void RewriteCrc(std::string* file) {
  const size_t n = file->size();
  uint32_t crc = static_cast<uint32_t>(crc32(0, nullptr, 0));
  crc = static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(file->data()), static_cast<uInt>(n - 16)));
  for (int i = 0; i < 4; ++i) (*file)[n - 8 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
}

uint64_t Fixed64At(const std::string& s, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Sets every block offset of the .dict file's block index (docs/format.md: per block, the first
// key as lp-bytes and its offset as u64) to `offset`, and seals the result with valid CRCs (the
// index's own, then the file's), so that only the reader's structural checks can catch it. The
// file is of the current segment version (4 on: the trailer ends in the index's CRC).
std::string WithBlockOffsets(std::string file, uint64_t offset) {
  const size_t body = 16, body_end = file.size() - 16;
  const size_t trailer = body_end - 24;
  const uint32_t blocks = static_cast<uint32_t>(Fixed64At(file, trailer) & 0xFFFFFFFF);
  size_t at = body + Fixed64At(file, trailer + 12);
  for (uint32_t b = 0; b < blocks; ++b) {
    uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      const unsigned char c = static_cast<unsigned char>(file[at++]);
      length |= static_cast<uint64_t>(c & 0x7F) << shift;
      if ((c & 0x80) == 0) break;
    }
    at += length;
    for (int i = 0; i < 8; ++i) file[at + i] = static_cast<char>((offset >> (8 * i)) & 0xFF);
    at += 8;
  }
  const size_t index_start = body + Fixed64At(file, trailer + 12);
  const uint32_t index_crc = static_cast<uint32_t>(
      crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(file.data() + index_start),
            static_cast<uInt>(body_end - 4 - index_start)));
  for (int i = 0; i < 4; ++i) file[body_end - 4 + i] = static_cast<char>((index_crc >> (8 * i)) & 0xFF);
  RewriteCrc(&file);
  return file;
}

TEST_F(BadInputTest, SegmentWhoseOffsetsAreAllOnes) {
  const fs::path copy = CopyOfIndex(*dir_, "trawl_bad_input_dict");
  const std::vector<std::string> segments = SegmentsBySize(copy);
  ASSERT_EQ(segments.size(), 2u);
  const fs::path dict = copy / (segments[0] + ".dict");
  const std::string original = ReadFile(dict);
  std::string all_ones = original;
  std::memset(all_ones.data() + 16, 0xFF, all_ones.size() - 32);
  RewriteCrc(&all_ones);
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"block offsets 0xFFFFFFFF", WithBlockOffsets(original, 0xFFFFFFFFull)},
      {"block offsets 0xFFFFFFFFFFFFFFFF", WithBlockOffsets(original, ~0ull)},
      {"every byte of the body 0xFF", all_ones}};
  for (const auto& [what, bytes] : damaged) {
    SCOPED_TRACE(what);
    WriteFileAt(dict, bytes);
    const DirState before = StateOf(copy);
    for (bool verify : {false, true}) {
      SearcherOptions options;
      options.verify_checksums = verify;
      std::unique_ptr<Searcher> searcher;
      const Status s = Searcher::Open(copy.string(), options, &searcher);
      ASSERT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find(segments[0] + ".dict"), std::string::npos) << s.message();
    }
    VerifyReport report;
    const Status v = VerifyIndex(copy.string(), /*all_commits=*/false, &report);
    EXPECT_TRUE(!v.ok() || !report.ok());
    EXPECT_EQ(StateOf(copy), before);
  }
  fs::remove_all(copy);
}

TEST_F(BadInputTest, ManifestNamingAMissingSegment) {
  const fs::path copy = CopyOfIndex(*dir_, "trawl_bad_input_manifest");
  const std::vector<std::string> segments = SegmentsBySize(copy);
  ASSERT_EQ(segments.size(), 2u);
  const std::string missing = segments[1];
  for (const auto& entry : fs::directory_iterator(copy)) {
    if (entry.path().filename().string().starts_with(missing + ".")) fs::remove(entry.path());
  }
  const DirState before = StateOf(copy);
  std::unique_ptr<Searcher> searcher;
  const Status s = Searcher::Open(copy.string(), {}, &searcher);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound() || s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(missing), std::string::npos) << s.message();
  VerifyReport report;
  const Status v = VerifyIndex(copy.string(), /*all_commits=*/false, &report);
  EXPECT_TRUE(!v.ok() || !report.ok());
  EXPECT_EQ(StateOf(copy), before);
  fs::remove_all(copy);
}

}  // namespace
}  // namespace bad_input_test
}  // namespace trawl

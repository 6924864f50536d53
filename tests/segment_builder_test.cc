// The segment builder's memory: stored documents stream into a pending store file instead of
// staying in memory, memory_bytes() matches what the allocator really holds, and the pending
// file never outlives the builder or survives a crash into the next writer's session.
#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "analysis/analyzer.h"
#include "indexer/segment_builder.h"
#include "format/segment_reader.h"
#include "format/token_marks.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "tests/sanitizer.h"


namespace trawl {
namespace segment_builder_test {
namespace {

namespace fs = std::filesystem;

// Zipfian text over a vocabulary of made-up words, as natural text is distributed.
class ZipfText {
 public:
  explicit ZipfText(size_t vocabulary, uint32_t seed = 7) : rng_(seed) {
    std::uniform_int_distribution<int> len(2, 11), letter(0, 25);
    for (size_t i = 0; i < vocabulary; ++i) {
      std::string w;
      for (int j = 0, n = len(rng_); j < n; ++j) w.push_back(static_cast<char>('a' + letter(rng_)));
      words_.push_back(w);
      double weight = 1.0 / std::pow(static_cast<double>(i + 1), 1.07);
      cumulative_.push_back((cumulative_.empty() ? 0 : cumulative_.back()) + weight);
    }
  }
  std::string Words(size_t n) {
    std::uniform_real_distribution<double> u(0, cumulative_.back());
    std::string out;
    for (size_t i = 0; i < n; ++i) {
      const size_t w = std::lower_bound(cumulative_.begin(), cumulative_.end(), u(rng_)) -
                       cumulative_.begin();
      if (i > 0) out.push_back(' ');
      out += words_[std::min(w, words_.size() - 1)];
    }
    return out;
  }
  const std::vector<std::string>& words() const { return words_; }
  Document Doc(uint32_t i) {
    std::uniform_int_distribution<size_t> len(50, 800);
    return {"doc-" + std::to_string(i), {{"title", Words(6)}, {"body", Words(len(rng_))}}};
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> words_;
  std::vector<double> cumulative_;
};

class SegmentBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_builder_XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(Analyzer::Create({}, &analyzer_).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> PendingFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename();
      if (name.starts_with(kPendingStorePrefix)) out.push_back(name);
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Analyzer> analyzer_;
};

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;  // small chunks in use, plus mmapped large ones
}

TEST_F(SegmentBuilderTest, MemoryBytesMatchesTheAllocator) {
#ifdef TRAWL_TEST_UNDER_ASAN
  GTEST_SKIP() << "the sanitizer's allocator does not report through mallinfo2";
#endif
  ZipfText text(30000);
  // The analyzer's stem cache is a fixed cost of the worker, not of the builder: warm it first.
  for (const std::string& w : text.words()) analyzer_->Analyze(w, [](const Token&) {});
  std::vector<Document> docs;
  for (uint32_t i = 0; i < 3000; ++i) docs.push_back(text.Doc(i));
  SegmentBuilder builder(analyzer_.get(), dir_);
  ASSERT_TRUE(builder.Add(docs[0]).ok());  // allocates the fixed costs: store, buffers
  const size_t heap_before = HeapInUse();
  const size_t counted_before = builder.memory_bytes();
  for (size_t i = 1; i < docs.size(); ++i) ASSERT_TRUE(builder.Add(docs[i]).ok());
  const double heap = static_cast<double>(HeapInUse() - heap_before);
  const double counted = static_cast<double>(builder.memory_bytes() - counted_before);
  // Stored text would be ~7 MB here; it is in the pending file, not in memory.
  EXPECT_GT(heap, 2e6);
  EXPECT_NEAR(counted / heap, 1.0, 0.1) << "counted " << counted << " of " << heap << " bytes";
  std::printf("memory_bytes grew by %.0f, the heap by %.0f (ratio %.3f)\n", counted, heap,
              counted / heap);
}

TEST_F(SegmentBuilderTest, MemoryDoesNotGrowWithStoredText) {
  // Each body is one token too long to index (so postings barely grow) of random letters (so
  // the store cannot compress it away): 40 MB of stored text.
  std::mt19937 rng(3);
  std::string letters(1 << 20, 'a');
  for (char& c : letters) c = static_cast<char>('a' + rng() % 26);
  SegmentBuilder builder(analyzer_.get(), dir_);
  for (uint32_t i = 0; i < 200; ++i) {
    const std::string body = letters.substr((i * 4099) % (letters.size() - 200000), 200000);
    ASSERT_TRUE(builder.Add({"d" + std::to_string(i), {{"body", body}, {"notes", "a b"}}}).ok());
  }
  EXPECT_LT(builder.memory_bytes(), 200000u) << "40 MB of stored text must not be counted";
  ASSERT_EQ(PendingFiles().size(), 1u);
  EXPECT_GT(fs::file_size(builder.pending_store_path()), 20u << 20);
}

TEST_F(SegmentBuilderTest, StoreRoundTripsAfterStreaming) {
  ZipfText text(2000);
  std::vector<Document> docs;
  for (uint32_t i = 0; i < 500; ++i) docs.push_back(text.Doc(i));
  docs[17].fields.push_back({"big", std::string(100000, 'q') + " \xC3\xA9t\xC3\xA9"});
  docs[18].fields.clear();  // only an id
  SegmentBuilder builder(analyzer_.get(), dir_);
  for (const Document& d : docs) ASSERT_TRUE(builder.Add(d).ok());
  const std::string pending = builder.pending_store_path();
  ASSERT_TRUE(fs::exists(pending));
  SegmentStats stats;
  ASSERT_TRUE(builder.Write("seg_1", &stats).ok());
  EXPECT_EQ(stats.num_docs, docs.size());
  EXPECT_FALSE(fs::exists(pending)) << "renamed to seg_1.store";
  EXPECT_TRUE(PendingFiles().empty());

  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/true, &seg).ok());
  ASSERT_TRUE(seg->VerifyStructure().ok());
  ASSERT_EQ(seg->num_docs(), docs.size());
  for (uint32_t d = 0; d < docs.size(); ++d) {
    Document got;
    ASSERT_TRUE(seg->store().Get(d, &got).ok());
    EXPECT_EQ(got.id, docs[d].id);
    // The document's own fields, in order; token marks are the engine's.
    std::erase_if(got.fields, [](const DocField& f) { return IsEngineField(f.name); });
    EXPECT_EQ(got.fields, docs[d].fields) << "document " << d;
    TermInfo info;
    ASSERT_TRUE(seg->LookupTerm(0, docs[d].id, &info).ok());
  }
}

// A long text field's token marks (format/token_marks.h) are where every 256th token the
// analyzer emitted starts; a short field, a repeated one and a document without text have none.
TEST_F(SegmentBuilderTest, StoresTheTokenMarksOfLongTextFields) {
  ZipfText text(300);
  std::vector<Document> docs;
  for (uint32_t i = 0; i < 40; ++i) {
    // Stop words and overlong tokens take positions but are not emitted.
    std::string body = text.Words(100 + 97 * i);
    if (i % 3 == 0) body += " the of and " + std::string(300, 'x') + " " + text.Words(600);
    docs.push_back({"doc-" + std::to_string(i), {{"title", text.Words(4)}, {"body", body}}});
  }
  docs[5].fields.push_back({"body", text.Words(400)});  // repeated: no marks
  docs[6].fields.clear();
  std::unique_ptr<Analyzer> english;
  AnalyzerOptions stopping;
  stopping.stopwords = "english";
  ASSERT_TRUE(Analyzer::Create(stopping, &english).ok());
  SegmentBuilder builder(english.get(), dir_);
  for (const Document& d : docs) ASSERT_TRUE(builder.Add(d).ok());
  SegmentStats stats;
  ASSERT_TRUE(builder.Write("seg_1", &stats).ok());
  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/true, &seg).ok());
  size_t marked = 0;
  for (uint32_t d = 0; d < docs.size(); ++d) {
    Document got;
    ASSERT_TRUE(seg->store().Get(d, &got).ok());
    const std::string_view body = docs[d].Field("body");
    std::vector<TokenMark> want;
    uint32_t emitted = 0;
    english->Analyze(body, [&](const Token& t) {
      if (emitted > 0 && emitted % kTokenMarkInterval == 0) want.push_back({t.position, t.start_byte});
      ++emitted;
    });
    if (d == 5) want.clear();
    std::vector<TokenMark> marks;
    uint32_t interval = 0;
    const std::string_view value = got.Field(kMarksField);
    ASSERT_EQ(!value.empty(), !want.empty()) << "document " << d;
    if (want.empty()) continue;
    ASSERT_EQ(got.fields[0].name, kMarksField) << "right after the id";
    ASSERT_TRUE(DecodeTokenMarks(value, "body", body.size(), &interval, &marks)) << d;
    EXPECT_EQ(interval, kTokenMarkInterval);
    EXPECT_EQ(marks, want) << "document " << d;
    EXPECT_FALSE(DecodeTokenMarks(value, "title", 1000, &interval, &marks)) << "short";
    ++marked;
  }
  EXPECT_GT(marked, 25u);
}

// LookupTerm compares the prefix-compressed dictionary entries with the key without rebuilding
// them: ids (indexed verbatim) that are prefixes of one another, over many dictionary blocks,
// are found, and every other string is not.
TEST_F(SegmentBuilderTest, LookupTermFindsExactlyTheIndexedTerms) {
  // Short ids, and ids whose keys all share their first 8 bytes (the block index then tells
  // the blocks apart by the whole keys).
  for (const std::string& common : {std::string(), std::string("commonprefix")}) {
    SCOPED_TRACE("ids starting with '" + common + "'");
    std::mt19937 rng(9);
    std::set<std::string> ids;
    while (ids.size() < 1500) {
      std::string id(1 + rng() % 7, 'a');  // of the 3280 such strings
      for (char& c : id) c = static_cast<char>('a' + rng() % 3);
      ids.insert(common + id);
    }
    const std::string dir = dir_ + "/" + std::to_string(common.size());
    fs::create_directories(dir);
    SegmentBuilder builder(analyzer_.get(), dir);
    for (const std::string& id : ids) ASSERT_TRUE(builder.Add({id, {{"body", "x"}}}).ok());
    SegmentStats stats;
    ASSERT_TRUE(builder.Write("seg_1", &stats).ok());
    std::unique_ptr<SegmentReader> seg;
    ASSERT_TRUE(SegmentReader::Open(dir, "seg_1", /*verify_checksums=*/true, &seg).ok());
    // Every string of up to 8 letters of a..d after the common part: the ids, their prefixes
    // and extensions, and more; and the common part's own prefixes.
    std::vector<std::string> keys = {""};
    for (size_t from = 0; keys[from].size() < 8; ++from)
      for (char c : {'a', 'b', 'c', 'd'}) keys.push_back(keys[from] + c);
    for (std::string& key : keys) key = common + key;
    for (size_t n = 0; n < common.size(); ++n) keys.push_back(common.substr(0, n));
    for (const std::string& key : keys) {
      TermInfo info;
      const Status s = seg->LookupTerm(0, key, &info);
      if (ids.count(key)) {
        ASSERT_TRUE(s.ok()) << key << ": " << s.ToString();
        EXPECT_EQ(info.doc_freq, 1u) << key;
      } else {
        ASSERT_TRUE(s.IsNotFound()) << key << ": " << s.ToString();
      }
    }
  }
}

TEST_F(SegmentBuilderTest, PendingStoreIsRemovedWithAnUnwrittenBuilder) {
  {
    SegmentBuilder builder(analyzer_.get(), dir_);
    EXPECT_TRUE(builder.pending_store_path().empty());  // nothing created before the first Add
    ASSERT_TRUE(builder.Add({"a", {{"body", "some text"}}}).ok());
    EXPECT_EQ(PendingFiles().size(), 1u);
  }
  EXPECT_TRUE(PendingFiles().empty());
}

// Field ids belong to the schema, not the segment: a document may bring hundreds of fields
// (the old per-segment cap of 255 is gone), and the segment keeps every one.
TEST_F(SegmentBuilderTest, ADocumentWithHundredsOfFieldsIsKept) {
  SegmentBuilder builder(analyzer_.get(), dir_);
  ASSERT_TRUE(builder.Add({"a", {{"body", "one"}}}).ok());
  Document wide{"b", {}};
  for (int f = 0; f < 300; ++f) wide.fields.push_back({"f" + std::to_string(f), "x"});
  ASSERT_TRUE(builder.Add(wide).ok());
  ASSERT_TRUE(builder.Write("seg_1", nullptr).ok());
  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", true, &seg).ok());
  ASSERT_TRUE(seg->VerifyStructure().ok());
  EXPECT_EQ(seg->num_docs(), 2u);
  EXPECT_EQ(seg->fields().size(), 302u);  // id, body and f0..f299
}

// A writer killed while its builders hold pending stores leaves them behind; they belong to no
// commit, and the next writer deletes them when it opens the index.
TEST_F(SegmentBuilderTest, CrashedWritersPendingStoreIsCleanedUp) {
  const std::string index = dir_ + "/idx";
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(index, {}, &w).ok());
    ASSERT_TRUE(w->Add({"kept", {{"body", "committed before the crash"}}}).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<IndexWriter> w;
    if (!IndexWriter::Open(index, {}, &w).ok()) _exit(2);
    for (int i = 0; i < 20; ++i)
      if (!w->Add({"lost" + std::to_string(i), {{"body", "never committed"}}}).ok()) _exit(3);
    // Die once the worker has opened its pending store, without flushing or committing.
    for (int tries = 0; tries < 2000; ++tries) {
      for (const auto& e : fs::directory_iterator(index))
        if (e.path().filename().string().starts_with(kPendingStorePrefix)) _exit(0);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    _exit(4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto pending = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(index))
      n += e.path().filename().string().starts_with(kPendingStorePrefix);
    return n;
  };
  ASSERT_EQ(pending(), 1);
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(index, {}, &w).ok());
  EXPECT_EQ(pending(), 0);
  EXPECT_EQ(w->committed_documents(), 1u);
  ASSERT_TRUE(w->Add({"next", {{"body", "after the crash"}}}).ok());
  ASSERT_TRUE(w->Commit().ok());
  w.reset();
  std::unique_ptr<Searcher> s;
  ASSERT_TRUE(Searcher::Open(index, {}, &s).ok());
  uint64_t n = 0;
  ASSERT_TRUE(s->Count("*", &n).ok());
  EXPECT_EQ(n, 2u);
}

// A field name repeated within a document continues after the last position of its earlier
// values, dropped tokens and stop words included, so that its positions keep increasing.
TEST_F(SegmentBuilderTest, ARepeatedFieldContinuesAfterItsLastPosition) {
  AnalyzerOptions options;
  options.max_token_chars = 5;  // the two long words are dropped but keep their positions
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create(options, &analyzer).ok());
  SegmentBuilder builder(analyzer.get(), dir_);
  ASSERT_TRUE(builder
                  .Add({"d", {{"body", "aa bbbbbbbbbb cccccccccc dd"}, {"body", "ee dd"}}})
                  .ok());
  SegmentStats stats;
  ASSERT_TRUE(builder.Write("seg_1", &stats).ok());
  std::unique_ptr<SegmentReader> seg;
  ASSERT_TRUE(SegmentReader::Open(dir_, "seg_1", /*verify_checksums=*/true, &seg).ok());
  const int body = seg->FieldId("body");
  ASSERT_GE(body, 0);
  auto positions_of = [&](const std::string& term) {
    TermInfo info;
    EXPECT_TRUE(seg->LookupTerm(static_cast<uint32_t>(body), term, &info).ok()) << term;
    PostingList list;
    EXPECT_TRUE(seg->OpenPostings(info, &list).ok()) << term;
    PostingCursor cursor(&list);
    std::vector<uint32_t> positions;
    EXPECT_TRUE(cursor.Positions(&positions)) << term;
    return positions;
  };
  EXPECT_EQ(positions_of("aa"), (std::vector<uint32_t>{0}));
  EXPECT_EQ(positions_of("dd"), (std::vector<uint32_t>{3, 6}));
  EXPECT_EQ(positions_of("ee"), (std::vector<uint32_t>{5}));
}

}  // namespace
}  // namespace segment_builder_test
}  // namespace trawl

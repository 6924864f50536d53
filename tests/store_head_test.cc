// StoreReader::GetIdAndField, the read of a hit's id and title that decompresses a large
// document's block only up to the value of its last field: for documents of every size and
// layout it answers exactly what Get answers, its errors are Get's, damage to the block index is
// caught as Get catches it, and damage past what it decompresses goes unseen (documented). Also
// the searcher's hits without snippets or fields, which read it. For both store versions: 1
// streams a prefix of the block's one frame, 2 decompresses the frames of the block in turn.
#include <gtest/gtest.h>
#include <zstd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "format/file_format.h"
#include "format/store_reader.h"
#include "format/store_writer.h"
#include "tests/store_test_util.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace store_head_test {
namespace {

namespace fs = std::filesystem;

constexpr size_t kZstdBlock = ZSTD_BLOCKSIZE_MAX;  // 128 KiB

// Incompressible: zstd stores such blocks raw.
std::string Noise(std::mt19937* rng, size_t bytes) {
  std::string s(bytes, '\0');
  for (char& c : s) c = static_cast<char>((*rng)());
  return s;
}

// What GetIdAndField must return: Get's document, less every field but the first `field`.
Document Projected(const Document& doc, const std::string& field) {
  Document out;
  out.id = doc.id;
  for (const DocField& f : doc.fields) {
    if (f.name == field) {
      out.fields.push_back(f);
      break;
    }
  }
  return out;
}

// Each test reads a store of either format version: 1 (every block one frame, read by streaming
// its prefix) and 2 (a large block in frames, read a frame at a time).
class StoreHeadTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override { dir_ = FreshTempDir("trawl_store_head_test"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  void Write(const std::string& path, const std::vector<Document>& docs,
             size_t block_bytes = kStoreBlockBytes) const {
    std::unique_ptr<StoreWriter> w;
    ASSERT_TRUE(
        StoreWriter::Create(path, &w, kStoreZstdLevel, block_bytes,
                            kStoreDictionarySampleBytes, nullptr, GetParam()).ok());
    for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
    ASSERT_TRUE(w->Finish().ok());
  }


  // GetIdAndField against Get for every document and field name.
  static void ExpectHeadsMatchGet(const StoreReader& r, const std::vector<Document>& docs) {
    ASSERT_EQ(r.num_docs(), docs.size());
    for (uint32_t d = 0; d < docs.size(); ++d) {
      Document whole;
      ASSERT_TRUE(r.Get(d, &whole).ok()) << d;
      ASSERT_EQ(whole.id, docs[d].id);
      ASSERT_EQ(whole.fields, docs[d].fields);
      for (const std::string field : {"title", "body", "tail", "missing", "id"}) {
        Document head;
        head.fields.emplace_back("stale", "left from before");
        Status s = r.GetIdAndField(d, field, &head);
        ASSERT_TRUE(s.ok()) << d << " " << field << ": " << s.ToString();
        const Document want = Projected(whole, field);
        EXPECT_EQ(head.id, want.id) << d << " " << field;
        EXPECT_EQ(head.fields, want.fields) << d << " " << field;
      }
    }
    Document unused;
    EXPECT_TRUE(
        r.GetIdAndField(static_cast<uint32_t>(docs.size()), "title", &unused).IsInvalidArgument());
  }

  fs::path dir_;
};

// Documents of every size that matters to the prefix read, in every layout, each after a few
// small documents so that some share a block with it: empty and tiny ones, the block size
// (16 KiB), one zstd block (128 KiB, the longest block read whole) and just past it, half a
// block and more, 1 and 2 MiB (the first document of all is 2 MiB); prose and noise (raw zstd
// blocks); title first, absent, empty, twice, after a huge field, the huge field not last.
const std::vector<size_t> kEverySize = {0,
                                        1,
                                        100,
                                        kStoreBlockBytes - 40,
                                        kStoreBlockBytes,
                                        kStoreBlockBytes + 1,
                                        kZstdBlock - 300,
                                        kZstdBlock - 40,
                                        kZstdBlock - 20,
                                        kZstdBlock,
                                        kZstdBlock + 1,
                                        kZstdBlock + 100,
                                        2 * kZstdBlock,
                                        2 * kZstdBlock + kStoreBlockBytes,
                                        1 << 20,
                                        2 << 20};

std::vector<Document> DocsOfEverySize(uint32_t seed, const std::vector<size_t>& sizes,
                                      size_t first_bytes) {
  std::mt19937 rng(seed);
  std::vector<Document> docs;
  Document first;
  first.id = "first";
  first.Add("title", "the first document");
  first.Add("body", ProseText(&rng, first_bytes));
  docs.push_back(first);
  int n = 0;
  for (size_t size : sizes) {
    for (int layout = 0; layout < 7; ++layout) {
      for (int s = 0, smalls = static_cast<int>(rng() % 4); s < smalls; ++s) {
        Document small;
        small.id = "small-" + std::to_string(n++);
        small.Add("title", ProseText(&rng, rng() % 50));
        small.Add("body", ProseText(&rng, rng() % 3000));
        docs.push_back(small);
      }
      const std::string body = layout == 3 ? Noise(&rng, size) : ProseText(&rng, size);
      Document d;
      d.id = "doc-" + std::to_string(size) + "-" + std::to_string(layout);
      switch (layout) {
        case 0:  // as JSONL and files are stored: title, then the body last
          d.Add("title", "title of " + d.id);
          d.Add("body", body);
          break;
        case 1:  // no title (the peers' single text field)
          d.Add("text", body);
          break;
        case 2:  // the title after the huge field
          d.Add("body", body);
          d.Add("title", "late title");
          break;
        case 3:  // noise, a title, fields after it, an empty last field
          d.Add("title", "noisy");
          d.Add("body", body);
          d.Add("tail", "");
          break;
        case 4:  // two titles, the first empty
          d.Add("title", "");
          d.Add("title", "second");
          d.Add("body", body);
          break;
        case 5:  // the huge value is the title itself
          d.Add("title", body);
          break;
        case 6:  // only the id
          break;
      }
      docs.push_back(d);
    }
  }
  return docs;
}

TEST_P(StoreHeadTest, EveryDocumentSizeAndLayoutAnswersAsGet) {
  const std::vector<Document> docs = DocsOfEverySize(1, kEverySize, 2 << 20);
  int n = 0;
  for (size_t block_bytes : {kStoreBlockBytes, size_t{1}, size_t{1} << 20}) {
    const std::string path = Path("s" + std::to_string(n++) + ".store");
    Write(path, docs, block_bytes);
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
    ExpectHeadsMatchGet(*r, docs);
  }
}

TEST_P(StoreHeadTest, EmptyStore) {
  const std::string path = Path("empty.store");
  Write(path, {});
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, true, &r).ok());
  Document unused;
  EXPECT_TRUE(r->GetIdAndField(0, "title", &unused).IsInvalidArgument());
}

// A large block: a few small documents, then a large one whose body comes last.
std::vector<Document> SmallsThenHuge(uint32_t seed, size_t huge_bytes) {
  std::mt19937 rng(seed);
  std::vector<Document> docs;
  AddSmallDocuments(&rng, 5, 2000, &docs);
  docs.push_back(TitledDocument("huge", "the huge one", ProseText(&rng, huge_bytes)));
  return docs;
}

// What the prefix read does not decompress, it does not check: a damaged end of the block is
// Corruption for Get and for a read of that last value, but ids and titles still come back,
// right, as this damage cannot reach them.
TEST_P(StoreHeadTest, TheLastValueIsNotDecompressed) {
  const std::vector<Document> docs = SmallsThenHuge(2, 2 << 20);
  const std::string path = Path("tail.store");
  Write(path, docs, 16384);  // the small documents in the huge one's block
  std::string file = ReadFile(path);
  const std::vector<BlockEntry> blocks = StoreBlocks(file);
  ASSERT_EQ(blocks.size(), 1u);
  ASSERT_GT(blocks[0].uncompressed, 2u << 20);
  file[blocks[0].offset + blocks[0].compressed - 100] ^= 0x20;
  WriteFileAt(path, file);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/false, &r).ok());
  for (uint32_t d = 0; d < docs.size(); ++d) {
    Document got;
    Status s = r->Get(d, &got);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), "tail.store")) << s.message();
    ASSERT_TRUE(r->GetIdAndField(d, "title", &got).ok()) << d;
    const Document want = Projected(docs[d], "title");
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.fields, want.fields);
  }
  Document got;
  Status s = r->GetIdAndField(5, "body", &got);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "tail.store")) << s.message();
}

// Damage anywhere in a large block: no crash, and every error is exactly Get's (the prefix read
// gives up and Get reads the block). A flip in what it decompresses that zstd's decoder lets
// through (in literals stored raw: the checksum would catch it, but it covers the whole block)
// comes back as a wrong id or title, which Get reports as Corruption: counted and shown (16 of
// 2448 reads of a version 1 store when written), not forbidden. Version 2 checks each frame it
// decompresses against its checksum: none.
TEST_P(StoreHeadTest, DamagedBlockErrorsAreGets) {
  const std::vector<Document> docs = SmallsThenHuge(3, 300 << 10);
  const std::string path = Path("flip.store");
  Write(path, docs);
  const std::string original = ReadFile(path);
  const BlockEntry block = StoreBlocks(original)[0];
  std::mt19937 rng(4);
  int corrupt = 0, right = 0, wrong = 0;
  // Every byte of the frame's first KiB (header, the first zstd block's literals), then
  // positions all over it.
  std::vector<size_t> positions;
  for (size_t p = 0; p < 1024; ++p) positions.push_back(p);
  for (int k = 0; k < 200; ++k) positions.push_back(rng() % block.compressed);
  for (size_t p : positions) {
    std::string damaged = original;
    damaged[block.offset + p] ^= static_cast<char>(1 << (p % 8));
    WriteFileAt(path, damaged);
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
    for (uint32_t d : {0u, 5u}) {
      Document head, whole;
      Status s = r->GetIdAndField(d, "title", &head);
      if (!s.ok()) {
        EXPECT_EQ(s.ToString(), r->Get(d, &whole).ToString()) << p;
        EXPECT_TRUE(Contains(s.message(), "flip.store")) << s.message();
        ++corrupt;
      } else if (head.id == docs[d].id && head.fields == Projected(docs[d], "title").fields) {
        ++right;
      } else {
        // Damage the frame's checksum would catch: Get reports it.
        EXPECT_TRUE(r->Get(d, &whole).IsCorruption()) << p;
        ++wrong;
      }
    }
  }
  std::printf("%zu flips, 2 reads each: %d Corruption, %d right, %d wrong\n", positions.size(),
              corrupt, right, wrong);
  EXPECT_GT(corrupt, 0);
  EXPECT_GT(right, 0);
  if (GetParam() >= 2) {
    EXPECT_EQ(wrong, 0);
  }
}

// The block index is what Get's walk of the whole block checks: a first docid moved by damage
// changes how many documents a block should hold. The prefix read walks every document too,
// and the last one must end where the block does, so it answers and fails exactly as Get does.
TEST_P(StoreHeadTest, DamagedIndexIsCaughtAsByGet) {
  std::vector<Document> docs;
  for (uint32_t seed = 5; seed < 7; ++seed) {
    for (Document& d : SmallsThenHuge(seed, 200 << 10)) {
      d.id += "-" + std::to_string(seed);
      docs.push_back(std::move(d));
    }
  }
  const std::string path = Path("idx.store");
  Write(path, docs);
  const std::string original = ReadFile(path);
  const size_t body_end = original.size() - kFileFooterSize;
  const size_t index_start = kFileHeaderSize + DecodeFixed64(original.data() + body_end - 8);
  for (size_t pos = index_start; pos < body_end; ++pos) {
    for (int bit : {0, 1, 7}) {
      std::string damaged = original;
      damaged[pos] ^= static_cast<char>(1 << bit);
      WriteFileAt(path, damaged);
      std::unique_ptr<StoreReader> r;
      if (!StoreReader::Open(path, false, &r).ok()) continue;
      // A damaged document count may claim thousands more: a few past the real ones will do.
      for (uint32_t d = 0; d < r->num_docs() && d < docs.size() + 3; ++d) {
        Document head, whole;
        Status s = r->GetIdAndField(d, "title", &head);
        Status g = r->Get(d, &whole);
        ASSERT_EQ(s.ToString(), g.ToString()) << pos << " bit " << bit << " doc " << d;
        if (s.ok()) {
          ASSERT_LT(d, docs.size());
          EXPECT_EQ(head.id, docs[d].id);
          EXPECT_EQ(head.fields, Projected(docs[d], "title").fields);
        }
      }
    }
  }
}

TEST_P(StoreHeadTest, ConcurrentReads) {
  std::vector<Document> docs;
  for (uint32_t seed = 10; seed < 16; ++seed) {
    for (Document& d : SmallsThenHuge(seed, 1 << 20)) {
      d.id += "-" + std::to_string(seed);
      docs.push_back(std::move(d));
    }
  }
  const std::string path = Path("mt.store");
  Write(path, docs);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int k = 0; k < 200; ++k) {
        const uint32_t d = rng() % docs.size();
        Document got;
        const bool head = rng() % 4 != 0;
        Status s = head ? r->GetIdAndField(d, "title", &got) : r->Get(d, &got);
        const Document want = head ? Projected(docs[d], "title") : docs[d];
        if (!s.ok() || got.id != want.id || got.fields != want.fields) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// The searcher reads a hit's id and title with GetIdAndField when no snippet and no fields are
// asked for: the hits are those of a search that reads the whole documents.
TEST_P(StoreHeadTest, HitsWithoutSnippetsAreThoseOfWholeDocuments) {
  if (GetParam() != kStoreFormatVersion) GTEST_SKIP() << "an index writes the current version";
  const std::string index = Path("index");
  // Sizes about one zstd block: documents read whole and by their prefix.
  const std::vector<Document> docs =
      DocsOfEverySize(17, {0, 100, kStoreBlockBytes, kZstdBlock + 100, 2 * kZstdBlock}, 1 << 20);
  {
    IndexWriterOptions options;
    options.memory_budget_bytes = 8 << 20;  // several segments
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(index, options, &writer).ok());
    for (const Document& d : docs) ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(index, {}, &searcher).ok());
  for (const char* query : {"river", "amber OR title", "+stone +quiet", "\"copper field\"", "noisy",
                            "late", "second", "first"}) {
    SearchOptions whole;
    whole.top_k = 1000;
    whole.fields = {"*"};
    SearchOptions head = whole;
    head.fields.clear();
    head.snippet_chars = 0;
    SearchResults want, got;
    ASSERT_TRUE(searcher->Search(query, whole, &want).ok()) << query;
    ASSERT_TRUE(searcher->Search(query, head, &got).ok()) << query;
    ASSERT_EQ(got.hits.size(), want.hits.size()) << query;
    ASSERT_FALSE(got.hits.empty()) << query;
    for (size_t i = 0; i < got.hits.size(); ++i) {
      EXPECT_EQ(got.hits[i].docid, want.hits[i].docid) << query;
      EXPECT_EQ(got.hits[i].id, want.hits[i].id) << query;
      EXPECT_EQ(got.hits[i].title, want.hits[i].title) << query;
      EXPECT_TRUE(got.hits[i].fields.empty());
    }
    // The fetch phase of a search over shards loads hits the same way.
    SearchOptions bare = head;
    bare.load_documents = false;
    SearchResults found;
    ASSERT_TRUE(searcher->Search(query, bare, &found).ok());
    ASSERT_TRUE(searcher->FetchHits(query, head, &found.hits).ok());
    ASSERT_EQ(found.hits.size(), want.hits.size());
    for (size_t i = 0; i < found.hits.size(); ++i) {
      EXPECT_EQ(found.hits[i].id, want.hits[i].id) << query;
      EXPECT_EQ(found.hits[i].title, want.hits[i].title) << query;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(, StoreHeadTest, ::testing::Values(1u, 2u),
                         [](const ::testing::TestParamInfo<uint32_t>& info) {
                           return "Version" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace store_head_test
}  // namespace trawl

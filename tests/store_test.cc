#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/coding.h"
#include "format/file_format.h"
#include "format/store_writer.h"
#include "format/store_reader.h"
#include "tests/store_test_util.h"
#include "tests/test_util.h"

namespace trawl {
namespace store_test {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_store_test");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string RandomText(std::mt19937* rng, size_t max_pieces) {
    static const char* const kPieces[] = {"a",  "trawl", " ",  "é",    "日本語", "😀",
                                          "\n", "ß",     "0",  "Ωμέγα", "\t",    "x y z"};
    std::uniform_int_distribution<size_t> count(0, max_pieces);
    std::uniform_int_distribution<size_t> pick(0, std::size(kPieces) - 1);
    std::string s;
    for (size_t i = count(*rng); i > 0; --i) s += kPieces[pick(*rng)];
    return s;
  }

  // Unicode, empty values, and now and then a field far bigger than a block.
  static std::vector<Document> RandomDocs(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<Document> docs(n);
    for (size_t i = 0; i < n; ++i) {
      Document& d = docs[i];
      d.id = "doc-" + std::to_string(i) + "-" + RandomText(&rng, 3);
      size_t nfields = rng() % 5;
      for (size_t f = 0; f < nfields; ++f) {
        std::string value = rng() % 7 == 0 ? "" : RandomText(&rng, 60);
        if (rng() % 300 == 0) value = std::string(40000 + rng() % 70000, 'L') + value;
        d.fields.emplace_back(f == 0 ? "title" : "f" + std::to_string(f), std::move(value));
      }
    }
    return docs;
  }

  static void Write(const std::string& path, const std::vector<Document>& docs, int level = 3,
                    size_t block_bytes = 16384) {
    std::unique_ptr<StoreWriter> w;
    ASSERT_TRUE(StoreWriter::Create(path, &w, level, block_bytes).ok());
    for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
    ASSERT_TRUE(w->Finish().ok());
  }

  static void ExpectSame(const Document& want, const Document& got) {
    EXPECT_EQ(want.id, got.id);
    EXPECT_EQ(want.fields, got.fields) << "doc " << want.id;
  }

  static void ExpectForEachVisitsInOrder(const StoreReader& r, const std::vector<Document>& docs) {
    uint32_t next = 0;
    ASSERT_TRUE(r.ForEach([&](uint32_t d, Document* doc) {
                   EXPECT_EQ(d, next++);
                   ExpectSame(docs[d], *doc);
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(next, docs.size());
  }

  fs::path dir_;
};

TEST_F(StoreTest, RoundTripInRandomOrder) {
  const std::vector<Document> docs = RandomDocs(3000, 1);
  const std::string path = Path("seg.store");
  Write(path, docs);

  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
  ASSERT_EQ(r->num_docs(), docs.size());
  std::vector<uint32_t> order(docs.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  for (uint32_t docid : order) {
    Document got;
    ASSERT_TRUE(r->Get(docid, &got).ok()) << docid;
    ExpectSame(docs[docid], got);
  }
  Document unused;
  EXPECT_TRUE(r->Get(static_cast<uint32_t>(docs.size()), &unused).IsInvalidArgument());
}

TEST_F(StoreTest, ForEachVisitsEveryDocumentInOrder) {
  const std::vector<Document> docs = RandomDocs(2000, 5);
  const std::string path = Path("seg.store");
  Write(path, docs, 3, 4096);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, true, &r).ok());
  ExpectForEachVisitsInOrder(*r, docs);
  // fn's error stops the walk and comes back unchanged.
  uint32_t next = 0;
  Status s = r->ForEach([&](uint32_t d, Document*) {
    ++next;
    return d == 10 ? Status::NotFound("stop") : Status::OK();
  });
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_EQ(next, 11u);
}

TEST_F(StoreTest, BlockSizesAndLevels) {
  const std::vector<Document> docs = RandomDocs(300, 3);
  int n = 0;
  for (size_t block_bytes : {size_t{1}, size_t{100}, size_t{1} << 20}) {
    for (int level : {-5, 1, 19}) {
      const std::string path = Path("s" + std::to_string(n++) + ".store");
      Write(path, docs, level, block_bytes);
      std::unique_ptr<StoreReader> r;
      ASSERT_TRUE(StoreReader::Open(path, true, &r).ok());
      for (uint32_t i = 0; i < docs.size(); ++i) {
        Document got;
        ASSERT_TRUE(r->Get(i, &got).ok());
        ExpectSame(docs[i], got);
      }
    }
  }
}

TEST_F(StoreTest, EmptyStore) {
  const std::string path = Path("empty.store");
  Write(path, {});
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, true, &r).ok());
  EXPECT_EQ(r->num_docs(), 0u);
  Document unused;
  EXPECT_TRUE(r->Get(0, &unused).IsInvalidArgument());
}

TEST_F(StoreTest, RejectsBadOptionsAndExistingFile) {
  std::unique_ptr<StoreWriter> w;
  EXPECT_TRUE(StoreWriter::Create(Path("a.store"), &w, 1000).IsInvalidArgument());
  EXPECT_TRUE(StoreWriter::Create(Path("a.store"), &w, 3, 0).IsInvalidArgument());
  Write(Path("b.store"), RandomDocs(3, 4));
  EXPECT_FALSE(StoreWriter::Create(Path("b.store"), &w).ok());
}

TEST_F(StoreTest, UnfinishedWriterLeavesNoFile) {
  {
    std::unique_ptr<StoreWriter> w;
    ASSERT_TRUE(StoreWriter::Create(Path("c.store"), &w).ok());
    ASSERT_TRUE(w->Add(RandomDocs(1, 5)[0]).ok());
  }
  EXPECT_FALSE(fs::exists(Path("c.store")));
}

TEST_F(StoreTest, ConcurrentGets) {
  const std::vector<Document> docs = RandomDocs(2000, 6);
  const std::string path = Path("mt.store");
  Write(path, docs, 3, 4096);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int k = 0; k < 3000; ++k) {
        uint32_t docid = rng() % docs.size();
        Document got;
        if (!r->Get(docid, &got).ok() || got.id != docs[docid].id ||
            got.fields != docs[docid].fields) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

// Get keeps the last block a thread decompressed: documents read in docid order (a page of
// hits is loaded so) decompress each block once, and a document of another block, or of another
// reader, is never answered from the kept one.
TEST_F(StoreTest, GetInDocidOrderDecompressesEachBlockOnce) {
  const std::vector<Document> docs = RandomDocs(400, 12);
  const std::string path = Path("order.store");
  Write(path, docs, 3, 1024);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  const uint64_t before = StoreFramesDecompressed();
  for (uint32_t i = 0; i < docs.size(); ++i) {
    Document got;
    ASSERT_TRUE(r->Get(i, &got).ok());
    ExpectSame(docs[i], got);
  }
  const uint64_t in_order = StoreFramesDecompressed() - before;
  // Every document read once more, each after one of another block.
  for (uint32_t i = 0; i < docs.size(); ++i) {
    Document got;
    ASSERT_TRUE(r->Get(static_cast<uint32_t>(docs.size()) - 1 - i, &got).ok());
    ASSERT_TRUE(r->Get(i, &got).ok());
    ExpectSame(docs[i], got);
  }
  const uint64_t alternating = StoreFramesDecompressed() - before - in_order;
  // Blocks of about 1 KiB: several documents each, so far fewer blocks than documents.
  EXPECT_LT(in_order, docs.size() / 2);
  EXPECT_GT(alternating, in_order * 2);
}

// Snippets read their hits lazily, in docid order too: a block of one frame is decompressed
// once for all the documents in it, and the block a Get kept is copied, not decompressed again.
TEST_F(StoreTest, LazyReadsInDocidOrderDecompressEachBlockOnce) {
  std::vector<Document> docs(300);
  for (size_t i = 0; i < docs.size(); ++i) {
    docs[i].id = "d" + std::to_string(i);
    docs[i].fields.emplace_back("title", std::string(20 + i % 50, static_cast<char>('a' + i % 26)));
    docs[i].fields.emplace_back("body", "words of document " + std::to_string(i));
  }
  const std::string path = Path("lazy_order.store");
  Write(path, docs, 3, 1024);
  // Frames decompressed reading every document in order, by a reader of its own (no block of
  // another pass is kept for it).
  enum class Read { kGet, kLazy, kGetThenLazy };
  auto frames_of = [&](Read read) {
    std::unique_ptr<StoreReader> r;
    EXPECT_TRUE(StoreReader::Open(path, false, &r).ok());
    const uint64_t before = StoreFramesDecompressed();
    for (uint32_t i = 0; i < docs.size(); ++i) {
      if (read != Read::kLazy) {
        Document got;
        EXPECT_TRUE(r->Get(i, &got).ok());
        ExpectSame(docs[i], got);
      }
      if (read != Read::kGet) {
        LazyDocument lazy;
        EXPECT_TRUE(r->GetLazy(i, &lazy).ok());
        ExpectSameLoaded(docs[i], lazy);
      }
    }
    return StoreFramesDecompressed() - before;
  };
  const uint64_t by_get = frames_of(Read::kGet);
  EXPECT_LT(by_get, docs.size() / 4);
  EXPECT_EQ(frames_of(Read::kLazy), by_get);
  EXPECT_EQ(frames_of(Read::kGetThenLazy), by_get);
}

TEST_F(StoreTest, ReadersNeverAnswerFromEachOthersBlocks) {
  // Stores of the same shape and other contents: the same docid lies in the same block of each.
  std::vector<std::vector<Document>> contents;
  for (uint32_t seed = 20; seed < 26; ++seed) {
    std::vector<Document> docs(50);
    for (size_t i = 0; i < docs.size(); ++i) {
      docs[i].id = "s" + std::to_string(seed) + "-" + std::to_string(i);
      docs[i].fields.emplace_back("title", std::string(100, static_cast<char>('a' + seed % 26)));
    }
    contents.push_back(std::move(docs));
  }
  for (size_t c = 0; c < contents.size(); ++c) Write(Path(std::to_string(c)), contents[c]);
  std::unique_ptr<StoreReader> kept;
  ASSERT_TRUE(StoreReader::Open(Path("0"), false, &kept).ok());
  for (size_t c = 1; c < contents.size(); ++c) {
    // Opened after the last one was closed, maybe at its address.
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(Path(std::to_string(c)), false, &r).ok());
    for (uint32_t i : {0u, 1u, 49u, 7u}) {
      Document got;
      ASSERT_TRUE(r->Get(i, &got).ok());
      ExpectSame(contents[c][i], got);
      ASSERT_TRUE(kept->Get(i, &got).ok());
      ExpectSame(contents[0][i], got);
      LazyDocument lazy;
      ASSERT_TRUE(r->GetLazy(i, &lazy).ok());
      ExpectSameLoaded(contents[c][i], lazy);
      ASSERT_TRUE(kept->GetLazy(i, &lazy).ok());
      ExpectSameLoaded(contents[0][i], lazy);
    }
  }
}

TEST_F(StoreTest, TruncatedFileIsCorruption) {
  const std::string path = Path("trunc.store");
  Write(path, RandomDocs(200, 7), 3, 1024);
  const std::string original = ReadFile(path);
  for (size_t cut = 1; cut <= 100; ++cut) {
    WriteFileAt(path, original.substr(0, original.size() - cut));
    std::unique_ptr<StoreReader> r;
    Status s = StoreReader::Open(path, false, &r);
    EXPECT_TRUE(s.IsCorruption()) << cut << ": " << s.ToString();
    EXPECT_NE(s.message().find("trunc.store"), std::string::npos) << s.message();
  }
}

// Every Get either returns the right document or Corruption naming the file; returns how many
// were Corruption. Damaged bytes must never come back as a wrong document.
int CheckAllDocs(const StoreReader& r, const std::vector<Document>& docs, const std::string& name) {
  int corrupt = 0;
  for (uint32_t i = 0; i < docs.size(); ++i) {
    Document got;
    Status s = r.Get(i, &got);
    if (s.ok()) {
      EXPECT_EQ(got.id, docs[i].id);
      EXPECT_EQ(got.fields, docs[i].fields);
    } else if (s.IsInvalidArgument()) {
      EXPECT_GE(i, r.num_docs());  // a damaged doc count hides the tail
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
      ++corrupt;
    }
  }
  return corrupt;
}

TEST_F(StoreTest, FlippedByteInCompressedDataIsCaught) {
  const std::vector<Document> docs = RandomDocs(60, 8);
  const std::string path = Path("flip.store");
  Write(path, docs, 3, 512);
  const std::string original = ReadFile(path);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  // The trailer says where the block index starts, i.e. where the compressed data ends.
  const size_t body = kFileHeaderSize;
  const size_t body_end = original.size() - kFileFooterSize;
  const uint64_t index_offset = DecodeFixed64(original.data() + body_end - 8);
  r.reset();

  for (size_t pos = body; pos < body + index_offset; ++pos) {
    std::string damaged = original;
    damaged[pos] ^= 0x5a;
    WriteFileAt(path, damaged);
    Status s = StoreReader::Open(path, /*verify_checksum=*/true, &r);
    ASSERT_TRUE(s.IsCorruption()) << pos;
    ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/false, &r).ok()) << pos;
    CheckAllDocs(*r, docs, "flip.store");
    r.reset();
  }
  // A byte in the middle of a frame's compressed payload is always caught by Get.
  std::string damaged = original;
  damaged[body + index_offset / 2] ^= 0x01;
  WriteFileAt(path, damaged);
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  EXPECT_GT(CheckAllDocs(*r, docs, "flip.store"), 0);
}

TEST_F(StoreTest, FlippedByteInIndexIsCaught) {
  const std::vector<Document> docs = RandomDocs(300, 9);
  const std::string path = Path("idx.store");
  Write(path, docs, 3, 2048);
  const std::string original = ReadFile(path);
  const size_t body_end = original.size() - kFileFooterSize;
  const size_t index_start = kFileHeaderSize + DecodeFixed64(original.data() + body_end - 8);
  ASSERT_GT(body_end - index_start, 5 * kStoreBlockIndexEntrySize);

  for (size_t pos = index_start; pos < body_end; ++pos) {
    for (int bit : {0, 3, 7}) {
      std::string damaged = original;
      damaged[pos] ^= static_cast<char>(1 << bit);
      WriteFileAt(path, damaged);
      std::unique_ptr<StoreReader> r;
      ASSERT_TRUE(StoreReader::Open(path, true, &r).IsCorruption());
      Status s = StoreReader::Open(path, false, &r);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsCorruption()) << pos << ": " << s.ToString();
        EXPECT_NE(s.message().find("idx.store"), std::string::npos);
        continue;
      }
      EXPECT_GT(CheckAllDocs(*r, docs, "idx.store"), 0) << "undetected flip at " << pos;
    }
  }
}

TEST_F(StoreTest, GarbageFileIsCorruptionNotCrash) {
  std::mt19937 rng(10);
  const std::string path = Path("junk.store");
  Write(path, RandomDocs(20, 11));
  const std::string junk = ReadFile(path);
  // Keep the envelope valid so the store's own checks are what gets exercised.
  for (int round = 0; round < 200; ++round) {
    std::string damaged = junk;
    for (size_t i = kFileHeaderSize; i < damaged.size() - kFileFooterSize; ++i) {
      if (rng() % 8 == 0) damaged[i] = static_cast<char>(rng());
    }
    WriteFileAt(path, damaged);
    std::unique_ptr<StoreReader> r;
    Status s = StoreReader::Open(path, false, &r);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption());
      continue;
    }
    for (uint32_t i = 0; i < r->num_docs() && i < 100; ++i) {
      Document got;
      Status g = r->Get(i, &got);
      EXPECT_TRUE(g.ok() || g.IsCorruption()) << g.ToString();
    }
  }
}


namespace dictionary {

// Short documents of one corpus, as verses or dictionary entries are: ids and titles of one
// pattern, and text from the words of the GPL (in every Debian system's base files), 10 to 40
// consecutive words each. A block of them shares more with its neighbours than with itself.
std::vector<Document> ShortDocs(size_t n, uint32_t seed) {
  std::ifstream in("/usr/share/common-licenses/GPL-3");
  std::vector<std::string> words(std::istream_iterator<std::string>(in), {});
  EXPECT_GT(words.size(), 5000u);
  std::mt19937 rng(seed);
  std::vector<Document> docs(n);
  for (size_t i = 0; i < n; ++i) {
    Document& d = docs[i];
    d.id = "corpus:book" + std::to_string(i / 100) + ":" + std::to_string(i % 100);
    d.fields.emplace_back("title", "Book " + std::to_string(i / 100) + " verse " +
                                       std::to_string(i % 100));
    const size_t count = 10 + rng() % 30;
    // Now and then a document far larger than a block, read by prefix for its title.
    const size_t words_in_doc = i % 1500 == 700 ? 30000 : count;
    std::string body;
    for (size_t k = 0, w = rng() % words.size(); k < words_in_doc; ++k, w = (w + 1) % words.size()) {
      body += words[w] + " ";
    }
    d.fields.emplace_back("body", std::move(body));
  }
  return docs;
}

void WriteWithSample(const std::string& path, const std::vector<Document>& docs,
                     size_t sample_bytes, size_t block_bytes = kStoreBlockBytes) {
  std::unique_ptr<StoreWriter> w;
  ASSERT_TRUE(StoreWriter::Create(path, &w, kStoreZstdLevel, block_bytes, sample_bytes).ok());
  for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
  ASSERT_TRUE(w->Finish().ok());
}

}  // namespace dictionary

TEST_F(StoreTest, DictionaryOfShortDocumentsIsKeptAndReadsBackEveryWay) {
  const std::vector<Document> docs = dictionary::ShortDocs(4000, 11);
  for (size_t sample : {size_t{64} << 10, size_t{256} << 10, kStoreDictionarySampleBytes}) {
    SCOPED_TRACE(sample);
    const std::string with = Path("with" + std::to_string(sample) + ".store");
    const std::string without = Path("without" + std::to_string(sample) + ".store");
    dictionary::WriteWithSample(with, docs, sample);
    dictionary::WriteWithSample(without, docs, 0);
    std::unique_ptr<StoreReader> r, plain;
    ASSERT_TRUE(StoreReader::Open(with, /*verify_checksum=*/true, &r).ok());
    ASSERT_TRUE(StoreReader::Open(without, true, &plain).ok());
    EXPECT_LE(r->dictionary_bytes(), kStoreMaxDictionaryBytes);
    EXPECT_EQ(plain->dictionary_bytes(), 0u);
    // The dictionary pays for itself, and more. (Whether a 2 KiB dictionary from a 64 KiB
    // sample pays, or the default sample's 32 KiB one in a store of 1.5 MiB, is close.)
    if (sample == size_t{256} << 10) {
      EXPECT_GT(r->dictionary_bytes(), 0u);
      EXPECT_LT(fs::file_size(with), fs::file_size(without) * 97 / 100)
          << fs::file_size(with) << " " << fs::file_size(without);
    }
    for (uint32_t d = 0; d < docs.size(); ++d) {
      Document got;
      ASSERT_TRUE(r->Get(d, &got).ok()) << d;
      ExpectSame(docs[d], got);
      Document head;
      ASSERT_TRUE(r->GetIdAndField(d, "title", &head).ok()) << d;
      EXPECT_EQ(head.id, docs[d].id);
      ASSERT_EQ(head.fields.size(), 1u);
      EXPECT_EQ(head.fields[0].value, docs[d].fields[0].value);
    }
    ExpectForEachVisitsInOrder(*r, docs);
  }
}

// Documents too varied to share anything (random bytes), or too few: no dictionary.
TEST_F(StoreTest, DictionaryThatDoesNotPayIsNotKept) {
  std::mt19937 rng(12);
  std::vector<Document> docs(600);
  for (size_t i = 0; i < docs.size(); ++i) {
    std::string noise(400, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    docs[i].id = std::to_string(i);
    docs[i].fields.emplace_back("body", std::move(noise));
  }
  dictionary::WriteWithSample(Path("noise.store"), docs, 64 << 10);
  dictionary::WriteWithSample(Path("few.store"), dictionary::ShortDocs(20, 13), 64 << 10);
  for (const char* name : {"noise.store", "few.store"}) {
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(Path(name), true, &r).ok()) << name;
    EXPECT_EQ(r->dictionary_bytes(), 0u) << name;
    Document got;
    ASSERT_TRUE(r->Get(r->num_docs() - 1, &got).ok()) << name;
  }
}

TEST_F(StoreTest, DamagedDictionaryIsCorruptionNeverAWrongDocument) {
  const std::vector<Document> docs = dictionary::ShortDocs(600, 14);
  const std::string path = Path("dict.store");
  dictionary::WriteWithSample(path, docs, 32 << 10, 2048);
  const std::string original = ReadFile(path);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
  const size_t dict_bytes = r->dictionary_bytes();
  ASSERT_GT(dict_bytes, 0u);
  r.reset();
  int caught = 0;
  for (size_t pos = kFileHeaderSize; pos < kFileHeaderSize + dict_bytes; pos += 3) {
    std::string damaged = original;
    damaged[pos] ^= 0x21;
    WriteFileAt(path, damaged);
    ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).IsCorruption()) << pos;
    Status s = StoreReader::Open(path, /*verify_checksum=*/false, &r);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << pos << ": " << s.ToString();
      ++caught;
      continue;
    }
    caught += CheckAllDocs(*r, docs, "dict.store") > 0;
    r.reset();
  }
  EXPECT_GT(caught, 0);

  // A dictionary length that runs into the block index, or leaves the first block's bytes to it.
  const size_t trailer = original.size() - kFileFooterSize - kStoreTrailerSize;
  for (uint32_t length : {uint32_t(dict_bytes + 1), uint32_t(dict_bytes - 1), 0u, ~0u}) {
    std::string damaged = original;
    std::string field;
    PutFixed32(&field, length);
    damaged.replace(trailer, 4, field);
    WriteFileAt(path, damaged);
    Status s = StoreReader::Open(path, false, &r);
    EXPECT_TRUE(s.IsCorruption()) << length << ": " << s.ToString();
  }
}

}  // namespace
}  // namespace store_test
}  // namespace trawl

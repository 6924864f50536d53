// Store format version 2: a block longer than kStoreFrameBytes is written as consecutive
// independent zstd frames. Documents of zero to many frames and of sizes about the frame
// boundaries read back the same through every read (Get, ForEach, GetIdAndField, GetLazy); a
// lazy read decompresses only the frames of what it loads; damage to the frames, to the lengths
// they must add up to and to where they lie is Corruption naming the file, never a crash; a
// version 1 store (one frame a block) reads as before.
#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "format/file_format.h"
#include "format/store_reader.h"
#include "format/store_writer.h"
#include "tests/sanitizer.h"
#include "tests/store_test_util.h"
#include "tests/test_util.h"

namespace trawl {
namespace store_frames_test {
namespace {

namespace fs = std::filesystem;

constexpr size_t kFrame = kStoreFrameBytes;

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// A document with a title whose serialized size (store_writer.h) is exactly `bytes`.
Document DocOfSize(std::mt19937* rng, const std::string& id, size_t bytes) {
  const size_t fixed = 1 + (1 + 2) + (1 + id.size()) + (1 + 5) + (1 + 1) + (1 + 4);
  size_t body = bytes - fixed - 1;
  while (fixed + VarintBytes(body) + body > bytes) --body;
  while (fixed + VarintBytes(body) + body < bytes) ++body;
  Document d;
  d.id = id;
  d.Add("title", "t");
  d.Add("body", ProseText(rng, body));
  return d;
}

class StoreFramesTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshTempDir("trawl_store_frames_test"); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static void Write(const std::string& path, const std::vector<Document>& docs,
                    uint32_t version = kStoreFormatVersion, size_t block_bytes = kStoreBlockBytes) {
    std::unique_ptr<StoreWriter> w;
    StoreCompression compression;
    compression.block_bytes = block_bytes;
    ASSERT_TRUE(
        StoreWriter::Create(path, &w, compression, kStoreDictionarySampleBytes, nullptr, version)
            .ok());
    for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
    ASSERT_TRUE(w->Finish().ok());
  }

  // The content sizes of a block's frames, and where each starts in the file.
  static std::vector<std::pair<size_t, uint64_t>> Frames(const std::string& file,
                                                         const BlockEntry& b) {
    std::vector<std::pair<size_t, uint64_t>> frames;
    for (size_t at = b.offset; at < b.offset + b.compressed;) {
      const size_t size =
          ZSTD_findFrameCompressedSize(file.data() + at, b.offset + b.compressed - at);
      EXPECT_FALSE(ZSTD_isError(size));
      if (ZSTD_isError(size)) break;
      frames.emplace_back(at, ZSTD_getFrameContentSize(file.data() + at, size));
      at += size;
    }
    return frames;
  }

  // Every read of every document gives the document written.
  static void ExpectReadsMatch(const StoreReader& r, const std::vector<Document>& docs) {
    ASSERT_EQ(r.num_docs(), docs.size());
    for (uint32_t d = 0; d < docs.size(); ++d) {
      Document got;
      ASSERT_TRUE(r.Get(d, &got).ok()) << d;
      EXPECT_EQ(got.id, docs[d].id);
      EXPECT_EQ(got.fields, docs[d].fields) << d;
      for (const char* field : {"title", "body"}) {
        ASSERT_TRUE(r.GetIdAndField(d, field, &got).ok()) << d;
        EXPECT_EQ(got.id, docs[d].id);
        const bool has = std::any_of(docs[d].fields.begin(), docs[d].fields.end(),
                                     [&](const DocField& f) { return f.name == field; });
        ASSERT_EQ(got.fields.size(), has ? 1u : 0u) << d << " " << field;
        if (has) {
          EXPECT_EQ(got.fields[0].value, docs[d].Field(field)) << d << " " << field;
        }
      }
      LazyDocument lazy;
      ASSERT_TRUE(r.GetLazy(d, &lazy).ok()) << d;
      ExpectSameLoaded(docs[d], lazy);
    }
    uint32_t next = 0;
    ASSERT_TRUE(r.ForEach([&](uint32_t d, Document* doc) {
                   EXPECT_EQ(d, next++);
                   EXPECT_EQ(doc->id, docs[d].id);
                   EXPECT_EQ(doc->fields, docs[d].fields);
                   return Status::OK();
                 }).ok());
    EXPECT_EQ(next, docs.size());
  }

  fs::path dir_;
};

// Blocks of exactly one frame, one byte more or less, two frames and so on, each one document
// of its own (a document past the block size closes its block). A block longer than two block
// sizes is its document's head (id, title, the body's name and length) in a frame of its own,
// then the body in frames of kFrame from its start.
TEST_F(StoreFramesTest, BlocksAboutFrameBoundariesRoundTrip) {
  const std::vector<size_t> sizes = {kStoreBlockBytes, kFrame - 1, kFrame,  kFrame + 1,
                                     2 * kFrame - 1,   2 * kFrame, 2 * kFrame + 1,
                                     3 * kFrame + 17,  (1 << 20) + 5};
  std::mt19937 rng(1);
  std::vector<Document> docs;
  for (size_t size : sizes) docs.push_back(DocOfSize(&rng, "doc-" + std::to_string(size), size));
  const std::string path = Path("sizes.store");
  Write(path, docs);
  const std::string file = ReadFile(path);
  EXPECT_EQ(DecodeFixed32(file.data() + 8), 2u) << "format version";
  const std::vector<BlockEntry> blocks = StoreBlocks(file);
  ASSERT_EQ(blocks.size(), sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    ASSERT_EQ(blocks[i].uncompressed, sizes[i]);
    std::vector<uint64_t> expected;
    if (sizes[i] <= 2 * kStoreBlockBytes) {
      expected.push_back(sizes[i]);
    } else {
      const size_t body = docs[i].Field("body").size();
      expected.push_back(sizes[i] - body);
      for (size_t at = 0; at < body; at += kFrame) expected.push_back(std::min(kFrame, body - at));
    }
    std::vector<uint64_t> got;
    for (const auto& frame : Frames(file, blocks[i])) got.push_back(frame.second);
    EXPECT_EQ(got, expected) << sizes[i];
  }
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
  ExpectReadsMatch(*r, docs);
}

// Small documents before a large one in its block, fields of every size straddling frames,
// empty fields, a document of only its id: every read gives them back, in either version.
TEST_F(StoreFramesTest, FieldsStraddlingFramesRoundTripInBothVersions) {
  std::mt19937 rng(2);
  std::vector<Document> docs;
  for (int k = 0; k < 5; ++k) {
    for (int s = 0; s < 3; ++s) {
      Document small;
      small.id = "small-" + std::to_string(k) + "-" + std::to_string(s);
      small.Add("title", ProseText(&rng, rng() % 40));
      small.Add("body", ProseText(&rng, rng() % 2000));
      docs.push_back(small);
    }
    Document d;
    d.id = "large-" + std::to_string(k);
    d.Add("title", k == 2 ? ProseText(&rng, kFrame + 3) : "title " + std::to_string(k));
    for (int f = 0; f < 6; ++f) d.Add("part", ProseText(&rng, k * 7000 + f * 9000 + rng() % 30000));
    d.Add("body", k == 4 ? "" : ProseText(&rng, 100000 + k * 50000));
    docs.push_back(d);
  }
  Document only_id;
  only_id.id = "only-id";
  docs.push_back(only_id);
  for (uint32_t version : {1u, 2u}) {
    const std::string path = Path("straddle" + std::to_string(version) + ".store");
    Write(path, docs, version);
    const std::string file = ReadFile(path);
    EXPECT_EQ(DecodeFixed32(file.data() + 8), version);
    size_t most_frames = 0;
    for (const BlockEntry& b : StoreBlocks(file))
      most_frames = std::max(most_frames, Frames(file, b).size());
    if (version == 1) {
      EXPECT_EQ(most_frames, 1u);
    } else {
      EXPECT_GT(most_frames, 5u);
    }
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
    ExpectReadsMatch(*r, docs);
  }
}

// A lazy read decompresses the frames of the fields' headers (here the first) and then only
// those of the bytes loaded.
TEST_F(StoreFramesTest, ALazyReadDecompressesOnlyTheFramesLoaded) {
  std::mt19937 rng(3);
  std::vector<Document> docs;
  for (int s = 0; s < 4; ++s) {
    Document small;
    small.id = "small-" + std::to_string(s);
    small.Add("body", ProseText(&rng, 1000));
    docs.push_back(small);
  }
  const Document large = TitledDocument("large", "the large one", ProseText(&rng, 2 << 20));
  docs.push_back(large);
  const std::string path = Path("lazy.store");
  Write(path, docs);
  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());

  const uint64_t before = StoreFramesDecompressed();
  LazyDocument lazy;
  ASSERT_TRUE(r->GetLazy(4, &lazy).ok());
  EXPECT_EQ(lazy.num_frames(), (4 * 1000 + (2u << 20) + kFrame) / kFrame);
  EXPECT_EQ(lazy.frames_decompressed(), 1u);
  ASSERT_EQ(lazy.fields().size(), 2u);
  const std::string_view title = lazy.fields()[0].value, body = lazy.fields()[1].value;
  EXPECT_EQ(lazy.id(), "large");
  EXPECT_TRUE(lazy.Loaded(lazy.id()));
  ASSERT_TRUE(lazy.Load(title).ok());
  EXPECT_EQ(title, "the large one");
  EXPECT_EQ(lazy.frames_decompressed(), 1u);

  const std::string_view deep = body.substr(1500000, 300);
  EXPECT_FALSE(lazy.Loaded(deep));
  ASSERT_TRUE(lazy.Load(deep).ok());
  EXPECT_TRUE(lazy.Loaded(deep));
  EXPECT_EQ(deep, std::string_view(large.fields[1].value).substr(1500000, 300));
  EXPECT_LE(lazy.frames_decompressed(), 3u);
  const size_t after_deep = lazy.frames_decompressed();
  ASSERT_TRUE(lazy.Load(deep.substr(100, 10)).ok());
  EXPECT_EQ(lazy.frames_decompressed(), after_deep) << "a frame is decompressed once";
  EXPECT_FALSE(lazy.Loaded(body.substr(body.size() - 10)));
  EXPECT_EQ(StoreFramesDecompressed() - before, after_deep);

#if !defined(NDEBUG) && !defined(TRAWL_TEST_UNDER_ASAN)
  // With assertions, what nobody loaded reads as bytes no text has (under ASan it is poisoned).
  EXPECT_EQ(body.substr(body.size() - 10), std::string(10, '\xFF'));
#endif

  ASSERT_TRUE(lazy.Load(body).ok());
  EXPECT_EQ(body, large.fields[1].value);
  EXPECT_EQ(lazy.frames_decompressed(), lazy.num_frames());
}

// A block holding a large value (here the last document's body, and a long field in the middle
// of another) frames it apart: a hit's id and title, in any document of the block, decompress
// only the small frames of the documents' heads, and the value's frames only when it is asked
// for. Every value of kStoreLargeValueBytes or more starts a frame; the bytes after it start
// another.
TEST_F(StoreFramesTest, AHitsIdAndTitleSkipTheLargeValuesOfItsBlock) {
  std::mt19937 rng(6);
  std::vector<Document> docs;
  AddSmallDocuments(&rng, 2, 500, &docs);
  Document middle;
  middle.id = "middle";
  middle.Add("title", "in the middle");
  middle.Add("notes", ProseText(&rng, kStoreLargeValueBytes));
  middle.Add("body", ProseText(&rng, 1500));
  docs.push_back(middle);
  const Document large = TitledDocument("large", "the large one", ProseText(&rng, 40000));
  docs.push_back(large);
  const std::string path = Path("heads.store");
  // Blocks of 8 KiB, so that the middle document does not close its block.
  Write(path, docs, kStoreFormatVersion, 8192);
  const std::string file = ReadFile(path);
  const std::vector<BlockEntry> blocks = StoreBlocks(file);
  ASSERT_EQ(blocks.size(), 1u);
  // The heads up to the notes, the notes, the rest up to the large body, the body.
  std::vector<uint64_t> got;
  for (const auto& frame : Frames(file, blocks[0])) got.push_back(frame.second);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_LT(got[0], 2 * 600);
  EXPECT_EQ(got[1], kStoreLargeValueBytes);
  EXPECT_LT(got[2], 1600);
  EXPECT_EQ(got[3], 40000u);

  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
  auto frames_for = [&](uint32_t docid, const char* field) {
    const uint64_t before = StoreFramesDecompressed();
    Document got_doc;
    EXPECT_TRUE(r->GetIdAndField(docid, field, &got_doc).ok());
    EXPECT_EQ(got_doc.id, docs[docid].id);
    EXPECT_EQ(got_doc.fields.size(), 1u);
    if (got_doc.fields.size() == 1) {
      EXPECT_EQ(got_doc.fields[0].value, docs[docid].Field(field)) << docid << " " << field;
    }
    return StoreFramesDecompressed() - before;
  };
  // The small frames: the first (ids and titles up to the notes) and the third (the large
  // document's head), both read for the walk over every document's fields.
  EXPECT_EQ(frames_for(0, "title"), 2u);
  EXPECT_EQ(frames_for(2, "title"), 2u);
  EXPECT_EQ(frames_for(3, "title"), 2u);
  EXPECT_EQ(frames_for(2, "notes"), 3u);
  EXPECT_EQ(frames_for(3, "body"), 3u);
  ExpectReadsMatch(*r, docs);
}

// Frames of small documents are compressed at zstd_level, a large value's frames at
// large_value_zstd_level: each frame is what zstd makes of its content at its level (no
// dictionary here, so that a frame can be made again outside the store).
TEST_F(StoreFramesTest, SmallAndLargeFramesHaveTheirOwnLevels) {
  std::mt19937 rng(11);
  std::vector<Document> docs;
  AddSmallDocuments(&rng, 6, 300, &docs);
  docs.push_back(TitledDocument("large", "the large one", ProseText(&rng, 30000)));
  // Compressed whole at zstd's level `level`, as the store compresses a frame.
  auto frame_at = [](std::string_view content, int level) {
    std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
    EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1)));
    EXPECT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level)));
    std::string out(ZSTD_compressBound(content.size()), '\0');
    const size_t n =
        ZSTD_compress2(cctx.get(), out.data(), out.size(), content.data(), content.size());
    EXPECT_FALSE(ZSTD_isError(n));
    out.resize(ZSTD_isError(n) ? 0 : n);
    return out;
  };
  for (const auto& [small, large] : {std::pair{6, 1}, std::pair{1, 9}}) {
    SCOPED_TRACE(testing::Message() << "levels " << small << " and " << large);
    const std::string path = Path("levels-" + std::to_string(small) + ".store");
    std::unique_ptr<StoreWriter> w;
    StoreCompression compression;
    compression.zstd_level = small;
    compression.large_value_zstd_level = large;
    ASSERT_TRUE(
        StoreWriter::Create(path, &w, compression, /*dictionary_sample_bytes=*/0, nullptr).ok());
    for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
    ASSERT_TRUE(w->Finish().ok());
    const std::string file = ReadFile(path);
    const std::vector<BlockEntry> blocks = StoreBlocks(file);
    // One block: the small documents and the large one's head in a frame, then its value.
    ASSERT_EQ(blocks.size(), 1u);
    ASSERT_EQ(Frames(file, blocks[0]).size(), 2u);
    std::string decoded;
    for (const BlockEntry& b : blocks) {
      std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
      for (const auto& [at, content_size] : Frames(file, b)) {
        const size_t size = ZSTD_findFrameCompressedSize(file.data() + at, file.size() - at);
        std::string content(content_size, '\0');
        ASSERT_EQ(
            ZSTD_decompressDCtx(dctx.get(), content.data(), content.size(), file.data() + at, size),
            content_size);
        const int level = content_size <= 2 * kStoreBlockBytes ? small : large;
        EXPECT_EQ(frame_at(content, level), file.substr(at, size))
            << "a frame of " << content_size << " bytes";
        decoded += content;
      }
    }
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
    ExpectReadsMatch(*r, docs);
  }
}

// A store written before large values were framed apart, when a block was cut every kFrame from
// its start (tests/fixtures/README.md): every read still gives its documents back, and a hit's id
// and title still come from the first frame alone.
TEST_F(StoreFramesTest, AStoreCutEveryFrameFromTheBlockStartStillReads) {
  const std::string path =
      (fs::path(TRAWL_FIXTURES_DIR) / "store-v2-fixed-cut.store").string();
  std::vector<Document> docs(3);
  docs[0].id = "small-0";
  docs[0].Add("title", "first small");
  docs[0].Add("body", "a short body about foxes");
  docs[1].id = "large";
  docs[1].Add("title", "the large one");
  std::string body;
  while (body.size() < 150000) body += "the quick brown fox jumps over the lazy dog. ";
  docs[1].Add("body", body);
  docs[2].id = "after";
  docs[2].Add("title", "after");
  docs[2].Add("body", "the next block");
  const std::string file = ReadFile(path);
  const std::vector<BlockEntry> blocks = StoreBlocks(file);
  ASSERT_EQ(blocks.size(), 2u);
  std::vector<uint64_t> got;
  for (const auto& frame : Frames(file, blocks[0])) got.push_back(frame.second);
  EXPECT_EQ(got, (std::vector<uint64_t>{kFrame, kFrame, 19056}));

  std::unique_ptr<StoreReader> r;
  ASSERT_TRUE(StoreReader::Open(path, /*verify_checksum=*/true, &r).ok());
  const uint64_t before = StoreFramesDecompressed();
  Document title;
  ASSERT_TRUE(r->GetIdAndField(1, "title", &title).ok());
  EXPECT_EQ(StoreFramesDecompressed() - before, 1u);
  EXPECT_EQ(title.id, "large");
  ASSERT_EQ(title.fields.size(), 1u);
  EXPECT_EQ(title.fields[0].value, "the large one");
  ExpectReadsMatch(*r, docs);
}

// A block of several frames is damaged all over (frame headers above all): every read is right
// or Corruption naming the file, and none crashes. The frames' checksums catch what zstd's
// decoder lets through in what a read decompresses.
TEST_F(StoreFramesTest, DamagedFramesAreCorruption) {
  std::mt19937 rng(4);
  std::vector<Document> docs;
  AddSmallDocuments(&rng, 3, 800, &docs);
  const Document large = TitledDocument("large", "large", ProseText(&rng, 5 * kFrame + 1000));
  docs.push_back(large);
  const std::string path = Path("flip.store");
  Write(path, docs);
  const std::string original = ReadFile(path);
  const BlockEntry block = StoreBlocks(original)[0];
  const auto frames = Frames(original, block);
  ASSERT_EQ(frames.size(), 7u) << "the heads, then the body's six";
  std::vector<size_t> positions;
  for (const auto& frame : frames)
    for (size_t p = 0; p < 24; ++p) positions.push_back(frame.first + p);
  for (int k = 0; k < (kUnderAsan ? 40 : 300); ++k)
    positions.push_back(block.offset + rng() % block.compressed);
  int corrupt = 0, right = 0;
  for (size_t p : positions) {
    std::string damaged = original;
    damaged[p] ^= static_cast<char>(1 << (p % 8));
    WriteFileAt(path, damaged);
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, false, &r).ok());
    auto check = [&](const Status& s, bool same) {
      if (s.ok()) {
        EXPECT_TRUE(same) << "byte " << p;
        ++right;
      } else {
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_TRUE(Contains(s.message(), "flip.store")) << s.message();
        ++corrupt;
      }
    };
    for (uint32_t d : {0u, 3u}) {
      Document got;
      Status s = r->Get(d, &got);
      check(s, s.ok() && got.id == docs[d].id && got.fields == docs[d].fields);
      s = r->GetIdAndField(d, "title", &got);
      check(s, s.ok() && got.id == docs[d].id && got.fields.size() == 1 &&
                   got.fields[0].value == docs[d].Field("title"));
      LazyDocument lazy;
      s = r->GetLazy(d, &lazy);
      bool same = s.ok() && lazy.id() == docs[d].id && lazy.fields().size() == 2;
      for (size_t f = 0; s.ok() && same && f < 2; ++f) {
        s = lazy.Load(lazy.fields()[f].value);
        same = s.ok() && lazy.fields()[f].value == docs[d].fields[f].value;
      }
      check(s, same);
    }
    check(r->ForEach([](uint32_t, Document*) { return Status::OK(); }), true);
  }
  std::printf("%zu flips: %d reads Corruption, %d right\n", positions.size(), corrupt, right);
  EXPECT_GT(corrupt, 0);
}

// The frames must add up to the block's indexed length, lie inside the block, and be one in a
// version 1 store: the block index and the header are patched (the file's CRC, which would
// catch it, is not checked) to break each.
TEST_F(StoreFramesTest, FramesThatDisagreeWithTheIndexAreCorruption) {
  std::mt19937 rng(5);
  std::vector<Document> docs;
  Document large;
  large.id = "large";
  large.Add("body", ProseText(&rng, 3 * kFrame + 500));
  docs.push_back(large);
  Document next;
  next.id = "next";
  next.Add("body", ProseText(&rng, 20000));
  docs.push_back(next);
  const std::string path = Path("index.store");
  Write(path, docs);
  const std::string original = ReadFile(path);
  ASSERT_EQ(StoreBlocks(original).size(), 2u);
  const size_t entry0 = StoreIndexStart(original), entry1 = entry0 + kStoreBlockIndexEntrySize;

  auto expect_corrupt = [&](const std::string& damaged, const std::string& what,
                            std::vector<uint32_t> docids) {
    WriteFileAt(path, damaged);
    std::unique_ptr<StoreReader> r;
    ASSERT_TRUE(StoreReader::Open(path, false, &r).ok()) << what;
    for (uint32_t d : docids) {
      Document got;
      LazyDocument lazy;
      for (const Status& s : {r->Get(d, &got), r->GetIdAndField(d, "body", &got),
                              r->GetLazy(d, &lazy)}) {
        EXPECT_TRUE(s.IsCorruption()) << what << " doc " << d << ": " << s.ToString();
        EXPECT_TRUE(Contains(s.message(), "index.store")) << s.message();
      }
    }
    const Status s = r->ForEach([](uint32_t, Document*) { return Status::OK(); });
    EXPECT_TRUE(s.IsCorruption()) << what << ": " << s.ToString();
  };

  // Uncompressed lengths the frames do not add up to.
  for (int64_t delta : {int64_t{-1}, int64_t{1}, -int64_t{kFrame}, int64_t{kFrame}}) {
    std::string damaged = original;
    const uint32_t length = DecodeFixed32(damaged.data() + entry0 + 16);
    std::string patched;
    PutFixed32(&patched, static_cast<uint32_t>(static_cast<int64_t>(length) + delta));
    damaged.replace(entry0 + 16, 4, patched);
    expect_corrupt(damaged, "length " + std::to_string(delta), {0});
  }
  // The boundary between the blocks moved: the first block's last frame is cut short (it lies
  // partly in the next block, which starts inside it), or the next one's frame is the first's.
  for (int64_t shift : std::vector<int64_t>{-1, -10, -300, 1, 5}) {
    std::string damaged = original;
    const uint32_t compressed0 = DecodeFixed32(damaged.data() + entry0 + 12);
    const uint64_t offset1 = DecodeFixed64(damaged.data() + entry1 + 4);
    const uint32_t compressed1 = DecodeFixed32(damaged.data() + entry1 + 12);
    std::string patched;
    PutFixed32(&patched, static_cast<uint32_t>(compressed0 + shift));
    damaged.replace(entry0 + 12, 4, patched);
    patched.clear();
    PutFixed64(&patched, static_cast<uint64_t>(static_cast<int64_t>(offset1) + shift));
    PutFixed32(&patched, static_cast<uint32_t>(compressed1 - shift));
    damaged.replace(entry1 + 4, 12, patched);
    expect_corrupt(damaged, "shift " + std::to_string(shift), {0, 1});
  }
  // Several frames in a block of a version 1 store: relabelled, and without the dictionary
  // length (0 here) that version 2 puts first in the trailer.
  std::string damaged = original;
  std::string version;
  PutFixed32(&version, 1);
  damaged.replace(8, 4, version);
  const size_t body_end = damaged.size() - kFileFooterSize;
  ASSERT_EQ(DecodeFixed32(damaged.data() + body_end - kStoreTrailerSize), 0u);
  damaged.erase(body_end - kStoreTrailerSize, 4);
  std::string body_length;
  PutFixed64(&body_length, DecodeFixed64(damaged.data() + body_end - 4) - 4);
  damaged.replace(body_end - 4, 8, body_length);
  expect_corrupt(damaged, "version 1", {0});
}

}  // namespace
}  // namespace store_frames_test
}  // namespace trawl

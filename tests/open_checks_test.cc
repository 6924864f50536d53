// What an open verifies without being asked to (docs/format.md, "What is verified when"): the
// checksums of the small files every query trusts. A damaged .meta or dictionary index is
// refused at open, naming the file, while damage in a large file's body is left to --verify;
// segments of version 3, whose dictionary index has no checksum of its own, still open.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "common/coding.h"
#include "format/file_format.h"
#include "format/segment_format.h"
#include "test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace trawl {
namespace open_checks_test {
namespace {

namespace fs = std::filesystem;

// The body of an enveloped file, and a file made of a header and a body with a right footer.
std::string BodyOf(const std::string& file) {
  return file.substr(kFileHeaderSize, file.size() - kFileHeaderSize - kFileFooterSize);
}

std::string Envelope(std::string header, const std::string& body) {
  std::string file = std::move(header) + body;
  PutFixed64(&file, body.size());
  PutFixed32(&file, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(file.data()),
                                                static_cast<uInt>(file.size() - 8))));
  return file + "LWRT";
}

class OpenChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTempDir("trawl_open_checks");
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), {}, &writer).ok());
    // 200 distinct words: a dictionary of several blocks.
    for (int i = 0; i < 200; ++i) {
      Document doc;
      doc.id = "d" + std::to_string(i);
      doc.Add("body", "common word" + std::to_string(i) + " other" + std::to_string(i % 7));
      ASSERT_TRUE(writer->Add(doc).ok());
    }
    ASSERT_TRUE(writer->Commit().ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path File(const std::string& name) const { return dir_ / name; }

  Status OpenSearcher() const {
    std::unique_ptr<Searcher> searcher;
    return Searcher::Open(dir_.string(), {}, &searcher);
  }

  // Flips one byte of a file in place (the CRC in its footer then disagrees).
  void Flip(const std::string& name, size_t offset) {
    std::string bytes = ReadFile(File(name));
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(bytes[offset] ^ 0x20);
    WriteFileAt(File(name), bytes);
  }

  // Where seg_1.dict's block index starts, from the start of the file.
  size_t DictIndexOffset() const {
    const std::string dict = ReadFile(File("seg_1.dict"));
    const std::string body = BodyOf(dict);
    return kFileHeaderSize + DecodeFixed64(body.data() + body.size() - 24 + 12);
  }

  fs::path dir_;
};

TEST_F(OpenChecksTest, DamagedMetaIsRefusedAtOpen) {
  Flip("seg_1.meta", kFileHeaderSize + 12);  // in the field table
  const Status s = OpenSearcher();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "seg_1.meta: checksum mismatch")) << s.ToString();
}

TEST_F(OpenChecksTest, DamagedDictionaryIndexIsRefusedAtOpen) {
  Flip("seg_1.dict", DictIndexOffset() + 2);  // a byte of the first block's first key
  const Status s = OpenSearcher();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "seg_1.dict: block index checksum mismatch")) << s.ToString();
}

TEST_F(OpenChecksTest, DamagedTermBlocksAreLeftToVerify) {
  // The blocks of terms are the bulk of the file: an open does not read them all, --verify does.
  Flip("seg_1.dict", kFileHeaderSize + 40);
  EXPECT_TRUE(OpenSearcher().ok());
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir_.string(), /*all_commits=*/true, &report).ok());
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(Contains(report.problems.front(), "seg_1.dict")) << report.problems.front();
}

TEST_F(OpenChecksTest, SegmentsOfVersion3StillOpen) {
  // Version 3 is version 4 without the dictionary index's CRC: rewrite the version 4 fixture's
  // segment so (tests/fixtures/index-v4; this build writes a later version).
  fs::remove_all(dir_);
  fs::copy(fs::path(TRAWL_FIXTURES_DIR) / "index-v4", dir_, fs::copy_options::recursive);
  for (const SegmentFile& f : {kMetaFile, kDictFile, kPostFile, kPosFile, kLenFile}) {
    const std::string name = "seg_1" + std::string(f.suffix);
    const std::string file = ReadFile(File(name));
    ASSERT_EQ(DecodeFixed32(file.data() + 8), 4u) << name;
    std::string header = file.substr(0, kFileHeaderSize);
    header.replace(8, 4, std::string("\x03\x00\x00\x00", 4));
    std::string body = BodyOf(file);
    if (f.suffix == kDictFile.suffix) body.resize(body.size() - 4);
    WriteFileAt(File(name), Envelope(header, body));
  }
  std::unique_ptr<Searcher> searcher;
  const Status s = Searcher::Open(dir_.string(), {}, &searcher);
  ASSERT_TRUE(s.ok()) << s.ToString();
  uint64_t count = 0;
  ASSERT_TRUE(searcher->Count("rare0", &count).ok());
  EXPECT_EQ(count, 1u);
  ASSERT_TRUE(searcher->Count("entry", &count).ok());
  EXPECT_EQ(count, 160u);
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir_.string(), /*all_commits=*/true, &report).ok());
  EXPECT_TRUE(report.ok()) << report.problems.front();
}

TEST_F(OpenChecksTest, DamagedManifestAndDeletionsAreRefusedAtOpen) {
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir_.string(), {}, &writer).ok());
    ASSERT_TRUE(writer->Delete("d5").ok());
    ASSERT_TRUE(writer->Commit().ok());
  }
  Flip("seg_1.del.2", kFileHeaderSize + 2);
  Status s = OpenSearcher();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "seg_1.del.2: checksum mismatch")) << s.ToString();
  Flip("manifest-2", kFileHeaderSize + 5);
  s = OpenSearcher();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_TRUE(Contains(s.message(), "manifest-2: checksum mismatch")) << s.ToString();
}

}  // namespace
}  // namespace open_checks_test
}  // namespace trawl

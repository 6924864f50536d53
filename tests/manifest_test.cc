// Manifests record the analyzer an index was built with; version 2 adds the tokenizer, and
// version 1 manifests (written before it existed, or for simple-tokenizer indexes) still open.
#include "format/manifest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "format/file_format.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_manifest_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  uint32_t FileVersion(uint64_t generation) {
    std::unique_ptr<MappedFile> file;
    EXPECT_TRUE(MappedFile::Open(ManifestPath(dir_, generation), "MANI", 99, &file).ok());
    return file ? file->version() : 0;
  }

  void WriteRaw(uint64_t generation, uint32_t version, const std::string& json) {
    std::unique_ptr<FileWriter> w;
    ASSERT_TRUE(FileWriter::Create(ManifestPath(dir_, generation), "MANI", version, &w).ok());
    ASSERT_TRUE(w->Append(json).ok());
    ASSERT_TRUE(w->Finish().ok());
  }

  std::string dir_;
};

TEST_F(ManifestTest, TokenizerRoundTripsAndSetsTheVersion) {
  Manifest m;
  m.generation = 1;
  m.analyzer.tokenizer = "standard";
  m.analyzer.language = "porter";
  ASSERT_TRUE(WriteManifest(dir_, m).ok());
  EXPECT_EQ(FileVersion(1), 2u);
  Manifest read;
  ASSERT_TRUE(ReadManifest(dir_, 1, &read).ok());
  EXPECT_EQ(read.analyzer.tokenizer, "standard");
  EXPECT_EQ(read.analyzer.language, "porter");

  m.generation = 2;
  m.analyzer.tokenizer = "simple";
  ASSERT_TRUE(WriteManifest(dir_, m).ok());
  EXPECT_EQ(FileVersion(2), 1u) << "a simple-tokenizer index stays readable by older builds";
  ASSERT_TRUE(ReadManifest(dir_, 2, &read).ok());
  EXPECT_EQ(read.analyzer.tokenizer, "simple");
}

TEST_F(ManifestTest, VersionOneMeansSimple) {
  WriteRaw(4, 1,
           R"({"generation": 4, "analyzer": {"language": "english", "stopwords": "",)"
           R"( "max_token_chars": 255}, "next_segment_number": 1, "segments": []})");
  Manifest read;
  read.analyzer.tokenizer = "standard";
  ASSERT_TRUE(ReadManifest(dir_, 4, &read).ok());
  EXPECT_EQ(read.analyzer.tokenizer, "simple");
}

TEST_F(ManifestTest, VersionTwoWithoutTokenizerIsCorrupt) {
  WriteRaw(5, 2,
           R"({"generation": 5, "analyzer": {"language": "english", "stopwords": "",)"
           R"( "max_token_chars": 255}, "next_segment_number": 1, "segments": []})");
  Manifest read;
  Status s = ReadManifest(dir_, 5, &read);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(ManifestTest, SearcherAnalyzesQueriesWithTheIndexTokenizer) {
  IndexWriterOptions options;
  options.tokenizer = "standard";
  options.language = "porter";
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir_, options, &w).ok());
    ASSERT_TRUE(w->Add({"a", {{"body", "I don't think John's pi is 3.14"}}}).ok());
    ASSERT_TRUE(w->Add({"b", {{"body", "don t john s pi 3 14"}}}).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir_, {}, &searcher).ok());
  for (const auto& [query, want] : std::vector<std::pair<std::string, uint64_t>>{
           {"don't", 1}, {"\"3.14\"", 1}, {"John's", 2}, {"john", 2}, {"14", 1}, {"s", 0}}) {
    uint64_t count = 0;
    ASSERT_TRUE(searcher->Count(query, &count).ok()) << query;
    EXPECT_EQ(count, want) << query;
  }
}

}  // namespace
}  // namespace trawl

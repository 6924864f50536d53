// Manifests record the analyzer an index was built with and its schema. Version 2 added the
// tokenizer and version 3 the schema; manifests of versions 1 and 2 still open.
#include "format/manifest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "format/file_format.h"
#include "trawl/index_writer.h"
#include "trawl/schema.h"
#include "trawl/searcher.h"

namespace trawl {
namespace manifest_test {
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
  EXPECT_EQ(FileVersion(1), 3u);
  Manifest read;
  ASSERT_TRUE(ReadManifest(dir_, 1, &read).ok());
  EXPECT_EQ(read.analyzer.tokenizer, "standard");
  EXPECT_EQ(read.analyzer.language, "porter");

  m.generation = 2;
  m.analyzer.tokenizer = "simple";
  ASSERT_TRUE(WriteManifest(dir_, m).ok());
  EXPECT_EQ(FileVersion(2), 3u) << "every manifest carries a schema now, whatever the tokenizer";
  read.analyzer.tokenizer = "standard";
  ASSERT_TRUE(ReadManifest(dir_, 2, &read).ok());
  EXPECT_EQ(read.analyzer.tokenizer, "simple");
}

TEST_F(ManifestTest, SchemaRoundTrips) {
  Manifest m;
  m.generation = 7;
  m.next_segment_number = 12;
  m.analyzer.stopwords = "english";
  m.analyzer.max_token_chars = 100;
  m.schema.dynamic = false;
  m.schema.max_fields = 500;
  // Names out of alphabetical order: the order is the field ids and must survive.
  ASSERT_TRUE(m.schema.AddField("title", FieldSpec::Default(FieldType::kText)).ok());
  FieldSpec tag = FieldSpec::Default(FieldType::kKeyword);
  tag.lowercase = true;
  ASSERT_TRUE(m.schema.AddField("tag", tag).ok());
  ASSERT_TRUE(m.schema.AddField("date", FieldSpec::Default(FieldType::kDate)).ok());
  FieldSpec price = FieldSpec::Default(FieldType::kFloat);
  price.column = false;
  ASSERT_TRUE(m.schema.AddField("price", price).ok());
  ASSERT_TRUE(m.schema.AddField("raw", FieldSpec::Default(FieldType::kStored)).ok());
  ASSERT_TRUE(m.schema.AddField("a.flag", FieldSpec::Default(FieldType::kBool)).ok());
  m.segments = {{"seg_3", 10, "seg_3.del.6", 2}, {"seg_11", 4, "", 0}};
  ASSERT_TRUE(WriteManifest(dir_, m).ok());
  EXPECT_EQ(FileVersion(7), 3u);

  Manifest read;
  ASSERT_TRUE(ReadLatestManifest(dir_, &read).ok());
  EXPECT_EQ(read.generation, 7u);
  EXPECT_EQ(read.next_segment_number, 12u);
  EXPECT_EQ(read.analyzer.stopwords, "english");
  EXPECT_EQ(read.analyzer.max_token_chars, 100u);
  EXPECT_EQ(read.schema, m.schema);
  ASSERT_EQ(read.schema.fields().size(), 6u);
  EXPECT_EQ(read.schema.fields()[0].name, "title");
  EXPECT_EQ(read.schema.fields()[5].name, "a.flag");
  EXPECT_EQ(read.schema.Find("tag")->spec, tag);
  ASSERT_EQ(read.segments.size(), 2u);
  EXPECT_EQ(read.segments[0].name, "seg_3");
  EXPECT_EQ(read.segments[0].deletes, "seg_3.del.6");
  EXPECT_EQ(read.segments[0].num_deleted, 2u);
  EXPECT_EQ(read.segments[1].name, "seg_11");
  EXPECT_EQ(read.segments[1].num_docs, 4u);

  // An empty schema round-trips as empty (and keeps its settings).
  m.generation = 8;
  m.schema = Schema();
  m.schema.max_fields = 9;
  ASSERT_TRUE(WriteManifest(dir_, m).ok());
  ASSERT_TRUE(ReadManifest(dir_, 8, &read).ok());
  EXPECT_EQ(read.schema, m.schema);
  EXPECT_TRUE(read.schema.empty());
}

TEST_F(ManifestTest, VersionsBeforeThreeReadWithAnEmptySchema) {
  const std::string analyzer =
      R"("analyzer": {"language": "english", "stopwords": "", "max_token_chars": 255)";
  WriteRaw(1, 1,
           R"({"generation": 1, )" + analyzer +
               R"(}, "next_segment_number": 3, "segments": [{"name": "seg_2", "docs": 5}]})");
  WriteRaw(2, 2,
           R"({"generation": 2, )" + analyzer +
               R"(, "tokenizer": "standard"}, "next_segment_number": 3, "segments": []})");
  for (uint64_t generation : {1, 2}) {
    Manifest read;
    ASSERT_TRUE(read.schema.AddField("stale", FieldSpec::Default(FieldType::kInt)).ok());
    Status s = ReadManifest(dir_, generation, &read);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(read.schema.empty()) << "version " << generation;
    EXPECT_EQ(read.schema, Schema());
    EXPECT_EQ(read.analyzer.tokenizer, generation == 1 ? "simple" : "standard");
  }
}

TEST_F(ManifestTest, VersionThreeNeedsAGoodSchema) {
  auto head = [](int generation) {
    return R"({"generation": )" + std::to_string(generation) +
           R"(, "analyzer": {"language": "english", "stopwords": "",)"
           R"( "max_token_chars": 255, "tokenizer": "simple"}, "next_segment_number": 1,)"
           R"( "segments": [])";
  };
  WriteRaw(3, 3, head(3) + "}");
  Manifest read;
  Status s = ReadManifest(dir_, 3, &read);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  WriteRaw(4, 3,
           head(4) + R"(, "schema": {"fields": {"body": {"type": "text", "column": true}}}})");
  s = ReadManifest(dir_, 4, &read);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("bad schema: field 'body': a text field cannot have a column"),
            std::string::npos)
      << s.message();

  WriteRaw(5, 3, head(5) + R"(, "schema": {"fields": {"n": {"type": "int"}}, "dynamic": false}})");
  s = ReadManifest(dir_, 5, &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_FALSE(read.schema.dynamic);
  EXPECT_EQ(read.schema.Find("n")->spec, FieldSpec::Default(FieldType::kInt));

  // Version 3 keeps version 2's rule: the tokenizer is required.
  WriteRaw(6, 3,
           R"({"generation": 6, "analyzer": {"language": "english", "stopwords": "",)"
           R"( "max_token_chars": 255}, "next_segment_number": 1, "segments": [],)"
           R"( "schema": {}})");
  s = ReadManifest(dir_, 6, &read);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();

  // A newer version than this build knows is refused, not misread.
  WriteRaw(7, kManifestFormatVersion + 1, head(7) + R"(, "schema": {}})");
  s = ReadManifest(dir_, 7, &read);
  EXPECT_FALSE(s.ok());
}

// The committed index of the format before typed fields: its manifest is version 1.
TEST_F(ManifestTest, OldIndexFixtureReads) {
  const std::string fixture =
      (std::filesystem::path(TRAWL_FIXTURES_DIR) / "index-v2").string();
  Manifest read;
  Status s = ReadLatestManifest(fixture, &read);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(read.generation, 2u);
  EXPECT_EQ(read.analyzer.tokenizer, "simple");
  EXPECT_EQ(read.analyzer.language, "english");
  EXPECT_TRUE(read.schema.empty());
  EXPECT_TRUE(read.schema.dynamic);
  EXPECT_EQ(read.next_segment_number, 4u);
  ASSERT_EQ(read.segments.size(), 2u);
  EXPECT_EQ(read.segments[0].name, "seg_3");
  EXPECT_EQ(read.segments[1].name, "seg_2");

  // Rewritten by this build, it becomes version 3 with the same content and an empty schema.
  read.generation = 3;
  ASSERT_TRUE(WriteManifest(dir_, read).ok());
  EXPECT_EQ(FileVersion(3), 3u);
  Manifest again;
  ASSERT_TRUE(ReadManifest(dir_, 3, &again).ok());
  EXPECT_TRUE(again.schema.empty());
  EXPECT_EQ(again.analyzer.tokenizer, "simple");
  ASSERT_EQ(again.segments.size(), 2u);
  EXPECT_EQ(again.segments[0].name, "seg_3");
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
}  // namespace manifest_test
}  // namespace trawl

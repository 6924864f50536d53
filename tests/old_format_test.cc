// An index written before typed fields (tests/fixtures/index-v2: manifest version 1, segment
// format 2) opens and answers exactly as it did, and a writer of today adds to it.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace old_format_test {
namespace {

std::filesystem::path Fixture() {
  return std::filesystem::path(TRAWL_SOURCE_DIR) / "tests" / "fixtures" / "index-v2";
}

TEST(OldFormatTest, OpensAndAnswersAsBefore) {
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(Fixture().string(), {}, &searcher).ok());
  EXPECT_EQ(searcher->num_docs(), 4u);
  SearchResults r;
  ASSERT_TRUE(searcher->Search("index OR bitmaps", {}, &r).ok());
  ASSERT_EQ(r.total, 3u);
  ASSERT_EQ(r.hits.size(), 3u);
  // The answers this index gave when it was written (scores to the last bit).
  EXPECT_EQ(r.hits[0].id, "doc-1");
  EXPECT_EQ(r.hits[0].score, 3.8339275825698254);
  EXPECT_EQ(r.hits[1].id, "doc-3");
  EXPECT_EQ(r.hits[1].score, 1.3396236033265776);
  EXPECT_EQ(r.hits[2].id, "doc-2");
  EXPECT_EQ(r.hits[2].score, 1.3118513465012807);
  EXPECT_EQ(r.hits[2].title, "Search engines, revised");
  uint64_t n = 0;
  ASSERT_TRUE(searcher->Count("tag:index", &n).ok());
  EXPECT_EQ(n, 2u);
  ASSERT_TRUE(searcher->Count("\"inverted index\"", &n).ok());
  EXPECT_EQ(n, 2u);
  ASSERT_TRUE(searcher->Count("id:doc-4", &n).ok());
  EXPECT_EQ(n, 1u);
  // Its fields read as text.
  const Schema::Field* tag = searcher->schema().Find("tag");
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->spec.type, FieldType::kText);
  Document doc;
  ASSERT_TRUE(searcher->Get("doc-4", &doc).ok());
  EXPECT_EQ(doc.Field("title"), "Merging segments");
}

TEST(OldFormatTest, WriterAddsToItAndMergesOldWithNewSegments) {
  const std::filesystem::path dir = FreshTempDir("old_format");
  std::filesystem::copy(Fixture(), dir, std::filesystem::copy_options::recursive);
  {
    std::unique_ptr<IndexWriter> writer;
    ASSERT_TRUE(IndexWriter::Open(dir.string(), {}, &writer).ok());
    Document d;
    d.id = "doc-5";
    d.Add("title", "Typed fields");
    d.Add("body", "A new segment beside the old ones, about an inverted index");
    d.AddInt("tag", 7);  // the old index has tag as text: the number is indexed as its text
    ASSERT_TRUE(writer->Add(d).ok());
    ASSERT_TRUE(writer->Commit().ok());
    ASSERT_TRUE(writer->Optimize().ok());
  }
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir.string(), {}, &searcher).ok());
  EXPECT_EQ(searcher->num_docs(), 5u);
  uint64_t n = 0;
  ASSERT_TRUE(searcher->Count("\"inverted index\"", &n).ok());
  EXPECT_EQ(n, 3u);
  ASSERT_TRUE(searcher->Count("tag:index", &n).ok());
  EXPECT_EQ(n, 2u);
  ASSERT_TRUE(searcher->Count("tag:7", &n).ok());
  EXPECT_EQ(n, 1u);
  ASSERT_TRUE(searcher->Count("id:doc-1", &n).ok());
  EXPECT_EQ(n, 1u);
}

}  // namespace
}  // namespace old_format_test
}  // namespace trawl

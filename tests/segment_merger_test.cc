// A streaming merge must produce exactly the segment a builder makes from the live documents in
// the same order: same dictionary, postings, positions, lengths, statistics and store, byte for
// byte.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "analysis/analyzer.h"
#include "format/segment_format.h"
#include "indexer/segment_builder.h"
#include "indexer/segment_merger.h"
#include "format/segment_reader.h"

namespace trawl {
namespace segment_merger_test {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Document RandomDoc(std::mt19937* rng, int i) {
  static const char* kWords[] = {"amber", "basil", "cedar", "delta", "ember", "fjord",
                                 "gamma", "heron", "iris",  "jade",  "kelp",  "lotus"};
  auto words = [&](int n) {
    std::string s;
    for (int k = 0; k < n; ++k) s += std::string(k ? " " : "") + kWords[(*rng)() % 12];
    return s;
  };
  Document d{"doc" + std::to_string(i), {{"title", words(1 + (*rng)() % 3)}}};
  if ((*rng)() % 3) d.fields.push_back({"body", words(5 + (*rng)() % 300)});
  if (i % 7 == 0) d.fields.push_back({"tags", words(2)});  // a field only some segments have
  if (i % 11 == 0) d.fields.push_back({"body", words(4)});  // a repeated field continues
  return d;
}

TEST(SegmentMerger, MergeEqualsBuildingTheLiveDocumentsInOneSegment) {
  char tmpl[] = "/tmp/trawl_merge_XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create({}, &analyzer).ok());
  std::mt19937 rng(11);
  std::vector<Document> docs;
  for (int i = 0; i < 1500; ++i) docs.push_back(RandomDoc(&rng, i));
  // Three inputs of uneven sizes; some documents of each deleted.
  const std::vector<std::pair<int, int>> parts = {{0, 700}, {700, 720}, {720, 1500}};
  std::vector<std::unique_ptr<SegmentReader>> readers;
  std::vector<RoaringPtr> deleted;
  std::vector<Document> live;
  for (size_t p = 0; p < parts.size(); ++p) {
    SegmentBuilder builder(analyzer.get(), dir);
    deleted.emplace_back(roaring_bitmap_create());
    for (int i = parts[p].first; i < parts[p].second; ++i) {
      ASSERT_TRUE(builder.Add(docs[i]).ok());
      if (i % 5 == 3 || (p == 1 && i % 2 == 0)) {
        roaring_bitmap_add(deleted.back().get(), i - parts[p].first);
      } else {
        live.push_back(docs[i]);
      }
    }
    const std::string name = "in" + std::to_string(p);
    ASSERT_TRUE(builder.Write(name, nullptr).ok());
    readers.emplace_back();
    ASSERT_TRUE(SegmentReader::Open(dir, name, true, &readers.back()).ok());
  }
  std::vector<MergeInput> inputs;
  for (size_t p = 0; p < parts.size(); ++p) inputs.push_back({readers[p].get(), deleted[p].get()});
  SegmentStats merged_stats;
  ASSERT_TRUE(MergeSegments(inputs, dir, "merged", &merged_stats).ok());

  SegmentBuilder fresh(analyzer.get(), dir);
  for (const Document& d : live) ASSERT_TRUE(fresh.Add(d).ok());
  SegmentStats fresh_stats;
  ASSERT_TRUE(fresh.Write("fresh", &fresh_stats).ok());

  EXPECT_EQ(merged_stats.num_docs, live.size());
  EXPECT_EQ(merged_stats.num_terms, fresh_stats.num_terms);
  for (const SegmentFile& f : kSegmentFiles) {
    SCOPED_TRACE(std::string(f.suffix));
    const std::string a = ReadAll(SegmentFilePath(dir, "merged", f));
    const std::string b = ReadAll(SegmentFilePath(dir, "fresh", f));
    ASSERT_FALSE(a.empty());
    EXPECT_TRUE(a == b) << "merged and freshly built segments differ";
  }
  std::unique_ptr<SegmentReader> merged;
  ASSERT_TRUE(SegmentReader::Open(dir, "merged", true, &merged).ok());
  EXPECT_TRUE(merged->VerifyStructure().ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segment_merger_test
}  // namespace trawl

// Updates, deletes, merging and commit retention: an optimized index must answer exactly like an
// index built fresh from its live documents in the same order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "format/file_names.h"
#include "format/manifest.h"
#include "tests/store_test_util.h"
#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"

namespace trawl {
namespace index_lifecycle_test {
namespace {

namespace fs = std::filesystem;

class IndexLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_life_XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root_); }

  Document RandomDoc(const std::string& id) {
    static const char* words[] = {"amber", "basil", "cedar", "delta", "ember", "fjord", "gamma",
                                  "heron", "iris",  "jade",  "kelp",  "lotus", "maple", "nova"};
    Document d;
    d.id = id;
    std::string title, body;
    for (int i = 0, n = 1 + rng_() % 3; i < n; ++i) title += std::string(i ? " " : "") + words[rng_() % 14];
    for (int i = 0, n = 5 + rng_() % 40; i < n; ++i) body += std::string(i ? " " : "") + words[rng_() % (3 + i % 12)];
    d.fields = {{"title", title}, {"body", body}};
    return d;
  }

  std::vector<std::string> Queries() {
    return {"amber", "basil cedar", "+delta +ember", "\"amber basil\"", "\"cedar delta\"~2",
            "title:gamma", "heron -iris", "NOT jade", "ke*", "(lotus OR maple) AND nova", "*"};
  }

  void ExpectSameAnswers(const std::string& a, const std::string& b, bool exact_scores) {
    std::unique_ptr<Searcher> sa, sb;
    ASSERT_TRUE(Searcher::Open(a, {}, &sa).ok());
    ASSERT_TRUE(Searcher::Open(b, {}, &sb).ok());
    ASSERT_EQ(sa->num_docs(), sb->num_docs());
    for (const std::string& q : Queries()) {
      SCOPED_TRACE(q);
      SearchOptions so;
      so.top_k = 100000;  // every match: sets compare even where ties order differently
      SearchResults ra, rb;
      ASSERT_TRUE(sa->Search(q, so, &ra).ok());
      ASSERT_TRUE(sb->Search(q, so, &rb).ok());
      ASSERT_EQ(ra.total, rb.total);
      ASSERT_EQ(ra.hits.size(), rb.hits.size());
      std::multiset<std::string> ida, idb;
      for (size_t i = 0; i < ra.hits.size(); ++i) {
        ida.insert(ra.hits[i].id);
        idb.insert(rb.hits[i].id);
        if (exact_scores) {
          EXPECT_NEAR(ra.hits[i].score, rb.hits[i].score, 1e-9) << i;
          EXPECT_EQ(ra.hits[i].id, rb.hits[i].id) << i;
        }
      }
      EXPECT_EQ(ida, idb);
    }
  }

  std::string root_;
  std::mt19937 rng_{11};
};

TEST_F(IndexLifecycleTest, UpdatesDeletesAndOptimizeMatchAFreshIndex) {
  const std::string dir = root_ + "/live", fresh = root_ + "/fresh";
  // The live documents in index order: (id, doc). A replaced document moves to the end.
  std::vector<std::pair<std::string, Document>> live;
  auto erase_id = [&](const std::string& id) {
    std::erase_if(live, [&](const auto& p) { return p.first == id; });
  };
  for (int batch = 0; batch < 4; ++batch) {
    IndexWriterOptions opts;
    opts.memory_budget_bytes = 16 << 10;  // several segments per batch
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    for (int i = 0; i < 150; ++i) {
      const std::string id = "doc" + std::to_string(rng_() % 300);
      Document d = RandomDoc(id);
      erase_id(id);
      live.emplace_back(id, d);
      ASSERT_TRUE(w->Add(d).ok());
    }
    for (int i = 0; i < 10; ++i) {
      const std::string id = "doc" + std::to_string(rng_() % 300);
      bool found = false;
      ASSERT_TRUE(w->Delete(id, &found).ok());
      bool expected = std::any_of(live.begin(), live.end(), [&](const auto& p) { return p.first == id; });
      EXPECT_EQ(found, expected) << id;
      erase_id(id);
    }
    ASSERT_TRUE(w->Commit().ok());
    EXPECT_EQ(w->committed_documents(), live.size());
  }
  {
    std::unique_ptr<Searcher> s;
    ASSERT_TRUE(Searcher::Open(dir, {}, &s).ok());
    EXPECT_EQ(s->num_docs(), live.size());
    uint64_t all;
    ASSERT_TRUE(s->Count("*", &all).ok());
    EXPECT_EQ(all, live.size());
    for (const auto& [id, doc] : live) {
      uint64_t n;
      ASSERT_TRUE(s->Count("id:" + id, &n).ok());
      ASSERT_EQ(n, 1u) << id;
    }
  }
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(fresh, {}, &w).ok());
    for (const auto& [id, doc] : live) ASSERT_TRUE(w->Add(doc).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  // Before optimizing, statistics still count deleted documents: same matches, other scores.
  ExpectSameAnswers(dir, fresh, /*exact_scores=*/false);
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
    ASSERT_TRUE(w->Optimize().ok());
  }
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
  EXPECT_EQ(m.segments.size(), 1u);
  EXPECT_EQ(m.segments[0].num_deleted, 0u);
  ExpectSameAnswers(dir, fresh, /*exact_scores=*/true);
}

TEST_F(IndexLifecycleTest, ParallelIndexingWithReplacementsMatchesSerial) {
  const std::string par = root_ + "/par", serial = root_ + "/serial";
  std::vector<Document> docs;
  std::map<std::string, size_t> last;  // id -> index of its final version
  for (int i = 0; i < 3000; ++i) {
    docs.push_back(RandomDoc("p" + std::to_string(rng_() % 1200)));
    last[docs.back().id] = docs.size() - 1;
  }
  {
    IndexWriterOptions opts;
    opts.threads = 3;
    opts.memory_budget_bytes = 64 << 10;  // many segments from every worker
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(par, opts, &w).ok());
    for (size_t i = 0; i < docs.size(); ++i) {
      ASSERT_TRUE(w->Add(docs[i]).ok());
      if (i == 1500) {
        ASSERT_TRUE(w->Commit().ok());
      }
    }
    ASSERT_TRUE(w->Commit().ok());
    EXPECT_EQ(w->committed_documents(), last.size());
  }
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(serial, {}, &w).ok());
    for (const auto& [id, i] : last) ASSERT_TRUE(w->Add(docs[i]).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  std::unique_ptr<Searcher> s;
  ASSERT_TRUE(Searcher::Open(par, {}, &s).ok());
  for (const auto& [id, i] : last) {
    SearchResults r;
    ASSERT_TRUE(s->Search("id:" + id, {}, &r).ok());
    ASSERT_EQ(r.total, 1u) << id;
    ASSERT_EQ(r.hits[0].title, docs[i].Field("title")) << id;  // the final version
  }
  ExpectSameAnswers(par, serial, /*exact_scores=*/false);
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(par, {}, &w).ok());
    ASSERT_TRUE(w->Optimize().ok());
  }
  ExpectSameAnswers(par, serial, /*exact_scores=*/false);
}

// The mean uncompressed size of the blocks of the stores of `dir`'s latest commit.
double MeanStoreBlockBytes(const std::string& dir) {
  Manifest m;
  EXPECT_TRUE(ReadLatestManifest(dir, &m).ok());
  uint64_t bytes = 0, blocks = 0;
  for (const auto& segment : m.segments) {
    for (const BlockEntry& b : StoreBlocks(ReadFile(SegmentFilePath(dir, segment.name, kStoreFile)))) {
      bytes += b.uncompressed;
      ++blocks;
    }
  }
  return blocks == 0 ? 0 : double(bytes) / double(blocks);
}

// store_block_bytes, store_zstd_level and store_large_value_zstd_level change how the stores are
// compressed, in the segments a writer flushes and in those it merges, and nothing a search shows;
// values out of range are refused, naming the option.
TEST_F(IndexLifecycleTest, StoreCompressionOptionsChangeOnlyTheStores) {
  const std::string plain = root_ + "/plain", small = root_ + "/small";
  std::vector<Document> docs;
  for (int i = 0; i < 400; ++i) docs.push_back(RandomDoc("doc" + std::to_string(i)));
  for (const std::string& dir : {plain, small}) {
    IndexWriterOptions opts;
    opts.memory_budget_bytes = 32 << 10;  // several segments, then merged
    opts.merge_in_background = false;
    if (dir == small) {
      opts.store_block_bytes = 1024;
      opts.store_zstd_level = 9;
      opts.store_large_value_zstd_level = 1;
    }
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    for (const Document& d : docs) ASSERT_TRUE(w->Add(d).ok());
    ASSERT_TRUE(w->Commit().ok());
    if (dir == small) {
      const double mean = MeanStoreBlockBytes(dir);
      EXPECT_GT(mean, 1024);
      EXPECT_LT(mean, 1024 + 600) << "flushed segments";
    }
    ASSERT_TRUE(w->Optimize().ok());
  }
  EXPECT_GT(MeanStoreBlockBytes(plain), 4096);
  const double merged = MeanStoreBlockBytes(small);
  EXPECT_GT(merged, 1024);
  EXPECT_LT(merged, 1024 + 600) << "the merged segment";
  ExpectSameAnswers(plain, small, /*exact_scores=*/true);
  std::unique_ptr<Searcher> a, b;
  ASSERT_TRUE(Searcher::Open(plain, {}, &a).ok());
  ASSERT_TRUE(Searcher::Open(small, {}, &b).ok());
  for (const std::string& q : Queries()) {
    SearchOptions so;
    so.fields = {"*"};
    SearchResults ra, rb;
    ASSERT_TRUE(a->Search(q, so, &ra).ok());
    ASSERT_TRUE(b->Search(q, so, &rb).ok());
    ASSERT_EQ(ra.hits.size(), rb.hits.size()) << q;
    for (size_t i = 0; i < ra.hits.size(); ++i) {
      EXPECT_EQ(ra.hits[i].title, rb.hits[i].title) << q;
      EXPECT_EQ(ra.hits[i].snippet, rb.hits[i].snippet) << q;
      EXPECT_EQ(ra.hits[i].fields, rb.hits[i].fields) << q;
    }
  }

  for (const auto& [block, level, large_level, option] :
       std::vector<std::tuple<uint32_t, int, int, std::string>>{
           {512, 3, 3, "store_block_bytes"},
           {(2u << 20), 3, 3, "store_block_bytes"},
           {8192, 0, 3, "store_zstd_level"},
           {8192, 20, 3, "store_zstd_level"},
           {8192, 6, 0, "store_large_value_zstd_level"},
           {8192, 6, 20, "store_large_value_zstd_level"}}) {
    IndexWriterOptions opts;
    opts.store_block_bytes = block;
    opts.store_zstd_level = level;
    opts.store_large_value_zstd_level = large_level;
    std::unique_ptr<IndexWriter> w;
    const Status s = IndexWriter::Open(root_ + "/never", opts, &w);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
    EXPECT_TRUE(Contains(s.message(), option)) << s.message();
  }
}

TEST_F(IndexLifecycleTest, OldCommitsAndTheirFilesAreRemovedBeyondRetention) {
  const std::string dir = root_ + "/ret";
  IndexWriterOptions opts;
  opts.keep_commits = 2;
  for (int c = 0; c < 5; ++c) {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
    ASSERT_TRUE(w->Add(RandomDoc("a" + std::to_string(c))).ok());
    ASSERT_TRUE(w->Add(RandomDoc("a0")).ok());  // replaces: deletion files accumulate
    ASSERT_TRUE(w->Commit().ok());
    if (c == 3) {
      ASSERT_TRUE(w->Optimize().ok());
    }
  }
  std::vector<uint64_t> gens;
  ASSERT_TRUE(ListManifestGenerations(dir, &gens).ok());
  ASSERT_EQ(gens.size(), 2u);
  std::set<std::string> needed = {"LOCK"};
  for (uint64_t g : gens) {
    Manifest m;
    ASSERT_TRUE(ReadManifest(dir, g, &m).ok());
    needed.insert("manifest-" + std::to_string(g));
    for (const auto& seg : m.segments) {
      for (const char* ext : {".meta", ".dict", ".post", ".pos", ".len", ".store", ".col"})
        needed.insert(seg.name + ext);
      if (!seg.deletes.empty()) needed.insert(seg.deletes);
    }
  }
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(dir)) present.insert(e.path().filename());
  EXPECT_EQ(present, needed);
  std::unique_ptr<Searcher> s;
  ASSERT_TRUE(Searcher::Open(dir, {}, &s).ok());
  EXPECT_EQ(s->num_docs(), 5u);
}

TEST_F(IndexLifecycleTest, OpenReaderSurvivesRemovalOfItsCommit) {
  const std::string dir = root_ + "/mmap";
  IndexWriterOptions opts;
  opts.keep_commits = 1;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(w->Add(RandomDoc("r" + std::to_string(i))).ok());
  ASSERT_TRUE(w->Commit().ok());
  std::unique_ptr<Searcher> old;
  ASSERT_TRUE(Searcher::Open(dir, {}, &old).ok());
  SearchResults before;
  ASSERT_TRUE(old->Search("amber basil", {}, &before).ok());
  ASSERT_TRUE(w->Optimize().ok());  // nothing to merge: one segment
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(w->Add(RandomDoc("r" + std::to_string(i))).ok());
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(w->Optimize().ok());  // the first commit's files are gone now
  SearchResults after;
  ASSERT_TRUE(old->Search("amber basil", {}, &after).ok());
  EXPECT_EQ(before.total, after.total);
  ASSERT_EQ(before.hits.size(), after.hits.size());
  for (size_t i = 0; i < before.hits.size(); ++i) EXPECT_EQ(before.hits[i].id, after.hits[i].id);
}

TEST_F(IndexLifecycleTest, TieredMergesKeepFewSegmentsAndTheAnswers) {
  const std::string dir = root_ + "/tiered", fresh = root_ + "/tiered_fresh";
  IndexWriterOptions opts;
  opts.merge_factor = 4;
  opts.merge_in_background = false;  // the layout after each commit is checked
  std::vector<Document> added;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  size_t max_segments = 0;
  for (int commit = 0; commit < 120; ++commit) {
    for (int i = 0, n = 1 + rng_() % 30; i < n; ++i) {
      added.push_back(RandomDoc("t" + std::to_string(added.size())));
      ASSERT_TRUE(w->Add(added.back()).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
    Manifest m;
    ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
    // At most factor-1 segments per tier; tiers are powers of the factor.
    size_t tiers = 1;
    for (size_t n = added.size(); n >= opts.merge_factor; n /= opts.merge_factor) ++tiers;
    EXPECT_LE(m.segments.size(), (opts.merge_factor - 1) * tiers) << "after commit " << commit;
    max_segments = std::max(max_segments, m.segments.size());
  }
  EXPECT_LE(max_segments, 20u);
  {
    std::unique_ptr<IndexWriter> f;
    ASSERT_TRUE(IndexWriter::Open(fresh, {}, &f).ok());
    for (const Document& d : added) ASSERT_TRUE(f->Add(d).ok());
    ASSERT_TRUE(f->Commit().ok());
  }
  // Merges keep documents in the order they were added, so even ties rank the same.
  ExpectSameAnswers(dir, fresh, /*exact_scores=*/true);

  // Replacements: merges drop the replaced copies; the answers still equal a fresh index's.
  std::vector<std::pair<std::string, Document>> live;
  for (const Document& d : added) live.emplace_back(d.id, d);
  for (int commit = 0; commit < 30; ++commit) {
    for (int i = 0; i < 25; ++i) {
      const std::string id = "t" + std::to_string(rng_() % added.size());
      Document d = RandomDoc(id);
      std::erase_if(live, [&](const auto& p) { return p.first == id; });
      live.emplace_back(id, d);
      ASSERT_TRUE(w->Add(d).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
  EXPECT_LE(m.segments.size(), 20u);
  fs::remove_all(fresh);
  {
    std::unique_ptr<IndexWriter> f;
    ASSERT_TRUE(IndexWriter::Open(fresh, {}, &f).ok());
    for (const auto& [id, d] : live) ASSERT_TRUE(f->Add(d).ok());
    ASSERT_TRUE(f->Commit().ok());
  }
  ExpectSameAnswers(dir, fresh, /*exact_scores=*/false);
  ASSERT_TRUE(w->Optimize().ok());
  ExpectSameAnswers(dir, fresh, /*exact_scores=*/true);
}

TEST_F(IndexLifecycleTest, SegmentsMergedAwayBeforeAnyCommitAreRemoved) {
  const std::string dir = root_ + "/merged_away";
  IndexWriterOptions opts;
  opts.memory_budget_bytes = 16 << 10;  // many flushes, merged at the first commit
  opts.merge_factor = 3;
  opts.merge_in_background = false;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  for (int i = 0; i < 400; ++i) ASSERT_TRUE(w->Add(RandomDoc("m" + std::to_string(i))).ok());
  ASSERT_TRUE(w->Commit().ok());
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
  std::set<std::string> needed = {"LOCK", "manifest-" + std::to_string(m.generation)};
  for (const auto& seg : m.segments)
    for (const char* ext : {".meta", ".dict", ".post", ".pos", ".len", ".store", ".col"})
      needed.insert(seg.name + ext);
  std::set<std::string> present;
  for (const auto& e : fs::directory_iterator(dir)) present.insert(e.path().filename());
  EXPECT_EQ(present, needed);
}

TEST(FileNamesTest, OnlyExactIndexFileNamesAreRecognized) {
  for (const char* name : {"seg_0.meta", "seg_12.dict", "seg_3.post", "seg_3.pos", "seg_3.len",
                           "seg_3.store", "seg_7.del.4", "seg_pending-123-0.store"})
    EXPECT_TRUE(IsSegmentFileName(name)) << name;
  for (const char* name :
       {"seg_", "seg_notes.txt", "seg_1.txt", "seg_1", "seg_1.post.bak", "seg_x.meta",
        "seg_1.del.", "seg_1.del.2x", "seg_pending-1.store", "seg_pending-a-1.store",
        "seg_pending-1-2.store.old", "seg_12345678901234567890.meta", "SEG_1.meta"})
    EXPECT_FALSE(IsSegmentFileName(name)) << name;
  EXPECT_TRUE(IsManifestTempFileName("manifest-3.tmp"));
  EXPECT_FALSE(IsManifestTempFileName("manifest-3.tmp2"));
  EXPECT_FALSE(IsManifestTempFileName("manifest-.tmp"));
  for (const char* name : {"LOCK", "manifest-2", "manifest-2.tmp", "seg_2.meta"})
    EXPECT_TRUE(IsIndexFileName(name)) << name;
  for (const char* name : {"LOCK.old", "manifest-2.bak", "notes.txt", "seg_notes.txt"})
    EXPECT_FALSE(IsIndexFileName(name)) << name;
}

void WriteUserFile(const std::string& path) {
  std::ofstream(path) << "the user's own file\n";
}

TEST_F(IndexLifecycleTest, ANonEmptyDirectoryThatIsNoIndexIsRefusedUnlessForced) {
  const std::string dir = root_ + "/notes";
  fs::create_directories(dir);
  WriteUserFile(dir + "/seg_notes.txt");
  std::unique_ptr<IndexWriter> w;
  Status s = IndexWriter::Open(dir, {}, &w);
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find(dir + ": not empty and not a trawl index"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("seg_notes.txt"), std::string::npos) << s.ToString();
  // Refused before anything was written: not even a lock file.
  EXPECT_FALSE(fs::exists(dir + "/LOCK"));

  IndexWriterOptions forced;
  forced.force = true;
  ASSERT_TRUE(IndexWriter::Open(dir, forced, &w).ok());
  ASSERT_TRUE(w->Add(RandomDoc("a")).ok());
  ASSERT_TRUE(w->Commit().ok());
  w.reset();
  // Now an index: opening it again needs no force, and the user's file is still there.
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
  w.reset();
  EXPECT_TRUE(fs::exists(dir + "/seg_notes.txt"));

  // Empty and new directories work as before.
  fs::create_directories(root_ + "/empty");
  ASSERT_TRUE(IndexWriter::Open(root_ + "/empty", {}, &w).ok());
  w.reset();
  ASSERT_TRUE(IndexWriter::Open(root_ + "/new", {}, &w).ok());
}

TEST_F(IndexLifecycleTest, WriterRemovesOnlyItsOwnFileNames) {
  const std::string dir = root_ + "/mixed";
  IndexWriterOptions opts;
  opts.keep_commits = 1;
  opts.memory_budget_bytes = 16 << 10;
  opts.merge_factor = 3;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  ASSERT_TRUE(w->Add(RandomDoc("first")).ok());
  ASSERT_TRUE(w->Commit().ok());
  w.reset();
  const std::vector<std::string> user_files = {
      "seg_notes.txt", "seg_1.txt",  "seg_0.post.bak",          "seg_pending-1.store",
      "seg_9",         "seg_2.del.", "seg_pending-1-2.store.x", "manifest-1.bak",
      "LOCK.old"};
  for (const std::string& name : user_files) WriteUserFile(dir + "/" + name);
  // Opening removes unreferenced files; commits, merges and retention remove more.
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(w->Add(RandomDoc("d" + std::to_string(i % 150))).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(w->Optimize().ok());
  w.reset();
  for (const std::string& name : user_files) EXPECT_TRUE(fs::exists(dir + "/" + name)) << name;
}

// The index holds exactly `docs` live documents and every byte of it checks out.
void ExpectIntactIndex(const std::string& dir, uint64_t docs) {
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir, /*all_commits=*/true, &report).ok());
  EXPECT_TRUE(report.ok()) << (report.problems.empty() ? "" : report.problems[0]);
  std::unique_ptr<Searcher> searcher;
  Status s = Searcher::Open(dir, {}, &searcher);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(searcher->num_docs(), docs);
}

// Documents that each bring a few new field names, commit after commit, until the index has
// far more fields than one segment format once allowed (255): every tiered merge unites the
// fields of ten segments, and no merge may ever fail a commit, or the index is wedged for good.
TEST_F(IndexLifecycleTest, ManyFieldNamesAcrossCommitsNeverWedgeTheIndex) {
  const std::string dir = root_ + "/wide";
  IndexWriterOptions opts;
  opts.merge_factor = 10;
  opts.keep_commits = 1;
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  constexpr int kCommits = 40, kDocsPerCommit = 3, kNewFieldsPerDoc = 3;  // 360 field names
  for (int c = 0; c < kCommits; ++c) {
    for (int d = 0; d < kDocsPerCommit; ++d) {
      Document doc{"c" + std::to_string(c) + "d" + std::to_string(d), {{"body", "shared words"}}};
      for (int f = 0; f < kNewFieldsPerDoc; ++f) {
        doc.fields.push_back({"f" + std::to_string((c * kDocsPerCommit + d) * kNewFieldsPerDoc + f),
                              "value"});
      }
      ASSERT_TRUE(w->Add(doc).ok());
    }
    Status s = w->Commit();
    ASSERT_TRUE(s.ok()) << "commit " << c << ": " << s.ToString();
  }
  // Merges ran (they commit in the background, so wait for the last one): far fewer segments
  // than commits, each holding more than 255 fields' worth.
  ASSERT_TRUE(w->WaitForMerges().ok());
  Manifest m;
  ASSERT_TRUE(ReadLatestManifest(dir, &m).ok());
  EXPECT_LT(m.segments.size(), 10u);
  EXPECT_GT(m.schema.fields().size(), 255u);
  // A document with known fields only, and one with new ones, still commit; so does a merge of
  // everything.
  ASSERT_TRUE(w->Add({"known", {{"body", "shared"}, {"f0", "value"}}}).ok());
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(w->Add({"newer", {{"g1", "value"}, {"g2", "value"}}}).ok());
  ASSERT_TRUE(w->Optimize().ok());
  w.reset();
  ExpectIntactIndex(dir, kCommits * kDocsPerCommit + 2);
  std::unique_ptr<Searcher> searcher;
  ASSERT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  for (const char* query : {"f0:value", "f359:value", "g2:value"}) {
    uint64_t n = 0;
    ASSERT_TRUE(searcher->Count(query, &n).ok()) << query;
    EXPECT_EQ(n, std::string(query) == "f0:value" ? 2u : 1u) << query;
  }
}

// The cap on field names is the schema's (max_fields), checked when a document is added: one
// document that would pass it is refused alone, and the writer, its commits and its merges go
// on. The cap is kept in the index, so a later writer keeps it too.
TEST_F(IndexLifecycleTest, ADocumentPastMaxFieldsIsRefusedAloneAndTheWriterGoesOn) {
  const std::string dir = root_ + "/capped";
  IndexWriterOptions opts;
  opts.schema.max_fields = 20;
  opts.merge_factor = 2;
  auto with_fields = [](const std::string& id, const std::string& prefix, int n) {
    Document doc{id, {}};
    for (int f = 0; f < n; ++f) doc.fields.push_back({prefix + std::to_string(f), "value"});
    return doc;
  };
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &w).ok());
  ASSERT_TRUE(w->Add(with_fields("a", "a", 15)).ok());
  Status s = w->Add(with_fields("wide", "w", 300));
  ASSERT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("max_fields"), std::string::npos) << s.ToString();
  ASSERT_TRUE(w->Add(with_fields("again", "a", 15)).ok());  // known fields only
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(w->Add(with_fields("b", "b", 5)).ok());  // exactly at the cap
  ASSERT_TRUE(w->Commit().ok());
  EXPECT_TRUE(w->Add(with_fields("c", "c", 1)).IsInvalidArgument());
  ASSERT_TRUE(w->Add(with_fields("more", "b", 5)).ok());
  ASSERT_TRUE(w->Commit().ok());
  w.reset();

  // Reopened without the option: the index keeps its cap.
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
  EXPECT_TRUE(w->Add(with_fields("d", "d", 1)).IsInvalidArgument());
  ASSERT_TRUE(w->Add(with_fields("last", "a", 3)).ok());
  ASSERT_TRUE(w->Optimize().ok());
  w.reset();
  ExpectIntactIndex(dir, 5);
}

TEST_F(IndexLifecycleTest, AWriterWhoseLockFileWasReplacedRefusesToCommit) {
  const std::string dir = root_ + "/stolen";
  std::unique_ptr<IndexWriter> first, second;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &first).ok());
  ASSERT_TRUE(first->Add(RandomDoc("a1")).ok());
  ASSERT_TRUE(first->Commit().ok());
  // Removed by hand: a second writer gets in, and commits under the segment names the first
  // writer would use next.
  ASSERT_TRUE(fs::remove(dir + "/LOCK"));
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &second).ok());
  ASSERT_TRUE(second->Add(RandomDoc("b1")).ok());
  ASSERT_TRUE(second->Add(RandomDoc("b2")).ok());
  ASSERT_TRUE(second->Commit().ok());
  second.reset();

  ASSERT_TRUE(first->Add(RandomDoc("a2")).ok());
  Status s = first->Commit();
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  EXPECT_NE(s.message().find(dir + "/LOCK: the lock file was replaced"), std::string::npos)
      << s.ToString();
  first.reset();
  ExpectIntactIndex(dir, 3);
}

TEST_F(IndexLifecycleTest, AWriterWhoseLockFileWasRemovedRefusesToCommit) {
  const std::string dir = root_ + "/unlocked";
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
  ASSERT_TRUE(w->Add(RandomDoc("a1")).ok());
  ASSERT_TRUE(w->Commit().ok());
  ASSERT_TRUE(fs::remove(dir + "/LOCK"));
  ASSERT_TRUE(w->Add(RandomDoc("a2")).ok());
  Status s = w->Commit();
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  EXPECT_NE(s.message().find(dir + "/LOCK: the lock file was removed"), std::string::npos)
      << s.ToString();
  s = w->Optimize();
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  w.reset();
  ExpectIntactIndex(dir, 1);
}

// A file system that cannot tell files apart: the writer cannot notice a replaced lock file,
// and must still never remove a file it did not create that a commit references.
class NoIdentityFileSystem : public FileSystemWrapper {
 public:
  Status GetFileIdentity(const std::string& path, FileIdentity*) override {
    return Status::NotSupported(path + ": no identities here");
  }
};

TEST_F(IndexLifecycleTest, AWriterNeverRemovesAnotherWritersCommittedFiles) {
  const std::string dir = root_ + "/clash";
  NoIdentityFileSystem no_identity;
  IndexWriterOptions opts;
  opts.file_system = &no_identity;
  std::unique_ptr<IndexWriter> first, second;
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &first).ok());
  ASSERT_TRUE(first->Add(RandomDoc("a1")).ok());
  ASSERT_TRUE(first->Commit().ok());
  ASSERT_TRUE(fs::remove(dir + "/LOCK"));
  ASSERT_TRUE(IndexWriter::Open(dir, opts, &second).ok());
  ASSERT_TRUE(second->Add(RandomDoc("b1")).ok());
  ASSERT_TRUE(second->Commit().ok());
  second.reset();

  // The first writer's next segment has the name the second one committed: creating it fails,
  // and cleaning up after that failure must leave the second writer's files alone.
  ASSERT_TRUE(first->Add(RandomDoc("a2")).ok());
  EXPECT_FALSE(first->Commit().ok());
  EXPECT_FALSE(first->Optimize().ok());
  first.reset();
  ExpectIntactIndex(dir, 2);
}

TEST_F(IndexLifecycleTest, OpenIfChangedSeesNewCommitsAndKeepsTheOld) {
  const std::string dir = root_ + "/reopen";
  std::unique_ptr<IndexWriter> w;
  ASSERT_TRUE(IndexWriter::Open(dir, {}, &w).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(w->Add(RandomDoc("r" + std::to_string(i))).ok());
  ASSERT_TRUE(w->Commit().ok());
  std::unique_ptr<Searcher> first;
  ASSERT_TRUE(Searcher::Open(dir, {}, &first).ok());
  std::unique_ptr<Searcher> same;
  ASSERT_TRUE(Searcher::OpenIfChanged(*first, &same).ok());
  EXPECT_EQ(same, nullptr);

  for (int i = 30; i < 40; ++i) ASSERT_TRUE(w->Add(RandomDoc("r" + std::to_string(i))).ok());
  bool found = false;
  ASSERT_TRUE(w->Delete("r3", &found).ok());  // a deletion in the segment both commits share
  ASSERT_TRUE(found);
  ASSERT_TRUE(w->Commit().ok());
  std::unique_ptr<Searcher> second;
  ASSERT_TRUE(Searcher::OpenIfChanged(*first, &second).ok());
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->generation(), first->generation() + 1);
  uint64_t n1, n2, r3;
  ASSERT_TRUE(first->Count("*", &n1).ok());
  ASSERT_TRUE(second->Count("*", &n2).ok());
  EXPECT_EQ(n1, 30u);
  EXPECT_EQ(n2, 39u);
  ASSERT_TRUE(second->Count("id:r3", &r3).ok());
  EXPECT_EQ(r3, 0u);
  ASSERT_TRUE(first->Count("id:r3", &r3).ok());
  EXPECT_EQ(r3, 1u);

  // The reopened searcher outlives the one it came from, and answers like a fresh open.
  first.reset();
  ASSERT_TRUE(w->Optimize().ok());
  std::unique_ptr<Searcher> third, fresh;
  ASSERT_TRUE(Searcher::OpenIfChanged(*second, &third).ok());
  ASSERT_NE(third, nullptr);
  ASSERT_TRUE(Searcher::Open(dir, {}, &fresh).ok());
  for (const char* q : {"amber", "\"cedar delta\"", "ke*"}) {
    SearchResults a, b, c;
    ASSERT_TRUE(second->Search(q, {}, &a).ok());
    ASSERT_TRUE(third->Search(q, {}, &b).ok());
    ASSERT_TRUE(fresh->Search(q, {}, &c).ok());
    EXPECT_EQ(a.total, b.total) << q;
    ASSERT_EQ(b.hits.size(), c.hits.size()) << q;
    for (size_t i = 0; i < b.hits.size(); ++i) EXPECT_EQ(b.hits[i].id, c.hits[i].id) << q;
  }
}

}  // namespace
}  // namespace index_lifecycle_test
}  // namespace trawl

// ListCommitFiles and BackupIndex (trawl/backup.h): a backup is the commit it copied, taken
// while a writer keeps committing; and trawl-index --backup.
#include "trawl/backup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "tests/test_util.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"

namespace trawl {
namespace backup_test {
namespace {

namespace fs = std::filesystem;

constexpr int kBatch = 20;

Status AddBatch(IndexWriter* writer, int batch) {
  for (int i = 0; i < kBatch; ++i) {
    Document doc;
    doc.id = "d" + std::to_string(batch) + "-" + std::to_string(i);
    doc.Add("body", "common words " + std::to_string(i));
    TRAWL_RETURN_IF_ERROR(writer->Add(doc));
  }
  return writer->Commit();
}

uint64_t CountIn(const std::string& dir) {
  std::unique_ptr<Searcher> searcher;
  EXPECT_TRUE(Searcher::Open(dir, {}, &searcher).ok());
  if (searcher == nullptr) return 0;
  uint64_t n = 0;
  EXPECT_TRUE(searcher->Count("common", &n).ok());
  return n;
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshTempDir("trawl_backup").string();
    index_ = root_ + "/index";
    ASSERT_TRUE(IndexWriter::Open(index_, {}, &writer_).ok());
  }
  void TearDown() override {
    writer_.reset();
    fs::remove_all(root_);
  }
  std::string root_, index_;
  std::unique_ptr<IndexWriter> writer_;
};

TEST_F(BackupTest, ListsTheNewestCommit) {
  ASSERT_TRUE(AddBatch(writer_.get(), 0).ok());
  ASSERT_TRUE(AddBatch(writer_.get(), 1).ok());
  CommitFiles files;
  ASSERT_TRUE(ListCommitFiles(index_, &files).ok());
  EXPECT_EQ(files.documents, 2u * kBatch);
  EXPECT_EQ(files.segments, 2u);
  ASSERT_FALSE(files.files.empty());
  EXPECT_EQ(files.files.back(), "manifest-" + std::to_string(files.generation));
  uint64_t bytes = 0;
  for (const std::string& name : files.files) bytes += fs::file_size(index_ + "/" + name);
  EXPECT_EQ(files.bytes, bytes);
  EXPECT_TRUE(ListCommitFiles(root_ + "/none", &files).IsNotFound());
}

TEST_F(BackupTest, CopiesACommitThatOpens) {
  ASSERT_TRUE(AddBatch(writer_.get(), 0).ok());
  BackupResult result;
  const std::string dest = root_ + "/backup/nested";
  ASSERT_TRUE(BackupIndex(index_, dest, &result).ok());
  EXPECT_EQ(result.linked + result.copied, result.commit.files.size());
  EXPECT_EQ(CountIn(dest), static_cast<uint64_t>(kBatch));
  // Never into a directory that holds anything, nor into the index itself.
  EXPECT_TRUE(BackupIndex(index_, dest, &result).IsInvalidArgument());
  EXPECT_TRUE(BackupIndex(index_, index_, &result).IsInvalidArgument());
  WriteFileAt(root_ + "/file", "x");
  EXPECT_TRUE(BackupIndex(index_, root_ + "/file", &result).IsInvalidArgument());
  // An empty directory is fine.
  fs::create_directory(root_ + "/empty");
  EXPECT_TRUE(BackupIndex(index_, root_ + "/empty", &result).ok());
}

TEST_F(BackupTest, ConsistentWhileTheWriterCommits) {
  // keep_commits 1: each commit deletes the files of the one before, the hardest case for a
  // backup that lists a commit and then links its files.
  writer_.reset();
  IndexWriterOptions options;
  options.keep_commits = 1;
  options.merge_factor = 3;
  ASSERT_TRUE(IndexWriter::Open(index_, options, &writer_).ok());
  ASSERT_TRUE(AddBatch(writer_.get(), 0).ok());
  std::atomic<bool> stop{false};
  std::thread writing([&] {
    for (int batch = 1; !stop; ++batch) ASSERT_TRUE(AddBatch(writer_.get(), batch).ok());
  });
  for (int i = 0; i < 20; ++i) {
    const std::string dest = root_ + "/b" + std::to_string(i);
    BackupResult result;
    const Status s = BackupIndex(index_, dest, &result);
    if (s.IsBusy()) continue;  // lost the race five times: allowed, and says so
    ASSERT_TRUE(s.ok()) << s.ToString();
    const uint64_t n = CountIn(dest);
    EXPECT_EQ(n, result.commit.documents);
    EXPECT_EQ(n % kBatch, 0u) << "a backup holds part of a commit";
  }
  stop = true;
  writing.join();
}

TEST(BackupCliTest, TrawlIndexBackup) {
  const std::string root = FreshTempDir("trawl_backup_cli").string();
  WriteFileAt(root + "/docs.jsonl", "{\"id\":\"1\",\"body\":\"common\"}\n{\"id\":\"2\",\"body\":\"common\"}\n");
  const std::string index = std::string(TRAWL_INDEX_BIN) + " --quiet --index " + root + "/index ";
  ASSERT_EQ(RunIn(root, index + root + "/docs.jsonl"), 0);
  ASSERT_EQ(RunIn(root, index + "--backup " + root + "/copy > out.txt"), 0);
  EXPECT_TRUE(Contains(ReadFile(root + "/out.txt"), "backed up generation")) << ReadFile(root + "/out.txt");
  EXPECT_EQ(CountIn(root + "/copy"), 2u);
  EXPECT_NE(RunIn(root, index + "--backup " + root + "/copy 2> err.txt"), 0);
  EXPECT_TRUE(Contains(ReadFile(root + "/err.txt"), "not empty"));
  fs::remove_all(root);
}

}  // namespace
}  // namespace backup_test
}  // namespace trawl

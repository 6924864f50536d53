// --verify: every kind of damage to every file of a committed index is reported, naming the
// file, with no crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "trawl/index_writer.h"
#include "trawl/verify.h"

namespace trawl {
namespace verify_test {
namespace {

namespace fs = std::filesystem;

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_verify_XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(dir_, {}, &w).ok());
    std::mt19937 rng(5);
    const char* words[] = {"north", "south", "east", "west", "wind", "rain", "sun", "snow"};
    for (int i = 0; i < 400; ++i) {
      std::string body;
      for (int j = 0; j < 30; ++j) body += std::string(j ? " " : "") + words[rng() % 8];
      ASSERT_TRUE(w->Add({"v" + std::to_string(i % 350), {{"title", words[i % 8]}, {"body", body}}}).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void Write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
  }

  std::string dir_;
};

TEST_F(VerifyTest, IntactIndexPasses) {
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir_, /*all_commits=*/true, &report).ok());
  EXPECT_TRUE(report.ok()) << report.problems.front();
  EXPECT_EQ(report.documents, 350u);
  EXPECT_GE(report.segments_checked, 1u);
}

TEST_F(VerifyTest, EveryFileTruncatedOrFlippedIsReportedByName) {
  std::mt19937 rng(9);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir_))
    if (e.path().filename() != "LOCK") files.push_back(e.path());
  ASSERT_GE(files.size(), 7u);
  for (const fs::path& file : files) {
    const std::string original = Read(file);
    for (int trial = 0; trial < 6; ++trial) {
      std::string damaged = original;
      if (trial % 2 == 0) {
        damaged.resize(damaged.size() - std::min<size_t>(damaged.size(), 1 + rng() % 100));
      } else {
        damaged[rng() % damaged.size()] ^= static_cast<char>(1 << (rng() % 8));
      }
      Write(file, damaged);
      VerifyReport report;
      Status s = VerifyIndex(dir_, false, &report);
      const std::string name = file.filename();
      if (s.ok()) {
        ASSERT_FALSE(report.ok()) << name << " trial " << trial;
        EXPECT_NE(report.problems.front().find(name), std::string::npos)
            << name << ": " << report.problems.front();
      }
      Write(file, original);
    }
  }
  VerifyReport report;
  ASSERT_TRUE(VerifyIndex(dir_, false, &report).ok());
  EXPECT_TRUE(report.ok());
}

}  // namespace
}  // namespace verify_test
}  // namespace trawl

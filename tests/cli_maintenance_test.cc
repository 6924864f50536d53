// trawl-index --delete / --delete-from / --optimize / --merge / --merge-factor / --verify /
// --commit-every, end to end.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cli_maintenance_test {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;
};

Result Sh(const std::string& cmd) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, out};
}

class CliMaintenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/trawl_maint_XXXXXX";
    root_ = mkdtemp(tmpl);
    index_ = root_ + "/idx";
    std::ofstream out(root_ + "/docs.jsonl");
    for (int i = 0; i < 30; ++i)
      out << "{\"id\":\"m" << i << "\",\"title\":\"t" << i << "\",\"body\":\"shared words number" << i
          << (i % 3 == 0 ? " triple" : "") << "\"}\n";
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string Index(const std::string& args) {
    return std::string(TRAWL_INDEX_BIN) + " --quiet --index " + index_ + " " + args;
  }
  std::string Count(const std::string& q) {
    Result r = Sh(std::string(TRAWL_SEARCH_BIN) + " --index " + index_ + " --count '" + q + "'");
    EXPECT_EQ(r.code, 0) << r.out;
    std::string s = r.out;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  std::string root_, index_;
};

TEST_F(CliMaintenanceTest, CliDeleteOptimizeVerify) {
  Result r = Sh(Index("--commit-every 10 " + root_ + "/docs.jsonl"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("committed 10\ncommitted 20\ncommitted 30\n"), std::string::npos) << r.out;
  EXPECT_EQ(Count("shared"), "30");
  EXPECT_EQ(Count("triple"), "10");

  ASSERT_EQ(Sh(Index("--delete m0 m3 nosuchid")).code, 0);
  std::ofstream(root_ + "/ids.txt") << "m6\nm7\n";
  ASSERT_EQ(Sh(Index("--delete-from " + root_ + "/ids.txt")).code, 0);
  EXPECT_EQ(Count("shared"), "26");
  EXPECT_EQ(Count("triple"), "7");

  r = Sh(Index("--verify"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("ok:"), std::string::npos) << r.out;

  ASSERT_EQ(Sh(Index("--optimize")).code, 0);
  EXPECT_EQ(Count("shared"), "26");
  r = Sh(Index("--verify-all"));
  EXPECT_EQ(r.code, 0) << r.out;

  // Damage to any retained commit's file: --verify-all names the file and fails.
  fs::path victim;
  for (const auto& e : fs::directory_iterator(index_))
    if (e.path().extension() == ".post") victim = e.path();
  ASSERT_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('\x7f');
  }
  r = Sh(Index("--verify-all"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find(victim.filename().string()), std::string::npos) << r.out;
}

// Segment files present: the newest commit's segments and those the previous one still holds.
size_t LiveSegments(const std::string& index) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(index)) n += e.path().extension() == ".meta";
  return n;
}

TEST_F(CliMaintenanceTest, CliMergeFactorAndMerge) {
  // Every commit flushes a segment; without merging there would be 30 (kept: 2 commits' files).
  Result r = Sh(Index("--merge-factor 0 --commit-every 1 " + root_ + "/docs.jsonl"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_GE(LiveSegments(index_), 30u);
  fs::remove_all(index_);
  r = Sh(Index("--merge-factor 3 --commit-every 1 " + root_ + "/docs.jsonl"));
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_LE(LiveSegments(index_), 6u);  // at most 2 per level, and the previous commit's
  EXPECT_EQ(Count("shared"), "30");
  ASSERT_EQ(Sh(Index("--merge")).code, 0);
  EXPECT_EQ(Count("shared"), "30");
  EXPECT_EQ(Sh(Index("--verify")).code, 0);
}

}  // namespace

namespace {

TEST_F(CliMaintenanceTest, CliCommitEveryFailureSaysWhatWasCommitted) {
  {
    std::ofstream out(root_ + "/bad.jsonl", std::ios::app);
    for (int i = 0; i < 25; ++i) out << "{\"id\":\"g" << i << "\",\"body\":\"good line\"}\n";
    out << "{\"id\":\"broken\",\"body\": oops}\n";
  }
  Result r = Sh(Index("--commit-every 10 " + root_ + "/bad.jsonl"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("committed 10\ncommitted 20\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("nothing committed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(the first 20 documents were committed; the ones after them were not)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(Count("good"), "20");

  // Without --commit-every a failed run commits nothing, and says so.
  fs::remove_all(index_);
  r = Sh(Index(root_ + "/bad.jsonl"));
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("(nothing committed)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace cli_maintenance_test

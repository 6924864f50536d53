// Crash loop: trawl-index is killed with SIGKILL at random moments, hundreds of times, while it
// indexes, flushes segments and commits. After every kill the index must open at a commit that
// holds every document the indexer acknowledged as committed, pass verification, and the next
// writer must clean up what the dead one left.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fcntl.h>

#include <fstream>
#include <sstream>
#include <random>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "format/manifest.h"
#include "format/segment_format.h"
#include "trawl/index_writer.h"
#include "trawl/searcher.h"
#include "trawl/verify.h"
#include "tests/sanitizer.h"
#include "tests/test_util.h"

namespace trawl {
namespace crash_test {
namespace {

namespace fs = std::filesystem;

// Runs trawl-index on `input`, kills it after `delay_us`, returns the highest acknowledged count.
uint64_t RunAndKill(const std::string& index, const std::string& input, int delay_us) {
  int out[2];
  if (pipe(out) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDERR_FILENO);
    close(out[0]);
    execl(TRAWL_INDEX_BIN, TRAWL_INDEX_BIN, "--index", index.c_str(), "--commit-every", "40",
          "--threads", "2", "--memory-mb", "1", "--quiet", input.c_str(), (char*)nullptr);
    _exit(127);
  }
  close(out[1]);
  usleep(delay_us);
  kill(pid, SIGKILL);
  int status;
  waitpid(pid, &status, 0);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  uint64_t acked = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("committed ", 0) == 0) acked = std::max<uint64_t>(acked, std::stoull(line.substr(10)));
  }
  return acked;
}

TEST(CrashLoop, KilledIndexerNeverLosesAcknowledgedCommits) {
  std::string tmpl = ScratchTemplate("trawl_crash");
  const std::string root = mkdtemp(tmpl.data());
  const std::string index = root + "/idx";
  std::mt19937 rng(2024);
  // A sanitized trawl-index runs several times slower per kill; the Release build kills 200.
  const int kRuns = kUnderAsan ? 60 : 200, kDocsPerRun = 160;
  // Kill at a uniformly random moment of a run: time one complete run of the same size first
  // (sanitized builds and loaded machines are slower, and the delays follow).
  int delay_max_us;
  {
    const std::string sample = root + "/sample.jsonl";
    {
      std::ofstream out(sample);
      for (int i = 0; i < kDocsPerRun; ++i)
        out << "{\"id\":\"s" << i << "\",\"body\":\"sample " << std::string(100, 'x') << "\"}\n";
    }
    std::vector<long> times;
    for (int t = 0; t < 3; ++t) {
      const auto start = std::chrono::steady_clock::now();
      const std::string cmd = std::string(TRAWL_INDEX_BIN) +
                              " --quiet --commit-every 40 --threads 2 --memory-mb 1 --index " +
                              root + "/timing " + sample + " >/dev/null";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
      times.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - start).count());
      fs::remove_all(root + "/timing");
    }
    std::sort(times.begin(), times.end());
    // The median run, with a cap so that one slow moment cannot stretch the test to minutes.
    delay_max_us = static_cast<int>(std::min<long>(times[1] * 12 / 10, 200000)) + 1;
  }
  std::vector<uint64_t> acked(kRuns, 0);
  for (int run = 0; run < kRuns; ++run) {
    const std::string input = root + "/part" + std::to_string(run) + ".jsonl";
    {
      std::ofstream out(input);
      for (int i = 0; i < kDocsPerRun; ++i) {
        out << "{\"id\":\"r" << run << "-" << i << "\",\"title\":\"run " << run
            << "\",\"body\":\"crash loop document " << i << " of run " << run << " payload"
            << std::string(rng() % 200, 'x') << "\"}\n";
      }
    }
    acked[run] = RunAndKill(index, input, static_cast<int>(rng() % delay_max_us));
    // Runs slow down as the index grows (more to open, merges at commit) and as the machine's
    // load changes: follow them, so that kills keep landing before, during and after commits.
    if (acked[run] == 0) {
      delay_max_us = std::min(delay_max_us + delay_max_us / 8 + 1, 3000000);
    } else if (acked[run] == static_cast<uint64_t>(kDocsPerRun)) {
      delay_max_us = std::max(delay_max_us - delay_max_us / 16, 2000);
    }
    fs::remove(input);

    if (!fs::exists(index) || (run % 20 != 19 && acked[run] == 0)) continue;
    // Every 20 runs (and whenever something was acknowledged) the index must be whole.
    std::unique_ptr<Searcher> searcher;
    Status s = Searcher::Open(index, {}, &searcher);
    if (s.IsNotFound()) {  // killed before the first commit ever: nothing was acknowledged
      for (int r = 0; r <= run; ++r) ASSERT_EQ(acked[r], 0u) << "run " << r;
      continue;
    }
    ASSERT_TRUE(s.ok()) << "run " << run << ": " << s.ToString();
    for (int r = 0; r <= run; ++r) {
      if (acked[r] == 0) continue;
      uint64_t count = 0;
      ASSERT_TRUE(searcher->Count("id:r" + std::to_string(r) + "-*", &count).ok());
      ASSERT_GE(count, acked[r]) << "run " << r << " lost acknowledged documents";
    }
    VerifyReport report;
    ASSERT_TRUE(VerifyIndex(index, /*all_commits=*/true, &report).ok());
    ASSERT_TRUE(report.ok()) << "run " << run << ": " << report.problems.front();
  }
  uint64_t total_acked = 0;
  for (uint64_t a : acked) total_acked += a;
  int runs_with_commits = 0, runs_finished = 0;
  for (uint64_t a : acked) {
    runs_with_commits += a > 0;
    runs_finished += a == static_cast<uint64_t>(kDocsPerRun);
  }
  std::printf("crash loop: %d kills, %d after at least one commit (%d after the last), %llu "
              "documents acknowledged\n",
              kRuns, runs_with_commits, runs_finished, static_cast<unsigned long long>(total_acked));
  EXPECT_GT(runs_with_commits, kRuns / 5) << "the kills came too early to test much";

  // The next writer removes what dead writers left: only files of retained commits remain.
  {
    std::unique_ptr<IndexWriter> w;
    ASSERT_TRUE(IndexWriter::Open(index, {}, &w).ok());
  }
  std::vector<uint64_t> gens;
  ASSERT_TRUE(ListManifestGenerations(index, &gens).ok());
  std::set<std::string> needed = {"LOCK"};
  for (uint64_t g : gens) {
    Manifest m;
    ASSERT_TRUE(ReadManifest(index, g, &m).ok());
    needed.insert("manifest-" + std::to_string(g));
    for (const auto& seg : m.segments) {
      for (const SegmentFile& f : kSegmentFiles) needed.insert(seg.name + std::string(f.suffix));
      if (!seg.deletes.empty()) needed.insert(seg.deletes);
    }
  }
  for (const auto& e : fs::directory_iterator(index)) {
    const std::string name = e.path().filename();
    EXPECT_TRUE(needed.count(name) || name.ends_with(".tmp")) << "left behind: " << name;
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace crash_test
}  // namespace trawl

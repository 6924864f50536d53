// The on-disk state of a trawl-index --mpi job (indexer/shard_job.h): which parts a rerun
// keeps, which it rebuilds, what it refuses, and the job's fingerprint. The MPI side is tested
// end to end by tests/mpi_driver_test.py.
#include "indexer/shard_job.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/test_util.h"
#include "trawl/shards.h"

namespace trawl {
namespace shard_job_test {
namespace {

namespace fs = std::filesystem;

class ShardJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = FreshTempDir("shard-job");
    dir_ = (root_ / "set").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  JobPlan Plan(uint32_t parts, const std::string& fingerprint, bool force = false) {
    JobPlan plan;
    const Status s = PlanJob(dir_, parts, fingerprint, force, &plan);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return plan;
  }
  Status PlanStatus(uint32_t parts, const std::string& fingerprint, bool force = false) {
    JobPlan plan;
    return PlanJob(dir_, parts, fingerprint, force, &plan);
  }
  // A part as a finished job leaves it: a directory with something in it, and its marker.
  void Complete(uint32_t part, uint32_t parts, const std::string& fingerprint) {
    WriteFileAt(fs::path(dir_) / PartDirName(part) / "manifest-1", "x");
    ASSERT_TRUE(WritePartMarker(dir_, part, parts, fingerprint, 100 + part).ok());
  }

  fs::path root_;
  std::string dir_;
};

TEST_F(ShardJobTest, ANewJobBuildsEveryPartInAFreshDirectory) {
  const JobPlan plan = Plan(4, "f");
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_EQ(plan.to_build, (std::vector<uint32_t>{0, 1, 2, 3}));
  EXPECT_TRUE(plan.reused.empty());
}

TEST_F(ShardJobTest, ARerunKeepsThePartsWithAMatchingMarker) {
  Plan(4, "f");
  Complete(0, 4, "f");
  Complete(2, 4, "f");
  // Part 3 was built (even committed) but its rank died before the marker.
  WriteFileAt(fs::path(dir_) / "part-3" / "manifest-1", "x");
  const JobPlan plan = Plan(4, "f");
  EXPECT_EQ(plan.reused, (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(plan.reused_documents, (std::vector<uint64_t>{100, 102}));
  EXPECT_EQ(plan.to_build, (std::vector<uint32_t>{1, 3}));
}

TEST_F(ShardJobTest, AnUnfinishedJobOfOtherInputsIsRebuilt) {
  Plan(3, "old");
  Complete(0, 3, "old");
  Complete(1, 3, "new");
  const JobPlan plan = Plan(3, "new");
  EXPECT_EQ(plan.reused, (std::vector<uint32_t>{1}));
  EXPECT_EQ(plan.to_build, (std::vector<uint32_t>{0, 2}));
}

TEST_F(ShardJobTest, ADamagedMarkerCountsAsNone) {
  Plan(2, "f");
  Complete(0, 2, "f");
  Complete(1, 2, "f");
  WriteFileAt(fs::path(dir_) / "part-1.committed", "{\"version\": 1, \"parts\"");
  EXPECT_EQ(Plan(2, "f").to_build, (std::vector<uint32_t>{1}));
}

TEST_F(ShardJobTest, RefusesAnotherPartCount) {
  Plan(4, "f");
  Complete(1, 4, "f");
  const Status s = PlanStatus(6, "f");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "--parts 4")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "not 6")) << s.message();
}

TEST_F(ShardJobTest, RefusesAShardListOfAnotherPartCount) {
  // A set listed by hand (or by --part runs), without markers.
  Plan(3, "f");
  ASSERT_TRUE(WriteShardSet(dir_, 3).ok());
  const Status s = PlanStatus(2, "f");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "lists 3 parts, not 2")) << s.message();
}

TEST_F(ShardJobTest, ACompleteSetIsKeptWholeAndNeverReplacedByOtherInputs) {
  Plan(2, "f");
  Complete(0, 2, "f");
  Complete(1, 2, "f");
  ASSERT_TRUE(WriteShardSet(dir_, 2).ok());
  const JobPlan plan = Plan(2, "f");
  EXPECT_TRUE(plan.to_build.empty());
  EXPECT_EQ(plan.reused.size(), 2u);

  const Status s = PlanStatus(2, "other");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "other inputs or options")) << s.message();
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "part-0" / "manifest-1"));
}

TEST_F(ShardJobTest, RefusesASetThatMpiDidNotBuild) {
  fs::create_directories(dir_);
  WriteFileAt(fs::path(dir_) / "part-0" / "manifest-1", "x");
  WriteFileAt(fs::path(dir_) / "shards.json", ShardListJson({"part-0"}));
  const Status s = PlanStatus(1, "f");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "did not build")) << s.message();
}

TEST_F(ShardJobTest, RefusesForeignFilesUnlessForced) {
  fs::create_directories(dir_);
  WriteFileAt(fs::path(dir_) / "notes.txt", "mine");
  const Status s = PlanStatus(2, "f");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_TRUE(Contains(s.message(), "notes.txt")) << s.message();
  EXPECT_EQ(Plan(2, "f", /*force=*/true).to_build.size(), 2u);
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "notes.txt"));
}

TEST_F(ShardJobTest, ResetPartEmptiesThePartAndDropsItsMarker) {
  Plan(2, "f");
  Complete(1, 2, "f");
  ASSERT_TRUE(ResetPart(dir_, 1).ok());
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "part-1"));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "part-1.committed"));
  // Resetting a part that never existed is fine too.
  EXPECT_TRUE(ResetPart(dir_, 0).ok());
}

TEST_F(ShardJobTest, TheShardListNamesThePartsInOrderAndLeavesNoTemporaryFile) {
  Plan(3, "f");
  for (uint32_t part = 0; part < 3; ++part) Complete(part, 3, "f");
  ASSERT_TRUE(WriteShardSet(dir_, 3).ok());
  std::vector<std::string> resolved;
  ASSERT_TRUE(ResolveShards({dir_}, nullptr, &resolved).ok());
  EXPECT_EQ(resolved, (std::vector<std::string>{dir_ + "/part-0", dir_ + "/part-1",
                                                dir_ + "/part-2"}));
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_FALSE(entry.path().string().ends_with(".tmp")) << entry.path();
}

TEST_F(ShardJobTest, TheFingerprintFollowsTheInputsAndTheOptions) {
  const fs::path in = root_ / "in";
  WriteFileAt(in / "a.txt", "alpha");
  WriteFileAt(in / "sub" / "b.txt", "beta");
  const std::vector<std::string> inputs = {in.string()};
  const std::string f = JobFingerprint(inputs, "opts");
  EXPECT_EQ(f.size(), 16u);
  EXPECT_EQ(JobFingerprint(inputs, "opts"), f);
  EXPECT_NE(JobFingerprint(inputs, "other opts"), f);

  WriteFileAt(in / "sub" / "b.txt", "beta, longer");
  const std::string changed = JobFingerprint(inputs, "opts");
  EXPECT_NE(changed, f);
  WriteFileAt(in / "sub" / "c.txt", "gamma");
  EXPECT_NE(JobFingerprint(inputs, "opts"), changed);
  // A single file as input, and one that is missing: fingerprints, not failures.
  EXPECT_NE(JobFingerprint({(in / "a.txt").string()}, "opts"), f);
  EXPECT_EQ(JobFingerprint({(root_ / "missing").string()}, "opts").size(), 16u);
}

}  // namespace
}  // namespace shard_job_test
}  // namespace trawl

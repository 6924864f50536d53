// Files of an index directory that no kept commit accounts for, for tests that check a failed
// or interrupted writer cleaned up after itself.
#ifndef TRAWL_TESTS_STRAY_FILES_H_
#define TRAWL_TESTS_STRAY_FILES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "format/file_names.h"
#include "format/manifest.h"
#include "format/segment_format.h"

namespace trawl {

// Files in `dir` that no manifest accounts for (the lock aside): segment files of no commit,
// temporary manifests, pending stores, an unfinished merge's output. A writer that has
// committed or been closed leaves none.
inline std::vector<std::string> StrayFiles(const std::string& dir) {
  std::set<std::string> referenced = {std::string(kLockFileName)};
  std::vector<uint64_t> generations;
  EXPECT_TRUE(ListManifestGenerations(dir, &generations).ok());
  for (uint64_t g : generations) {
    referenced.insert(ManifestFileName(g));
    Manifest m;
    EXPECT_TRUE(ReadManifest(dir, g, &m).ok());
    for (const ManifestSegment& seg : m.segments) {
      for (const SegmentFile& f : kSegmentFiles) referenced.insert(seg.name + std::string(f.suffix));
      if (!seg.deletes.empty()) referenced.insert(seg.deletes);
    }
  }
  std::vector<std::string> strays;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!referenced.count(name)) strays.push_back(name);
  }
  return strays;
}

}  // namespace trawl

#endif  // TRAWL_TESTS_STRAY_FILES_H_

// Integrity checks of an index directory, for `trawl-index --verify`.
#ifndef TRAWL_VERIFY_H_
#define TRAWL_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

struct VerifyReport {
  uint64_t commits_checked = 0;
  uint64_t segments_checked = 0;
  uint64_t documents = 0;  // live documents in the newest commit checked
  // One line per problem, each naming the file: "seg_3.post: checksum mismatch: ...".
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Checks the current commit (all_commits: every retained commit): each manifest, every file's
// checksum, the structure of every segment (dictionary order, every posting list and bitmap,
// frequency and position blocks) and deletion files. Returns a non-OK Status only when the
// check itself could not run (no index at `dir`); damage is reported in `report`.
TRAWL_EXPORT Status VerifyIndex(const std::string& dir, bool all_commits, VerifyReport* report);

}  // namespace trawl

#endif  // TRAWL_VERIFY_H_

#include "trawl/verify.h"

#include <set>

#include "format/deletes.h"
#include "format/manifest.h"
#include "format/segment_reader.h"

namespace trawl {

namespace {

void CheckSegment(const std::string& dir, const ManifestSegment& entry, VerifyReport* report) {
  std::unique_ptr<SegmentReader> seg;
  Status s = SegmentReader::Open(dir, entry.name, /*verify_checksums=*/true, &seg);
  if (s.ok() && seg->num_docs() != entry.num_docs) {
    s = Status::Corruption(entry.name + ".meta: " + std::to_string(seg->num_docs()) +
                           " documents, the manifest says " + std::to_string(entry.num_docs));
  }
  if (s.ok()) s = seg->VerifyStructure();
  if (!s.ok()) report->problems.push_back(s.message());
  if (!entry.deletes.empty()) {
    roaring_bitmap_t* deleted = nullptr;
    Status d = ReadDeletes(dir + "/" + entry.deletes, entry.num_docs, entry.num_deleted, &deleted);
    if (deleted != nullptr) roaring_bitmap_free(deleted);
    if (!d.ok()) report->problems.push_back(d.message());
  }
  ++report->segments_checked;
}

}  // namespace

Status VerifyIndex(const std::string& dir, bool all_commits, VerifyReport* report) {
  *report = VerifyReport();
  std::vector<uint64_t> generations;
  TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir, &generations));
  if (generations.empty()) return Status::NotFound(dir + ": no trawl index here (no manifest)");
  if (!all_commits) generations.erase(generations.begin(), generations.end() - 1);
  std::set<std::string> checked;  // segments shared by several commits are checked once
  for (auto it = generations.rbegin(); it != generations.rend(); ++it) {
    Manifest m;
    Status s = ReadManifest(dir, *it, &m);
    ++report->commits_checked;
    if (!s.ok()) {
      report->problems.push_back(s.message());
      continue;
    }
    if (it == generations.rbegin()) {
      for (const auto& seg : m.segments) report->documents += seg.num_docs - seg.num_deleted;
    }
    for (const auto& seg : m.segments) {
      if (!checked.insert(seg.name + "|" + seg.deletes).second) continue;
      CheckSegment(dir, seg, report);
    }
  }
  return Status::OK();
}

}  // namespace trawl

#include "trawl/verify.h"

#include <map>
#include <optional>
#include <set>

#include "format/deletes.h"
#include "format/manifest.h"
#include "format/segment_reader.h"

namespace trawl {

namespace {

// What was checked already: a segment shared by several commits (with other deletion files as
// documents are deleted) has its files read and its structure walked once, not once per commit.
struct Checked {
  // Segment name -> its documents as its .meta says (nullopt: it failed its check).
  std::map<std::string, std::optional<uint64_t>> segments;
  std::set<std::string> deletes;  // deletion file names
};

void CheckSegment(const std::string& dir, const ManifestSegment& entry, Checked* checked,
                  VerifyReport* report) {
  auto [seen, first] = checked->segments.try_emplace(entry.name);
  if (first) {
    std::unique_ptr<SegmentReader> seg;
    Status s = SegmentReader::Open(dir, entry.name, /*verify_checksums=*/true, &seg);
    if (s.ok()) s = seg->VerifyStructure();
    if (s.ok()) {
      seen->second = seg->num_docs();
    } else {
      report->problems.push_back(s.message());
    }
    ++report->segments_checked;
  }
  // Each commit's entry must agree with the segment's files.
  if (seen->second && *seen->second != entry.num_docs) {
    report->problems.push_back(entry.name + ".meta: " + std::to_string(*seen->second) +
                               " documents, the manifest says " + std::to_string(entry.num_docs));
  }
  if (!entry.deletes.empty() && checked->deletes.insert(entry.deletes).second) {
    roaring_bitmap_t* deleted = nullptr;
    Status d = ReadDeletes(dir + "/" + entry.deletes, entry.num_docs, entry.num_deleted, &deleted);
    if (deleted != nullptr) roaring_bitmap_free(deleted);
    if (!d.ok()) report->problems.push_back(d.message());
  }
}

}  // namespace

Status VerifyIndex(const std::string& dir, bool all_commits, VerifyReport* report) {
  *report = VerifyReport();
  std::vector<uint64_t> generations;
  TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir, &generations));
  if (generations.empty()) return Status::NotFound(dir + ": no trawl index here (no manifest)");
  if (!all_commits) generations.erase(generations.begin(), generations.end() - 1);
  Checked checked;
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
    for (const auto& seg : m.segments) CheckSegment(dir, seg, &checked, report);
  }
  return Status::OK();
}

}  // namespace trawl

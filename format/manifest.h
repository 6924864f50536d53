// Commit points. An index directory holds numbered manifests, manifest-<generation>, each listing
// the live segments of one commit, the analyzer the index was built with and its schema. The
// highest generation whose file is complete and intact is the current commit.
#ifndef TRAWL_FORMAT_MANIFEST_H_
#define TRAWL_FORMAT_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/analyzer.h"
#include "trawl/file_system.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

// The newest manifest version this build reads. 2 adds "tokenizer" to "analyzer"; 3 adds the
// schema; 4 is 3 whose analysis names components a program registers (trawl/analysis.h), so
// that a build without them refuses it as a newer format instead of as a bad schema. Versions
// 1 and 2 read with an empty schema.
inline constexpr uint32_t kManifestFormatVersion = 4;
// What a manifest that names no registered component is written as, so that builds from before
// version 4 still read it.
inline constexpr uint32_t kManifestBuiltinAnalysisVersion = 3;

struct ManifestSegment {
  std::string name;  // file prefix, e.g. "seg_7"
  uint32_t num_docs = 0;
  // The segment's deletion bitmap as of this commit ("" when nothing is deleted): a file named
  // <segment>.del.<generation that wrote it>, so older commits keep theirs.
  std::string deletes;
  uint32_t num_deleted = 0;
};

struct Manifest {
  uint64_t generation = 0;
  AnalyzerOptions analyzer;
  // The fields of the index. Empty for an index written before typed fields (manifest versions
  // 1 and 2), every field of which is text.
  Schema schema;
  std::vector<ManifestSegment> segments;
  uint64_t next_segment_number = 1;  // segment names are never reused
};

// In every function below, `fs` null means FileSystem::Default().
std::string ManifestPath(const std::string& dir, uint64_t generation);
// Generations of the manifest files present in dir, ascending. NotFound if dir does not exist.
Status ListManifestGenerations(const std::string& dir, std::vector<uint64_t>* generations,
                               FileSystem* fs = nullptr);
Status ReadManifest(const std::string& dir, uint64_t generation, Manifest* out,
                    FileSystem* fs = nullptr);
// Reads the newest manifest. NotFound if the directory holds no index.
Status ReadLatestManifest(const std::string& dir, Manifest* out, FileSystem* fs = nullptr);
// Writes manifest-<generation> under a temporary name, fsyncs it, renames it into place and
// fsyncs the directory: after OK the commit is durable; before, it is invisible.
Status WriteManifest(const std::string& dir, const Manifest& manifest, FileSystem* fs = nullptr);

}  // namespace trawl

#endif  // TRAWL_FORMAT_MANIFEST_H_

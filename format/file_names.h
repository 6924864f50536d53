// The names of every file in an index directory, built and recognized here only (as LevelDB's
// db/filename.h). docs/format.md describes each file.
//
//   LOCK                      the writer's lock file (flock), empty
//   manifest-<G>              commit point of generation G (kind MANI)
//   seg_<N>.<suffix>          component files of segment N (format/segment_format.h)
//   seg_<N>.del.<G>           deletion bitmap of segment N written by commit G (kind DELS)
//   seg_pending-<pid>-<n>.store  a document store being written, renamed at flush
#ifndef TRAWL_FORMAT_FILE_NAMES_H_
#define TRAWL_FORMAT_FILE_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace trawl {

inline constexpr std::string_view kLockFileName = "LOCK";
inline constexpr std::string_view kManifestPrefix = "manifest-";
// Every segment file's name starts with this; a writer may remove such a file once no kept
// commit and no segment of its own refers to it.
inline constexpr std::string_view kSegmentPrefix = "seg_";
inline constexpr std::string_view kPendingStorePrefix = "seg_pending-";

inline std::string LockFilePath(const std::string& dir) {
  return dir + "/" + std::string(kLockFileName);
}

inline std::string ManifestFileName(uint64_t generation) {
  return std::string(kManifestPrefix) + std::to_string(generation);
}

// The generation of a manifest file name, or false for any other name (temporary files too).
inline bool ParseManifestFileName(std::string_view name, uint64_t* generation) {
  if (!name.starts_with(kManifestPrefix)) return false;
  const std::string_view digits = name.substr(kManifestPrefix.size());
  if (digits.empty() || digits.size() > 19) return false;
  uint64_t g = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    g = g * 10 + static_cast<uint64_t>(c - '0');
  }
  *generation = g;
  return true;
}

inline std::string SegmentName(uint64_t number) {
  return std::string(kSegmentPrefix) + std::to_string(number);
}

inline std::string DeletesFileName(const std::string& segment, uint64_t generation) {
  return segment + ".del." + std::to_string(generation);
}

inline std::string PendingStoreFileName(long pid, uint64_t n) {
  return std::string(kPendingStorePrefix) + std::to_string(pid) + "-" + std::to_string(n) +
         ".store";
}

inline bool IsSegmentFileName(std::string_view name) { return name.starts_with(kSegmentPrefix); }

}  // namespace trawl

#endif  // TRAWL_FORMAT_FILE_NAMES_H_

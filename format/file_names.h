// The names of every file in an index directory, built and recognized here only (as LevelDB's
// db/filename.h). docs/format.md describes each file.
//
//   LOCK                      the writer's lock file (flock), empty
//   manifest-<G>              commit point of generation G (kind MANI)
//   seg_<N>.<suffix>          component files of segment N (kSegmentFiles in
//                             format/segment_format.h: .meta .dict .post .pos .len .store .col)
//   seg_<N>.del.<G>           deletion bitmap of segment N written by commit G (kind DELS)
//   seg_pending-<pid>-<n>.store  a document store being written, renamed at flush
//   manifest-<G>.tmp          a manifest being written, renamed into place at commit
//
// A writer touches only names these functions recognize exactly: a directory may hold the
// user's own files too (say seg_notes.txt), and those are never an index's to remove.
#ifndef TRAWL_FORMAT_FILE_NAMES_H_
#define TRAWL_FORMAT_FILE_NAMES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "format/segment_format.h"

namespace trawl {

inline constexpr std::string_view kLockFileName = "LOCK";
inline constexpr std::string_view kManifestPrefix = "manifest-";
// Every segment file's name starts with this (but not every name that does is a segment file:
// see IsSegmentFileName).
inline constexpr std::string_view kSegmentPrefix = "seg_";
inline constexpr std::string_view kPendingStorePrefix = "seg_pending-";

inline std::string LockFilePath(const std::string& dir) {
  return dir + "/" + std::string(kLockFileName);
}

inline std::string ManifestFileName(uint64_t generation) {
  return std::string(kManifestPrefix) + std::to_string(generation);
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

inline constexpr std::string_view kManifestTempSuffix = ".tmp";

namespace file_names_internal {
// Strips a run of 1 to 19 decimal digits (a uint64 as std::to_string writes it) from the front
// of *s into *value; false if there is none.
inline bool ConsumeNumber(std::string_view* s, uint64_t* value = nullptr) {
  size_t n = 0;
  uint64_t v = 0;
  for (; n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9'; ++n)
    v = v * 10 + static_cast<uint64_t>((*s)[n] - '0');
  if (n == 0 || n > 19) return false;
  s->remove_prefix(n);
  if (value != nullptr) *value = v;
  return true;
}
inline bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(prefix.size());
  return true;
}
}  // namespace file_names_internal

// Whether `name` is exactly a name a writer gives a segment's files: seg_<N><suffix> for a
// suffix of kSegmentFiles, seg_<N>.del.<G>, or seg_pending-<pid>-<n>.store.
inline bool IsSegmentFileName(std::string_view name) {
  using file_names_internal::ConsumeNumber;
  using file_names_internal::ConsumePrefix;
  if (ConsumePrefix(&name, kPendingStorePrefix)) {
    return ConsumeNumber(&name) && ConsumePrefix(&name, "-") && ConsumeNumber(&name) &&
           name == kStoreFile.suffix;
  }
  if (!ConsumePrefix(&name, kSegmentPrefix) || !ConsumeNumber(&name)) return false;
  if (ConsumePrefix(&name, ".del.")) return ConsumeNumber(&name) && name.empty();
  for (const SegmentFile& f : kSegmentFiles)
    if (name == f.suffix) return true;
  return false;
}

// The generation of a manifest file name, or false for any other name (temporary files too).
inline bool ParseManifestFileName(std::string_view name, uint64_t* generation) {
  using file_names_internal::ConsumeNumber;
  using file_names_internal::ConsumePrefix;
  return ConsumePrefix(&name, kManifestPrefix) && ConsumeNumber(&name, generation) &&
         name.empty();
}

// Whether `name` is a manifest being written (manifest-<G>.tmp).
inline bool IsManifestTempFileName(std::string_view name) {
  using file_names_internal::ConsumeNumber;
  using file_names_internal::ConsumePrefix;
  return ConsumePrefix(&name, kManifestPrefix) && ConsumeNumber(&name) &&
         name == kManifestTempSuffix;
}

// Whether `name` is one that an index directory's files have: the lock, a manifest, a
// manifest being written, or a segment file.
inline bool IsIndexFileName(std::string_view name) {
  uint64_t generation;
  return name == kLockFileName || ParseManifestFileName(name, &generation) ||
         IsManifestTempFileName(name) || IsSegmentFileName(name);
}

}  // namespace trawl

#endif  // TRAWL_FORMAT_FILE_NAMES_H_

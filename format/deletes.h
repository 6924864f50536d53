// Deletion bitmaps: <segment>.del.<generation> (kind DELS) holds the local docids of a
// segment's deleted documents as a portable Roaring bitmap. Each commit that changes a
// segment's deletions writes a new file, so every retained commit keeps its own view.
#ifndef TRAWL_FORMAT_DELETES_H_
#define TRAWL_FORMAT_DELETES_H_

#include <roaring/roaring.h>

#include <string>

#include "trawl/file_system.h"
#include "trawl/status.h"

namespace trawl {

inline constexpr uint32_t kDeletesFormatVersion = 1;
inline constexpr std::string_view kDeletesKind = "DELS";

Status WriteDeletes(const std::string& path, const roaring_bitmap_t* deleted,
                    FileSystem* fs = nullptr);
// Reads and checks (CRC, cardinality, every docid < num_docs). The caller frees *out.
// `fs` null means FileSystem::Default().
Status ReadDeletes(const std::string& path, uint32_t num_docs, uint32_t expected_count,
                   roaring_bitmap_t** out, FileSystem* fs = nullptr);

}  // namespace trawl

#endif  // TRAWL_FORMAT_DELETES_H_

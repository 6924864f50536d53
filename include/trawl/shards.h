// Shard sets: one index split into several index directories ("shards"), searched as one.
//
// A document belongs to exactly one shard, chosen by a stable hash of its id (PartOfId), so that
// N writers given the same inputs build N disjoint shards whose union is the whole input, and an
// update or delete of an id goes to the one shard holding it (trawl-index --part I/N does this).
// Searcher::Open over the shards (a list of directories, or a directory holding shards.json)
// then scores with the statistics of the union: docs/scaling.md.
#ifndef TRAWL_SHARDS_H_
#define TRAWL_SHARDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "trawl/export.h"
#include "trawl/file_system.h"
#include "trawl/status.h"

namespace trawl {

// The file that makes a directory a shard set: {"version": 1, "shards": ["part-0", ...]}, the
// part directories relative to it, in shard order (docs/format.md).
inline constexpr std::string_view kShardsFileName = "shards.json";

// 64-bit FNV-1a of the id's bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the
// same on every platform and in every release, unlike std::hash.
TRAWL_EXPORT uint64_t IdHash(std::string_view id);

// The part, in [0, parts), that the document with this id belongs to: IdHash(id) % parts.
// `parts` must be at least 1. Thread-safe; never fails.
TRAWL_EXPORT uint32_t PartOfId(std::string_view id, uint32_t parts);

// The index directories `dirs` stand for, in order: a directory holding shards.json stands for
// its parts (the names it lists, joined to it), any other for itself. InvalidArgument if `dirs`
// is empty or names a directory twice, Corruption naming shards.json if it is malformed,
// NotSupported for a shards.json of a newer version, the file system's error if a directory
// cannot be listed (a missing one is left for the index's open to report) or shards.json
// cannot be read. `fs` null means FileSystem::Default(). Thread-safe.
TRAWL_EXPORT Status ResolveShards(const std::vector<std::string>& dirs, FileSystem* fs,
                                  std::vector<std::string>* out);

// The text of a shards.json listing `parts` (relative directory names), for writing one.
TRAWL_EXPORT std::string ShardListJson(const std::vector<std::string>& parts);

}  // namespace trawl

#endif  // TRAWL_SHARDS_H_

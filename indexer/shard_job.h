// The state on disk of a shard-set build (trawl-index --mpi, docs/scaling.md "MPI driver"),
// kept apart from MPI so that it can be read and tested alone.
//
// A job builds parts DIR/part-0 .. DIR/part-(P-1) of one shard set. Each part that finished
// (its index committed and its merges done) is recorded by a marker DIR/part-I.committed naming
// the job's part count and inputs fingerprint, written after the part's final commit. A rerun of
// the same job keeps the parts whose marker matches and rebuilds every other part from an empty
// directory; DIR/shards.json is written last, once every part has its marker. Nothing here is
// thread-safe; one process (MPI rank 0) plans the job, and each part is reset and marked by the
// one rank that builds it.
#ifndef TRAWL_INDEXER_SHARD_JOB_H_
#define TRAWL_INDEXER_SHARD_JOB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "trawl/status.h"

namespace trawl {

// "part-7": the directory of part 7, relative to the shard set's directory.
std::string PartDirName(uint32_t part);

// A stable fingerprint (16 hex digits) of what a job indexes: `options_key` (the options that
// change an index's content, as text) and the inputs, each file's path, size and modification
// time (directories walked). A changed input changes it; so does a touched one, which merely
// rebuilds more than needed. An input that cannot be listed contributes its error text, so that
// the run itself reports it.
std::string JobFingerprint(const std::vector<std::string>& inputs, const std::string& options_key);

// What a job has to do in DIR.
struct JobPlan {
  std::vector<uint32_t> to_build;  // parts without a matching marker, in order
  std::vector<uint32_t> reused;    // parts a previous run of this job completed
  std::vector<uint64_t> reused_documents;  // their document counts, as the markers say
};

// Creates DIR if needed and decides which of the `parts` parts must be built. Refuses
// (InvalidArgument, the message saying what to do) a DIR whose shards.json or markers describe
// another part count; a DIR with a complete shard set (shards.json) of other inputs or options,
// which a rebuild would destroy; and, unless `force`, a DIR holding anything but this job's
// files, since resetting a part deletes its directory. Parts whose marker names other inputs
// are rebuilt when the set is incomplete (no shards.json): nothing serves from it yet.
Status PlanJob(const std::string& dir, uint32_t parts, const std::string& fingerprint, bool force,
               JobPlan* plan);

// Deletes part `part`'s marker and directory, so that the part is built from empty.
Status ResetPart(const std::string& dir, uint32_t part);

// Records durably (temporary file, fsync, rename, fsync of DIR) that part `part` of a job of
// `parts` parts with this fingerprint committed `documents` documents.
Status WritePartMarker(const std::string& dir, uint32_t part, uint32_t parts,
                       const std::string& fingerprint, uint64_t documents);

// Writes DIR/shards.json naming part-0 .. part-(parts-1), durably and atomically (readers see
// the old file or the new one).
Status WriteShardSet(const std::string& dir, uint32_t parts);

}  // namespace trawl

#endif  // TRAWL_INDEXER_SHARD_JOB_H_

// trawl-index --mpi: one shard set built by the ranks of an MPI job (docs/scaling.md, "MPI
// driver"). `mpirun -np R trawl-index --mpi --parts P --index DIR INPUT...` builds DIR/part-0 ..
// DIR/part-(P-1), each as `trawl-index --part I/P --index DIR/part-I INPUT...` would, and writes
// DIR/shards.json once every part has committed.
//
// Rank 0 hands parts out one at a time to whichever rank asks (itself included, on a second
// thread), so a slow part or a slow machine does not hold up the others. Parts that a previous
// run of the same job completed are kept (indexer/shard_job.h). MPI lives only in
// mpi_driver.cc, and only in trawl-index: libtrawl never sees it.
#ifndef TRAWL_INDEXER_MPI_DRIVER_H_
#define TRAWL_INDEXER_MPI_DRIVER_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trawl {

// How building one part ended: trawl-index's exit status (0, 1 failed, 2 committed with input
// skipped), why it failed, the documents committed and the part's --json-summary object.
struct PartOutcome {
  int exit_code = 1;
  std::string error;
  uint64_t documents = 0;
  nlohmann::ordered_json summary;
};

struct MpiJob {
  std::string index_dir;
  uint32_t parts = 0;  // 0: one part per rank
  std::vector<std::string> inputs;
  // The options that change what an index holds, as text: with the inputs, the fingerprint
  // that tells a rerun of this job from another job.
  std::string options_key;
  bool force = false;
  bool quiet = false;
  bool json_summary = false;
  // Builds part `part` of `parts` into `part_dir`, a directory that does not exist. Called on
  // any rank, and on rank 0 from a thread of its own; must not use MPI.
  std::function<PartOutcome(const std::string& part_dir, uint32_t part, uint32_t parts)>
      build_part;
};

// Whether this trawl-index was built with MPI (the CMake option TRAWL_MPI).
bool MpiBuilt();

// Runs the job on this rank; initializes and finalizes MPI. Returns the job's exit status, the
// same on every rank: 0 every part committed and shards.json written, 2 the same with input
// skipped in some part, 1 something failed (rank 0 names the part and the cause on stderr; the
// parts that committed are kept for a rerun, no shards.json is written).
int RunMpiJob(int argc, char** argv, const MpiJob& job);

}  // namespace trawl

#endif  // TRAWL_INDEXER_MPI_DRIVER_H_

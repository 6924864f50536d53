// What one commit of an index is made of on disk, and an online backup of it.
//
// Segment files are immutable and a commit is a manifest naming them, so a copy of one
// commit's files (hard links where the file system allows) is a consistent index even while a
// writer goes on adding and committing: nothing the commit names is ever rewritten, only
// deleted once no kept commit names it (IndexWriterOptions::keep_commits), and a backup that
// loses that race starts again from the newest commit.
#ifndef TRAWL_BACKUP_H_
#define TRAWL_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

struct CommitFiles {
  uint64_t generation = 0;
  uint64_t segments = 0;
  uint64_t documents = 0;  // live documents
  // File names relative to the index directory: every segment file, then the manifest last.
  std::vector<std::string> files;
  uint64_t bytes = 0;  // the files' sizes added up
};

// The files of the newest commit in `dir`. NotFound if there is no index there; Corruption if
// the manifest is damaged; IOError if a file it names cannot be examined (a concurrent writer
// may just have deleted it: call again).
TRAWL_EXPORT Status ListCommitFiles(const std::string& dir, CommitFiles* out);

struct BackupResult {
  CommitFiles commit;  // what was backed up
  uint64_t linked = 0;  // files hard-linked
  uint64_t copied = 0;  // files copied (linking failed: another file system, no permission)
};

// Backs up the newest commit of the index in `dir` into `dest`, which is created (with its
// parents) and must not exist as anything but an empty directory: InvalidArgument otherwise,
// so that a backup never mixes into other files. Each file is hard-linked, or copied and
// fsynced when linking fails; the manifest comes last, so a `dest` left by a crash mid-way has
// no commit and opens as no index. If a writer deletes a file of the commit while it is being
// backed up, `dest` is emptied and the backup retried with the newest commit (a few times,
// then Busy). Safe to call while a writer in this or another process commits.
TRAWL_EXPORT Status BackupIndex(const std::string& dir, const std::string& dest,
                                BackupResult* result);

}  // namespace trawl

#endif  // TRAWL_BACKUP_H_

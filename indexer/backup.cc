// ListCommitFiles and BackupIndex (trawl/backup.h). Links and copies go straight to the
// operating system, not through FileSystem, which has no hard link: a backup reads an index,
// it never changes one, so the fault-injection tests of the writer lose nothing.
#include "trawl/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

#include "format/file_names.h"
#include "format/manifest.h"
#include "format/segment_format.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

// How often a backup starts again after a writer removed a file of its commit: each retry
// takes the newest commit, which stays for keep_commits more commits.
constexpr int kBackupAttempts = 5;

// Every file of one segment as of a commit: its components that exist (older segments lack
// some) and the commit's deletion file.
Status AddSegmentFiles(const std::string& dir, const ManifestSegment& segment, CommitFiles* out) {
  for (const SegmentFile& file : kSegmentFiles) {
    const std::string name = segment.name + std::string(file.suffix);
    std::error_code ec;
    const uintmax_t size = fs::file_size(fs::path(dir) / name, ec);
    if (ec == std::errc::no_such_file_or_directory) continue;
    if (ec) return Status::IOError(dir + "/" + name + ": " + ec.message());
    out->files.push_back(name);
    out->bytes += size;
  }
  if (!segment.deletes.empty()) {
    std::error_code ec;
    const uintmax_t size = fs::file_size(fs::path(dir) / segment.deletes, ec);
    if (ec) return Status::IOError(dir + "/" + segment.deletes + ": " + ec.message());
    out->files.push_back(segment.deletes);
    out->bytes += size;
  }
  return Status::OK();
}

Status CopyFile(const fs::path& from, const fs::path& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Status::IOError(from.string() + ": " + std::generic_category().message(errno));
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    ::close(in);
    return Status::IOError(to.string() + ": " + std::generic_category().message(err));
  }
  Status s;
  char buf[1 << 16];
  while (s.ok()) {
    const ssize_t got = ::read(in, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) s = Status::IOError(from.string() + ": " + std::generic_category().message(errno));
    if (got <= 0) break;
    for (ssize_t done = 0; s.ok() && done < got;) {
      const ssize_t put = ::write(out, buf + done, static_cast<size_t>(got - done));
      if (put < 0 && errno == EINTR) continue;
      if (put < 0) s = Status::IOError(to.string() + ": " + std::generic_category().message(errno));
      else done += put;
    }
  }
  if (s.ok() && ::fsync(out) != 0) {
    s = Status::IOError(to.string() + ": fsync: " + std::generic_category().message(errno));
  }
  ::close(out);
  ::close(in);
  return s;
}

void SyncDirectory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// `dest` as an empty directory: created if missing, refused if it holds anything.
Status PrepareDestination(const std::string& dest) {
  std::error_code ec;
  const fs::file_status st = fs::status(dest, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) return Status::InvalidArgument(dest + ": exists and is not a directory");
    if (!fs::is_empty(dest, ec)) {
      return Status::InvalidArgument(dest + ": not empty (a backup goes into a new or empty directory)");
    }
    if (ec) return Status::IOError(dest + ": " + ec.message());
    return Status::OK();
  }
  fs::create_directories(dest, ec);
  if (ec) return Status::IOError(dest + ": " + ec.message());
  return Status::OK();
}

// One attempt; *vanished when a file of the commit was removed by a concurrent writer.
Status BackupOnce(const std::string& dir, const std::string& dest, BackupResult* result,
                  bool* vanished) {
  *result = BackupResult();
  *vanished = false;
  const Status listed = ListCommitFiles(dir, &result->commit);
  // A missing file of a listed commit means a writer dropped that commit meanwhile (manifests
  // go first, so the manifest is linked last and a dropped commit cannot slip through).
  if (listed.code() == Status::Code::kIOError) *vanished = true;
  TRAWL_RETURN_IF_ERROR(listed);
  for (const std::string& name : result->commit.files) {
    const fs::path from = fs::path(dir) / name;
    const fs::path to = fs::path(dest) / name;
    std::error_code ec;
    fs::create_hard_link(from, to, ec);
    if (!ec) {
      ++result->linked;
      continue;
    }
    if (!fs::exists(from)) {
      *vanished = true;
      return Status::NotFound(from.string() + ": removed by a newer commit");
    }
    const Status copied = CopyFile(from, to);
    if (!copied.ok() && !fs::exists(from)) {
      *vanished = true;
      return Status::NotFound(from.string() + ": removed by a newer commit");
    }
    TRAWL_RETURN_IF_ERROR(copied);
    ++result->copied;
  }
  SyncDirectory(dest);
  return Status::OK();
}

void EmptyDirectory(const std::string& dest) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dest, ec)) {
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
  }
}

}  // namespace

Status ListCommitFiles(const std::string& dir, CommitFiles* out) {
  *out = CommitFiles();
  Manifest manifest;
  TRAWL_RETURN_IF_ERROR(ReadLatestManifest(dir, &manifest));
  out->generation = manifest.generation;
  out->segments = manifest.segments.size();
  for (const ManifestSegment& segment : manifest.segments) {
    out->documents += segment.num_docs - segment.num_deleted;
    TRAWL_RETURN_IF_ERROR(AddSegmentFiles(dir, segment, out));
  }
  const std::string name = ManifestFileName(manifest.generation);
  std::error_code ec;
  const uintmax_t size = fs::file_size(fs::path(dir) / name, ec);
  if (ec) return Status::IOError(dir + "/" + name + ": " + ec.message());
  out->files.push_back(name);
  out->bytes += size;
  return Status::OK();
}

Status BackupIndex(const std::string& dir, const std::string& dest, BackupResult* result) {
  BackupResult ignored;
  if (result == nullptr) result = &ignored;
  std::error_code ec;
  if (fs::exists(dest, ec) && fs::exists(dir, ec) && fs::equivalent(dir, dest, ec)) {
    return Status::InvalidArgument(dest + ": is the index directory itself");
  }
  TRAWL_RETURN_IF_ERROR(PrepareDestination(dest));
  for (int attempt = 0; attempt < kBackupAttempts; ++attempt) {
    bool vanished = false;
    const Status s = BackupOnce(dir, dest, result, &vanished);
    if (!vanished) return s;
    EmptyDirectory(dest);
  }
  return Status::Busy(dir + ": commits follow each other faster than a backup can link them");
}

}  // namespace trawl

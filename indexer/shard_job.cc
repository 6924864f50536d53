// The on-disk state of a shard-set build: markers of committed parts, the plan of a rerun, and
// shards.json written last (indexer/shard_job.h).
#include "indexer/shard_job.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "trawl/file_system.h"
#include "trawl/shards.h"

namespace trawl {

namespace fs = std::filesystem;

namespace {

constexpr char kMarkerSuffix[] = ".committed";
constexpr char kTempSuffix[] = ".tmp";
constexpr int kMarkerVersion = 1;

std::string Join(const std::string& dir, const std::string& name) { return dir + "/" + name; }

std::string MarkerName(uint32_t part) { return PartDirName(part) + kMarkerSuffix; }

// The number in "part-12" or "part-12.committed" (with `suffix`), if `name` is one.
std::optional<uint32_t> PartNumber(const std::string& name, std::string_view suffix) {
  constexpr std::string_view kPrefix = "part-";
  if (!name.starts_with(kPrefix) || !name.ends_with(suffix)) return std::nullopt;
  const std::string_view digits =
      std::string_view(name).substr(kPrefix.size(), name.size() - kPrefix.size() - suffix.size());
  if (digits.empty() || digits.size() > 7 || (digits.size() > 1 && digits[0] == '0'))
    return std::nullopt;
  uint32_t n = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

// Writes `text` to DIR/NAME so that a reader (or a crash) sees the old file or the whole new
// one: a temporary file, synced, renamed over it, and the directory synced.
Status WriteFileDurably(const std::string& dir, const std::string& name, const std::string& text) {
  FileSystem* fs = FileSystem::Default();
  const std::string path = Join(dir, name);
  const std::string temp = path + kTempSuffix;
  std::unique_ptr<WritableFile> file;
  TRAWL_RETURN_IF_ERROR(fs->NewWritableFile(temp, &file));
  TRAWL_RETURN_IF_ERROR(file->Append(text));
  TRAWL_RETURN_IF_ERROR(file->Sync());
  TRAWL_RETURN_IF_ERROR(file->Close());
  TRAWL_RETURN_IF_ERROR(fs->RenameFile(temp, path));
  return fs->SyncDirectory(dir);
}

struct Marker {
  uint32_t parts = 0;
  std::string fingerprint;
  uint64_t documents = 0;
};

// A marker that cannot be read or parsed is taken as absent: its part is rebuilt.
std::optional<Marker> ReadMarker(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("version", 0) != kMarkerVersion) return std::nullopt;
  const auto parts = j.find("parts");
  const auto fingerprint = j.find("fingerprint");
  const auto documents = j.find("documents");
  if (parts == j.end() || !parts->is_number_unsigned() || fingerprint == j.end() ||
      !fingerprint->is_string() || documents == j.end() || !documents->is_number_unsigned())
    return std::nullopt;
  return Marker{parts->get<uint32_t>(), fingerprint->get<std::string>(),
                documents->get<uint64_t>()};
}

void HashInto(uint64_t* h, std::string_view text) {
  // FNV-1a continued over several pieces; a length first keeps ("ab","c") apart from ("a","bc").
  const std::string length = std::to_string(text.size()) + ":";
  for (const std::string_view piece : {std::string_view(length), text}) {
    for (const char c : piece) {
      *h ^= static_cast<unsigned char>(c);
      *h *= 0x100000001b3ULL;
    }
  }
}

void HashFile(uint64_t* h, const fs::path& path, const fs::directory_entry& entry) {
  std::error_code ec;
  HashInto(h, path.string());
  const uintmax_t size = entry.file_size(ec);
  HashInto(h, ec ? ec.message() : std::to_string(size));
  const auto mtime = entry.last_write_time(ec);
  HashInto(h, ec ? ec.message() : std::to_string(mtime.time_since_epoch().count()));
}

}  // namespace

std::string PartDirName(uint32_t part) { return "part-" + std::to_string(part); }

std::string JobFingerprint(const std::vector<std::string>& inputs, const std::string& options_key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  HashInto(&h, options_key);
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::directory_entry top(input, ec);
    if (ec || !top.is_directory(ec)) {
      HashFile(&h, input, top);
      continue;
    }
    // The walk's order depends on the file system; sorted, the fingerprint does not.
    std::vector<fs::directory_entry> files;
    for (fs::recursive_directory_iterator it(input, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_directory(ec)) files.push_back(*it);
    }
    if (ec) HashInto(&h, input + ": " + ec.message());
    std::sort(files.begin(), files.end(),
              [](const auto& a, const auto& b) { return a.path() < b.path(); });
    for (const fs::directory_entry& file : files) HashFile(&h, file.path(), file);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016" PRIx64, h);
  return hex;
}

Status PlanJob(const std::string& dir, uint32_t parts, const std::string& fingerprint, bool force,
               JobPlan* plan) {
  *plan = JobPlan();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create: " + ec.message());
  std::vector<std::string> names;
  TRAWL_RETURN_IF_ERROR(FileSystem::Default()->GetChildren(dir, &names));

  bool has_shard_list = false;
  std::map<uint32_t, Marker> markers;
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    if (name == kShardsFileName) {
      has_shard_list = true;
    } else if (const auto part = PartNumber(name, kMarkerSuffix)) {
      if (const auto marker = ReadMarker(Join(dir, name))) markers[*part] = *marker;
    } else if (!PartNumber(name, "") && !name.ends_with(kTempSuffix) && !force) {
      return Status::InvalidArgument(
          dir + " holds " + name +
          ", which is not part of a shard set built by --mpi; a rebuild deletes part "
          "directories, so give an empty or new directory (or --force)");
    }
  }

  const std::string redo = " (a shard set cannot be re-sharded; index into a new directory)";
  for (const auto& [part, marker] : markers) {
    if (marker.parts != parts) {
      return Status::InvalidArgument(dir + " holds parts of a job with --parts " +
                                     std::to_string(marker.parts) + " (" + MarkerName(part) +
                                     "), not " + std::to_string(parts) + redo);
    }
  }
  if (has_shard_list) {
    std::vector<std::string> listed;
    TRAWL_RETURN_IF_ERROR(ResolveShards({dir}, nullptr, &listed));
    if (listed.size() != parts) {
      return Status::InvalidArgument(dir + "/shards.json lists " + std::to_string(listed.size()) +
                                     " parts, not " + std::to_string(parts) + redo);
    }
    if (markers.empty()) {
      return Status::InvalidArgument(dir + " holds a shard set that --mpi did not build (no " +
                                     MarkerName(0) +
                                     "); index into a new directory");
    }
    for (const auto& [part, marker] : markers) {
      if (marker.fingerprint != fingerprint) {
        return Status::InvalidArgument(
            dir + " holds a complete shard set built from other inputs or options (" +
            MarkerName(part) +
            "); a rebuild would replace it: remove it first or index into a new directory");
      }
    }
  }

  for (uint32_t part = 0; part < parts; ++part) {
    const auto it = markers.find(part);
    if (it != markers.end() && it->second.fingerprint == fingerprint) {
      plan->reused.push_back(part);
      plan->reused_documents.push_back(it->second.documents);
    } else {
      plan->to_build.push_back(part);
    }
  }
  return Status::OK();
}

Status ResetPart(const std::string& dir, uint32_t part) {
  std::error_code ec;
  const std::string marker = Join(dir, MarkerName(part));
  fs::remove(marker, ec);
  if (ec) return Status::IOError(marker + ": cannot remove: " + ec.message());
  const std::string part_dir = Join(dir, PartDirName(part));
  fs::remove_all(part_dir, ec);
  if (ec) return Status::IOError(part_dir + ": cannot remove: " + ec.message());
  // The removal must reach the disk before the part's new files do: a crash must not leave a
  // marker beside a half-built directory.
  return FileSystem::Default()->SyncDirectory(dir);
}

Status WritePartMarker(const std::string& dir, uint32_t part, uint32_t parts,
                       const std::string& fingerprint, uint64_t documents) {
  nlohmann::ordered_json j;
  j["version"] = kMarkerVersion;
  j["part"] = part;
  j["parts"] = parts;
  j["fingerprint"] = fingerprint;
  j["documents"] = documents;
  return WriteFileDurably(dir, MarkerName(part), j.dump() + "\n");
}

Status WriteShardSet(const std::string& dir, uint32_t parts) {
  std::vector<std::string> names;
  for (uint32_t part = 0; part < parts; ++part) names.push_back(PartDirName(part));
  return WriteFileDurably(dir, std::string(kShardsFileName), ShardListJson(names));
}

}  // namespace trawl

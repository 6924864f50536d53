// Shard sets (include/trawl/shards.h): the id hash that assigns documents to parts, and
// shards.json, the file that makes a directory the union of its parts (docs/format.md).
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "format/file_format.h"
#include "trawl/shards.h"

namespace trawl {

namespace {

// The shards.json format version this build reads and writes.
constexpr int kShardListVersion = 1;

// The part directories a shards.json lists, relative to it; Corruption naming the file for
// anything else.
Status ParseShardList(const std::string& path, const std::string& text,
                      std::vector<std::string>* parts) {
  auto corrupt = [&](const std::string& why) { return Status::Corruption(path + ": " + why); };
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return corrupt("not a JSON object");
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) return corrupt("no \"version\"");
  if (version->get<int64_t>() != kShardListVersion) {
    return Status::NotSupported(path + ": version " + version->dump() + " (this build reads " +
                                std::to_string(kShardListVersion) + ")");
  }
  const auto shards = j.find("shards");
  if (shards == j.end() || !shards->is_array() || shards->empty())
    return corrupt("\"shards\" must be a non-empty array of directory names");
  for (const auto& part : *shards) {
    if (!part.is_string()) return corrupt("\"shards\" must be a non-empty array of directory names");
    const std::string name = part.get<std::string>();
    // Relative and inside the set's directory, so that the set can be moved or copied whole.
    const std::filesystem::path p(name);
    if (name.empty() || p.is_absolute() || p.lexically_normal().string().starts_with(".."))
      return corrupt("shard '" + name + "' is not a directory inside " + path);
    parts->push_back(name);
  }
  return Status::OK();
}

}  // namespace

uint64_t IdHash(std::string_view id) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : id) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

uint32_t PartOfId(std::string_view id, uint32_t parts) {
  return parts <= 1 ? 0 : static_cast<uint32_t>(IdHash(id) % parts);
}

Status ResolveShards(const std::vector<std::string>& dirs, FileSystem* fs,
                     std::vector<std::string>* out) {
  out->clear();
  if (dirs.empty()) return Status::InvalidArgument("no index directory given");
  std::vector<std::string> resolved;
  if (fs == nullptr) fs = FileSystem::Default();
  for (const std::string& dir : dirs) {
    // A directory that is not there is taken as an index, whose open then says so.
    std::vector<std::string> names;
    Status listed = fs->GetChildren(dir, &names);
    if (!listed.ok() && !listed.IsNotFound()) return listed;
    if (std::find(names.begin(), names.end(), kShardsFileName) == names.end()) {
      resolved.push_back(dir);
      continue;
    }
    const std::string path = dir + "/" + std::string(kShardsFileName);
    std::string text;
    TRAWL_RETURN_IF_ERROR(ReadFileToString(path, &text, fs));
    std::vector<std::string> parts;
    TRAWL_RETURN_IF_ERROR(ParseShardList(path, text, &parts));
    for (const std::string& part : parts) resolved.push_back(dir + "/" + part);
  }
  // A shard given twice would count its documents twice in every statistic.
  std::set<std::string> seen;
  for (const std::string& dir : resolved) {
    std::string key = std::filesystem::path(dir).lexically_normal().string();
    while (key.size() > 1 && key.back() == '/') key.pop_back();
    if (!seen.insert(key).second)
      return Status::InvalidArgument("index directory " + dir + " given twice");
  }
  *out = std::move(resolved);
  return Status::OK();
}

std::string ShardListJson(const std::vector<std::string>& parts) {
  nlohmann::json j;
  j["version"] = kShardListVersion;
  j["shards"] = parts;
  return j.dump() + "\n";
}

}  // namespace trawl

#include "server/shard_map.h"

#include <nlohmann/json.hpp>
#include <set>

namespace trawl::serve {

std::string ParseShardMap(const std::string& text, ShardMap* out) {
  *out = ShardMap();
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return "not a JSON object";
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != 1)
    return "version: expected 1";
  const auto shards = j.find("shards");
  if (shards == j.end() || !shards->is_array() || shards->empty())
    return "shards: expected a non-empty array";
  std::set<std::string> names;
  for (size_t i = 0; i < shards->size(); ++i) {
    const nlohmann::json& s = (*shards)[i];
    const std::string path = "shards[" + std::to_string(i) + "]";
    if (!s.is_object()) return path + ": expected {\"name\": ..., \"leaves\": [URL, ...]}";
    ShardMap::Shard shard;
    shard.name = "shard-" + std::to_string(i);
    if (const auto name = s.find("name"); name != s.end()) {
      if (!name->is_string() || name->get<std::string>().empty())
        return path + ".name: expected a non-empty string";
      shard.name = name->get<std::string>();
    }
    if (!names.insert(shard.name).second) return path + ".name: '" + shard.name + "' given twice";
    const auto leaves = s.find("leaves");
    if (leaves == s.end() || !leaves->is_array() || leaves->empty())
      return path + ".leaves: expected a non-empty array of URLs";
    for (const nlohmann::json& leaf : *leaves) {
      if (!leaf.is_string()) return path + ".leaves: expected URLs (strings)";
      std::string url = leaf.get<std::string>();
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (url.rfind("http://", 0) != 0 || url.size() <= 7)
        return path + ".leaves: '" + url + "' is not an http://HOST:PORT URL";
      shard.leaves.push_back(std::move(url));
    }
    for (auto it = s.begin(); it != s.end(); ++it) {
      if (it.key() != "name" && it.key() != "leaves")
        return path + ": unknown member '" + it.key() + "'";
    }
    out->shards.push_back(std::move(shard));
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "version" && it.key() != "shards") return "unknown member '" + it.key() + "'";
  }
  return std::string();
}

}  // namespace trawl::serve

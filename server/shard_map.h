// The shards file of a root trawl-serve (--shards FILE): which leaves serve which shard.
//   {"version": 1,
//    "shards": [{"name": "part-0", "leaves": ["http://10.0.0.1:8080", "http://10.0.0.2:8080"]},
//               {"name": "part-1", "leaves": ["http://10.0.0.3:8080"]}]}
// Shards in the order their ties fall (as Searcher::Open's); each with one or more leaves,
// replicas serving copies of the same shard index, tried in turn. docs/scaling.md has more.
#ifndef TRAWL_SERVER_SHARD_MAP_H_
#define TRAWL_SERVER_SHARD_MAP_H_

#include <string>
#include <vector>

namespace trawl::serve {

struct ShardMap {
  struct Shard {
    std::string name;                 // as answers name a missing shard
    std::vector<std::string> leaves;  // "http://HOST:PORT", in the order they are tried
  };
  std::vector<Shard> shards;
};

// Parses a shards file's text. The first thing wrong (naming the member), or an empty string.
std::string ParseShardMap(const std::string& text, ShardMap* out);

}  // namespace trawl::serve

#endif  // TRAWL_SERVER_SHARD_MAP_H_

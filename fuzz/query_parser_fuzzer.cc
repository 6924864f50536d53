// Fuzz target: the query parser on arbitrary bytes. Every input either parses or fails with
// InvalidArgument, and a tree that parses prints (ToString) as a query that parses back to the
// same text: the round trip the parser documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "searcher/query_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<trawl::QueryNode> tree;
  const trawl::Status s = trawl::ParseQuery(query, &tree);
  if (!s.ok()) {
    if (!s.IsInvalidArgument() || tree != nullptr) std::abort();
    return 0;
  }
  if (tree == nullptr) std::abort();
  const std::string printed = tree->ToString();
  std::unique_ptr<trawl::QueryNode> again;
  if (!trawl::ParseQuery(printed, &again).ok() || again->ToString() != printed) std::abort();
  return 0;
}

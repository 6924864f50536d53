// Document: what trawl indexes and stores.
#ifndef TRAWL_DOCUMENT_H_
#define TRAWL_DOCUMENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trawl {

struct Document {
  // The external key, unique within an index: adding a document whose id exists replaces it.
  std::string id;
  // Text fields in input order, e.g. {"title", ...}, {"body", ...}. Every field is analyzed,
  // indexed under its name, and stored. Names are [A-Za-z_][A-Za-z0-9_.]*; "id" is reserved.
  std::vector<std::pair<std::string, std::string>> fields;

  // The value of the first field called `name`, or an empty view.
  std::string_view Field(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (n == name) return v;
    return {};
  }
};

}  // namespace trawl

#endif  // TRAWL_DOCUMENT_H_

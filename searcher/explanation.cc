#include "trawl/explanation.h"

#include "searcher/explain.h"

namespace trawl {

namespace {

void Render(const Explanation& e, int depth, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(Fmt(e.value));
  out->push_back(' ');
  out->append(e.description);
  out->push_back('\n');
  for (const Explanation& detail : e.details) Render(detail, depth + 1, out);
}

}  // namespace

std::string Explanation::ToString() const {
  std::string out;
  Render(*this, 0, &out);
  return out;
}

}  // namespace trawl

// Building Weight::Explain's trees (trawl/explanation.h): numbers as the text form shows them,
// and the terms of one BM25 match.
#ifndef TRAWL_SEARCHER_EXPLAIN_H_
#define TRAWL_SEARCHER_EXPLAIN_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "searcher/scorer.h"
#include "trawl/explanation.h"

namespace trawl {

inline std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

inline Explanation Explained(double value, std::string description,
                             std::vector<Explanation> details = {}) {
  Explanation e;
  e.value = value;
  e.description = std::move(description);
  e.details = std::move(details);
  return e;
}

// The BM25 terms of one field match, as details.
inline std::vector<Explanation> Bm25Details(const Bm25& bm25, double idf, double tf,
                                            const char* tf_name, uint32_t dl) {
  const double norm = bm25.Norm(dl);
  std::vector<Explanation> out;
  out.push_back(Explained(idf, "idf"));
  out.push_back(Explained(tf, tf_name));
  out.push_back(Explained(dl, "dl (field length), " + Fmt(bm25.avgdl) + " avgdl, k1 " +
                                  Fmt(bm25.k1) + ", b " + Fmt(bm25.b) + ": tf·(k1+1)/(tf + " +
                                  Fmt(norm) + ") = " + Fmt(tf * (bm25.k1 + 1) / (tf + norm))));
  return out;
}

}  // namespace trawl

#endif  // TRAWL_SEARCHER_EXPLAIN_H_

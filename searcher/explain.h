// The text of Weight::Explain: numbers, indented lines, and the terms of one BM25 match.
#ifndef TRAWL_SEARCHER_EXPLAIN_H_
#define TRAWL_SEARCHER_EXPLAIN_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "searcher/scorer.h"

namespace trawl {

inline std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

inline void Line(int depth, const std::string& text, std::string* out) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  out->append(text);
  out->push_back('\n');
}

// The BM25 terms of one field match, as a subtree.
inline void ExplainBm25(const Bm25& bm25, double idf, double tf, const char* tf_name, uint32_t dl,
                        int depth, std::string* out) {
  const double norm = bm25.Norm(dl);
  Line(depth + 1, Fmt(idf) + " idf", out);
  Line(depth + 1, Fmt(tf) + " " + tf_name, out);
  Line(depth + 1,
       Fmt(dl) + " dl (field length), " + Fmt(bm25.avgdl) + " avgdl, k1 " + Fmt(bm25.k1) + ", b " +
           Fmt(bm25.b) + ": tf·(k1+1)/(tf + " + Fmt(norm) +
           ") = " + Fmt(tf * (bm25.k1 + 1) / (tf + norm)),
       out);
}

}  // namespace trawl

#endif  // TRAWL_SEARCHER_EXPLAIN_H_

// Explanation: why a hit scores what it does, as a tree a program can show or walk (Lucene's
// Explanation). Filled per hit when SearchOptions::explain is set (Hit::explain_tree).
#ifndef TRAWL_EXPLANATION_H_
#define TRAWL_EXPLANATION_H_

#include <string>
#include <vector>

#include "trawl/export.h"

namespace trawl {

struct TRAWL_EXPORT Explanation {
  // The score of this part of the query, or the number a detail names (an idf, a term
  // frequency, a field length). A hit's top explanation has its score as value.
  double value = 0;
  // What the value is: "sum of:", "body:fox (BM25; df 3, N 10)", "idf" and the like. Meant for
  // people; its wording may change between versions.
  std::string description;
  // The parts the value is made of: a sum's clauses, or the inputs of one BM25 formula.
  std::vector<Explanation> details;

  // The text form (Hit::explanation): one line per node, "<value> <description>", values in
  // six significant digits, each level of details indented by two more spaces.
  std::string ToString() const;
};

}  // namespace trawl

#endif  // TRAWL_EXPLANATION_H_

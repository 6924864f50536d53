// The cost of opening an index: what a process pays before its first query, and what a
// searcher manager pays at every refresh that finds a new commit.
//
//   trawl-open-bench INDEXDIR [--opens N] [--verify-checksums]
//
// Opens the index N times (default 21) after one untimed open that warms the page cache, and
// prints the median, minimum and maximum open time in microseconds. --verify-checksums opens
// with SearcherOptions::verify_checksums (every byte of every file read once), for comparison.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "trawl/searcher.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: trawl-open-bench INDEXDIR [--opens N] [--verify-checksums]\n";
    return 2;
  }
  const std::string dir = argv[1];
  int opens = 21;
  trawl::SearcherOptions options;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--opens" && i + 1 < argc) {
      opens = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--verify-checksums") {
      options.verify_checksums = true;
    } else {
      std::cerr << "trawl-open-bench: unknown argument " << arg << "\n";
      return 2;
    }
  }
  std::vector<double> micros;
  for (int i = 0; i <= opens; ++i) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<trawl::Searcher> searcher;
    const trawl::Status s = trawl::Searcher::Open(dir, options, &searcher);
    const auto took = std::chrono::steady_clock::now() - start;
    if (!s.ok()) {
      std::cerr << "trawl-open-bench: " << s.ToString() << "\n";
      return 1;
    }
    if (i > 0) micros.push_back(std::chrono::duration<double, std::micro>(took).count());
  }
  std::sort(micros.begin(), micros.end());
  std::cout << "opens " << micros.size() << ": median " << micros[micros.size() / 2]
            << " us, min " << micros.front() << " us, max " << micros.back() << " us\n";
  return 0;
}

// trawl-commit-latency-bench: how long Add and Commit take while merges run, with merges on
// the writer's background thread or inside Commit (IndexWriterOptions::merge_in_background).
//
//   trawl-commit-latency-bench FILE.jsonl --dir DIR [--commit-every N] [--merge-in-commit]
//                              [--memory-mb M] [--threads T] [--merge-factor F] [--max-docs N]
//                              [--merging-commits FILE]
//
// Indexes the JSONL lines ({"id": ..., <field>: "...", ...}: every string member but "id" a
// field, as trawl-index does) into a new index DIR, committing after every N documents
// (default 2000), and timing each Add and each Commit call alone (parsing is outside the
// timings). Then it waits for the merges still due (WaitForMerges, timed apart). Prints the
// distribution (p50, p90, p99, p99.9, max) of each, the wall time, and the commits (generations)
// the writer made: with background merges each merge is a commit of its own. DIR is removed
// first and left in place.
//
// --merging-commits FILE compares the commits that merge: with --merge-in-commit, the numbers of
// the commits that merged (fewer segments after them than before plus one, read from the
// manifest outside the timings) are written to FILE and their latencies printed apart; without
// it, FILE is read and the latencies of the commits with those numbers are printed (with one
// indexing thread, a run commits the same segments each time, so these are the commits that
// would have merged).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "format/manifest.h"
#include "trawl/index_writer.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

void PrintDistribution(const char* what, std::vector<double> us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  double total = 0;
  for (double u : us) total += u;
  std::printf("%-7s n=%-7zu p50 %10.1f us  p90 %10.1f us  p99 %10.1f us  p99.9 %10.1f us  "
              "max %12.1f us  total %8.2f s\n",
              what, us.size(), at(0.5), at(0.9), at(0.99), at(0.999), us.back(), total / 1e6);
}

int Usage() {
  std::cerr << "usage: trawl-commit-latency-bench FILE.jsonl --dir DIR [--commit-every N] "
               "[--merge-in-commit] [--memory-mb M] [--threads T] [--merge-factor F] "
               "[--max-docs N] [--merging-commits FILE]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, dir, merging_file;
  uint64_t commit_every = 2000, max_docs = UINT64_MAX;
  trawl::IndexWriterOptions options;
  options.memory_budget_bytes = size_t{64} << 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) std::exit(Usage());
      return argv[++i];
    };
    if (arg == "--dir") dir = value();
    else if (arg == "--commit-every") commit_every = std::stoull(value());
    else if (arg == "--merge-in-commit") options.merge_in_background = false;
    else if (arg == "--memory-mb") options.memory_budget_bytes = std::stoull(value()) << 20;
    else if (arg == "--threads") options.threads = static_cast<uint32_t>(std::stoul(value()));
    else if (arg == "--merge-factor") options.merge_factor = static_cast<uint32_t>(std::stoul(value()));
    else if (arg == "--max-docs") max_docs = std::stoull(value());
    else if (arg == "--merging-commits") merging_file = value();
    else if (!arg.starts_with("--") && input.empty()) input = arg;
    else return Usage();
  }
  if (input.empty() || dir.empty() || commit_every == 0) return Usage();
  std::filesystem::remove_all(dir);

  const Clock::time_point start = Clock::now();
  std::unique_ptr<trawl::IndexWriter> writer;
  trawl::Status s = trawl::IndexWriter::Open(dir, options, &writer);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  std::vector<double> adds, commits;
  std::vector<size_t> merging;  // commit numbers (from 1) that merged inside Commit
  size_t segments = 0;
  auto note_merges = [&] {
    if (merging_file.empty() || options.merge_in_background) return;
    trawl::Manifest m;
    if (!trawl::ReadLatestManifest(dir, &m).ok()) return;
    if (m.segments.size() < segments + 1) merging.push_back(commits.size());
    segments = m.segments.size();
  };
  std::ifstream in(input);
  std::string line;
  uint64_t docs = 0;
  while (docs < max_docs && std::getline(in, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    trawl::Document doc;
    doc.id = j.at("id").get<std::string>();
    for (auto it = j.begin(); it != j.end(); ++it)
      if (it.key() != "id" && it->is_string()) doc.Add(it.key(), it->get<std::string>());
    Clock::time_point t = Clock::now();
    s = writer->Add(doc);
    adds.push_back(Micros(Clock::now() - t));
    if (s.ok() && ++docs % commit_every == 0) {
      t = Clock::now();
      s = writer->Commit();
      commits.push_back(Micros(Clock::now() - t));
      note_merges();
    }
    if (!s.ok()) {
      std::cerr << s.ToString() << "\n";
      return 1;
    }
  }
  Clock::time_point t = Clock::now();
  s = writer->Commit();
  commits.push_back(Micros(Clock::now() - t));
  const double last_commit_done = Micros(Clock::now() - start);
  t = Clock::now();
  if (s.ok()) s = writer->WaitForMerges();
  const double wait_us = Micros(Clock::now() - t);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  writer.reset();
  // The slowest commits, by their number: with merges inside Commit, those that merged.
  std::vector<size_t> order(commits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return commits[a] > commits[b]; });
  std::printf("slowest commits (number: ms):");
  for (size_t i = 0; i < order.size() && i < 8; ++i)
    std::printf(" %zu: %.0f", order[i] + 1, commits[order[i]] / 1e3);
  std::printf("\n");
  trawl::Manifest m;
  s = trawl::ReadLatestManifest(dir, &m);
  std::printf("%s: %llu documents, commit every %llu, merges %s, memory %zu MiB, threads %u, "
              "merge factor %u\n",
              input.c_str(), static_cast<unsigned long long>(docs),
              static_cast<unsigned long long>(commit_every),
              options.merge_in_background ? "in the background" : "inside Commit",
              options.memory_budget_bytes >> 20, options.threads, options.merge_factor);
  PrintDistribution("Add", adds);
  PrintDistribution("Commit", commits);
  if (!merging_file.empty()) {
    if (!options.merge_in_background) {
      std::ofstream out(merging_file);
      for (size_t n : merging) out << n << "\n";
    } else {
      std::ifstream from(merging_file);
      for (size_t n; from >> n;) merging.push_back(n);
    }
    std::vector<double> at;
    for (size_t n : merging)
      if (n >= 1 && n <= commits.size()) at.push_back(commits[n - 1]);
    PrintDistribution("Commit*", at);
    std::printf("(Commit*: the %zu commits that merge inside Commit, listed in %s)\n",
                at.size(), merging_file.c_str());
  }
  std::printf("wall %.2f s to the last commit, then %.2f s waiting for merges; %llu "
              "generations, %zu segments at the end\n",
              last_commit_done / 1e6, wait_us / 1e6,
              static_cast<unsigned long long>(s.ok() ? m.generation : 0), m.segments.size());
  return 0;
}

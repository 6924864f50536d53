// Micro benchmarks of the codecs every query runs through (Google Benchmark): Roaring cursors
// over the three container kinds, array containers intersected, bit-packed frequencies and
// varint positions. They show the cost per posting of a primitive in isolation, which the
// whole-query benchmarks (latency_bench, the peers harness) cannot attribute. Also the two ways
// of counting a keyword facet (searcher/facets.h): a column scan against per-value posting
// intersections. Build: the trawl-micro-bench target; run: build/bench/trawl-micro-bench
// [--benchmark_filter=REGEX].
#include <benchmark/benchmark.h>
#include <roaring/roaring.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/bitpack.h"
#include "common/coding.h"
#include "common/roaring_count.h"
#include "common/roaring_view.h"
#include "format/column_reader.h"
#include "format/column_writer.h"
#include "searcher/facets.h"

namespace trawl {
namespace {

constexpr uint32_t kUniverse = 1u << 22;  // 4M docids: 64 Roaring containers

// The portable serialization of `count` distinct docids below kUniverse, every one of them
// within a run of `run` consecutive ids: run 1 gives array or bitset containers by density,
// long runs give run containers.
std::string SerializedBitmap(uint32_t count, uint32_t run, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  roaring_bitmap_t* b = roaring_bitmap_create();
  while (roaring_bitmap_get_cardinality(b) < count) {
    const uint32_t start = rng() % (kUniverse - run);
    roaring_bitmap_add_range(b, start, start + run);
  }
  roaring_bitmap_run_optimize(b);
  std::string bytes(roaring_bitmap_portable_size_in_bytes(b), '\0');
  roaring_bitmap_portable_serialize(b, bytes.data());
  roaring_bitmap_free(b);
  return bytes;
}

// Args: docids in the bitmap, run length.
void BM_CursorNext(benchmark::State& state) {
  const std::string bytes =
      SerializedBitmap(static_cast<uint32_t>(state.range(0)), static_cast<uint32_t>(state.range(1)));
  RoaringView view;
  if (!RoaringView::Open(bytes, &view).ok()) state.SkipWithError("bad bitmap");
  uint64_t postings = 0;
  for (auto _ : state) {
    RoaringView::Cursor c = view.NewCursor();
    uint64_t sum = 0;
    for (uint32_t d = c.doc(); d != kNoMoreDocs; d = c.Next()) sum += d;
    benchmark::DoNotOptimize(sum);
    postings += view.cardinality();
  }
  state.SetItemsProcessed(static_cast<int64_t>(postings));
}
// Sparse (array containers), dense (bitsets), runs.
BENCHMARK(BM_CursorNext)->Args({20000, 1})->Args({1000000, 1})->Args({1000000, 64});

// Args: docids in the bitmap, stride between targets (in docids).
void BM_CursorAdvance(benchmark::State& state) {
  const std::string bytes = SerializedBitmap(static_cast<uint32_t>(state.range(0)), 1);
  const uint32_t stride = static_cast<uint32_t>(state.range(1));
  RoaringView view;
  if (!RoaringView::Open(bytes, &view).ok()) state.SkipWithError("bad bitmap");
  uint64_t advances = 0;
  for (auto _ : state) {
    RoaringView::Cursor c = view.NewCursor();
    uint64_t sum = 0;
    for (uint32_t target = stride; target < kUniverse; target += stride, ++advances)
      sum += c.Advance(target);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(advances));
}
BENCHMARK(BM_CursorAdvance)->Args({20000, 64})->Args({1000000, 64})->Args({1000000, 4096});

// Args: values per container of the shorter array, how many times that the longer holds,
// whether arrays are compared eight values at a time (SSE4.2), and counting (0) or listing (1).
// Two sets of 64 array containers, as a conjunction's count or listing meets them.
void BM_ArrayIntersection(benchmark::State& state) {
  const uint32_t shorter = static_cast<uint32_t>(state.range(0));
  const uint32_t longer = shorter * static_cast<uint32_t>(state.range(1));
  const bool before = roaring_count_internal::SetVectorArrays(state.range(2) != 0);
  const std::string a = SerializedBitmap(shorter * 64, 1, 1),
                    b = SerializedBitmap(longer * 64, 1, 2);
  std::vector<RoaringView> views(2);
  if (!RoaringView::Open(a, &views[0]).ok() || !RoaringView::Open(b, &views[1]).ok() ||
      views[1].container(0).kind != RoaringView::Container::Kind::kArray)
    state.SkipWithError("not two sets of arrays");
  std::vector<uint32_t> out(views[0].cardinality());
  for (auto _ : state) {
    if (state.range(3) == 0) {
      benchmark::DoNotOptimize(IntersectionCardinality(views));
    } else {
      size_t n;
      benchmark::DoNotOptimize(IntersectionValues(views, 0, out.size(), out.data(), &n));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * (shorter + longer) * 64);
  roaring_count_internal::SetVectorArrays(before);
}
void ArrayArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shorter", "ratio", "vector", "list"});
  for (int64_t shorter : {16, 100, 1000})
    for (int64_t ratio : {1, 4, 16, 32})
      if (shorter * ratio <= 4096)  // arrays still
        for (int64_t vector : {0, 1})
          for (int64_t list : {0, 1}) b->Args({shorter, ratio, vector, list});
}
BENCHMARK(BM_ArrayIntersection)->Apply(ArrayArgs);

// Arg: bit width of the packed values. One block of 128 term frequencies, as a posting list
// stores them.
void BM_UnpackBlock(benchmark::State& state) {
  const uint32_t width = static_cast<uint32_t>(state.range(0));
  std::mt19937 rng(7);
  std::vector<uint32_t> values(128);
  for (uint32_t& v : values) v = width == 32 ? rng() : rng() & ((1u << width) - 1);
  std::string packed;
  PackBits(values.data(), values.size(), width, &packed);
  packed.append(8, '\0');  // the padding a block is followed by inside a file
  std::vector<uint32_t> out(128);
  for (auto _ : state) {
    UnpackBits(packed.data(), out.size(), width, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 128);
}
BENCHMARK(BM_UnpackBlock)->Arg(1)->Arg(3)->Arg(7)->Arg(12);

// Arg: the largest delta. Position deltas as varints, decoded one by one and skipped in bulk
// (how a phrase passes over the positions of postings it does not check).
std::string Varints(uint32_t max_delta, size_t n) {
  std::mt19937 rng(9);
  std::string bytes;
  for (size_t i = 0; i < n; ++i) PutVarint32(&bytes, rng() % (max_delta + 1));
  return bytes;
}

void BM_VarintDecode(benchmark::State& state) {
  constexpr size_t kCount = 4096;
  const std::string bytes = Varints(static_cast<uint32_t>(state.range(0)), kCount);
  for (auto _ : state) {
    ByteReader in(bytes);
    uint64_t v, sum = 0;
    while (in.ReadVarint64(&v)) sum += v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCount);
}
BENCHMARK(BM_VarintDecode)->Arg(100)->Arg(10000);

void BM_VarintSkip(benchmark::State& state) {
  constexpr size_t kCount = 4096;
  const std::string bytes = Varints(static_cast<uint32_t>(state.range(0)), kCount);
  for (auto _ : state) {
    ByteReader in(bytes);
    benchmark::DoNotOptimize(in.SkipVarints(kCount));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCount);
}
BENCHMARK(BM_VarintSkip)->Arg(100)->Arg(10000);

// ---- keyword facet counting: 1M documents, one keyword value each (uniform over the values),
// as a column and as one posting bitmap per value; the matches a random share of documents.

constexpr uint32_t kFacetDocs = 1u << 20;

struct FacetData {
  std::string dir;
  std::unique_ptr<ColumnReader> columns;
  std::vector<std::string> posting_bytes;
  std::vector<RoaringView> postings;
  std::vector<RoaringPtr> posting_bitmaps;  // the same, deserialized, for CRoaring's counts
  RoaringPtr matches;
};

// Args: values, matches per thousand documents. Built once per argument pair.
FacetData* MakeFacetData(uint32_t num_values, uint32_t per_mille) {
  static std::map<std::pair<uint32_t, uint32_t>, std::unique_ptr<FacetData>> cache;
  auto& slot = cache[{num_values, per_mille}];
  if (slot) return slot.get();
  auto data = std::make_unique<FacetData>();
  std::mt19937 rng(5);
  ColumnValues column;
  column.field_id = 0;
  column.type = FieldType::kKeyword;
  for (uint32_t v = 0; v < num_values; ++v) column.strings.push_back("value" + std::to_string(v));
  std::vector<roaring_bitmap_t*> bitmaps(num_values);
  for (auto& b : bitmaps) b = roaring_bitmap_create();
  data->matches.reset(roaring_bitmap_create());
  column.starts.push_back(0);
  for (uint32_t d = 0; d < kFacetDocs; ++d) {
    const uint32_t v = rng() % num_values;
    column.values.push_back(v);
    column.starts.push_back(static_cast<uint32_t>(column.values.size()));
    roaring_bitmap_add(bitmaps[v], d);
    if (rng() % 1000 < per_mille) roaring_bitmap_add(data->matches.get(), d);
  }
  data->dir = (std::filesystem::temp_directory_path() /
               ("trawl_facet_bench_" + std::to_string(::getpid()))).string();
  std::filesystem::create_directories(data->dir);
  const std::string path = data->dir + "/" + std::to_string(num_values) + "_" +
                           std::to_string(per_mille) + ".col";
  std::vector<ColumnValues> columns;
  columns.push_back(std::move(column));
  if (!WriteColumns(path, kFacetDocs, &columns).ok() ||
      !ColumnReader::Open(path, false, &data->columns).ok()) {
    return nullptr;
  }
  std::filesystem::remove(path);  // the map keeps it readable
  // Values are written in bytewise order of their strings: ordinal o is strings[o] sorted.
  std::vector<std::string> sorted;
  for (uint32_t v = 0; v < num_values; ++v) sorted.push_back("value" + std::to_string(v));
  std::sort(sorted.begin(), sorted.end());
  data->posting_bytes.resize(num_values);
  data->postings.resize(num_values);
  for (uint32_t o = 0; o < num_values; ++o) {
    const uint32_t v = static_cast<uint32_t>(std::stoul(sorted[o].substr(5)));
    roaring_bitmap_run_optimize(bitmaps[v]);
    std::string& bytes = data->posting_bytes[o];
    bytes.resize(roaring_bitmap_portable_size_in_bytes(bitmaps[v]));
    roaring_bitmap_portable_serialize(bitmaps[v], bytes.data());
    data->posting_bitmaps.emplace_back(bitmaps[v]);
  }
  for (uint32_t o = 0; o < num_values; ++o) {
    if (!RoaringView::Open(data->posting_bytes[o], &data->postings[o]).ok()) return nullptr;
  }
  slot = std::move(data);
  return slot.get();
}

void FacetCounters(benchmark::State& state, const FacetData& data) {
  const uint64_t n = roaring_bitmap_get_cardinality(data.matches.get());
  state.counters["matches"] = static_cast<double>(n);
  state.counters["rule_prefers_postings"] =
      PreferPostings(n, data.matches->high_low_container.size, data.postings.size(),
                     data.columns->columns()[0].num_values(), kFacetDocs);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void BM_KeywordFacetColumn(benchmark::State& state) {
  const FacetData* data = MakeFacetData(static_cast<uint32_t>(state.range(0)),
                                        static_cast<uint32_t>(state.range(1)));
  if (data == nullptr) return state.SkipWithError("cannot build the column");
  const Column& column = data->columns->columns()[0];
  std::vector<uint32_t> counts(column.num_ords());
  for (auto _ : state) {
    std::fill(counts.begin(), counts.end(), 0);
    if (!CountValuesByColumn(column, data->matches.get(), "bench", counts).ok())
      return state.SkipWithError("damaged column");
    benchmark::DoNotOptimize(counts.data());
  }
  FacetCounters(state, *data);
}

// Includes serializing the matches once, as a segment's count does.
void BM_KeywordFacetPostings(benchmark::State& state) {
  const FacetData* data = MakeFacetData(static_cast<uint32_t>(state.range(0)),
                                        static_cast<uint32_t>(state.range(1)));
  if (data == nullptr) return state.SkipWithError("cannot build the column");
  std::vector<uint32_t> counts(data->postings.size());
  std::string bytes;
  for (auto _ : state) {
    bytes.resize(roaring_bitmap_portable_size_in_bytes(data->matches.get()));
    roaring_bitmap_portable_serialize(data->matches.get(), bytes.data());
    RoaringView matches;
    if (!RoaringView::Open(bytes, &matches).ok()) return state.SkipWithError("bad matches");
    CountValuesByPostings(matches, data->postings, counts);
    benchmark::DoNotOptimize(counts.data());
  }
  FacetCounters(state, *data);
}

// CRoaring's roaring_bitmap_and_cardinality on deserialized posting bitmaps (their
// deserialization, which a query would pay per value, not counted).
void BM_KeywordFacetCRoaring(benchmark::State& state) {
  const FacetData* data = MakeFacetData(static_cast<uint32_t>(state.range(0)),
                                        static_cast<uint32_t>(state.range(1)));
  if (data == nullptr) return state.SkipWithError("cannot build the column");
  std::vector<uint64_t> counts(data->postings.size());
  for (auto _ : state) {
    for (size_t v = 0; v < counts.size(); ++v)
      counts[v] = roaring_bitmap_and_cardinality(data->matches.get(), data->posting_bitmaps[v].get());
    benchmark::DoNotOptimize(counts.data());
  }
  FacetCounters(state, *data);
}

// Values x matches per thousand: 50 values over all, half, a tenth, a hundredth, a thousandth
// of the documents; then more values.
void FacetArgs(benchmark::internal::Benchmark* b) {
  for (int per_mille : {1000, 500, 100, 10, 1}) b->Args({50, per_mille});
  for (int values : {2, 500, 5000}) b->Args({values, 100});
  b->Args({5000, 1000});
  b->Unit(benchmark::kMicrosecond);
}
BENCHMARK(BM_KeywordFacetColumn)->Apply(FacetArgs);
BENCHMARK(BM_KeywordFacetPostings)->Apply(FacetArgs);
BENCHMARK(BM_KeywordFacetCRoaring)->Apply(FacetArgs);

}  // namespace
}  // namespace trawl

BENCHMARK_MAIN();

// Micro benchmarks of the codecs every query runs through (Google Benchmark): Roaring cursors
// over the three container kinds, bit-packed frequencies and varint positions. They show
// the cost per posting of a primitive in isolation, which the whole-query benchmarks
// (latency_bench, the peers harness) cannot attribute. Build: the trawl-micro-bench target;
// run: build/bench/trawl-micro-bench [--benchmark_filter=REGEX].
#include <benchmark/benchmark.h>
#include <roaring/roaring.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/bitpack.h"
#include "common/coding.h"
#include "common/roaring_view.h"

namespace trawl {
namespace {

constexpr uint32_t kUniverse = 1u << 22;  // 4M docids: 64 Roaring containers

// The portable serialization of `count` distinct docids below kUniverse, every one of them
// within a run of `run` consecutive ids: run 1 gives array or bitset containers by density,
// long runs give run containers.
std::string SerializedBitmap(uint32_t count, uint32_t run) {
  std::mt19937 rng(42);
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

}  // namespace
}  // namespace trawl

BENCHMARK_MAIN();

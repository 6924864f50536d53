#include "common/roaring_count.h"

#include <gtest/gtest.h>
#include <roaring/roaring.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/roaring_view.h"
#include "tests/roaring_test_util.h"
#include "tests/sanitizer.h"

namespace trawl {
namespace roaring_count_test {
namespace {

using Kind = RoaringView::Container::Kind;

// Serialized bitmaps and views over them, each in an allocation of exactly its size.
class Views {
 public:
  void Add(const roaring_bitmap_t* r) { AddBytes(Serialize(r)); }
  // False (and nothing added) when Open() rejects the bytes.
  bool AddBytes(std::string_view bytes) {
    auto buf = std::make_unique<ExactBuffer>(bytes);
    RoaringView view;
    if (!RoaringView::Open(buf->view(), &view).ok()) return false;
    buffers_.push_back(std::move(buf));
    views_.push_back(view);
    return true;
  }
  const std::vector<RoaringView>& views() const { return views_; }
  const RoaringView& operator[](size_t i) const { return views_[i]; }
  std::string_view bytes(size_t i) const { return buffers_[i]->view(); }

 private:
  std::vector<std::unique_ptr<ExactBuffer>> buffers_;  // stable addresses for the views
  std::vector<RoaringView> views_;
};

// CRoaring's |sets[0] ∩ ... ∩ sets[n-1]| (or ∪), minus what is in `excluded`.
uint64_t Expected(const std::vector<const roaring_bitmap_t*>& sets,
                  const roaring_bitmap_t* excluded, bool union_of_sets = false) {
  if (sets.empty()) return 0;
  Bitmap all(roaring_bitmap_copy(sets[0]));
  for (size_t i = 1; i < sets.size(); ++i) {
    if (union_of_sets) {
      roaring_bitmap_or_inplace(all.get(), sets[i]);
    } else {
      roaring_bitmap_and_inplace(all.get(), sets[i]);
    }
  }
  return excluded == nullptr ? roaring_bitmap_get_cardinality(all.get())
                             : roaring_bitmap_andnot_cardinality(all.get(), excluded);
}

// CRoaring's values of sets[0] ∩ ... ∩ sets[n-1] at or after `from`.
std::vector<uint32_t> ExpectedValues(const std::vector<const roaring_bitmap_t*>& sets,
                                     uint32_t from) {
  Bitmap all(roaring_bitmap_copy(sets[0]));
  for (size_t i = 1; i < sets.size(); ++i) roaring_bitmap_and_inplace(all.get(), sets[i]);
  std::vector<uint32_t> values(roaring_bitmap_get_cardinality(all.get()));
  roaring_bitmap_to_uint32_array(all.get(), values.data());
  values.erase(values.begin(), std::lower_bound(values.begin(), values.end(), from));
  return values;
}

// IntersectionValues against CRoaring from several starting values, with room for exactly the
// values (all written) and for one fewer (refused).
void CheckValues(const std::vector<const roaring_bitmap_t*>& sets,
                 const std::vector<RoaringView>& views) {
  std::vector<uint32_t> got(1);
  size_t n;
  if (views.size() < 2) {
    ASSERT_FALSE(IntersectionValues(views, 0, got.size(), got.data(), &n));
    return;
  }
  const std::vector<uint32_t> all = ExpectedValues(sets, 0);
  const uint32_t middle = all.empty() ? 0 : all[all.size() / 2];
  for (uint32_t from : {0u, middle, middle + 1, 65536u, 70000u}) {
    SCOPED_TRACE("from " + std::to_string(from));
    const std::vector<uint32_t> want = ExpectedValues(sets, from);
    got.assign(want.size() + 1, 0);
    ASSERT_TRUE(IntersectionValues(views, from, want.size(), got.data(), &n));
    ASSERT_EQ(std::vector<uint32_t>(got.begin(), got.begin() + n), want);
    if (!want.empty()) {
      ASSERT_FALSE(IntersectionValues(views, from, want.size() - 1, got.data(), &n));
    }
  }
}

// Checks the intersection and the union of every non-empty subset of `bitmaps` (in the given
// order), with no exclusion and with each of `bitmaps` excluded in turn.
void CheckAllSubsets(const std::vector<const roaring_bitmap_t*>& bitmaps, const std::string& what) {
  Views views;
  for (const roaring_bitmap_t* r : bitmaps) views.Add(r);
  const size_t n = bitmaps.size();
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<const roaring_bitmap_t*> sets;
    std::vector<RoaringView> set_views;
    for (size_t i = 0; i < n; ++i) {
      if (mask & (1u << i)) {
        sets.push_back(bitmaps[i]);
        set_views.push_back(views[i]);
      }
    }
    SCOPED_TRACE(what + ", subset " + std::to_string(mask));
    CheckValues(sets, set_views);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    ASSERT_EQ(IntersectionCardinality(set_views), Expected(sets, nullptr));
    ASSERT_EQ(UnionCardinality(set_views), Expected(sets, nullptr, true));
    for (size_t e = 0; e < n; ++e) {
      ASSERT_EQ(IntersectionCardinality(set_views, &views[e]), Expected(sets, bitmaps[e]))
          << "excluding " << e;
      ASSERT_EQ(UnionCardinality(set_views, &views[e]), Expected(sets, bitmaps[e], true))
          << "excluding " << e;
    }
  }
}

// One container at key 0 (and, for some, a few values at other keys) of a chosen shape.
enum class Shape {
  kTinyArray,
  kLargeArray,
  kSparseBitset,
  kDenseBitset,
  kShortRuns,
  kLongRuns,
  kFull
};
constexpr Shape kShapes[] = {Shape::kTinyArray,   Shape::kLargeArray, Shape::kSparseBitset,
                             Shape::kDenseBitset, Shape::kShortRuns,  Shape::kLongRuns,
                             Shape::kFull};

Bitmap ShapedBitmap(Shape shape, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Bitmap r(roaring_bitmap_create());
  auto random_values = [&](uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) roaring_bitmap_add(r.get(), rng() % 65536);
  };
  switch (shape) {
    case Shape::kTinyArray:
      random_values(1 + rng() % 12);
      break;
    case Shape::kLargeArray:
      random_values(2500 + rng() % 1000);
      break;
    case Shape::kSparseBitset:
      random_values(6000 + rng() % 3000);
      break;
    case Shape::kDenseBitset:
      for (uint32_t v = 0; v < 65536; ++v)
        if (rng() % 8 != 0) roaring_bitmap_add(r.get(), v);
      break;
    case Shape::kShortRuns:
      for (int i = 0; i < 30; ++i) {
        const uint32_t start = rng() % 65000;
        roaring_bitmap_add_range(r.get(), start, start + 1 + rng() % 60);
      }
      break;
    case Shape::kLongRuns:
      for (int i = 0; i < 6; ++i) {
        const uint32_t start = rng() % 60000;
        roaring_bitmap_add_range(r.get(), start, start + 1000 + rng() % 5000);
      }
      break;
    case Shape::kFull:
      roaring_bitmap_add_range(r.get(), 0, 65536);
      break;
  }
  roaring_bitmap_run_optimize(r.get());
  return r;
}

Kind KindOf(const roaring_bitmap_t* r) {
  Views v;
  v.Add(r);
  return v[0].container(0).kind;
}

TEST(RoaringCount, ShapesAreTheIntendedContainerKinds) {
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kTinyArray, 1).get()), Kind::kArray);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kLargeArray, 1).get()), Kind::kArray);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kSparseBitset, 1).get()), Kind::kBitset);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kDenseBitset, 1).get()), Kind::kBitset);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kShortRuns, 1).get()), Kind::kRun);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kLongRuns, 1).get()), Kind::kRun);
  EXPECT_EQ(KindOf(ShapedBitmap(Shape::kFull, 1).get()), Kind::kRun);
}

TEST(RoaringCount, EveryPairAndTripleOfContainerKinds) {
  uint64_t seed = 1;
  for (Shape a : kShapes) {
    for (Shape b : kShapes) {
      Bitmap ra = ShapedBitmap(a, seed++), rb = ShapedBitmap(b, seed++);
      CheckAllSubsets({ra.get(), rb.get()}, "pair " + std::to_string(seed));
      for (Shape c : kShapes) {
        Bitmap rc = ShapedBitmap(c, seed++);
        CheckAllSubsets({ra.get(), rb.get(), rc.get()}, "triple " + std::to_string(seed));
      }
    }
  }
}

TEST(RoaringCount, FourWayOfRandomShapes) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Bitmap> owned;
    std::vector<const roaring_bitmap_t*> sets;
    for (int i = 0; i < 4; ++i) {
      owned.push_back(ShapedBitmap(kShapes[rng() % 7], rng()));
      sets.push_back(owned.back().get());
    }
    CheckAllSubsets(sets, "trial " + std::to_string(trial));
  }
}

// A few values in runs (a rare word's neighbouring documents), which IntersectionValues
// intersects as an array, against every shape.
TEST(RoaringCount, ValuesOfSmallRunContainers) {
  uint64_t seed = 40;
  for (Shape shape : kShapes) {
    for (uint32_t values : {4u, 12u, 90u, 256u, 257u}) {
      Bitmap runs(roaring_bitmap_create());
      std::mt19937_64 rng(seed++);
      for (uint32_t added = 0; added < values;) {
        const uint32_t length = std::min<uint32_t>(values - added, 4 + rng() % 8);
        const uint32_t start = rng() % 65000;
        // Apart from the runs so far, so that the runs stay as many as planned.
        bool apart = true;
        for (uint32_t v = start == 0 ? 0 : start - 1; v <= start + length && apart; ++v)
          apart = !roaring_bitmap_contains(runs.get(), v);
        if (!apart) continue;
        roaring_bitmap_add_range(runs.get(), start, start + length);
        added += length;
      }
      roaring_bitmap_run_optimize(runs.get());
      ASSERT_EQ(KindOf(runs.get()), Kind::kRun);
      Bitmap other = ShapedBitmap(shape, seed++);
      CheckAllSubsets({runs.get(), other.get()}, "runs of " + std::to_string(values));
      // Runs that all lie inside the other set: every value is written.
      Bitmap inside(roaring_bitmap_copy(runs.get()));
      roaring_bitmap_and_inplace(inside.get(), other.get());
      roaring_bitmap_run_optimize(inside.get());
      CheckAllSubsets({inside.get(), other.get()}, "runs inside, " + std::to_string(values));
    }
  }
}

// Two arrays at one key, of lengths on both sides of every eight (the blocks the vector
// intersection compares) and of every ratio, with few, many and no values in common: counted and
// listed against CRoaring with each way of intersecting arrays the processor allows.
TEST(RoaringCount, ArraysOfEveryLengthAndRatio) {
  const uint32_t lengths[] = {1, 7, 8, 9, 16, 17, 63, 64, 65, 257, 1000, 4096};
  enum class Overlap { kSparse, kDense, kDisjoint, kSubset };
  std::mt19937_64 rng(17);
  const auto array = [&](uint32_t n, Overlap overlap, bool second) {
    // The ends of the key, which the blocks hold like any value, and then n - 2 more.
    std::set<uint32_t> values = {0, 65535};
    for (uint32_t i = 0; values.size() < n; ++i) {
      switch (overlap) {
        case Overlap::kSparse:  // from all 65536, so that few are shared
          values.insert(static_cast<uint32_t>(rng() % 65536));
          break;
        case Overlap::kDense:  // from a range about as long as the longer array
          values.insert(static_cast<uint32_t>(rng() % 6000 * 7));
          break;
        case Overlap::kDisjoint:  // even against odd, interleaved (the ends shared)
          values.insert(static_cast<uint32_t>((rng() % 32767) * 2 + (second ? 1 : 2)));
          break;
        case Overlap::kSubset:  // the longer array holds every value of the shorter
          values.insert(1 + i * 13);
          break;
      }
    }
    std::vector<uint32_t> sorted(values.begin(), values.end());
    sorted.resize(n);
    Bitmap r(roaring_bitmap_create());
    roaring_bitmap_add_many(r.get(), sorted.size(), sorted.data());
    return r;  // not run-optimized: an array container
  };
  for (const bool vector : {true, false}) {
    const bool before = roaring_count_internal::SetVectorArrays(vector);
    for (const Overlap overlap :
         {Overlap::kSparse, Overlap::kDense, Overlap::kDisjoint, Overlap::kSubset}) {
      for (const uint32_t na : lengths) {
        for (const uint32_t nb : lengths) {
          Bitmap a = array(na, overlap, false);
          Bitmap b = array(nb, overlap, true);
          ASSERT_EQ(KindOf(a.get()), Kind::kArray);
          ASSERT_EQ(KindOf(b.get()), Kind::kArray);
          ASSERT_EQ(roaring_bitmap_get_cardinality(b.get()), nb);
          CheckAllSubsets({a.get(), b.get()}, "vector " + std::to_string(vector) + ", overlap " +
                                                  std::to_string(static_cast<int>(overlap)) + ", " +
                                                  std::to_string(na) + " and " +
                                                  std::to_string(nb));
        }
      }
    }
    roaring_count_internal::SetVectorArrays(before);
  }
}

TEST(RoaringCount, RandomMultiContainerBitmaps) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    // Few possible keys, so that keys are shared, absent on one side, or disjoint altogether.
    const uint32_t max_key = 2 + seed % 9;
    std::vector<Bitmap> owned;
    std::vector<const roaring_bitmap_t*> sets;
    for (uint64_t i = 0; i < 2 + seed % 3; ++i) {
      const Mix mix = static_cast<Mix>((seed + i) % 4);
      owned.push_back(
          RandomBitmap(seed * 31 + i, 1 + (seed + i) % max_key, max_key, mix, (seed + i) % 3 != 0));
      sets.push_back(owned.back().get());
    }
    CheckAllSubsets(sets, "seed " + std::to_string(seed));
  }
}

TEST(RoaringCount, ManySetsAndManyContainers) {
  // More sets than fit on the stack, and views of hundreds of containers.
  std::vector<Bitmap> owned;
  std::vector<const roaring_bitmap_t*> sets;
  for (uint64_t i = 0; i < 11; ++i) {
    Bitmap r(roaring_bitmap_create());
    std::mt19937_64 rng(i);
    for (int k = 0; k < 300000; ++k) {
      const uint32_t v = static_cast<uint32_t>(rng() % (300u << 16));
      if (rng() % 11 != i) roaring_bitmap_add(r.get(), v);
    }
    roaring_bitmap_add_range(r.get(), 5u << 16, 7u << 16);  // full containers in every set
    roaring_bitmap_run_optimize(r.get());
    owned.push_back(std::move(r));
    sets.push_back(owned.back().get());
  }
  Views views;
  for (const roaring_bitmap_t* r : sets) views.Add(r);
  EXPECT_EQ(IntersectionCardinality(views.views()), Expected(sets, nullptr));
  EXPECT_EQ(IntersectionCardinality(views.views(), &views[3]), 0u);
  EXPECT_EQ(UnionCardinality(views.views()), Expected(sets, nullptr, true));
  EXPECT_EQ(UnionCardinality(views.views(), &views[3]), Expected(sets, sets[3], true));
  Bitmap odd(roaring_bitmap_create());
  for (uint32_t v = 1; v < (310u << 16); v += 2) roaring_bitmap_add(odd.get(), v);
  Views excluded;
  excluded.Add(odd.get());
  EXPECT_EQ(IntersectionCardinality(views.views(), &excluded[0]), Expected(sets, odd.get()));
  EXPECT_EQ(UnionCardinality(views.views(), &excluded[0]), Expected(sets, odd.get(), true));
}

TEST(RoaringCount, EmptyAndDisjoint) {
  Bitmap empty(roaring_bitmap_create());
  Bitmap low(roaring_bitmap_from_range(0, 1000, 1));
  Bitmap high(roaring_bitmap_from_range(1u << 20, (1u << 20) + 1000, 1));
  Bitmap full(roaring_bitmap_from_range(0, 1u << 18, 1));
  roaring_bitmap_run_optimize(full.get());
  CheckAllSubsets({empty.get(), low.get(), high.get(), full.get()}, "empty and disjoint");

  EXPECT_EQ(IntersectionCardinality({}), 0u);
  EXPECT_EQ(UnionCardinality({}), 0u);
  const RoaringView nothing;  // default-constructed: empty
  Views v;
  v.Add(low.get());
  EXPECT_EQ(IntersectionCardinality(v.views(), &nothing), 1000u);
  std::vector<RoaringView> with_nothing = {v[0], nothing};
  EXPECT_EQ(IntersectionCardinality(with_nothing), 0u);
  EXPECT_EQ(UnionCardinality(with_nothing), 1000u);
  EXPECT_EQ(IntersectionCardinality(std::vector<RoaringView>{nothing}), 0u);
}

// --- damaged contents: Open() accepts, so counting must not read or write out of bounds ---

// Intersections and unions of `damaged` with healthy views in every position, with and without
// exclusions. Any count will do; the sanitizers check the rest.
void CountEveryWay(const RoaringView& damaged, const Views& healthy) {
  volatile uint64_t sink = 0;
  const auto count = [&](const std::vector<RoaringView>& sets, const RoaringView* excluded) {
    sink = sink + IntersectionCardinality(sets, excluded);
    sink = sink + UnionCardinality(sets, excluded);
    // Any values will do, but no more than the room given.
    uint32_t values[101];
    values[100] = 0xDEADBEEF;
    size_t n = 0;
    sink = sink + IntersectionValues(sets, 0, 100, values, &n);
    ASSERT_LE(n, 100u);
    ASSERT_EQ(values[100], 0xDEADBEEF);
  };
  std::vector<RoaringView> sets = {damaged};
  count(sets, nullptr);
  for (const RoaringView& h : healthy.views()) {
    count(sets, &h);
    count({h}, &damaged);
  }
  sets.push_back(damaged);
  count(sets, &damaged);
  for (const RoaringView& h : healthy.views()) {
    for (size_t at = 0; at <= 2; ++at) {
      std::vector<RoaringView> mixed = {h, h};
      mixed.insert(mixed.begin() + at, damaged);
      count(mixed, nullptr);
      count(mixed, &damaged);
      count(mixed, &h);
      mixed.push_back(damaged);
      count(mixed, nullptr);
    }
  }
}

Views HealthyViews() {
  Views healthy;
  uint64_t seed = 900;
  for (Shape s : kShapes) healthy.Add(ShapedBitmap(s, seed++).get());
  healthy.Add(RandomBitmap(77, 6, 8, Mix::kMixed, true).get());
  return healthy;
}

TEST(RoaringCount, DamagedContentsCountWithoutCrashing) {
  const Views healthy = HealthyViews();
  std::mt19937_64 rng(3);
  std::vector<std::string> damaged;
  // Unsorted, duplicated and maximal arrays; bitsets whose popcount is far from the header's.
  std::vector<uint16_t> descending(4096), same(4096, 7), random(4096);
  for (uint32_t i = 0; i < 4096; ++i) descending[i] = static_cast<uint16_t>(65535 - i * 16);
  for (uint16_t& v : random) v = static_cast<uint16_t>(rng());
  TestContainer all_set = Bitset(0, 1);
  all_set.header_card = 4097;
  TestContainer none_set = Bitset(0, 1);
  std::fill(none_set.bitset.begin(), none_set.bitset.end(), 0);
  none_set.header_card = 65536;
  for (const auto& values : {descending, same, random}) {
    damaged.push_back(Encode({Array(0, values)}, false));
    damaged.push_back(Encode({Array(0, values), Array(3, {1, 0})}, true));
    damaged.push_back(
        Encode({Array(0, std::vector<uint16_t>(values.begin(), values.begin() + 40))}, false));
  }
  damaged.push_back(Encode({all_set}, false));
  damaged.push_back(Encode({none_set, Array(1, {9, 3})}, false));
  // Arrays compared eight values at a time and, as without SSE4.2, marked or searched.
  for (const bool vector : {true, false}) {
    const bool before = roaring_count_internal::SetVectorArrays(vector);
    for (const std::string& bytes : damaged) {
      Views v;
      ASSERT_TRUE(v.AddBytes(bytes));
      CountEveryWay(v[0], healthy);
    }
    roaring_count_internal::SetVectorArrays(before);
  }
}

TEST(RoaringCount, RandomBytesInContainers) {
  const Views healthy = HealthyViews();
  std::mt19937_64 rng(8);
  std::vector<std::string> originals;
  for (uint64_t seed = 0; seed < 6; ++seed)
    originals.push_back(
        Serialize(RandomBitmap(600 + seed, 4, 6, Mix::kMixed, seed % 2 == 0).get()));
  for (Shape s : kShapes) originals.push_back(Serialize(ShapedBitmap(s, rng()).get()));
  int counted = 0;
  // The sanitizer build runs a third of the trials (its loops run about 15 times slower).
  const int trials = kUnderAsan ? 50 : 150;
  for (const std::string& original : originals) {
    // Only the containers are damaged, not the header before them, so most damage still opens.
    Views parsed;
    ASSERT_TRUE(parsed.AddBytes(original));
    const RoaringView::Container first = parsed[0].container(0);
    const size_t header = static_cast<size_t>(
        (first.kind == Kind::kRun ? first.data - 2 : first.data) - parsed.bytes(0).data());
    ASSERT_LT(header, original.size());
    for (int trial = 0; trial < trials; ++trial) {
      std::string bytes = original;
      const int changes = 1 + static_cast<int>(rng() % 200);
      for (int k = 0; k < changes; ++k)
        bytes[header + rng() % (original.size() - header)] = static_cast<char>(rng());
      Views v;
      if (!v.AddBytes(bytes)) continue;
      ++counted;
      CountEveryWay(v[0], healthy);
    }
  }
  EXPECT_GT(counted, trials * 4 / 3);
}

}  // namespace
}  // namespace roaring_count_test
}  // namespace trawl

#include "common/roaring_view.h"

#include <gtest/gtest.h>
#include <roaring/roaring.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/roaring_test_util.h"
#include "tests/sanitizer.h"

namespace trawl {
namespace roaring_view_test {
namespace {

// Everything a cursor promises, checked against CRoaring.
void CheckAgainstRoaring(const roaring_bitmap_t* r, uint64_t seed) {
  SCOPED_TRACE(testing::Message() << "seed " << seed);
  const std::string bytes = Serialize(r);
  const std::vector<uint32_t> expected = Values(r);
  ExactBuffer buf(bytes);
  RoaringView view;
  ASSERT_TRUE(RoaringView::Open(buf.view(), &view).ok());
  EXPECT_EQ(view.cardinality(), roaring_bitmap_get_cardinality(r));
  EXPECT_EQ(view.size_in_bytes(), roaring_bitmap_portable_size_in_bytes(r));
  EXPECT_EQ(view.size_in_bytes(), bytes.size());
  EXPECT_TRUE(view.Validate().ok());
  // Opened again as checked before, without walking the runs: the same view.
  {
    RoaringView again;
    ASSERT_TRUE(RoaringView::Open(buf.view(), &again, RoaringView::RunCheck::kCheckedBefore).ok());
    EXPECT_EQ(again.cardinality(), view.cardinality());
    EXPECT_EQ(again.size_in_bytes(), view.size_in_bytes());
    std::vector<uint32_t> walked;
    RoaringView::Cursor c = again.NewCursor();
    for (uint32_t d = c.doc(); d != kNoMoreDocs; d = c.Next()) walked.push_back(d);
    EXPECT_EQ(walked, expected);
  }

  // Next() walks every value, with the rank as ordinal.
  {
    RoaringView::Cursor c = view.NewCursor();
    size_t i = 0;
    for (uint32_t d = c.doc(); d != kNoMoreDocs; d = c.Next(), ++i) {
      ASSERT_LT(i, expected.size());
      ASSERT_EQ(d, expected[i]) << "at rank " << i;
      ASSERT_EQ(c.ordinal(), i);
      ASSERT_EQ(c.doc(), d);
    }
    EXPECT_EQ(i, expected.size());
    EXPECT_EQ(c.ordinal(), expected.size());
    EXPECT_EQ(c.Next(), kNoMoreDocs);
    EXPECT_EQ(c.Advance(5), kNoMoreDocs);
    EXPECT_EQ(c.ordinal(), expected.size());
  }

  // Random mixes of Next() and Advance() with gaps of every scale, against std::lower_bound.
  std::mt19937_64 rng(seed * 7919 + 1);
  const uint32_t max_value = expected.empty() ? 1000 : expected.back() + 1000;
  for (int round = 0; round < 6; ++round) {
    RoaringView::Cursor c = view.NewCursor();
    size_t at = 0;  // index of c.doc() in expected
    const uint32_t scale = 1u << (rng() % 26);
    for (int step = 0; step < 3000; ++step) {
      uint32_t got;
      if (rng() % 4 == 0) {
        got = c.Next();
        if (at < expected.size()) ++at;
      } else {
        const uint32_t cur = c.doc() == kNoMoreDocs ? max_value : c.doc();
        uint32_t target;
        switch (rng() % 5) {
          case 0:
            target = cur - std::min<uint32_t>(cur, static_cast<uint32_t>(rng() % 3));
            break;
          case 1:
            target = cur + 1 + static_cast<uint32_t>(rng() % 64);
            break;
          default:
            target = cur + static_cast<uint32_t>(rng() % scale);
            break;
        }
        got = c.Advance(target);
        const size_t lb =
            std::lower_bound(expected.begin(), expected.end(), target) - expected.begin();
        at = std::max(at, lb);
      }
      const uint32_t want = at < expected.size() ? expected[at] : kNoMoreDocs;
      ASSERT_EQ(got, want) << "round " << round << " step " << step;
      ASSERT_EQ(c.ordinal(), std::min(at, expected.size()));
      if (got == kNoMoreDocs) break;
    }
  }

  // Take() in batches of every size, mixed with Next() and Advance(), walks the values as
  // Next() does, ordinals included.
  for (size_t batch : {1u, 2u, 5u, 128u, 5000u}) {
    RoaringView::Cursor c = view.NewCursor();
    std::vector<uint32_t> out(batch + 1, 7);
    size_t at = 0;
    while (at < expected.size()) {
      const size_t n = c.Take(out.data(), batch);
      ASSERT_EQ(n, std::min(batch, expected.size() - at)) << "batch " << batch;
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[at + i]) << "batch " << batch;
      ASSERT_EQ(out[batch], 7u) << "written past the batch";
      at += n;
      ASSERT_EQ(c.ordinal(), at);
      ASSERT_EQ(c.doc(), at < expected.size() ? expected[at] : kNoMoreDocs);
      if (at < expected.size() && rng() % 3 == 0) {
        ASSERT_EQ(c.Next(), at + 1 < expected.size() ? expected[at + 1] : kNoMoreDocs);
        ++at;
      }
    }
    EXPECT_EQ(c.Take(out.data(), batch), 0u);
    EXPECT_EQ(c.doc(), kNoMoreDocs);
  }
  // TakeRanks() moves as Take() does and stores the docids at its ranks: batches of every
  // size up to its limit, from places reached by Advance(), with no ranks, every rank, or a
  // random subset.
  for (int round = 0; round < 60; ++round) {
    RoaringView::Cursor c = view.NewCursor();
    size_t at = expected.empty() ? 0 : rng() % (expected.size() + 1);
    if (at < expected.size()) c.Advance(expected[at]);
    if (at == expected.size()) c.Advance(kNoMoreDocs);
    while (at <= expected.size()) {
      const size_t batch = 1 + rng() % RoaringView::Cursor::kMaxTakeRanks;
      std::vector<uint8_t> ranks;
      const int pick = static_cast<int>(rng() % 4);
      for (size_t r = 0; r < batch; ++r)
        if (pick == 1 || (pick > 1 && rng() % (pick == 2 ? 2 : 9) == 0))
          ranks.push_back(static_cast<uint8_t>(r));
      std::vector<uint32_t> out(ranks.size() + 1, 7);
      const size_t n = c.TakeRanks(ranks.data(), ranks.size(), batch, out.data());
      ASSERT_EQ(n, std::min(batch, expected.size() - at)) << "batch " << batch;
      for (size_t j = 0; j < ranks.size() && ranks[j] < n; ++j)
        ASSERT_EQ(out[j], expected[at + ranks[j]]) << "rank " << int{ranks[j]};
      ASSERT_EQ(out[ranks.size()], 7u) << "written past the ranks";
      at += n;
      ASSERT_EQ(c.ordinal(), at);
      ASSERT_EQ(c.doc(), at < expected.size() ? expected[at] : kNoMoreDocs);
      if (n == 0) break;
    }
  }
  // Take() up to a docid stops before the first value past it, and leaves the cursor there.
  for (int round = 0; round < 50 && !expected.empty(); ++round) {
    RoaringView::Cursor c = view.NewCursor();
    size_t at = rng() % expected.size();
    c.Advance(expected[at]);
    // Not past kNoMoreDocs - 1, which a value near the top of u32 plus a distance would wrap.
    const uint32_t last = static_cast<uint32_t>(std::min<uint64_t>(
        uint64_t{expected[at]} + rng() % (1u << (rng() % 18)), kNoMoreDocs - 1));
    std::vector<uint32_t> out(300);
    const size_t n = c.Take(out.data(), 300, last);
    const size_t stop =
        std::upper_bound(expected.begin() + at, expected.end(), last) - expected.begin();
    ASSERT_EQ(n, std::min<size_t>(300, stop - at)) << "last " << last;
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected[at + i]);
    ASSERT_EQ(c.ordinal(), at + n);
    ASSERT_EQ(c.doc(), at + n < expected.size() ? expected[at + n] : kNoMoreDocs);
  }

  // Advance to every value, and to every value + 1, from a fresh cursor each time for a sample.
  for (size_t k = 0; k < 200 && !expected.empty(); ++k) {
    const size_t i = rng() % expected.size();
    RoaringView::Cursor c = view.NewCursor();
    ASSERT_EQ(c.Advance(expected[i]), expected[i]);
    ASSERT_EQ(c.ordinal(), i);
    const uint32_t next = i + 1 < expected.size() ? expected[i + 1] : kNoMoreDocs;
    ASSERT_EQ(c.Advance(expected[i] + 1), next);
  }

  Bitmap copy(view.ToRoaring());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(roaring_bitmap_equals(copy.get(), r));
}

TEST(RoaringView, EmptyBitmap) {
  Bitmap r(roaring_bitmap_create());
  const std::string bytes = Serialize(r.get());
  EXPECT_EQ(Cookie(bytes), kCookieNoRuns);
  CheckAgainstRoaring(r.get(), 0);

  RoaringView view;  // default-constructed is empty too
  EXPECT_EQ(view.cardinality(), 0u);
  EXPECT_EQ(view.NewCursor().doc(), kNoMoreDocs);
  EXPECT_TRUE(view.Validate().ok());
  Bitmap copy(view.ToRoaring());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(roaring_bitmap_is_empty(copy.get()));
  RoaringView::Cursor idle;
  EXPECT_EQ(idle.doc(), kNoMoreDocs);
  EXPECT_EQ(idle.Next(), kNoMoreDocs);
  EXPECT_EQ(idle.Advance(3), kNoMoreDocs);
}

TEST(RoaringView, SingleValues) {
  for (uint32_t v : {0u, 1u, 65535u, 65536u, 123456789u, 0xFFFF0000u, 0xFFFFFFFEu}) {
    Bitmap r(roaring_bitmap_of_ptr(1, &v));
    CheckAgainstRoaring(r.get(), v);
    roaring_bitmap_run_optimize(r.get());
    CheckAgainstRoaring(r.get(), v);
  }
}

// RoaringView::Single holds its own bytes: a view of one value, and its copies (into a vector
// that grows, by assignment) each read their own, after the original is gone.
TEST(RoaringView, SingleHoldsItsOwnBytes) {
  for (uint32_t v : {0u, 1u, 65535u, 65536u, 123456789u, 0xFFFF0000u, 0xFFFFFFFEu}) {
    SCOPED_TRACE(v);
    std::vector<RoaringView> views;
    // Other values after the first, so that the vector's copies are not all alike.
    for (int i = 0; i < 20; ++i)
      views.push_back(RoaringView::Single(v + (i > 0 && v < 100 ? i : 0)));
    RoaringView assigned;
    {
      const RoaringView temporary = RoaringView::Single(v);
      assigned = temporary;
    }
    views.push_back(assigned);
    for (const RoaringView& view : {views.front(), views.back()}) {
      EXPECT_EQ(view.cardinality(), 1u);
      EXPECT_EQ(view.num_containers(), 1u);
      EXPECT_EQ(view.key(0), v >> 16);
      EXPECT_TRUE(view.Validate().ok());
      RoaringView::Cursor c = view.NewCursor();
      EXPECT_EQ(c.doc(), v);
      EXPECT_EQ(c.ordinal(), 0u);
      EXPECT_EQ(c.Next(), kNoMoreDocs);
      RoaringView::Cursor d = view.NewCursor();
      EXPECT_EQ(d.Advance(v), v);
      if (v < 0xFFFFFFFEu) {
        EXPECT_EQ(d.Advance(v + 1), kNoMoreDocs);
      }
      Bitmap r(view.ToRoaring());
      ASSERT_NE(r, nullptr);
      EXPECT_EQ(roaring_bitmap_get_cardinality(r.get()), 1u);
      EXPECT_TRUE(roaring_bitmap_contains(r.get(), v));
    }
    // Its bytes are the portable serialization CRoaring reads (run header, no run flagged).
    Bitmap expected(roaring_bitmap_of_ptr(1, &v));
    RoaringView parsed;
    const std::string bytes = Serialize(expected.get());
    ExactBuffer buf(bytes);
    ASSERT_TRUE(RoaringView::Open(buf.view(), &parsed).ok());
    EXPECT_EQ(parsed.NewCursor().doc(), views.back().NewCursor().doc());
  }
}

TEST(RoaringView, RandomSparse) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Bitmap r = RandomBitmap(seed, 1 + seed * 3, 1 + seed * 50, Mix::kSparse, seed % 2 == 0);
    CheckAgainstRoaring(r.get(), seed);
  }
}

TEST(RoaringView, RandomDense) {
  for (uint64_t seed = 100; seed < 108; ++seed) {
    Bitmap r = RandomBitmap(seed, 1 + seed % 6, 40, Mix::kDense, seed % 2 == 0);
    CheckAgainstRoaring(r.get(), seed);
  }
}

TEST(RoaringView, RandomRuns) {
  for (uint64_t seed = 200; seed < 215; ++seed) {
    Bitmap r = RandomBitmap(seed, 1 + seed % 9, 30, Mix::kRuns, true);
    EXPECT_EQ(Cookie(Serialize(r.get())) & 0xFFFF, kCookieRuns);
    CheckAgainstRoaring(r.get(), seed);
  }
}

// Many short runs, as a word common in one source of an archive has: Take and TakeRanks cross
// dozens of runs a batch.
TEST(RoaringView, RandomShortRuns) {
  for (uint64_t seed = 250; seed < 270; ++seed) {
    Bitmap r = RandomBitmap(seed, 1 + seed % 3, 8, Mix::kShortRuns, true);
    EXPECT_EQ(Cookie(Serialize(r.get())) & 0xFFFF, kCookieRuns);
    CheckAgainstRoaring(r.get(), seed);
  }
}

TEST(RoaringView, RandomMixedBothCookies) {
  for (uint64_t seed = 300; seed < 330; ++seed) {
    const bool runs = seed % 2 == 0;
    Bitmap r = RandomBitmap(seed, 1 + seed % 40, 2000, Mix::kMixed, runs);
    const uint32_t cookie = Cookie(Serialize(r.get()));
    if (!runs) {
      EXPECT_EQ(cookie, kCookieNoRuns);
    }
    CheckAgainstRoaring(r.get(), seed);
  }
}

TEST(RoaringView, AbsentOffsetsWithFewRunContainers) {
  // With run containers the offset table is only written from 4 containers up.
  for (uint32_t n = 1; n <= 6; ++n) {
    Bitmap r(roaring_bitmap_create());
    for (uint32_t k = 0; k < n; ++k) {
      roaring_bitmap_add_range(r.get(), (k * 3 + 1) << 16 | 100, ((k * 3 + 1) << 16) + 5000);
      roaring_bitmap_add(r.get(), (k * 3 + 1) << 16 | 60000);
    }
    if (n % 2 == 0) roaring_bitmap_add(r.get(), 7);  // an array container among the runs
    roaring_bitmap_run_optimize(r.get());
    const std::string bytes = Serialize(r.get());
    const uint32_t containers = n + (n % 2 == 0 ? 1 : 0);
    ASSERT_EQ(Cookie(bytes), kCookieRuns | ((containers - 1) << 16));
    const size_t header =
        4 + (containers + 7) / 8 + 4 * containers + (containers >= 4 ? 4 * containers : 0);
    RoaringView view;
    ASSERT_TRUE(RoaringView::Open(bytes, &view).ok());
    EXPECT_EQ(view.num_containers(), containers);
    EXPECT_GT(view.size_in_bytes(), header);
    CheckAgainstRoaring(r.get(), n);
  }
}

TEST(RoaringView, ManyContainers) {
  // One value in each of many containers: container skipping and key search dominate.
  Bitmap r(roaring_bitmap_create());
  std::mt19937_64 rng(5);
  for (uint32_t key = 0; key < 65535; ++key) {
    if (rng() % 3 == 0)
      roaring_bitmap_add(r.get(), key << 16 | static_cast<uint32_t>(rng() % 65536));
  }
  CheckAgainstRoaring(r.get(), 5);
  roaring_bitmap_add_range(r.get(), 70u << 16, 71u << 16);
  roaring_bitmap_run_optimize(r.get());
  CheckAgainstRoaring(r.get(), 6);
}

TEST(RoaringView, AboutAMillionValues) {
  // ~1M docids over a 16M docid space: arrays near the 4096 limit next to small bitsets.
  Bitmap sparse(RandomBitmap(400, 256, 256, Mix::kSparse, false));
  {
    std::mt19937_64 rng(401);
    std::vector<uint32_t> vals;
    for (uint32_t d = 0; d < (256u << 16); ++d) {
      if (rng() % 17 == 0) vals.push_back(d);
    }
    roaring_bitmap_add_many(sparse.get(), vals.size(), vals.data());
  }
  EXPECT_GT(roaring_bitmap_get_cardinality(sparse.get()), 950000u);
  CheckAgainstRoaring(sparse.get(), 400);
  Bitmap mixed(RandomBitmap(402, 60, 200, Mix::kMixed, true));
  EXPECT_GT(roaring_bitmap_get_cardinality(mixed.get()), 500000u);
  CheckAgainstRoaring(mixed.get(), 402);
}

TEST(RoaringView, TrailingBytesIgnored) {
  Bitmap r = RandomBitmap(9, 5, 20, Mix::kMixed, true);
  const std::string bytes = Serialize(r.get());
  RoaringView view;
  ASSERT_TRUE(RoaringView::Open(bytes + "trailing", &view).ok());
  EXPECT_EQ(view.size_in_bytes(), bytes.size());
}

bool OpenIsCorruption(const std::string& bytes) {
  ExactBuffer buf(bytes);
  RoaringView view;
  return RoaringView::Open(buf.view(), &view).IsCorruption();
}

TEST(RoaringView, EncoderMatchesCRoaring) {
  // The hand encoder writes exactly what CRoaring writes, so the corruptions below are targeted.
  Bitmap r(roaring_bitmap_create());
  for (uint32_t v : {3u, 9u, 70000u}) roaring_bitmap_add(r.get(), v);
  roaring_bitmap_add_range(r.get(), 5u << 16, (5u << 16) + 1000);
  roaring_bitmap_add_range(r.get(), (5u << 16) + 2000, (5u << 16) + 2010);
  for (uint32_t v = 0; v < 65536; v += 3) roaring_bitmap_add(r.get(), 9u << 16 | v);
  roaring_bitmap_run_optimize(r.get());
  const std::string want = Serialize(r.get());
  EXPECT_EQ(
      Encode({Array(0, {3, 9}), Array(1, {4464}), Runs(5, {0, 999, 2000, 9}), Bitset(9, 3)}, true),
      want);
  roaring_bitmap_remove_run_compression(r.get());
  TestContainer full_array = Array(5, {});
  for (uint16_t v = 0; v < 1000; ++v) full_array.array.push_back(v);
  for (uint16_t v = 2000; v < 2010; ++v) full_array.array.push_back(v);
  EXPECT_EQ(Encode({Array(0, {3, 9}), Array(1, {4464}), full_array, Bitset(9, 3)}, false),
            Serialize(r.get()));
}

TEST(RoaringView, StructuralCorruptionFailsOpen) {
  const std::vector<TestContainer> good = {Array(1, {1, 2, 3}), Runs(2, {10, 5, 100, 0}),
                                           Bitset(4, 2), Array(7, {9})};
  for (bool run_cookie : {true, false}) {
    std::vector<TestContainer> cs = good;
    if (!run_cookie) cs[1] = Array(2, {10, 11, 12, 13, 14, 15, 100});
    ASSERT_FALSE(OpenIsCorruption(Encode(cs, run_cookie)));

    auto bad = cs;
    bad[1].key = 1;  // keys must strictly increase
    EXPECT_TRUE(OpenIsCorruption(Encode(bad, run_cookie)));
    bad = cs;
    std::swap(bad[2], bad[3]);
    EXPECT_TRUE(OpenIsCorruption(Encode(bad, run_cookie)));

    std::string bytes = Encode(cs, run_cookie);
    const size_t offsets_at = run_cookie ? 4 + 1 + 16 : 8 + 16;
    bytes[offsets_at + 8] = static_cast<char>(bytes[offsets_at + 8] + 1);  // third offset
    EXPECT_TRUE(OpenIsCorruption(bytes));
  }
  // No-run cookie with more containers than 16-bit keys allow.
  std::string bytes;
  Put32(&bytes, kCookieNoRuns);
  Put32(&bytes, 65537);
  bytes.append(65537 * 8, '\0');
  EXPECT_TRUE(OpenIsCorruption(bytes));
  // Unknown cookies.
  std::string other = Encode(good, true);
  other[0] = 0x39;
  other[1] = 0x30;  // 12345
  EXPECT_TRUE(OpenIsCorruption(other));
  other = Encode(good, false);
  other[2] = 1;  // no-run cookie with high bits set
  EXPECT_TRUE(OpenIsCorruption(other));

  // Run containers: overlapping, unsorted, touching (fine), past 65535, wrong cardinality, empty.
  EXPECT_TRUE(OpenIsCorruption(Encode({Runs(0, {10, 5, 15, 2})}, true)));
  EXPECT_TRUE(OpenIsCorruption(Encode({Runs(0, {100, 5, 10, 2})}, true)));
  EXPECT_FALSE(OpenIsCorruption(Encode({Runs(0, {10, 5, 16, 2})}, true)));
  EXPECT_TRUE(OpenIsCorruption(Encode({Runs(0, {65530, 6})}, true)));
  EXPECT_FALSE(OpenIsCorruption(Encode({Runs(0, {65530, 5})}, true)));
  TestContainer wrong_card = Runs(0, {10, 5});
  wrong_card.header_card = 7;
  EXPECT_TRUE(OpenIsCorruption(Encode({wrong_card}, true)));
  TestContainer no_runs = Runs(0, {});
  no_runs.header_card = 1;
  EXPECT_TRUE(OpenIsCorruption(Encode({no_runs}, true)));
}

TEST(RoaringView, ContentCorruptionFailsValidateButCursorStaysSafe) {
  // Unsorted array: Open accepts (it does not read values), Validate does not.
  {
    const std::string bytes = Encode({Array(0, {5, 3, 9, 1}), Array(1, {2})}, false);
    ExactBuffer buf(bytes);
    RoaringView view;
    ASSERT_TRUE(RoaringView::Open(buf.view(), &view).ok());
    EXPECT_TRUE(view.Validate().IsCorruption());
    EXPECT_EQ(view.ToRoaring(), nullptr);
    RoaringView::Cursor c = view.NewCursor();
    EXPECT_EQ(c.Advance(4), 5u);  // whatever the order, never below the target
    EXPECT_GE(c.Advance(6), 6u);
    EXPECT_LT(c.ordinal(), view.cardinality());
  }
  // Advance over small unsorted arrays never returns a docid below the target.
  {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 2000; ++trial) {
      std::vector<uint16_t> vals(1 + rng() % 40);
      for (uint16_t& v : vals) v = static_cast<uint16_t>(rng() % 200);
      const std::string bytes = Encode({Array(0, vals), Array(1, {0})}, false);
      RoaringView view;
      ASSERT_TRUE(RoaringView::Open(bytes, &view).ok());
      RoaringView::Cursor c = view.NewCursor();
      for (uint32_t target = 0; c.doc() != kNoMoreDocs; target += 1 + rng() % 30) {
        ASSERT_GE(c.Advance(target), target);
        ASSERT_LE(c.ordinal(), view.cardinality());
        ASSERT_EQ(c.ordinal() == view.cardinality(), c.doc() == kNoMoreDocs);
      }
    }
  }
  // Bitsets whose popcount disagrees with the header, both ways: ordinals stay below the
  // cardinality and follow the header's ranks.
  for (uint32_t header_card : {5000u, 30000u}) {
    TestContainer b = Bitset(3, 4);  // 16384 set bits
    b.header_card = header_card;
    const std::string bytes = Encode({Array(0, {1}), b, Array(9, {2})}, false);
    ExactBuffer buf(bytes);
    RoaringView view;
    ASSERT_TRUE(RoaringView::Open(buf.view(), &view).ok());
    EXPECT_TRUE(view.Validate().IsCorruption());
    EXPECT_EQ(view.cardinality(), header_card + 2);
    uint64_t steps = 0;
    RoaringView::Cursor c = view.NewCursor();
    for (; c.doc() != kNoMoreDocs; c.Next(), ++steps) ASSERT_LT(c.ordinal(), view.cardinality());
    EXPECT_LE(steps, view.cardinality());
    RoaringView::Cursor a = view.NewCursor();
    EXPECT_EQ(a.Advance((9u << 16) | 2), (9u << 16) | 2);
    EXPECT_EQ(a.ordinal(), header_card + 1);
    RoaringView::Cursor d = view.NewCursor();
    d.Advance((3u << 16) | 60000);
    if (d.doc() != kNoMoreDocs) {
      EXPECT_LT(d.ordinal(), view.cardinality());
    }
  }
  // An all-zero "bitset" is skipped.
  {
    TestContainer b = Bitset(3, 4);
    std::fill(b.bitset.begin(), b.bitset.end(), 0);
    b.header_card = 5000;
    const std::string bytes = Encode({Array(0, {1}), b, Array(9, {2})}, false);
    RoaringView view;
    ASSERT_TRUE(RoaringView::Open(bytes, &view).ok());
    RoaringView::Cursor c = view.NewCursor();
    EXPECT_EQ(c.Next(), (9u << 16) | 2);
    EXPECT_EQ(c.ordinal(), 5001u);
    RoaringView::Cursor a = view.NewCursor();
    EXPECT_EQ(a.Advance(3u << 16 | 7), (9u << 16) | 2);
  }
}

// Opens `bytes`; if the view opens, drives cursors through it checking only the promises that
// hold for any bytes; if it also validates, it must agree with CRoaring.
void ExerciseArbitraryBytes(std::string_view bytes, uint64_t seed) {
  ExactBuffer buf(bytes);
  RoaringView view;
  if (!RoaringView::Open(buf.view(), &view).ok()) return;
  ASSERT_LE(view.size_in_bytes(), bytes.size());
  std::vector<uint32_t> docs;
  {
    // ordinal() < cardinality() exactly while the cursor is not exhausted; looping on it rather
    // than on doc() also covers damaged bytes that spell docid 0xFFFFFFFF.
    RoaringView::Cursor c = view.NewCursor();
    uint64_t last_ord = 0;
    for (; c.ordinal() < view.cardinality(); c.Next()) {
      if (!docs.empty()) {
        ASSERT_GT(c.ordinal(), last_ord);
      }
      last_ord = c.ordinal();
      docs.push_back(c.doc());
      ASSERT_LE(docs.size(), view.cardinality());
    }
    ASSERT_EQ(c.ordinal(), view.cardinality());
    ASSERT_EQ(c.doc(), kNoMoreDocs);
  }
  {
    std::mt19937_64 rng(seed);
    RoaringView::Cursor c = view.NewCursor();
    uint32_t prev = c.doc();
    while (c.doc() != kNoMoreDocs) {
      const uint64_t t = uint64_t{c.doc()} + 1 + rng() % (1u << (rng() % 20));
      const uint32_t target = static_cast<uint32_t>(std::min<uint64_t>(t, kNoMoreDocs));
      const uint32_t got = c.Advance(target);
      ASSERT_GE(got, target);
      ASSERT_GE(got, prev);
      prev = got;
      if (got != kNoMoreDocs) {
        ASSERT_LT(c.ordinal(), view.cardinality());
      }
    }
  }
  {
    // TakeRanks stays inside the bytes and agrees with Take over whatever they hold.
    std::mt19937_64 rng(seed + 1);
    RoaringView::Cursor by_take = view.NewCursor(), by_ranks = view.NewCursor();
    std::vector<uint32_t> taken(RoaringView::Cursor::kMaxTakeRanks), at_ranks;
    std::vector<uint8_t> ranks;
    for (;;) {
      const size_t batch = 1 + rng() % RoaringView::Cursor::kMaxTakeRanks;
      ranks.clear();
      for (size_t r = 0; r < batch; ++r)
        if (rng() % 3 == 0) ranks.push_back(static_cast<uint8_t>(r));
      at_ranks.assign(ranks.size(), 0);
      const size_t n = by_take.Take(taken.data(), batch);
      ASSERT_EQ(by_ranks.TakeRanks(ranks.data(), ranks.size(), batch, at_ranks.data()), n);
      for (size_t j = 0; j < ranks.size() && ranks[j] < n; ++j)
        ASSERT_EQ(at_ranks[j], taken[ranks[j]]);
      ASSERT_EQ(by_ranks.ordinal(), by_take.ordinal());
      ASSERT_EQ(by_ranks.doc(), by_take.doc());
      if (n == 0) break;
    }
  }
  if (!view.Validate().ok()) return;
  ASSERT_TRUE(std::is_sorted(docs.begin(), docs.end()));
  ASSERT_EQ(docs.size(), view.cardinality());
  Bitmap copy(view.ToRoaring());
  ASSERT_NE(copy, nullptr);
  ASSERT_EQ(Values(copy.get()), docs);
}

std::vector<std::string> CorruptionSamples() {
  std::vector<std::string> samples;
  samples.push_back(Serialize(RandomBitmap(500, 6, 12, Mix::kMixed, true).get()));
  samples.push_back(Serialize(RandomBitmap(501, 3, 8, Mix::kRuns, true).get()));
  samples.push_back(Serialize(RandomBitmap(502, 5, 12, Mix::kMixed, false).get()));
  samples.push_back(Serialize(RandomBitmap(503, 40, 100, Mix::kSparse, true).get()));
  samples.push_back(Encode({Array(1, {1, 2, 3}), Runs(2, {10, 5, 100, 0}), Bitset(4, 5)}, true));
  return samples;
}

TEST(RoaringView, TruncationAtEveryLength) {
  for (const std::string& bytes : CorruptionSamples()) {
    // Each prefix is copied to the end of one allocation of the whole size, so that a read past
    // the prefix still runs into the allocation's end (a fresh allocation per length costs
    // AddressSanitizer a new mapping of up to 100 KB, about 20 s for the samples here).
    ExactBuffer whole(bytes);
    char* end = whole.data() + bytes.size();
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::memcpy(end - len, bytes.data(), len);
      RoaringView view;
      ASSERT_TRUE(RoaringView::Open(std::string_view(end - len, len), &view).IsCorruption())
          << "length " << len;
    }
  }
}

TEST(RoaringView, RandomByteFlips) {
  std::mt19937_64 rng(77);
  int opened = 0;
  // The sanitizer build runs a third of the trials: the fuzz targets over segment files damage
  // bitmaps at random under it as well.
  const int trials = kUnderAsan ? 1000 : 3000;
  for (const std::string& original : CorruptionSamples()) {
    for (int trial = 0; trial < trials; ++trial) {
      std::string bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        // Half the flips land in the first 64 bytes, where the header lives.
        const size_t limit = rng() % 2 ? std::min<size_t>(64, bytes.size()) : bytes.size();
        bytes[rng() % limit] ^= static_cast<char>(1 + rng() % 255);
      }
      if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
      ExerciseArbitraryBytes(bytes, trial);
      RoaringView view;
      opened += RoaringView::Open(bytes, &view).ok();
    }
  }
  EXPECT_GT(opened, 0);  // the checks above ran on something
}

}  // namespace
}  // namespace roaring_view_test
}  // namespace trawl

#include "format/checked_posting_lists.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "sanitizer.h"

namespace trawl {
namespace checked_posting_lists_test {
namespace {

TermInfo Info(uint64_t base) {
  TermInfo t;
  t.post_offset = base;
  t.post_length = base + 1;
  t.pos_offset = base + 2;
  t.pos_length = base + 3;
  t.doc_freq = static_cast<uint32_t>(base + 4);
  t.max_tf = static_cast<uint32_t>(base + 5);
  return t;
}

TEST(CheckedPostingLists, HoldsOnlyWhatWasInsertedWithEveryValueEqual) {
  CheckedPostingLists checked(64);
  EXPECT_FALSE(checked.Contains(TermInfo()));  // an empty slot's zeros are no key
  const TermInfo t = Info(1000);
  EXPECT_FALSE(checked.Contains(t));
  checked.Insert(t);
  EXPECT_TRUE(checked.Contains(t));
  // Each value a block table's check reads, changed alone.
  std::vector<TermInfo> others(6, t);
  ++others[0].post_offset;
  ++others[1].post_length;
  ++others[2].pos_offset;
  ++others[3].pos_length;
  ++others[4].doc_freq;
  ++others[5].max_tf;
  for (size_t i = 0; i < others.size(); ++i) EXPECT_FALSE(checked.Contains(others[i])) << i;
  // Values it does not read do not matter.
  TermInfo same = t;
  same.min_length = 77;
  EXPECT_TRUE(checked.Contains(same));
}

TEST(CheckedPostingLists, ALaterInsertTakesTheSlot) {
  CheckedPostingLists checked(1);
  const TermInfo a = Info(10), b = Info(20);
  checked.Insert(a);
  checked.Insert(b);
  EXPECT_TRUE(checked.Contains(b));
  EXPECT_FALSE(checked.Contains(a));
  checked.Insert(a);
  EXPECT_TRUE(checked.Contains(a));
  EXPECT_FALSE(checked.Contains(b));
}

// Two keys that differ in every value share the one slot; writers insert them in turn while
// readers ask for keys made of half of each. A reader that took a half-written slot for one of
// those would answer true for a list never checked.
TEST(CheckedPostingLists, ReadersRacingWritersNeverTakeAMixOfTwoKeys) {
  CheckedPostingLists checked(1);
  const TermInfo a = Info(100), b = Info(200);
  TermInfo mix_ab = a, mix_ba = b;
  mix_ab.pos_offset = b.pos_offset;
  mix_ab.pos_length = b.pos_length;
  mix_ab.doc_freq = b.doc_freq;
  mix_ab.max_tf = b.max_tf;
  mix_ba.pos_offset = a.pos_offset;
  mix_ba.pos_length = a.pos_length;
  mix_ba.doc_freq = a.doc_freq;
  mix_ba.max_tf = a.max_tf;
  const int rounds = kUnderAsan ? 100000 : 1000000;
  std::atomic<bool> done{false};
  std::atomic<int> mixes_taken{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < rounds; ++i) checked.Insert((i + w) % 2 == 0 ? a : b);
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!done.load(std::memory_order_relaxed)) {
        if (checked.Contains(mix_ab) || checked.Contains(mix_ba)) mixes_taken.fetch_add(1);
      }
    });
  }
  threads[0].join();
  threads[1].join();
  done = true;
  threads[2].join();
  threads[3].join();
  EXPECT_EQ(mixes_taken.load(), 0);
  EXPECT_TRUE(checked.Contains(a) || checked.Contains(b));
}

}  // namespace
}  // namespace checked_posting_lists_test
}  // namespace trawl

#include "analysis/stem_memo.h"

#include <gtest/gtest.h>
#include <libstemmer.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "analysis/analyzer.h"

namespace trawl {
namespace stem_memo_test {
namespace {

// A stemmer that is easy to predict and counts its calls: the word reversed and tagged.
struct FakeStemmer {
  std::string_view Stem(std::string_view word) {
    ++calls;
    out.assign(word.rbegin(), word.rend());
    out += "#";
    return out;
  }
  int calls = 0;
  std::string out;
};

std::string Reversed(std::string_view word) { return std::string(word.rbegin(), word.rend()) + "#"; }

std::string GetFrom(StemMemo& memo, FakeStemmer& stemmer, std::string_view word) {
  return std::string(memo.Get(word, [&](std::string_view w) { return stemmer.Stem(w); }));
}

// Words that fall into one set of a table of `sets` sets.
std::vector<std::string> WordsOfOneSet(size_t count, size_t sets) {
  std::vector<std::string> words;
  const size_t set = StemMemo::SetOf("w0", sets);
  for (int i = 0; words.size() < count; ++i) {
    const std::string word = "w" + std::to_string(i);
    if (StemMemo::SetOf(word, sets) == set) words.push_back(word);
  }
  return words;
}

TEST(StemMemoTest, StemsOnceThenRemembers) {
  StemMemo memo;
  FakeStemmer stemmer;
  EXPECT_EQ(memo.slots(), 0u);  // nothing allocated before the first miss
  EXPECT_EQ(GetFrom(memo, stemmer, "running"), "gninnur#");
  EXPECT_EQ(stemmer.calls, 1);
  EXPECT_EQ(memo.slots(), StemMemo::kInitialSets * StemMemo::kWays);
  EXPECT_EQ(GetFrom(memo, stemmer, "running"), "gninnur#");
  EXPECT_EQ(GetFrom(memo, stemmer, "runs"), "snur#");
  EXPECT_EQ(GetFrom(memo, stemmer, "running"), "gninnur#");
  EXPECT_EQ(GetFrom(memo, stemmer, "runs"), "snur#");
  EXPECT_EQ(stemmer.calls, 2);
}

TEST(StemMemoTest, WordsThatDifferOnlyInLengthOrPaddingAreDistinct) {
  StemMemo memo;
  FakeStemmer stemmer;
  const std::string a_nul("a\0", 2);
  const std::string a_nul_nul("a\0\0", 3);
  EXPECT_EQ(GetFrom(memo, stemmer, "a"), "a#");
  EXPECT_EQ(GetFrom(memo, stemmer, a_nul), Reversed(a_nul));
  EXPECT_EQ(GetFrom(memo, stemmer, a_nul_nul), Reversed(a_nul_nul));
  EXPECT_EQ(stemmer.calls, 3);
  EXPECT_EQ(GetFrom(memo, stemmer, "a"), "a#");
  EXPECT_EQ(GetFrom(memo, stemmer, a_nul), Reversed(a_nul));
  EXPECT_EQ(GetFrom(memo, stemmer, a_nul_nul), Reversed(a_nul_nul));
  EXPECT_EQ(stemmer.calls, 3);
}

// Words of every length the memo keeps, and for each the words that differ from it in one
// byte, anywhere: each is remembered as itself (the key is copied in overlapping pieces).
TEST(StemMemoTest, WordsThatDifferInAnyOneByteAreDistinct) {
  std::mt19937 rng(5);
  for (size_t n = 1; n <= StemMemo::kMaxWordBytes - 3; ++n) {
    StemMemo memo;
    FakeStemmer stemmer;
    std::string word(n, '\0');
    for (char& c : word) c = static_cast<char>(rng());
    std::vector<std::string> words = {word};
    for (size_t i = 0; i < n; ++i) {
      std::string other = word;
      other[i] = static_cast<char>(other[i] ^ (1 + rng() % 255));
      words.push_back(other);
    }
    for (int pass = 0; pass < 2; ++pass)
      for (const std::string& w : words) EXPECT_EQ(GetFrom(memo, stemmer, w), Reversed(w)) << n;
    EXPECT_EQ(stemmer.calls, static_cast<int>(words.size())) << n;
  }
}

TEST(StemMemoTest, WordsUpToTheSlotSizeAreRemembered) {
  StemMemo memo;
  FakeStemmer stemmer;
  // The stem is one byte longer than the word, so stems stay within kMaxStemBytes here.
  const std::string longest(StemMemo::kMaxWordBytes - 3, 'x');
  EXPECT_EQ(GetFrom(memo, stemmer, longest), Reversed(longest));
  EXPECT_EQ(GetFrom(memo, stemmer, longest), Reversed(longest));
  EXPECT_EQ(stemmer.calls, 1);

  // Words of kMaxWordBytes and more: the stems (one byte longer) or the words do not fit.
  for (size_t bytes : {StemMemo::kMaxWordBytes, StemMemo::kMaxWordBytes + 1, size_t{300}}) {
    stemmer.calls = 0;
    const std::string word(bytes, 'y');
    EXPECT_EQ(GetFrom(memo, stemmer, word), Reversed(word));
    EXPECT_EQ(GetFrom(memo, stemmer, word), Reversed(word));
    EXPECT_EQ(stemmer.calls, 2) << bytes;
  }
}

TEST(StemMemoTest, WordOfTheSlotSizeIsRememberedWithAShortStem) {
  StemMemo memo;
  int calls = 0;
  auto first_byte = [&](std::string_view w) {
    ++calls;
    return w.substr(0, 1);
  };
  const std::string at_limit(StemMemo::kMaxWordBytes, 'z');
  const std::string over_limit(StemMemo::kMaxWordBytes + 1, 'z');
  EXPECT_EQ(memo.Get(at_limit, first_byte), "z");
  EXPECT_EQ(memo.Get(at_limit, first_byte), "z");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(memo.Get(over_limit, first_byte), "z");
  EXPECT_EQ(memo.Get(over_limit, first_byte), "z");
  EXPECT_EQ(calls, 3);
}

TEST(StemMemoTest, StemsLongerThanTheirWordAreRememberedWhenTheyFit) {
  StemMemo memo;
  int calls = 0;
  std::string stem;
  auto lengthen = [&](std::string_view w) -> std::string_view {
    ++calls;
    stem = std::string(w) + std::string(StemMemo::kMaxStemBytes - w.size(), '+');
    return stem;
  };
  EXPECT_EQ(memo.Get("ab", lengthen), "ab" + std::string(StemMemo::kMaxStemBytes - 2, '+'));
  EXPECT_EQ(memo.Get("ab", lengthen), "ab" + std::string(StemMemo::kMaxStemBytes - 2, '+'));
  EXPECT_EQ(calls, 1);

  auto too_long = [&](std::string_view w) -> std::string_view {
    ++calls;
    stem = std::string(w) + std::string(StemMemo::kMaxStemBytes + 1 - w.size(), '+');
    return stem;
  };
  calls = 0;
  EXPECT_EQ(memo.Get("cd", too_long), "cd" + std::string(StemMemo::kMaxStemBytes - 1, '+'));
  EXPECT_EQ(memo.Get("cd", too_long), "cd" + std::string(StemMemo::kMaxStemBytes - 1, '+'));
  EXPECT_EQ(calls, 2);
}

TEST(StemMemoTest, EmptyStemsAreRememberedAndEmptyWordsAreNot) {
  StemMemo memo;
  int calls = 0;
  auto nothing = [&](std::string_view) {
    ++calls;
    return std::string_view();
  };
  EXPECT_EQ(memo.Get("s", nothing), "");
  EXPECT_EQ(memo.Get("s", nothing), "");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(memo.Get("", nothing), "");
  EXPECT_EQ(memo.Get("", nothing), "");
  EXPECT_EQ(calls, 3);
}

TEST(StemMemoTest, AMissReplacesTheOlderEntryOfItsSet) {
  StemMemo memo;
  FakeStemmer stemmer;
  const std::vector<std::string> words = WordsOfOneSet(3, StemMemo::kInitialSets);
  GetFrom(memo, stemmer, words[0]);
  GetFrom(memo, stemmer, words[1]);
  EXPECT_EQ(stemmer.calls, 2);
  GetFrom(memo, stemmer, words[0]);  // both fit: the set has two ways
  GetFrom(memo, stemmer, words[1]);
  EXPECT_EQ(stemmer.calls, 2);
  EXPECT_EQ(GetFrom(memo, stemmer, words[2]), Reversed(words[2]));  // evicts words[0]
  EXPECT_EQ(stemmer.calls, 3);
  EXPECT_EQ(GetFrom(memo, stemmer, words[1]), Reversed(words[1]));
  EXPECT_EQ(GetFrom(memo, stemmer, words[2]), Reversed(words[2]));
  EXPECT_EQ(stemmer.calls, 3);
  EXPECT_EQ(GetFrom(memo, stemmer, words[0]), Reversed(words[0]));  // evicts words[1]
  EXPECT_EQ(stemmer.calls, 4);
  EXPECT_EQ(GetFrom(memo, stemmer, words[2]), Reversed(words[2]));
  EXPECT_EQ(stemmer.calls, 4);
  EXPECT_EQ(GetFrom(memo, stemmer, words[1]), Reversed(words[1]));
  EXPECT_EQ(stemmer.calls, 5);
}

TEST(StemMemoTest, GrowsWhileItKeepsMissingAndKeepsWhatItHolds) {
  StemMemo memo;
  FakeStemmer stemmer;
  const size_t initial_slots = StemMemo::kInitialSets * StemMemo::kWays;
  const size_t misses_to_grow = initial_slots / StemMemo::kSlotsPerGrowthMiss;
  // The first miss allocates; misses_to_grow misses more double the table.
  std::vector<std::string> words;
  for (size_t i = 0; i < misses_to_grow; ++i) {
    words.push_back("g" + std::to_string(i));
    GetFrom(memo, stemmer, words.back());
  }
  EXPECT_EQ(memo.slots(), initial_slots);
  // Remembered before the growth, and the newer entry of its set: still there after it.
  const std::string kept = words.back();
  words.push_back("g" + std::to_string(misses_to_grow));
  GetFrom(memo, stemmer, words.back());
  EXPECT_EQ(memo.slots(), 2 * initial_slots);
  stemmer.calls = 0;
  EXPECT_EQ(GetFrom(memo, stemmer, kept), Reversed(kept));
  EXPECT_EQ(GetFrom(memo, stemmer, words.back()), Reversed(words.back()));
  EXPECT_EQ(stemmer.calls, 0);
  // Every answer is right whether it was remembered or not; the rehash kept the entries, and
  // a table a quarter full evicts few of them.
  for (const std::string& word : words) EXPECT_EQ(GetFrom(memo, stemmer, word), Reversed(word));
  EXPECT_LT(stemmer.calls, static_cast<int>(words.size() / 10));
}

// Probes made ahead, with the table growing between a probe and its lookup: a probe holds its
// word, and a lookup by probe answers and remembers as one by the word.
TEST(StemMemoTest, ProbesMadeAheadAnswerAsTheWordDoes) {
  StemMemo memo, by_word;
  FakeStemmer stemmer, by_word_stemmer;
  std::mt19937 rng(8);
  for (int batch = 0; batch < 400; ++batch) {
    std::vector<std::string> words;
    std::vector<StemMemo::Probe> probes;
    for (int i = 0; i < 32; ++i) {
      words.push_back("p" + std::to_string(rng() % 3000) + std::string(rng() % 24, 'x'));
      ASSERT_TRUE(StemMemo::Keeps(words.back()));
      probes.push_back(StemMemo::ProbeOf(words.back()));
      memo.Prefetch(probes.back());
      EXPECT_EQ(probes.back().word(), words.back());
    }
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string got(memo.Get(probes[i].word(), probes[i],
                                     [&](std::string_view w) { return stemmer.Stem(w); }));
      EXPECT_EQ(got, Reversed(words[i]));
      GetFrom(by_word, by_word_stemmer, words[i]);
    }
  }
  EXPECT_GT(memo.slots(), StemMemo::kInitialSets * StemMemo::kWays) << "the table must grow";
  EXPECT_EQ(memo.slots(), by_word.slots());
  EXPECT_EQ(stemmer.calls, by_word_stemmer.calls);
  EXPECT_FALSE(StemMemo::Keeps(""));
  EXPECT_FALSE(StemMemo::Keeps(std::string(StemMemo::kMaxWordBytes + 1, 'a')));
  EXPECT_TRUE(StemMemo::Keeps(std::string(StemMemo::kMaxWordBytes, 'a')));
}

TEST(StemMemoTest, GrowthStopsAtTheBound) {
  StemMemo memo;
  FakeStemmer stemmer;
  for (int i = 0; i < 400000; ++i) GetFrom(memo, stemmer, "b" + std::to_string(i));
  EXPECT_EQ(memo.slots(), StemMemo::kMaxSets * StemMemo::kWays);
  stemmer.calls = 0;
  for (int i = 399000; i < 400000; ++i) {
    const std::string word = "b" + std::to_string(i);
    EXPECT_EQ(GetFrom(memo, stemmer, word), Reversed(word));
  }
  EXPECT_LT(stemmer.calls, 200);  // the most recent words are mostly still there
}

// Snowball turkish lengthens some words ("heading" -> "headingi"): a stem that still fits its
// slot is remembered, one that does not is stemmed each time, and both stay right.
TEST(StemMemoTest, AnalyzerStemsLongerThanTheirWords) {
  AnalyzerOptions options;
  options.language = "turkish";
  std::unique_ptr<Analyzer> analyzer;
  ASSERT_TRUE(Analyzer::Create(options, &analyzer).ok());
  const std::string fits = std::string(StemMemo::kMaxStemBytes - 8, 'x') + "heading";
  const std::string too_long = std::string(StemMemo::kMaxStemBytes - 7, 'x') + "heading";
  for (int pass = 0; pass < 3; ++pass) {
    EXPECT_EQ(analyzer->Terms("heading " + fits + " " + too_long),
              (std::vector<std::string>{"headingi", fits + "i", too_long + "i"}));
  }
}

// The analyzer's terms are exactly Snowball's stems of its unstemmed tokens, for every language,
// over a stream with repeats (hits), more words than the first table holds (growth and
// eviction), long words and non-ASCII letters.
TEST(StemMemoTest, AnalyzerTermsAreSnowballStemsInEveryLanguage) {
  std::mt19937 rng(7);
  const std::vector<std::string> letters = {"a", "e", "i", "o", "u", "n", "s", "t", "r", "l",
                                            "é", "ü", "ß", "ø", "ç", "ı", "ş", "ж", "ы", "α",
                                            "ή", "ą", "ő", "ñ", "k", "m", "y", "h", "d", "g"};
  std::vector<std::string> pool;
  for (int i = 0; i < 4000; ++i) {
    std::string word;
    const int length = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < length; ++k) word += letters[rng() % letters.size()];
    pool.push_back(word);
  }
  std::string text;
  for (int i = 0; i < 30000; ++i) {
    // Zipf-like: low indexes much more often.
    const size_t index = static_cast<size_t>(std::pow(pool.size(), (rng() % 10000) / 10000.0)) - 1;
    text += pool[index];
    text += ' ';
  }

  AnalyzerOptions unstemmed_options;
  unstemmed_options.language = "none";
  std::unique_ptr<Analyzer> unstemmed;
  ASSERT_TRUE(Analyzer::Create(unstemmed_options, &unstemmed).ok());
  const std::vector<std::string> tokens = unstemmed->Terms(text);

  for (const std::string& language : Analyzer::Languages()) {
    SCOPED_TRACE(language);
    AnalyzerOptions options;
    options.language = language;
    std::unique_ptr<Analyzer> analyzer;
    ASSERT_TRUE(Analyzer::Create(options, &analyzer).ok());
    sb_stemmer* stemmer = sb_stemmer_new(language.c_str(), "UTF_8");
    ASSERT_NE(stemmer, nullptr);
    std::vector<std::string> expected;
    for (const std::string& token : tokens) {
      const sb_symbol* stem = sb_stemmer_stem(
          stemmer, reinterpret_cast<const sb_symbol*>(token.data()), static_cast<int>(token.size()));
      ASSERT_NE(stem, nullptr);
      std::string term(reinterpret_cast<const char*>(stem),
                       static_cast<size_t>(sb_stemmer_length(stemmer)));
      if (!term.empty()) expected.push_back(std::move(term));
    }
    sb_stemmer_delete(stemmer);
    // Twice: the second pass finds the table warm.
    EXPECT_EQ(analyzer->Terms(text), expected);
    EXPECT_EQ(analyzer->Terms(text), expected);
  }
}

}  // namespace
}  // namespace stem_memo_test
}  // namespace trawl

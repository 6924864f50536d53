#include "searcher/snippet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "analysis/analyzer.h"

namespace trawl {
namespace snippet_test {
namespace {

class SnippetTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Analyzer::Create(AnalyzerOptions(), &analyzer_).ok()); }

  // Query words go through the analyzer, as the searcher's terms do.
  std::unordered_set<std::string> Terms(const std::string& words) {
    std::unordered_set<std::string> out;
    for (auto& t : analyzer_->Terms(words)) out.insert(t);
    return out;
  }

  std::string Snip(std::string_view text, const std::string& words, size_t max_chars) {
    return MakeSnippet(text, *analyzer_, Terms(words), max_chars, "[", "]");
  }

  std::unique_ptr<Analyzer> analyzer_;
};

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 0;
    if (len == 0 || i + len > s.size()) return false;
    size_t pos = i;
    const int32_t cp = DecodeUtf8(s, &pos);
    if (cp == 0xFFFD && s.substr(i, 3) != "\xEF\xBF\xBD") return false;
    i = pos;
  }
  return true;
}

// The snippet without marks and ellipses, with each U+FFFD (which replaced one invalid byte)
// counted as one byte, to compare with the byte budget.
std::string Plain(std::string s) {
  for (const std::string& drop : {std::string("["), std::string("]"), std::string("…")}) {
    for (size_t p; (p = s.find(drop)) != std::string::npos;) s.erase(p, drop.size());
  }
  for (size_t p; (p = s.find("\xEF\xBF\xBD")) != std::string::npos;) s.replace(p, 3, "?");
  return s;
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST_F(SnippetTest, SnippetShortTextIsWholeWithHighlights) {
  EXPECT_EQ(Snip("The quick brown fox jumps.", "fox", 200), "The quick brown [fox] jumps.");
}

TEST_F(SnippetTest, SnippetHighlightsStemmedForms) {
  EXPECT_EQ(Snip("He jumps, she jumped, they are jumping", "jump", 200),
            "He [jumps], she [jumped], they are [jumping]");
}

TEST_F(SnippetTest, SnippetHighlightsCaseInsensitively) {
  EXPECT_EQ(Snip("TRAWL and Trawl and trawl", "trawl", 200), "[TRAWL] and [Trawl] and [trawl]");
}

TEST_F(SnippetTest, SnippetCustomMarks) {
  EXPECT_EQ(MakeSnippet("a fox here", *analyzer_, Terms("fox"), 200, "<b>", "</b>"),
            "a <b>fox</b> here");
}

TEST_F(SnippetTest, SnippetEmptyTextAndZeroLength) {
  EXPECT_EQ(Snip("", "fox", 200), "");
  EXPECT_EQ(Snip("   \n\t ", "fox", 200), "");
  EXPECT_EQ(Snip("fox", "fox", 0), "");
}

TEST_F(SnippetTest, SnippetFoldsWhitespaceAndTrims) {
  EXPECT_EQ(Snip("  one\n\ntwo \t\r\n three  ", "", 200), "one two three");
}

TEST_F(SnippetTest, SnippetFoldsControlCharacters) {
  const std::string s = Snip("red\x1b[31m alert\x07 fox\x9b", "fox", 200);
  EXPECT_EQ(s.find('\x1b'), std::string::npos) << s;
  EXPECT_EQ(s.find('\x07'), std::string::npos) << s;
  EXPECT_TRUE(IsValidUtf8(s)) << s;
  EXPECT_NE(s.find("[fox]"), std::string::npos) << s;
}

TEST_F(SnippetTest, SnippetNoMatchGivesStartOfText) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "word" + std::to_string(i) + " ";
  const std::string s = Snip(text, "absent", 50);
  EXPECT_EQ(s.rfind("word0 word1 ", 0), 0u) << s;
  EXPECT_EQ(s.substr(s.size() - std::string("…").size()), "…") << s;
  EXPECT_LE(Plain(s).size(), 50u);
  for (const auto& w : Words(Plain(s))) EXPECT_EQ(w.rfind("word", 0), 0u) << w;  // whole words
}

TEST_F(SnippetTest, SnippetEllipsesMarkCuts) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "filler ";
  text += "needle ";
  for (int i = 0; i < 50; ++i) text += "filler ";
  const std::string s = Snip(text, "needle", 60);
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;
  EXPECT_EQ(s.substr(s.size() - std::string("…").size()), "…") << s;
  EXPECT_NE(s.find("[needle]"), std::string::npos) << s;
  EXPECT_LE(Plain(s).size(), 60u) << s;
  for (const auto& w : Words(Plain(s))) EXPECT_TRUE(w == "filler" || w == "needle") << w;
}

TEST_F(SnippetTest, SnippetMatchNearEndUsesFullBudget) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "filler ";
  text += "needle";
  const std::string s = Snip(text, "needle", 60);
  EXPECT_EQ(s.rfind("…", 0), 0u) << s;
  EXPECT_EQ(s.substr(s.size() - 8), "[needle]") << s;
  EXPECT_GE(Plain(s).size(), 45u) << s;  // the unused budget after the match went to the front
}

TEST_F(SnippetTest, SnippetPrefersWindowWithMostDistinctTerms) {
  std::string text = "alpha appears alone here. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  text += "beta sits here. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  text += "Here alpha beta and gamma are together. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  const std::string s = Snip(text, "alpha beta gamma", 80);
  EXPECT_NE(s.find("[alpha] [beta] and [gamma]"), std::string::npos) << s;
}

TEST_F(SnippetTest, SnippetRepeatedTermCountsOnce) {
  // Three "alpha"s are fewer distinct terms than one alpha and one beta.
  std::string text = "alpha alpha alpha. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  text += "alpha beta. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  const std::string s = Snip(text, "alpha beta", 40);
  EXPECT_NE(s.find("[alpha] [beta]"), std::string::npos) << s;
}

TEST_F(SnippetTest, SnippetTiesGoToEarliest) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "filler ";
  text += "first needle. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  text += "second needle. ";
  for (int i = 0; i < 40; ++i) text += "filler ";
  const std::string s = Snip(text, "needle", 40);
  EXPECT_NE(s.find("first [needle]"), std::string::npos) << s;
  EXPECT_EQ(s.find("second"), std::string::npos) << s;
}

TEST_F(SnippetTest, SnippetLongRunWithoutSpacesCutsAtUtf8Boundary) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "日本語";
  const std::string s = Snip(text, "absent", 31);
  EXPECT_TRUE(IsValidUtf8(s)) << s;
  EXPECT_LE(Plain(s).size(), 31u);
  EXPECT_FALSE(Plain(s).empty());
}

TEST_F(SnippetTest, SnippetReplacesInvalidUtf8) {
  const std::string s = Snip("bad \xff\xfe bytes and a fox \xc3", "fox", 200);
  EXPECT_TRUE(IsValidUtf8(s)) << s;
  EXPECT_NE(s.find("[fox]"), std::string::npos) << s;
}

TEST_F(SnippetTest, SnippetRandomTextsStayValidAndBounded) {
  static const char* const kPieces[] = {"a",  "fox",   " ",    "é",        "日本語", "😀",
                                        "\n", "ß",     "0",    "Ωμέγα",    "\t",     "x y z",
                                        ",",  "foxes", "\xff", "\xe6\x97", "  ",     "Fox."};
  std::mt19937 rng(42);
  std::uniform_int_distribution<size_t> piece(0, std::size(kPieces) - 1);
  std::uniform_int_distribution<size_t> length(0, 300);
  std::uniform_int_distribution<size_t> budget(1, 120);
  const auto terms = Terms("fox ß");
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (size_t n = length(rng); n > 0; --n) text += kPieces[piece(rng)];
    const size_t max_chars = budget(rng);
    const std::string s = MakeSnippet(text, *analyzer_, terms, max_chars, "[", "]");
    ASSERT_TRUE(IsValidUtf8(s)) << "text: " << text << "\nsnippet: " << s;
    EXPECT_EQ(s.find('\n'), std::string::npos);
    EXPECT_EQ(s.find("  "), std::string::npos) << s;
    // Budget: the plain text fits, unless one matching token alone is longer (never here).
    EXPECT_LE(Plain(s).size(), max_chars + 8) << "text: " << text << "\nsnippet: " << s;
  }
}

TEST_F(SnippetTest, SnippetHugeDocumentIsBounded) {
  std::string text(3u << 20, 'x');
  for (size_t i = 0; i < text.size(); i += 10) text[i] = ' ';
  text += " needle";
  const std::string s = Snip(text, "needle", 100);
  EXPECT_LE(s.size(), 110u);
  EXPECT_EQ(s.substr(s.size() - std::string("…").size()), "…");
}

// Token marks and term positions as the indexer and the postings give them for `text` (the
// positions' terms view `terms`).
struct MarkedField {
  std::vector<TokenMark> marks;
  std::vector<TermPositions> positions;
};

MarkedField MarkText(Analyzer& analyzer, std::string_view text, uint32_t interval,
                     const std::vector<std::string>& terms) {
  MarkedField out;
  for (const std::string& t : terms) out.positions.push_back({t, {}});
  uint32_t emitted = 0;
  analyzer.Analyze(text, [&](const Token& t) {
    if (emitted > 0 && emitted % interval == 0) out.marks.push_back({t.position, t.start_byte});
    ++emitted;
    for (TermPositions& tp : out.positions)
      if (tp.term == t.term) tp.positions.push_back(t.position);
  });
  return out;
}

// Up to max_words of `words`, each followed by one of `gaps`.
std::string RandomText(std::mt19937& rng, const std::vector<std::string>& words,
                       const std::vector<std::string>& gaps, size_t max_words) {
  std::string text;
  for (size_t n = rng() % (max_words + 1); n > 0; --n) {
    text += words[rng() % words.size()];
    text += gaps[rng() % gaps.size()];
  }
  return text;
}

TEST_F(SnippetTest, FromMarksIsTheSnippetOfTheWholeText) {
  static const char* const kWords[] = {"the", "fox", "jumps", "over", "a", "lazy", "dog",
                                       "foxes", "Jumping", "é", "日本語", "x", "and", "ß",
                                       "running", "Dogs", "ran", "quickly", "brown", "end"};
  static const char* const kGaps[] = {" ", " ", " ", "  ", "\n", ", ", ". ", "-", "\t", " — "};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> word(0, std::size(kWords) - 1);
  std::uniform_int_distribution<size_t> gap(0, std::size(kGaps) - 1);
  std::uniform_int_distribution<size_t> length(0, 3000);
  std::uniform_int_distribution<int> pick(1, 4);
  std::uniform_int_distribution<size_t> budget(1, 300);
  std::uniform_int_distribution<uint32_t> interval(1, 64);
  const std::vector<std::string> queries[] = {
      {"fox"}, {"fox", "dog"}, {"jump", "lazi", "end"}, {"ß", "日本語"}, {"run", "quick", "brown",
      "dog"}, {"absent"}, {}};
  int from_marks = 0, with_match = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    // Rare words make the windows worth choosing: each text uses a few of the words.
    const int spread = pick(rng);
    for (size_t n = length(rng); n > 0; --n) {
      size_t w = word(rng);
      if (spread < 4 && w % 4 != 0 && w % spread != 0) w = 0;
      text += kWords[w];
      text += kGaps[gap(rng)];
    }
    const auto& query = queries[round % std::size(queries)];
    std::unordered_set<std::string> terms(query.begin(), query.end());
    const size_t max_chars = budget(rng);
    const MarkedField field = MarkText(*analyzer_, text, interval(rng), query);
    const std::string expected =
        MakeSnippetScanning(text, *analyzer_, terms, max_chars, "[", "]", SIZE_MAX, SIZE_MAX);
    const std::optional<std::string> got = MakeSnippetFromMarks(
        text, *analyzer_, terms, field.marks, field.positions, max_chars, "[", "]");
    ASSERT_TRUE(got.has_value()) << "round " << round;
    ASSERT_EQ(*got, expected) << "round " << round << ", max_chars " << max_chars
                              << "\ntext: " << text;
    from_marks += !field.marks.empty();
    with_match += expected.find('[') != std::string::npos;
  }
  EXPECT_GT(from_marks, 2500);
  EXPECT_GT(with_match, 1500);
}

// With stop words, tokens too long to index and tokens that stem to nothing, a position the
// tokenizer counts may have no term: the text a snippet shows is analyzed from such tokens too.
TEST(SnippetFromMarksTest, EveryBuiltInPipelineGivesTheSnippetOfTheWholeText) {
  const std::vector<std::string> words = {"the", "fox", "jumps", "over", "a", "lazy", "dog's",
                                          "Foxes", "don't", "é", "日本語", "s", "and", "ß", "e.g.",
                                          "ran", "3.14", "end", "running", "supercalifragilistic"};
  const std::vector<std::string> gaps = {" ", " ", " ", "  ", "\n", ", ", ". ", "-", "\t", " — "};
  AnalyzerOptions standard;
  standard.tokenizer = "standard";
  standard.stopwords = "english";
  standard.max_token_chars = 8;
  AnalyzerOptions porter;
  porter.language = "porter";  // stems "s" to nothing
  porter.stopwords = "english";
  porter.ascii_folding = true;
  AnalyzerOptions unstemmed;
  unstemmed.tokenizer = "standard";
  unstemmed.language = "none";
  unstemmed.max_token_chars = 5;
  const std::vector<std::string> queries = {"fox",       "fox dog",       "jumping lazy end",
                                            "ß 日本語",  "s running",     "the fox don't",
                                            "absent",    ""};
  for (const AnalyzerOptions& options : {standard, porter, unstemmed}) {
    std::unique_ptr<Analyzer> analyzer;
    ASSERT_TRUE(Analyzer::Create(options, &analyzer).ok());
    ASSERT_TRUE(analyzer->restarts_at_tokens());
    std::mt19937 rng(13);
    int with_match = 0;
    for (int round = 0; round < 1000; ++round) {
      const std::string text = RandomText(rng, words, gaps, 1500);
      const std::vector<std::string> query = analyzer->Terms(queries[round % queries.size()]);
      const std::unordered_set<std::string> terms(query.begin(), query.end());
      const std::vector<std::string> distinct(terms.begin(), terms.end());
      const size_t max_chars = 1 + rng() % 300;
      const MarkedField field = MarkText(*analyzer, text, 1 + rng() % 64, distinct);
      const std::string expected =
          MakeSnippetScanning(text, *analyzer, terms, max_chars, "[", "]", SIZE_MAX, SIZE_MAX);
      const std::optional<std::string> got = MakeSnippetFromMarks(
          text, *analyzer, terms, field.marks, field.positions, max_chars, "[", "]");
      ASSERT_TRUE(got.has_value()) << options.tokenizer << " " << options.language << ", round "
                                   << round;
      ASSERT_EQ(*got, expected) << options.tokenizer << " " << options.language << ", round "
                                << round << ", max_chars " << max_chars << "\ntext: " << text;
      with_match += expected.find('[') != std::string::npos;
    }
    EXPECT_GT(with_match, 400) << options.tokenizer << " " << options.language;
  }
}

// CountMatchesInPrefix counts what analyzing the prefix alone does, wherever the prefix cuts
// the text: between tokens, inside one, inside a UTF-8 sequence.
TEST(SnippetFromMarksTest, MatchesInAPrefixAreThoseItsAnalysisCounts) {
  const std::vector<std::string> words = {"the", "fox", "foxes", "a", "running", "run",
                                          "日本語", "é", "don't", "3.14", "s", "ß"};
  const std::vector<std::string> gaps = {" ", "  ", "\n", ", ", "-", "'"};
  AnalyzerOptions simple;
  simple.stopwords = "english";
  AnalyzerOptions standard;
  standard.tokenizer = "standard";
  standard.language = "porter";
  standard.max_token_chars = 4;
  for (const AnalyzerOptions& options : {simple, standard}) {
    std::unique_ptr<Analyzer> analyzer;
    ASSERT_TRUE(Analyzer::Create(options, &analyzer).ok());
    std::mt19937 rng(17);
    for (int round = 0; round < 1500; ++round) {
      const std::string text = RandomText(rng, words, gaps, 400);
      const std::vector<std::string> query =
          analyzer->Terms(round % 2 ? "fox running" : "日本語 foxes é");
      const std::unordered_set<std::string> terms(query.begin(), query.end());
      const std::vector<std::string> distinct(terms.begin(), terms.end());
      const MarkedField field = MarkText(*analyzer, text, 1 + rng() % 40, distinct);
      const size_t prefix = text.empty() ? 0 : rng() % (text.size() + 10);
      size_t expected = 0;
      analyzer->Analyze(std::string_view(text).substr(0, prefix),
                        [&](const Token& t) { expected += terms.count(std::string(t.term)); });
      const std::optional<size_t> got = CountMatchesInPrefix(text, *analyzer, terms, field.marks,
                                                             field.positions, prefix);
      ASSERT_TRUE(got.has_value()) << options.tokenizer << ", round " << round;
      ASSERT_EQ(*got, expected) << options.tokenizer << ", round " << round << ", prefix "
                                << prefix << "\ntext: " << text;
    }
  }
}

TEST_F(SnippetTest, FromMarksRefusesMarksOrPositionsTheTextDoesNotHave) {
  const std::string text = "one fox two dog three fox four dog five six seven eight nine ten";
  const std::vector<std::string> words = {"fox", "dog"};  // the positions' terms view them
  const std::unordered_set<std::string> terms(words.begin(), words.end());
  MarkedField field = MarkText(*analyzer_, text, 3, words);
  ASSERT_TRUE(MakeSnippetFromMarks(text, *analyzer_, terms, field.marks, field.positions, 20,
                                   "[", "]")
                  .has_value());

  MarkedField moved = field;
  moved.marks[0].byte += 1;  // not where a token starts
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, moved.marks, moved.positions, 20,
                                    "[", "]")
                   .has_value());

  MarkedField renumbered = field;
  renumbered.marks[0].position += 1;
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, renumbered.marks,
                                    renumbered.positions, 20, "[", "]")
                   .has_value());

  MarkedField unordered = field;
  std::swap(unordered.marks[0], unordered.marks[1]);
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, unordered.marks,
                                    unordered.positions, 20, "[", "]")
                   .has_value());
  MarkedField outside = field;
  outside.marks.push_back({1000, static_cast<uint32_t>(text.size())});
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, outside.marks, outside.positions,
                                    20, "[", "]")
                   .has_value());

  // The postings say what is a match: only a hit's own token is analyzed (the rest of the text
  // shown only where a window's edge falls inside a run without whitespace), so a fox they do
  // not list is shown as a word.
  MarkedField missing = field;
  missing.positions[0].positions.pop_back();
  EXPECT_EQ(MakeSnippetFromMarks(text, *analyzer_, terms, missing.marks, missing.positions, 200,
                                 "[", "]"),
            "one [fox] two [dog] three fox four [dog] five six seven eight nine ten");

  MarkedField extra = field;
  extra.positions[1].positions.push_back(9);  // "five" is no dog
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, extra.marks, extra.positions, 200,
                                    "[", "]")
                   .has_value());

  // Without marks, positions are counted from the text's start.
  MarkedField unmarked = field;
  unmarked.marks.clear();
  EXPECT_EQ(MakeSnippetFromMarks(text, *analyzer_, terms, unmarked.marks, unmarked.positions, 20,
                                 "[", "]"),
            MakeSnippet(text, *analyzer_, terms, 20, "[", "]"));
  MarkedField shifted = unmarked;
  for (TermPositions& tp : shifted.positions)
    for (uint32_t& p : tp.positions) ++p;  // one word on: "two", "three", ...
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, shifted.marks, shifted.positions, 20,
                                    "[", "]")
                   .has_value());
  MarkedField past_the_end = unmarked;
  past_the_end.positions[0].positions.push_back(1000);
  EXPECT_FALSE(MakeSnippetFromMarks(text, *analyzer_, terms, past_the_end.marks,
                                    past_the_end.positions, 200, "[", "]")
                   .has_value());
}

TEST(TokenMarksTest, RoundTripAndDamage) {
  const std::vector<FieldTokenMarks> fields = {
      {"body", {{256, 1500}, {512, 3100}, {790, 4000}}}, {"notes", {{300, 9}}}};
  std::string value;
  EncodeTokenMarks(256, fields, &value);
  uint32_t interval = 0;
  std::vector<TokenMark> marks;
  ASSERT_TRUE(DecodeTokenMarks(value, "body", 5000, &interval, &marks));
  EXPECT_EQ(interval, 256u);
  EXPECT_EQ(marks, fields[0].marks);
  ASSERT_TRUE(DecodeTokenMarks(value, "notes", 10, &interval, &marks));
  EXPECT_EQ(marks, fields[1].marks);
  EXPECT_FALSE(DecodeTokenMarks(value, "title", 5000, &interval, &marks));
  EXPECT_FALSE(DecodeTokenMarks(value, "body", 4000, &interval, &marks));  // a byte past the text
  EXPECT_TRUE(marks.empty());
  for (size_t cut = 0; cut < value.size(); ++cut) {
    std::vector<TokenMark> got;
    if (DecodeTokenMarks(value.substr(0, cut), "body", 5000, &interval, &got)) {
      EXPECT_EQ(got, fields[0].marks) << cut;  // a cut in a later entry
    }
  }
  std::string other_version = value;
  other_version[0] = 2;
  EXPECT_FALSE(DecodeTokenMarks(other_version, "body", 5000, &interval, &marks));
}

}  // namespace
}  // namespace snippet_test
}  // namespace trawl

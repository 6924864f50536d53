// The query language parser: every construct, its canonical ToString form, round trips of
// hand-written and random trees, and the errors with their columns.
#include "searcher/query_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace trawl {
namespace query_parser_test {
namespace {

using Kind = QueryNode::Kind;
using Occur = QueryNode::Occur;

// The canonical form of a query that must parse.
std::string Canonical(std::string_view query) {
  std::unique_ptr<QueryNode> node;
  Status s = ParseQuery(query, &node);
  if (!s.ok()) return "<" + s.ToString() + ">";
  return node->ToString();
}

// The error message of a query that must not parse.
std::string ErrorOf(std::string_view query) {
  std::unique_ptr<QueryNode> node;
  Status s = ParseQuery(query, &node);
  if (s.ok()) return "<parsed as " + node->ToString() + ">";
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_EQ(node, nullptr);
  return s.message();
}

std::unique_ptr<QueryNode> ParseOrDie(std::string_view query) {
  std::unique_ptr<QueryNode> node;
  Status s = ParseQuery(query, &node);
  EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
  return node;
}

bool SameTree(const QueryNode& a, const QueryNode& b) {
  if (a.kind != b.kind || a.field != b.field || a.text != b.text || a.slop != b.slop ||
      a.max_edits != b.max_edits || a.lower != b.lower || a.upper != b.upper ||
      a.lower_inclusive != b.lower_inclusive || a.upper_inclusive != b.upper_inclusive ||
      a.boost != b.boost || a.clauses.size() != b.clauses.size()) {
    return false;
  }
  for (size_t i = 0; i < a.clauses.size(); ++i) {
    if (a.clauses[i].occur != b.clauses[i].occur ||
        !SameTree(*a.clauses[i].node, *b.clauses[i].node)) {
      return false;
    }
  }
  return true;
}

TEST(QueryParserTest, Term) {
  auto q = ParseOrDie("hello");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kTerm);
  EXPECT_EQ(q->text, "hello");
  EXPECT_TRUE(q->field.empty());
  EXPECT_EQ(Canonical("  hello\t"), "hello");
}

// A '-' touching its field starts a negative number; elsewhere it negates.
TEST(QueryParserTest, NegativeNumberAfterField) {
  EXPECT_EQ(Canonical("stars:-2"), "stars:\\-2");  // escaped: re-parses anywhere
  EXPECT_EQ(Canonical("a stars:-2.5"), "(a stars:\\-2.5)");
  EXPECT_EQ(Canonical("a -stars:2"), "(a -stars:2)");
  EXPECT_EQ(Canonical("stars:(-2 x)"), "(-stars:2 stars:x)");
  EXPECT_EQ(Canonical(Canonical("stars:-2 b")), Canonical("stars:-2 b"));
  EXPECT_NE(ErrorOf("stars:-x").find("after 'stars:'"), std::string::npos);
}

TEST(QueryParserTest, PhraseKeepsRawText) {
  auto q = ParseOrDie("\"Exact  Phrase\"");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kPhrase);
  EXPECT_EQ(q->text, "Exact  Phrase");
  EXPECT_EQ(q->slop, 0u);
  EXPECT_EQ(q->ToString(), "\"Exact  Phrase\"");
}

TEST(QueryParserTest, OneWordPhraseIsStillAPhrase) {
  auto q = ParseOrDie("\"word\"");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kPhrase);
  EXPECT_EQ(q->text, "word");
}

TEST(QueryParserTest, PhraseSlop) {
  auto q = ParseOrDie("\"a b\"~3");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kPhrase);
  EXPECT_EQ(q->slop, 3u);
  EXPECT_EQ(q->ToString(), "\"a b\"~3");
  EXPECT_EQ(Canonical("\"a b\"~0"), "\"a b\"");
  EXPECT_EQ(Canonical("\"a b\"~1000"), "\"a b\"~1000");
  EXPECT_EQ(Canonical("\"a b\"~007"), "\"a b\"~7");
}

TEST(QueryParserTest, Prefix) {
  auto q = ParseOrDie("pref*");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kPrefix);
  EXPECT_EQ(q->text, "pref");
  EXPECT_EQ(q->ToString(), "pref*");
  EXPECT_EQ(Canonical("(pre* x)"), "(pre* x)");
}

TEST(QueryParserTest, StarAloneMatchesAll) {
  auto q = ParseOrDie("*");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kMatchAll);
  EXPECT_EQ(Canonical("* -spam"), "(* -spam)");
}

TEST(QueryParserTest, JuxtapositionIsOr) {
  auto q = ParseOrDie("a b c");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kBoolean);
  ASSERT_EQ(q->clauses.size(), 3u);
  for (const auto& c : q->clauses) EXPECT_EQ(c.occur, Occur::kShould);
  EXPECT_EQ(q->ToString(), "(a b c)");
}

TEST(QueryParserTest, Or) {
  EXPECT_EQ(Canonical("a OR b"), "(a b)");
  EXPECT_EQ(Canonical("a || b"), "(a b)");
  EXPECT_EQ(Canonical("a OR b OR c"), "(a b c)");
  EXPECT_EQ(Canonical("a ||b"), "(a b)");
}

TEST(QueryParserTest, And) {
  auto q = ParseOrDie("a AND b");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->kind, Kind::kBoolean);
  ASSERT_EQ(q->clauses.size(), 2u);
  EXPECT_EQ(q->clauses[0].occur, Occur::kMust);
  EXPECT_EQ(q->clauses[1].occur, Occur::kMust);
  EXPECT_EQ(Canonical("a && b"), "(+a +b)");
  EXPECT_EQ(Canonical("a AND b AND c"), "(+a +b +c)");
  EXPECT_EQ(Canonical("a &&b"), "(+a +b)");
}

TEST(QueryParserTest, AndBindsTighterThanOr) {
  auto q = ParseOrDie("a AND b OR c");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->kind, Kind::kBoolean);
  ASSERT_EQ(q->clauses.size(), 2u);
  EXPECT_EQ(q->clauses[0].occur, Occur::kShould);
  EXPECT_EQ(q->clauses[0].node->kind, Kind::kBoolean);
  EXPECT_EQ(q->clauses[1].occur, Occur::kShould);
  EXPECT_EQ(q->clauses[1].node->text, "c");
  EXPECT_EQ(q->ToString(), "((+a +b) c)");
  EXPECT_EQ(Canonical("c OR a AND b"), "(c (+a +b))");
  EXPECT_EQ(Canonical("a AND b c AND d"), "((+a +b) (+c +d))");
  EXPECT_EQ(Canonical("a b AND c"), "(a (+b +c))");
}

TEST(QueryParserTest, Not) {
  EXPECT_EQ(Canonical("NOT a"), "(-a)");
  EXPECT_EQ(Canonical("!a"), "(-a)");
  EXPECT_EQ(Canonical("! a"), "(-a)");
  EXPECT_EQ(Canonical("a NOT b"), "(a -b)");
  EXPECT_EQ(Canonical("a AND NOT b"), "(+a -b)");
  EXPECT_EQ(Canonical("a OR NOT b"), "(a -b)");
  EXPECT_EQ(Canonical("NOT a AND b"), "(-a +b)");
  EXPECT_EQ(Canonical("NOT(a b)"), "(-(a b))");
}

TEST(QueryParserTest, MustAndMustNotModifiers) {
  auto q = ParseOrDie("+a -b c");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->clauses.size(), 3u);
  EXPECT_EQ(q->clauses[0].occur, Occur::kMust);
  EXPECT_EQ(q->clauses[1].occur, Occur::kMustNot);
  EXPECT_EQ(q->clauses[2].occur, Occur::kShould);
  EXPECT_EQ(q->ToString(), "(+a -b c)");
  EXPECT_EQ(Canonical("+a"), "(+a)");
  EXPECT_EQ(Canonical("-a"), "(-a)");
  EXPECT_EQ(Canonical("+a AND b"), "(+a +b)");
  EXPECT_EQ(Canonical("-a AND b"), "(-a +b)");
  EXPECT_EQ(Canonical("+(a b) -\"c d\""), "(+(a b) -\"c d\")");
}

TEST(QueryParserTest, KeywordsOnlyInUpperCase) {
  EXPECT_EQ(Canonical("a and b or not c"), "(a and b or not c)");
  EXPECT_EQ(Canonical("ANDROID ORACLE NOTE"), "(ANDROID ORACLE NOTE)");
}

TEST(QueryParserTest, InnerPlusAndMinusBelongToTheWord) {
  EXPECT_EQ(Canonical("e-mail"), "e-mail");
  EXPECT_EQ(Canonical("c++ a-"), "(c++ a-)");
  EXPECT_EQ(Canonical("-e-mail"), "(-e-mail)");
  EXPECT_EQ(Canonical("wow!"), "wow!");
  EXPECT_EQ(Canonical("a&&b x||y"), "(a&&b x||y)");
}

TEST(QueryParserTest, Parentheses) {
  EXPECT_EQ(Canonical("(a)"), "a");
  EXPECT_EQ(Canonical("((a b))"), "(a b)");
  EXPECT_EQ(Canonical("a (b c)"), "(a (b c))");
  EXPECT_EQ(Canonical("(a OR b) AND c"), "(+(a b) +c)");
  EXPECT_EQ(Canonical("a AND (b OR (c AND d))"), "(+a +(b (+c +d)))");
  EXPECT_EQ(Canonical("(+a)"), "(+a)");
  EXPECT_EQ(Canonical("x (+a)"), "(x (+a))");
}

TEST(QueryParserTest, FieldWord) {
  auto q = ParseOrDie("title:hello");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kTerm);
  EXPECT_EQ(q->field, "title");
  EXPECT_EQ(q->text, "hello");
  EXPECT_EQ(q->ToString(), "title:hello");
  EXPECT_EQ(Canonical("meta.lang_2:en"), "meta.lang_2:en");
  EXPECT_EQ(Canonical("_x:y"), "_x:y");
  EXPECT_EQ(Canonical("id:doc-17"), "id:doc-17");
}

TEST(QueryParserTest, FieldPhraseAndPrefix) {
  auto q = ParseOrDie("title:\"x y\"~2");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kPhrase);
  EXPECT_EQ(q->field, "title");
  EXPECT_EQ(q->slop, 2u);
  EXPECT_EQ(q->ToString(), "title:\"x y\"~2");
  EXPECT_EQ(Canonical("title:pre*"), "title:pre*");
}

TEST(QueryParserTest, FieldGroupAppliesToEveryLeaf) {
  auto q = ParseOrDie("title:(a \"b c\" (d* AND -e))");
  ASSERT_NE(q, nullptr);
  EXPECT_TRUE(q->field.empty());  // only leaves carry fields
  EXPECT_EQ(q->ToString(), "(title:a title:\"b c\" (+title:d* -title:e))");
  EXPECT_EQ(Canonical("-title:(a b) c"), "(-(title:a title:b) c)");
}

TEST(QueryParserTest, Escapes) {
  EXPECT_EQ(ParseOrDie("\\(a\\)")->text, "(a)");
  EXPECT_EQ(ParseOrDie("a\\ b")->text, "a b");
  EXPECT_EQ(ParseOrDie("a\\:b")->text, "a:b");
  EXPECT_EQ(ParseOrDie("\\-a")->text, "-a");
  EXPECT_EQ(ParseOrDie("\\+a")->text, "+a");
  EXPECT_EQ(ParseOrDie("\\!a")->text, "!a");
  EXPECT_EQ(ParseOrDie("\\*")->kind, Kind::kTerm);
  EXPECT_EQ(ParseOrDie("pre\\*fix")->text, "pre*fix");
  EXPECT_EQ(ParseOrDie("a\\~2")->text, "a~2");
  EXPECT_EQ(ParseOrDie("a\\\\b")->text, "a\\b");
  EXPECT_EQ(ParseOrDie("\\a")->text, "a");
  auto prefix = ParseOrDie("\\**");
  EXPECT_EQ(prefix->kind, Kind::kPrefix);
  EXPECT_EQ(prefix->text, "*");
  EXPECT_EQ(ParseOrDie("\"say \\\"hi\\\" \\\\o/\"")->text, "say \"hi\" \\o/");
}

TEST(QueryParserTest, EscapedKeywordsAreWords) {
  EXPECT_EQ(Canonical("a \\AND b"), "(a \\AND b)");
  EXPECT_EQ(ParseOrDie("\\AND")->text, "AND");
  EXPECT_EQ(ParseOrDie("\\NOT")->text, "NOT");
  EXPECT_EQ(ParseOrDie("\\&&")->text, "&&");
  EXPECT_EQ(ParseOrDie("\"OR\"")->kind, Kind::kPhrase);
}

TEST(QueryParserTest, UnicodeWords) {
  auto q = ParseOrDie("日本語 café ünïcödé* title:\"größe maß\"");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->clauses.size(), 4u);
  EXPECT_EQ(q->clauses[0].node->text, "日本語");
  EXPECT_EQ(q->clauses[1].node->text, "café");
  EXPECT_EQ(q->clauses[2].node->kind, Kind::kPrefix);
  EXPECT_EQ(q->clauses[2].node->text, "ünïcödé");
  EXPECT_EQ(q->clauses[3].node->text, "größe maß");
  EXPECT_EQ(q->ToString(), "(日本語 café ünïcödé* title:\"größe maß\")");
}

TEST(QueryParserTest, ErrorLeavesOutputNull) {
  auto out = std::make_unique<QueryNode>();
  EXPECT_FALSE(ParseQuery("(a", &out).ok());
  EXPECT_EQ(out, nullptr);
}

TEST(QueryParserTest, EmptyQuery) {
  EXPECT_EQ(ErrorOf(""), "syntax error at column 1: empty query");
  EXPECT_EQ(ErrorOf(" \t\n"), "syntax error at column 1: empty query");
}

TEST(QueryParserTest, UnbalancedParentheses) {
  EXPECT_EQ(ErrorOf("a (b c"), "syntax error at column 3: expected ')': this '(' is never closed");
  EXPECT_EQ(ErrorOf("((a) b"), "syntax error at column 1: expected ')': this '(' is never closed");
  EXPECT_EQ(ErrorOf("a b)"), "syntax error at column 4: unexpected ')' without a matching '('");
  EXPECT_EQ(ErrorOf(")"), "syntax error at column 1: expected a word, a phrase or '(', found ')'");
  EXPECT_EQ(ErrorOf("a ()"),
            "syntax error at column 4: expected a word, a phrase or '(', found ')'");
}

TEST(QueryParserTest, UnterminatedQuote) {
  EXPECT_EQ(ErrorOf("a \"b c"),
            "syntax error at column 3: unterminated phrase: expected a closing '\"'");
  EXPECT_EQ(ErrorOf("\"a\\\""),
            "syntax error at column 1: unterminated phrase: expected a closing '\"'");
  EXPECT_EQ(ErrorOf("\"\""), "syntax error at column 1: empty phrase");
}

TEST(QueryParserTest, DanglingOperators) {
  EXPECT_EQ(ErrorOf("a AND"),
            "syntax error at column 6: expected a word, a phrase or '(' after 'AND', found the end "
            "of the query");
  EXPECT_EQ(ErrorOf("a OR"),
            "syntax error at column 5: expected a word, a phrase or '(' after 'OR', found the end "
            "of the query");
  EXPECT_EQ(ErrorOf("AND a"),
            "syntax error at column 1: expected a word, a phrase or '(', found 'AND'");
  EXPECT_EQ(ErrorOf("OR a"),
            "syntax error at column 1: expected a word, a phrase or '(', found 'OR'");
  EXPECT_EQ(ErrorOf("a OR OR b"),
            "syntax error at column 6: expected a word, a phrase or '(' after 'OR', found 'OR'");
  EXPECT_EQ(ErrorOf("a AND || b"),
            "syntax error at column 7: expected a word, a phrase or '(' after 'AND', found '||'");
  EXPECT_EQ(ErrorOf("(a &&)"),
            "syntax error at column 6: expected a word, a phrase or '(' after '&&', found ')'");
  EXPECT_EQ(ErrorOf("a NOT"),
            "syntax error at column 6: expected a word, a phrase or '(' after 'NOT', found the end "
            "of the query");
  EXPECT_EQ(ErrorOf("NOT NOT a"),
            "syntax error at column 5: expected a word, a phrase or '(' after 'NOT', found 'NOT'");
}

TEST(QueryParserTest, DetachedOrDoubledModifiers) {
  EXPECT_EQ(ErrorOf("a - b"),
            "syntax error at column 4: expected a word, a phrase or '(' right after '-'");
  EXPECT_EQ(ErrorOf("+ a"),
            "syntax error at column 2: expected a word, a phrase or '(' right after '+'");
  EXPECT_EQ(
      ErrorOf("a +"),
      "syntax error at column 4: expected a word, a phrase or '(' after '+', found the end of "
      "the query");
  EXPECT_EQ(ErrorOf("+-a"),
            "syntax error at column 2: expected a word, a phrase or '(' after '+', found '-'");
}

TEST(QueryParserTest, FieldErrors) {
  EXPECT_EQ(
      ErrorOf("a:"),
      "syntax error at column 3: expected a word, a phrase or '(' after 'a:', found the end of "
      "the query");
  EXPECT_EQ(ErrorOf("title: a"),
            "syntax error at column 7: expected a word, a phrase or '(' right after 'title:'");
  EXPECT_EQ(ErrorOf("(title:)"),
            "syntax error at column 8: expected a word, a phrase or '(' after 'title:', found ')'");
  EXPECT_EQ(ErrorOf(":a"), "syntax error at column 1: expected a field name before ':'");
  EXPECT_EQ(ErrorOf("1st:a"),
            "syntax error at column 1: invalid field name '1st': expected a letter or '_', then "
            "letters, digits, '_' or '.'");
  EXPECT_EQ(ErrorOf("a:b:c"),
            "syntax error at column 3: field 'b' inside field 'a': a clause searches one field");
  EXPECT_EQ(ErrorOf("a:(b c:d)"),
            "syntax error at column 6: field 'c' inside field 'a': a clause searches one field");
  EXPECT_EQ(ErrorOf("title:-a"),
            "syntax error at column 7: expected a word, a phrase or '(' after 'title:', found '-'");
}

TEST(QueryParserTest, MisplacedTilde) {
  EXPECT_EQ(ErrorOf("\"a b\" ~2"),
            "syntax error at column 7: '~' must directly follow a word (word~N) or a closing "
            "quote (\"a phrase\"~N)");
  EXPECT_EQ(ErrorOf("~2"),
            "syntax error at column 1: '~' must directly follow a word (word~N) or a closing "
            "quote (\"a phrase\"~N)");
  EXPECT_EQ(ErrorOf("\"a b\"~"), "syntax error at column 6: expected a number after '~'");
  EXPECT_EQ(ErrorOf("\"a b\"~x"), "syntax error at column 6: expected a number after '~'");
  EXPECT_EQ(ErrorOf("\"a b\"~-1"), "syntax error at column 6: expected a number after '~'");
  EXPECT_EQ(ErrorOf("\"a b\"~1001"), "syntax error at column 7: slop must be at most 1000");
  EXPECT_EQ(ErrorOf("\"a b\"~99999999999999999999999"),
            "syntax error at column 7: slop must be at most 1000");
  EXPECT_EQ(ErrorOf("\"a b\"~2.5"),
            "syntax error at column 8: expected a space or ')' after the phrase");
  EXPECT_EQ(ErrorOf("\"a b\"~1~2"),
            "syntax error at column 8: expected a space or ')' after the phrase");
}

TEST(QueryParserTest, MisplacedStar) {
  EXPECT_EQ(ErrorOf("pre*:x"), "syntax error at column 1: a field name cannot hold '*' or '?'");
  EXPECT_EQ(ErrorOf("te?t:x"), "syntax error at column 1: a field name cannot hold '*' or '?'");
  EXPECT_EQ(ErrorOf("*:x"), "syntax error at column 1: a field name cannot hold '*' or '?'");
  EXPECT_EQ(ErrorOf("te?t~1"),
            "syntax error at column 5: a word with '*' or '?' cannot also be fuzzy ('~')");
  EXPECT_EQ(ErrorOf("\"a b\"*"),
            "syntax error at column 6: expected a space or ')' after the phrase");
}

TEST(QueryParserTest, Ranges) {
  auto q = ParseOrDie("price:[10 TO 100]");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kRange);
  EXPECT_EQ(q->field, "price");
  EXPECT_EQ(q->lower, "10");
  EXPECT_EQ(q->upper, "100");
  EXPECT_TRUE(q->lower_inclusive);
  EXPECT_TRUE(q->upper_inclusive);
  EXPECT_EQ(Canonical("price:{10 TO 100}"), "price:{10 TO 100}");
  EXPECT_EQ(Canonical("price:[10 TO 100}"), "price:[10 TO 100}");
  EXPECT_EQ(Canonical("price:{10 TO 100]"), "price:{10 TO 100]");
  EXPECT_EQ(Canonical("price:[  -5.5   TO 1e3 ]"), "price:[-5.5 TO 1e3]");
  // An open end is inclusive whatever its bracket, so one range has one tree.
  EXPECT_EQ(Canonical("date:[2024-05-01 TO *]"), "date:[2024-05-01 TO *]");
  EXPECT_EQ(Canonical("date:{2024-05-01 TO *}"), "date:{2024-05-01 TO *]");
  EXPECT_EQ(Canonical("date:{* TO *}"), "date:[* TO *]");
  auto open = ParseOrDie("date:{* TO 5}");
  ASSERT_NE(open, nullptr);
  EXPECT_TRUE(open->lower.empty());
  EXPECT_TRUE(open->lower_inclusive);
  EXPECT_FALSE(open->upper_inclusive);
}

TEST(QueryParserTest, RangeValuesWithColonsAndQuotes) {
  auto q = ParseOrDie("date:[2024-05-01T10:00:00+02:00 TO 2024-06-01T00:00:00Z}");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->lower, "2024-05-01T10:00:00+02:00");
  EXPECT_EQ(q->upper, "2024-06-01T00:00:00Z");
  auto quoted = ParseOrDie("date:[\"2024-05-01T10:00:00+02:00\" TO \"a \\\"b\\\" ]\"]");
  ASSERT_NE(quoted, nullptr);
  EXPECT_EQ(quoted->lower, "2024-05-01T10:00:00+02:00");
  EXPECT_EQ(quoted->upper, "a \"b\" ]");
  // A quoted '*' is the value '*', not an open end.
  auto star = ParseOrDie("tag:[\"*\" TO *]");
  ASSERT_NE(star, nullptr);
  EXPECT_EQ(star->lower, "*");
  EXPECT_TRUE(star->upper.empty());
  EXPECT_EQ(star->ToString(), "tag:[\"*\" TO *]");
  EXPECT_EQ(Canonical("tag:[TO TO a\\ b]"), "tag:[\"TO\" TO \"a b\"]");
}

TEST(QueryParserTest, Comparisons) {
  EXPECT_EQ(Canonical("price:>=10"), "price:[10 TO *]");
  EXPECT_EQ(Canonical("price:>10"), "price:{10 TO *]");
  EXPECT_EQ(Canonical("price:<=5"), "price:[* TO 5]");
  EXPECT_EQ(Canonical("date:<2024-06-01"), "date:[* TO 2024-06-01}");
  EXPECT_EQ(Canonical("date:>=2024-05-01T10:00:00Z"), "date:[2024-05-01T10:00:00Z TO *]");
  EXPECT_EQ(Canonical("date:>\"2024-05-01 10:00\""), "date:{\"2024-05-01 10:00\" TO *]");
  EXPECT_EQ(Canonical("(price:>=10 AND price:<20) x"), "((+price:[10 TO *] +price:[* TO 20}) x)");
  // Only right after a field: elsewhere '>' is part of a word.
  EXPECT_EQ(Canonical("price:(>=10 <5)"), "(price:\\>=10 price:\\<5)");
  EXPECT_EQ(Canonical(">=10"), "\\>=10");
  EXPECT_EQ(Canonical("a>b"), "a>b");
}

TEST(QueryParserTest, IndexedTerms) {
  auto q = ParseOrDie("title:=Running");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kIndexedTerm);
  EXPECT_EQ(q->field, "title");
  EXPECT_EQ(q->text, "Running");
  EXPECT_EQ(q->column, 7u);
  EXPECT_EQ(q->ToString(), "title:=\"Running\"");
  // Quoted, a term may hold anything, and be empty (a keyword's empty value).
  EXPECT_EQ(Canonical("tag:=\"New York\" tag:=\"\" tag:=\"a\\\"b\\\\\""),
            "(tag:=\"New York\" tag:=\"\" tag:=\"a\\\"b\\\\\")");
  // Unquoted, nothing but a space, ')' and '^' ends it, and a backslash escapes the next byte.
  EXPECT_EQ(Canonical("f:=a*b?c~2:x\"y f:=a\\ b"), "(f:=\"a*b?c~2:x\\\"y\" f:=\"a b\")");
  EXPECT_EQ(Canonical("(f:=x)^2 +f:=y^3 -f:=\"z\""), "(f:=\"x\"^2 +f:=\"y\"^3 -f:=\"z\")");
  // Only right after a field: elsewhere '=' is part of a word, escaped where it would not be.
  EXPECT_EQ(Canonical("=x"), "\\=x");
  EXPECT_EQ(Canonical("f:(=x)"), "f:\\=x");
  EXPECT_EQ(Canonical("a=b"), "a=b");
  EXPECT_EQ(ErrorOf("f:="), "syntax error at column 3: expected a term right after '='");
  EXPECT_EQ(ErrorOf("f:= x"), "syntax error at column 3: expected a term right after '='");
  EXPECT_EQ(ErrorOf("f:=\"x"),
            "syntax error at column 4: unterminated quoted value: expected a closing '\"'");
  EXPECT_EQ(ErrorOf("f:=\"x\"y"), "syntax error at column 7: expected a space or ')' after the term");
}

TEST(QueryParserTest, RangeErrors) {
  EXPECT_EQ(ErrorOf("[1 TO 2]"),
            "syntax error at column 1: a range needs a field: field:[a TO b] or field:>=a");
  EXPECT_EQ(ErrorOf("a (x {1 TO 2})"),
            "syntax error at column 6: a range needs a field: field:[a TO b] or field:>=a");
  EXPECT_EQ(ErrorOf("p:[1 2]"),
            "syntax error at column 6: expected ' TO ' between the bounds of the range: [a TO b]");
  EXPECT_EQ(ErrorOf("p:[1 to 2]"),
            "syntax error at column 6: expected ' TO ' between the bounds of the range: [a TO b]");
  EXPECT_EQ(ErrorOf("p:[1TO 2]"),
            "syntax error at column 8: expected ' TO ' between the bounds of the range: [a TO b]");
  EXPECT_EQ(ErrorOf("p:[1 TO 2"),
            "syntax error at column 3: unterminated range: expected ']' or '}'");
  EXPECT_EQ(ErrorOf("p:[1 TO"),
            "syntax error at column 3: unterminated range: expected ']' or '}'");
  EXPECT_EQ(ErrorOf("p:[1 "), "syntax error at column 3: unterminated range: expected ']' or '}'");
  EXPECT_EQ(ErrorOf("p:[1 TO 2 3]"),
            "syntax error at column 11: expected ']' or '}' to close the range");
  EXPECT_EQ(ErrorOf("p:[]"), "syntax error at column 4: expected a value or '*' in the range");
  EXPECT_EQ(ErrorOf("p:[\"\" TO 1]"),
            "syntax error at column 4: empty quoted value: write '*' for an open end");
  EXPECT_EQ(ErrorOf("p:[\"1 TO 2]"),
            "syntax error at column 4: unterminated quoted value: expected a closing '\"'");
  EXPECT_EQ(ErrorOf("p:[1 TO 2]x"),
            "syntax error at column 11: expected a space or ')' after the range");
  EXPECT_EQ(ErrorOf("p:>"), "syntax error at column 3: expected a value right after '>'");
  EXPECT_EQ(ErrorOf("p:<= x"), "syntax error at column 3: expected a value right after '<='");
  EXPECT_EQ(ErrorOf("p:>*"), "syntax error at column 3: expected a value right after '>'");
  EXPECT_EQ(ErrorOf("p:>\"x\"y"),
            "syntax error at column 7: expected a space or ')' after the value");
}

TEST(QueryParserTest, Exists) {
  auto q = ParseOrDie("title:*");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kExists);
  EXPECT_EQ(q->field, "title");
  EXPECT_EQ(q->ToString(), "title:*");
  EXPECT_EQ(Canonical("-price:* a"), "(-price:* a)");
  EXPECT_EQ(Canonical("*:*"), "*");
  EXPECT_EQ(Canonical("*:* -a"), "(* -a)");
  EXPECT_EQ(Canonical("*"), "*");
}

TEST(QueryParserTest, Boosts) {
  auto q = ParseOrDie("word^2");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kTerm);
  EXPECT_EQ(q->boost, 2);
  EXPECT_EQ(Canonical("\"a phrase\"^3"), "\"a phrase\"^3");
  EXPECT_EQ(Canonical("\"a phrase\"~2^3"), "\"a phrase\"~2^3");
  EXPECT_EQ(Canonical("title:word^2"), "title:word^2");
  EXPECT_EQ(Canonical("title:(a b)^2"), "(title:a^2 title:b^2)");
  EXPECT_EQ(Canonical("pre*^2"), "pre*^2");
  EXPECT_EQ(Canonical("te?t^2 w~1^0.5 *^4 f:*^2 p:[1 TO 2]^3 p:>1^2"),
            "(te?t^2 w~1^0.5 *^4 f:*^2 p:[1 TO 2]^3 p:{1 TO *]^2)");
  // Boosts multiply down onto the leaves; a boost of 1 is no boost.
  EXPECT_EQ(Canonical("(a^2 (b c^3)^0.5)^2"), "(a^4 (b c^3))");
  EXPECT_EQ(Canonical("(a -b)^0"), "(a^0 -b^0)");
  EXPECT_EQ(Canonical("a^1"), "a");
  EXPECT_EQ(Canonical("a^1.5e1 b^.5 c^2."), "(a^15 b^0.5 c^2)");
  EXPECT_EQ(Canonical("+a^2 -b^3"), "(+a^2 -b^3)");
}

TEST(QueryParserTest, BoostErrors) {
  EXPECT_EQ(
      ErrorOf("a^"),
      "syntax error at column 2: expected a non-negative number after '^', such as ^2 or ^0.5");
  EXPECT_EQ(
      ErrorOf("a^-1"),
      "syntax error at column 2: expected a non-negative number after '^', such as ^2 or ^0.5");
  EXPECT_EQ(
      ErrorOf("a^x"),
      "syntax error at column 2: expected a non-negative number after '^', such as ^2 or ^0.5");
  EXPECT_EQ(
      ErrorOf("a^1e999"),
      "syntax error at column 2: expected a non-negative number after '^', such as ^2 or ^0.5");
  EXPECT_EQ(
      ErrorOf("a^1.2.3"),
      "syntax error at column 2: expected a non-negative number after '^', such as ^2 or ^0.5");
  EXPECT_EQ(ErrorOf("a^2x"), "syntax error at column 4: expected a space or ')' after the boost");
  EXPECT_EQ(ErrorOf("a ^2"),
            "syntax error at column 3: '^' must directly follow a word, a phrase, a range or ')'");
  EXPECT_EQ(ErrorOf("^2"),
            "syntax error at column 1: '^' must directly follow a word, a phrase, a range or ')'");
  EXPECT_EQ(ErrorOf("a^2^3"), "syntax error at column 4: a clause takes one boost");
  EXPECT_EQ(ErrorOf("t:a^2^3"), "syntax error at column 6: a clause takes one boost");
  EXPECT_EQ(ErrorOf("(a b)^2^3"), "syntax error at column 8: a clause takes one boost");
  EXPECT_EQ(ErrorOf("a AND^2 b"),
            "syntax error at column 6: '^' must directly follow a word, a phrase, a range or ')'");
}

TEST(QueryParserTest, Fuzzy) {
  auto q = ParseOrDie("word~");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kFuzzy);
  EXPECT_EQ(q->text, "word");
  EXPECT_EQ(q->max_edits, 2u);
  EXPECT_EQ(q->ToString(), "word~2");
  EXPECT_EQ(Canonical("word~0"), "word~0");
  EXPECT_EQ(Canonical("word~1"), "word~1");
  EXPECT_EQ(Canonical("Word~02"), "Word~2");
  EXPECT_EQ(Canonical("title:word~1 b"), "(title:word~1 b)");
  EXPECT_EQ(Canonical("(word~1)"), "word~1");
  EXPECT_EQ(Canonical("AND~1"), "\\AND~1");
  // A quoted phrase keeps its slop.
  auto phrase = ParseOrDie("\"a b\"~2");
  ASSERT_NE(phrase, nullptr);
  EXPECT_EQ(phrase->kind, Kind::kPhrase);
  EXPECT_EQ(phrase->slop, 2u);
  auto one_word = ParseOrDie("\"word\"~1");
  ASSERT_NE(one_word, nullptr);
  EXPECT_EQ(one_word->kind, Kind::kPhrase);
}

TEST(QueryParserTest, FuzzyErrors) {
  EXPECT_EQ(ErrorOf("word~3"),
            "syntax error at column 6: a fuzzy word allows at most 2 edits (word~0, word~1, "
            "word~2)");
  EXPECT_EQ(ErrorOf("word~99999999999999999999"),
            "syntax error at column 6: a fuzzy word allows at most 2 edits (word~0, word~1, "
            "word~2)");
  EXPECT_EQ(ErrorOf("word~0.5"),
            "syntax error at column 7: expected a space or ')' after the fuzzy word: word~N with N "
            "0, 1 or 2");
  EXPECT_EQ(ErrorOf("word~1~2"),
            "syntax error at column 7: expected a space or ')' after the fuzzy word: word~N with N "
            "0, 1 or 2");
  EXPECT_EQ(ErrorOf("word~x"),
            "syntax error at column 6: expected a space or ')' after the fuzzy word: word~N with N "
            "0, 1 or 2");
  EXPECT_EQ(ErrorOf("pre*~1"),
            "syntax error at column 5: a word with '*' or '?' cannot also be fuzzy ('~')");
}

TEST(QueryParserTest, Wildcards) {
  auto q = ParseOrDie("te?t");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kWildcard);
  EXPECT_EQ(q->text, "te?t");
  EXPECT_EQ(Canonical("*ing"), "*ing");
  EXPECT_EQ(Canonical("a*b*c"), "a*b*c");
  EXPECT_EQ(Canonical("a**"), "a**");
  EXPECT_EQ(Canonical("?"), "?");
  EXPECT_EQ(Canonical("title:t?st*"), "title:t?st*");
  // One '*' at the end stays the prefix query.
  auto prefix = ParseOrDie("pre*");
  ASSERT_NE(prefix, nullptr);
  EXPECT_EQ(prefix->kind, Kind::kPrefix);
  EXPECT_EQ(prefix->text, "pre");
  // Escaped wildcards are literal: the pattern keeps their escapes, a word loses them.
  auto escaped = ParseOrDie("a\\*b?");
  ASSERT_NE(escaped, nullptr);
  EXPECT_EQ(escaped->kind, Kind::kWildcard);
  EXPECT_EQ(escaped->text, "a\\*b?");
  EXPECT_EQ(escaped->ToString(), "a\\*b?");
  auto word = ParseOrDie("a\\*b\\?");
  ASSERT_NE(word, nullptr);
  EXPECT_EQ(word->kind, Kind::kTerm);
  EXPECT_EQ(word->text, "a*b?");
  EXPECT_EQ(word->ToString(), "a\\*b\\?");
  EXPECT_EQ(Canonical("a\\ b?c\\:d"), "a\\ b?c\\:d");
  EXPECT_EQ(Canonical("\\+x?"), "\\+x?");
}

TEST(QueryParserTest, DanglingEscape) {
  EXPECT_EQ(ErrorOf("a\\"), "syntax error at column 2: expected a character after '\\'");
}

TEST(QueryParserTest, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(ErrorOf("日本 é)"), "syntax error at column 5: unexpected ')' without a matching '('");
}

TEST(QueryParserTest, ModerateNestingParses) {
  const int depth = 200;
  const std::string query = std::string(depth, '(') + "a b" + std::string(depth, ')');
  EXPECT_EQ(Canonical(query), "(a b)");
}

TEST(QueryParserTest, DeepNestingIsAnErrorNotACrash) {
  const std::string opened(10000, '(');
  const std::string too_deep =
      "parentheses nested deeper than 256, the max_depth limit (raise it with --max-depth)";
  EXPECT_EQ(ErrorOf(opened), "at column 257: " + too_deep);
  EXPECT_EQ(ErrorOf(opened + "a" + std::string(10000, ')')), "at column 257: " + too_deep);
  std::string chained;
  for (int i = 0; i < 10000; ++i) chained += "+(";
  EXPECT_EQ(ErrorOf(chained), "at column 514: " + too_deep);
}

TEST(QueryParserTest, ManyClausesDoNotRecurse) {
  std::string query = "w";
  for (int i = 0; i < 100000; ++i) query += i % 2 ? " AND -w" : " OR +w";
  // Far past the default limits (QueryLimits), which refuse it cleanly; raised, it parses.
  std::unique_ptr<QueryNode> q;
  EXPECT_TRUE(ParseQuery(query, &q).IsInvalidArgument());
  QueryLimits limits;
  limits.max_query_bytes = query.size();
  limits.max_clauses = 1000000;
  ASSERT_TRUE(ParseQuery(query, limits, &q).ok());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->kind, Kind::kBoolean);
}

TEST(QueryParserTest, RoundTripsHandWrittenQueries) {
  const std::vector<std::string> queries = {
      "a",
      "a b c",
      "+a +b -c d",
      "a AND b OR c",
      "title:\"x y\"~2 body:pre* -id:doc-1",
      "title:(a OR (b AND c)) NOT d",
      "\"say \\\"hi\\\"\" \\AND \\OR \\NOT",
      "a\\ b c\\(d\\) e\\:f g\\~h i\\*j \\-k \\+l \\!m \\&&n \\||o p\\\\q",
      "* -(spam OR eggs)",
      "日本語 \"größe maß\"~5 ünï*",
      "((a)) (((b c)))",
      "\\AND:x",
      "price:[10 TO 100] date:{2024-05-01T10:00:00+02:00 TO *] n:>=-3 n:<\"a b\"",
      "title:(a^2 \"b c\"~1^3)^0.5 w~ w~0^0 te?t *ing a*b*c\\? pre*^2 f:* *:*^2",
      "title:=Run tag:=\"New York\" id:=\"\" f:=a\\ b^2 \\=x f:\\=y",
  };
  for (const std::string& query : queries) {
    SCOPED_TRACE(query);
    auto first = ParseOrDie(query);
    ASSERT_NE(first, nullptr);
    const std::string canonical = first->ToString();
    auto second = ParseOrDie(canonical);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->ToString(), canonical);
    EXPECT_TRUE(SameTree(*first, *second));
  }
}

// Builds trees of the shape the parser produces: fields on leaves only, no empty Booleans and no
// Boolean that is a lone optional clause (the parser collapses those).
class RandomTreeBuilder {
 public:
  explicit RandomTreeBuilder(uint32_t seed) : rng_(seed) {}

  std::unique_ptr<QueryNode> Build(int depth) {
    if (depth == 0 || Chance(35)) return Leaf();
    auto node = std::make_unique<QueryNode>();
    node->kind = Kind::kBoolean;
    const size_t n = 1 + Pick(4);
    for (size_t i = 0; i < n; ++i) {
      static constexpr Occur kOccurs[] = {Occur::kMust, Occur::kShould, Occur::kMustNot};
      node->clauses.push_back({kOccurs[Pick(3)], Build(depth - 1)});
    }
    if (n == 1 && node->clauses[0].occur == Occur::kShould) node->clauses[0].occur = Occur::kMust;
    return node;
  }

 private:
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(int percent) { return static_cast<int>(Pick(100)) < percent; }

  // Fragments chosen to exercise every escaping rule.
  std::string Text() {
    static const std::vector<std::string> kFragments = {
        "a",   "word", "é",      "日本", "-",  "+", "!",  "&&", "||",
        "AND", "OR",   "NOT",    " ",    "(",  ")", "\"", ":",  "~",
        "*",   "\\",   "e-mail", "x.y",  "\t", "&", "|",  "42", "?",
        "^",   "[",    "{",      "]",    "}",  ">", "<=", "TO", "2024-05-01T10:00:00+02:00",
        "=",   "=x"};
    std::string text;
    const size_t parts = 1 + Pick(3);
    for (size_t i = 0; i < parts; ++i) text += kFragments[Pick(kFragments.size())];
    return text;
  }

  std::string Field() {
    static const std::vector<std::string> kFields = {"",   "",      "title", "body",
                                                     "id", "a.b_c", "_x",    "AND"};
    return kFields[Pick(kFields.size())];
  }

  // A wildcard pattern as the parser keeps it: literal '*', '?' and '\\' escaped, and at least
  // one '?' so that it is no prefix.
  std::string Pattern() {
    std::string pattern;
    for (char c : Text()) {
      if (c == '*' || c == '?' || c == '\\') pattern += '\\';
      pattern += c;
    }
    std::string wild = Chance(50) ? "?" : "*?";
    if (Chance(30)) wild += "*";
    // Between code points: only at a piece's end, which Text() never splits.
    const size_t at = Chance(50) ? 0 : pattern.size();
    return pattern.insert(at, wild);
  }

  std::string Bound() {
    static const std::vector<std::string> kBounds = {
        "",    "",  "10",    "-5.5", "2024-05-01", "2024-05-01T10:00:00+02:00", "a b", "*", "TO",
        "x]y", "}", "\"q\"", "\\",   "é"};
    return kBounds[Pick(kBounds.size())];
  }

  double Boost() {
    static const double kBoosts[] = {0, 0.5, 2, 3.25, 1e-7, 1e20, 0.1};
    return Chance(70) ? 1 : kBoosts[Pick(std::size(kBoosts))];
  }

  std::unique_ptr<QueryNode> Leaf() {
    auto node = std::make_unique<QueryNode>();
    node->boost = Boost();
    switch (Pick(12)) {
      case 0:
        node->kind = Kind::kMatchAll;
        return node;
      case 11:
        node->kind = Kind::kIndexedTerm;
        do node->field = Field();
        while (node->field.empty());
        node->text = Chance(10) ? "" : Text();
        return node;
      case 7:
        node->kind = Kind::kFuzzy;
        node->max_edits = static_cast<uint32_t>(Pick(3));
        break;
      case 8:
        node->kind = Kind::kWildcard;
        node->field = Field();
        node->text = Pattern();
        return node;
      case 9: {
        node->kind = Kind::kRange;
        do node->field = Field();
        while (node->field.empty());
        node->lower = Bound();
        node->upper = Bound();
        node->lower_inclusive = node->lower.empty() || Chance(50);
        node->upper_inclusive = node->upper.empty() || Chance(50);
        return node;
      }
      case 10:
        node->kind = Kind::kExists;
        do node->field = Field();
        while (node->field.empty());
        return node;
      case 1:
      case 2:
        node->kind = Kind::kPhrase;
        node->slop = Chance(50) ? 0 : static_cast<uint32_t>(Pick(1001));
        break;
      case 3:
        node->kind = Kind::kPrefix;
        break;
      default:
        node->kind = Kind::kTerm;
        break;
    }
    node->field = Field();
    node->text = Text();
    return node;
  }

  std::mt19937 rng_;
};

TEST(QueryParserTest, RoundTripsRandomTrees) {
  RandomTreeBuilder builder(20240611);
  for (int i = 0; i < 3000; ++i) {
    auto tree = builder.Build(4);
    const std::string text = tree->ToString();
    SCOPED_TRACE(text);
    std::unique_ptr<QueryNode> parsed;
    Status s = ParseQuery(text, &parsed);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(parsed->ToString(), text);
    EXPECT_TRUE(SameTree(*tree, *parsed));
  }
}

// Arbitrary input either fails cleanly or parses to a tree whose canonical form is stable.
TEST(QueryParserTest, RandomInputFailsCleanlyOrRoundTrips) {
  static const std::vector<std::string> kPieces = {
      "a", "b", "é",  " ",  "(",  ")",   "\"", ":",    "~",  "2",  "*",   "\\",
      "+", "-", "!",  "&&", "||", "AND", "OR", "NOT",  "f:", "\t", "&",   "|",
      "?", "^", "^2", "[",  "]",  "{",   "}",  " TO ", ">",  "<=", "0.5", "~1",
      "=", "f:="};
  std::mt19937 rng(7);
  int parsed_count = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string query;
    const size_t pieces = 1 + rng() % 10;
    for (size_t p = 0; p < pieces; ++p) query += kPieces[rng() % kPieces.size()];
    SCOPED_TRACE(query);
    std::unique_ptr<QueryNode> node;
    Status s = ParseQuery(query, &node);
    if (!s.ok()) {
      EXPECT_TRUE(s.IsInvalidArgument());
      EXPECT_EQ(s.message().rfind("syntax error at column ", 0), 0u) << s.message();
      EXPECT_EQ(node, nullptr);
      continue;
    }
    ++parsed_count;
    const std::string canonical = node->ToString();
    std::unique_ptr<QueryNode> again;
    ASSERT_TRUE(ParseQuery(canonical, &again).ok()) << canonical;
    EXPECT_EQ(again->ToString(), canonical);
    EXPECT_TRUE(SameTree(*node, *again));
  }
  EXPECT_GT(parsed_count, 1000);  // the generator must not only produce errors
}

}  // namespace
}  // namespace query_parser_test
}  // namespace trawl

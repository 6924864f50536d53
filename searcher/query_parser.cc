#include "searcher/query_parser.h"

#include <cctype>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace trawl {

namespace {

constexpr uint32_t kMaxSlop = kMaxQuerySlop;
// Lucene's FuzzyQuery refuses more: beyond two edits almost every short term matches.
constexpr uint32_t kMaxEdits = kMaxQueryEdits;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Unescaped, these end a word.
bool EndsWord(char c) {
  return IsSpace(c) || c == '(' || c == ')' || c == '"' || c == ':' || c == '~' || c == '^';
}

bool IsWildcard(char c) { return c == '*' || c == '?'; }

// At the start of a clause these open a range ('[', '{'); right after `field:` a comparison
// ('>', '<') or an indexed term ('=').
bool OpensFieldValueSyntax(char c) {
  return c == '[' || c == '{' || c == '>' || c == '<' || c == '=';
}

bool IsModifier(char c) { return c == '+' || c == '-' || c == '!'; }

bool IsKeyword(std::string_view word) { return word == "AND" || word == "OR" || word == "NOT"; }

bool StartsWithSymbolOperator(std::string_view s) {
  return s.starts_with("&&") || s.starts_with("||");
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool IsFieldName(std::string_view s) {
  if (s.empty() || !(IsAsciiLetter(s[0]) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAsciiLetter(c) || IsAsciiDigit(c) || c == '_' || c == '.';
  });
}

// Users count characters, not bytes: skip UTF-8 continuation bytes.
size_t Column(std::string_view query, size_t pos) {
  return 1 + std::count_if(query.begin(), query.begin() + std::min(pos, query.size()),
                           [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

Status SyntaxError(std::string_view query, size_t pos, std::string_view what) {
  return Status::InvalidArgument("syntax error at column " + std::to_string(Column(query, pos)) +
                                 ": " + std::string(what));
}

enum class TokenKind {
  kWord,
  kPrefix,    // word*
  kStar,      // * alone, or *:*
  kWildcard,  // a word with '*' or '?' elsewhere than one '*' at its end
  kFuzzy,     // word~N
  kRange,     // [a TO b], or >=a right after a field
  kIndexedTerm,  // =term or ="term" right after a field
  kBoost,     // ^N
  kPhrase,
  kField,  // name:
  kOpenParen,
  kCloseParen,
  kMust,     // +
  kMustNot,  // -
  kNot,      // NOT or !
  kAnd,
  kOr,
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t begin = 0;  // byte offsets into the query
  size_t end = 0;
  uint32_t column = 0;  // of `begin`, in code points from 1
  // Unescaped: the word, the prefix, the phrase, the field name or the range's lower bound;
  // a wildcard's pattern keeps the escapes of '*', '?' and '\\'.
  std::string text;
  uint32_t slop = 0;
  uint32_t max_edits = kMaxEdits;
  std::string upper;  // kRange
  bool lower_inclusive = true, upper_inclusive = true;
  double boost = 1;
};

class Lexer {
 public:
  explicit Lexer(std::string_view query)
      : q_(query), ascii_(std::all_of(query.begin(), query.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x80;
        })) {}

  // The tokens end with exactly one kEnd, so the parser can always peek.
  Status Tokenize(std::vector<Token>* tokens) {
    tokens->reserve(8);  // most queries: one allocation, not one per doubling
    for (;;) {
      Token token;
      TRAWL_RETURN_IF_ERROR(NextToken(&token));
      token.column = ColumnAt(token.begin);
      after_field_ = token.kind == TokenKind::kField;
      const bool done = token.kind == TokenKind::kEnd;
      tokens->push_back(std::move(token));
      if (done) return Status::OK();
    }
  }

 private:
  Status Error(size_t pos, std::string_view what) const { return SyntaxError(q_, pos, what); }

  // Tokens start in increasing order, so their columns are counted on from the last one's:
  // linear in the query, where Column() from the start for each would be quadratic.
  uint32_t ColumnAt(size_t pos) {
    // Most queries are ASCII, where a column is the byte offset.
    if (ascii_) return static_cast<uint32_t>(std::min(pos, q_.size()) + 1);
    for (; column_pos_ < pos && column_pos_ < q_.size(); ++column_pos_) {
      if ((static_cast<unsigned char>(q_[column_pos_]) & 0xC0) != 0x80) ++column_;
    }
    return column_;
  }

  bool AtEnd() const { return pos_ >= q_.size(); }

  // A phrase, a prefix or a range must be followed by something that starts a new token.
  bool AtTokenBoundary() const {
    return AtEnd() || IsSpace(q_[pos_]) || q_[pos_] == '(' || q_[pos_] == ')' || q_[pos_] == '"' ||
           q_[pos_] == '^';
  }

  Status NextToken(Token* token) {
    // A comparison must touch its field: `price: >5` is no comparison.
    const bool touches_field = after_field_ && !AtEnd() && !IsSpace(q_[pos_]);
    while (!AtEnd() && IsSpace(q_[pos_])) ++pos_;
    if (touches_field && (q_[pos_] == '>' || q_[pos_] == '<' || q_[pos_] == '=')) {
      token->begin = pos_;
      TRAWL_RETURN_IF_ERROR(q_[pos_] == '=' ? LexIndexedTerm(token) : LexComparison(token));
      token->end = pos_;
      return Status::OK();
    }
    token->begin = pos_;
    // `stars:-2` is a negative number: a '-' touching its field cannot be a negation, since
    // `field:-word` would negate nothing.
    if (touches_field && q_[pos_] == '-' && pos_ + 1 < q_.size() &&
        std::isdigit(static_cast<unsigned char>(q_[pos_ + 1]))) {
      TRAWL_RETURN_IF_ERROR(LexWord(token));
    } else {
      TRAWL_RETURN_IF_ERROR(LexTokenAt(token));
    }
    token->end = pos_;
    return Status::OK();
  }

  Status LexTokenAt(Token* token) {
    if (AtEnd()) {
      token->kind = TokenKind::kEnd;
      return Status::OK();
    }
    const std::string_view rest = q_.substr(pos_);
    if (rest.starts_with("&&") || rest.starts_with("||")) {
      token->kind = rest[0] == '&' ? TokenKind::kAnd : TokenKind::kOr;
      pos_ += 2;
      return Status::OK();
    }
    switch (q_[pos_]) {
      case '(':
        return LexSingle(TokenKind::kOpenParen, token);
      case ')':
        return LexSingle(TokenKind::kCloseParen, token);
      case '+':
        return LexSingle(TokenKind::kMust, token);
      case '-':
        return LexSingle(TokenKind::kMustNot, token);
      case '!':
        return LexSingle(TokenKind::kNot, token);
      case '"':
        return LexPhrase(token);
      case '[':
      case '{':
        return LexRange(token);
      case '^':
        return LexBoost(token);
      default:
        return LexWord(token);
    }
  }

  Status LexSingle(TokenKind kind, Token* token) {
    token->kind = kind;
    ++pos_;
    return Status::OK();
  }

  Status LexPhrase(Token* token) {
    const size_t open = pos_++;
    for (;;) {
      if (AtEnd()) return Error(open, "unterminated phrase: expected a closing '\"'");
      char c = q_[pos_++];
      if (c == '"') break;
      if (c == '\\' && !AtEnd()) c = q_[pos_++];
      token->text += c;
    }
    if (token->text.empty()) return Error(open, "empty phrase");
    token->kind = TokenKind::kPhrase;
    if (!AtEnd() && q_[pos_] == '~') TRAWL_RETURN_IF_ERROR(LexSlop(token));
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the phrase");
    return Status::OK();
  }

  Status LexSlop(Token* token) {
    const size_t tilde = pos_++;
    const size_t digits = pos_;
    uint64_t slop = 0;
    while (!AtEnd() && IsAsciiDigit(q_[pos_])) {
      // Saturate so that a long run of digits cannot overflow.
      slop = std::min<uint64_t>(slop * 10 + (q_[pos_++] - '0'), kMaxSlop + 1);
    }
    if (pos_ == digits) return Error(tilde, "expected a number after '~'");
    if (slop > kMaxSlop) return Error(digits, "slop must be at most 1000");
    token->slop = static_cast<uint32_t>(slop);
    return Status::OK();
  }

  // A word, which may hold wildcards ('*', '?'), and what ends it: a field's ':', a fuzzy
  // '~N', or nothing.
  Status LexWord(Token* token) {
    const size_t start = pos_;
    // Most words hold no escape and no wildcard: their text is their bytes, taken whole.
    size_t end = pos_;
    bool plain = true;
    for (; end < q_.size() && !EndsWord(q_[end]); ++end) {
      if (q_[end] == '\\' || IsWildcard(q_[end])) {
        plain = false;
        break;
      }
    }
    if (plain) {
      token->text.assign(q_.substr(start, end - start));
      pos_ = end;
      const char stop = AtEnd() ? '\0' : q_[pos_];
      if (stop == ':') return FinishField(start, token);
      if (stop == '~') return FinishFuzzy(token);
      token->kind = KeywordOrWord(token->text, /*escaped=*/false);
      return Status::OK();
    }
    bool escaped = false;
    std::string pattern;  // the word with its wildcards and their escapes
    size_t wildcards = 0;
    bool ends_in_star = false;
    while (!AtEnd() && !EndsWord(q_[pos_])) {
      char c = q_[pos_++];
      ends_in_star = false;
      if (c == '\\') {
        if (AtEnd()) return Error(pos_ - 1, "expected a character after '\\'");
        escaped = true;
        c = q_[pos_++];
        if (IsWildcard(c) || c == '\\') pattern += '\\';
      } else if (IsWildcard(c)) {
        ++wildcards;
        ends_in_star = c == '*';
        pattern += c;
        continue;
      }
      token->text += c;
      pattern += c;
    }
    const char stop = AtEnd() ? '\0' : q_[pos_];
    if (wildcards > 0)
      return FinishWildcard(start, std::move(pattern), wildcards, ends_in_star, token);
    if (stop == ':') return FinishField(start, token);
    if (stop == '~') return FinishFuzzy(token);
    token->kind = KeywordOrWord(token->text, escaped);
    return Status::OK();
  }

  static TokenKind KeywordOrWord(std::string_view word, bool escaped) {
    if (escaped) return TokenKind::kWord;  // \AND is how one searches for the word AND
    if (word == "AND") return TokenKind::kAnd;
    if (word == "OR") return TokenKind::kOr;
    if (word == "NOT") return TokenKind::kNot;
    return TokenKind::kWord;
  }

  // `*` (or `*:*`) alone matches everything; one '*' at the end is a prefix, as before
  // wildcards existed; anything else is a wildcard pattern.
  Status FinishWildcard(size_t start, std::string pattern, size_t wildcards, bool ends_in_star,
                        Token* token) {
    if (pattern == "*") {
      token->kind = TokenKind::kStar;
      if (q_.substr(pos_).starts_with(":*")) pos_ += 2;
    } else if (wildcards == 1 && ends_in_star) {
      token->kind = TokenKind::kPrefix;  // text: the word before the '*'
    } else {
      token->kind = TokenKind::kWildcard;
      token->text = std::move(pattern);
    }
    if (!AtEnd() && q_[pos_] == ':') {
      return Error(start, "a field name cannot hold '*' or '?'");
    }
    if (!AtEnd() && q_[pos_] == '~') {
      return Error(pos_, "a word with '*' or '?' cannot also be fuzzy ('~')");
    }
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the word");
    return Status::OK();
  }

  // word~ (at most kMaxEdits edits) or word~N.
  Status FinishFuzzy(Token* token) {
    const size_t tilde = pos_++;
    if (token->text.empty()) {
      return Error(tilde,
                   "'~' must directly follow a word (word~N) or a closing quote (\"a phrase\"~N)");
    }
    token->kind = TokenKind::kFuzzy;
    const size_t digits = pos_;
    uint64_t edits = 0;
    while (!AtEnd() && IsAsciiDigit(q_[pos_])) {
      edits = std::min<uint64_t>(edits * 10 + (q_[pos_++] - '0'), kMaxEdits + 1);
    }
    if (pos_ > digits) {
      if (edits > kMaxEdits) {
        return Error(digits, "a fuzzy word allows at most 2 edits (word~0, word~1, word~2)");
      }
      token->max_edits = static_cast<uint32_t>(edits);
    }
    if (!AtTokenBoundary()) {
      return Error(pos_, "expected a space or ')' after the fuzzy word: word~N with N 0, 1 or 2");
    }
    return Status::OK();
  }

  // ^N: a finite, non-negative number, in any form std::from_chars reads (2, 0.5, 1e+20).
  Status LexBoost(Token* token) {
    const size_t caret = pos_++;
    const size_t begin = pos_;
    while (!AtEnd() && (IsAsciiDigit(q_[pos_]) || q_[pos_] == '.')) ++pos_;
    if (!AtEnd() && (q_[pos_] == 'e' || q_[pos_] == 'E') && pos_ > begin) {
      ++pos_;
      if (!AtEnd() && (q_[pos_] == '+' || q_[pos_] == '-')) ++pos_;
      while (!AtEnd() && IsAsciiDigit(q_[pos_])) ++pos_;
    }
    const std::string_view number = q_.substr(begin, pos_ - begin);
    double boost = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), boost);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
        !std::isfinite(boost) || boost < 0) {
      return Error(caret, "expected a non-negative number after '^', such as ^2 or ^0.5");
    }
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the boost");
    token->kind = TokenKind::kBoost;
    token->boost = boost;
    return Status::OK();
  }

  // [lower TO upper], with '{' or '}' for an excluded end and '*' for an open one.
  Status LexRange(Token* token) {
    const size_t open = pos_;
    token->kind = TokenKind::kRange;
    token->lower_inclusive = q_[pos_++] == '[';
    TRAWL_RETURN_IF_ERROR(LexRangeBound(open, &token->text));
    const size_t before_to = SkipSpaces();
    if (q_.substr(pos_) == "TO" || AtEnd()) {
      return Error(open, "unterminated range: expected ']' or '}'");
    }
    if (!q_.substr(pos_).starts_with("TO") || pos_ == before_to ||
        !(pos_ + 2 < q_.size() && IsSpace(q_[pos_ + 2]))) {
      return Error(pos_, "expected ' TO ' between the bounds of the range: [a TO b]");
    }
    pos_ += 2;
    TRAWL_RETURN_IF_ERROR(LexRangeBound(open, &token->upper));
    SkipSpaces();
    if (AtEnd()) return Error(open, "unterminated range: expected ']' or '}'");
    if (q_[pos_] != ']' && q_[pos_] != '}') {
      return Error(pos_, "expected ']' or '}' to close the range");
    }
    token->upper_inclusive = q_[pos_++] == ']';
    if (token->text.empty()) token->lower_inclusive = true;
    if (token->upper.empty()) token->upper_inclusive = true;
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the range");
    return Status::OK();
  }

  size_t SkipSpaces() {
    const size_t start = pos_;
    while (!AtEnd() && IsSpace(q_[pos_])) ++pos_;
    return start;
  }

  // One bound of a range: "quoted", or a run up to a space or a closing bracket, so that
  // unquoted dates with times (2024-05-01T10:00:00Z) need no quotes; '*' (unquoted) is open,
  // left empty.
  Status LexRangeBound(size_t open, std::string* out) {
    SkipSpaces();
    if (AtEnd()) return Error(open, "unterminated range: expected ']' or '}'");
    if (q_[pos_] == '"') return LexQuotedValue(out);
    const size_t begin = pos_;
    TRAWL_RETURN_IF_ERROR(
        LexPlainValue([](char c) { return IsSpace(c) || c == ']' || c == '}'; }, out));
    if (pos_ == begin) return Error(pos_, "expected a value or '*' in the range");
    if (q_.substr(begin, pos_ - begin) == "*") out->clear();
    return Status::OK();
  }

  Status LexQuotedValue(std::string* out, bool may_be_empty = false) {
    const size_t open = pos_++;
    for (;;) {
      if (AtEnd()) return Error(open, "unterminated quoted value: expected a closing '\"'");
      char c = q_[pos_++];
      if (c == '"') break;
      if (c == '\\' && !AtEnd()) c = q_[pos_++];
      *out += c;
    }
    if (out->empty() && !may_be_empty)
      return Error(open, "empty quoted value: write '*' for an open end");
    return Status::OK();
  }

  template <typename Stop>
  Status LexPlainValue(const Stop& stop, std::string* out) {
    while (!AtEnd() && !stop(q_[pos_])) {
      char c = q_[pos_++];
      if (c == '\\') {
        if (AtEnd()) return Error(pos_ - 1, "expected a character after '\\'");
        c = q_[pos_++];
      }
      *out += c;
    }
    return Status::OK();
  }

  // field:>=x, field:>x, field:<=x, field:<x: a range with one open end.
  Status LexComparison(Token* token) {
    const size_t op = pos_;
    const bool greater = q_[pos_++] == '>';
    const bool inclusive = !AtEnd() && q_[pos_] == '=';
    if (inclusive) ++pos_;
    token->kind = TokenKind::kRange;
    std::string value;
    const size_t begin = pos_;
    if (!AtEnd() && q_[pos_] == '"') {
      TRAWL_RETURN_IF_ERROR(LexQuotedValue(&value));
    } else {
      TRAWL_RETURN_IF_ERROR(
          LexPlainValue([](char c) { return IsSpace(c) || c == ')' || c == '^'; }, &value));
      if (value.empty() || q_.substr(begin, pos_ - begin) == "*") {
        return Error(
            op, "expected a value right after '" + std::string(q_.substr(op, begin - op)) + "'");
      }
    }
    (greater ? token->text : token->upper) = std::move(value);
    (greater ? token->lower_inclusive : token->upper_inclusive) = inclusive;
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the value");
    return Status::OK();
  }

  // field:=term or field:="term": a term as the index holds it, never analyzed. Quoted, it may
  // hold any byte (and be empty: a keyword's empty value); unquoted, it runs to a space, ')' or
  // '^', so that nothing else in it (wildcards, ':', '~', '"') is syntax.
  Status LexIndexedTerm(Token* token) {
    const size_t op = pos_++;
    token->kind = TokenKind::kIndexedTerm;
    if (!AtEnd() && q_[pos_] == '"') {
      TRAWL_RETURN_IF_ERROR(LexQuotedValue(&token->text, /*may_be_empty=*/true));
    } else {
      TRAWL_RETURN_IF_ERROR(
          LexPlainValue([](char c) { return IsSpace(c) || c == ')' || c == '^'; }, &token->text));
      if (pos_ == op + 1) return Error(op, "expected a term right after '='");
    }
    if (!AtTokenBoundary()) return Error(pos_, "expected a space or ')' after the term");
    return Status::OK();
  }

  Status FinishField(size_t start, Token* token) {
    if (token->text.empty()) return Error(pos_, "expected a field name before ':'");
    if (!IsFieldName(token->text)) {
      return Error(start, "invalid field name '" + token->text +
                              "': expected a letter or '_', then letters, digits, '_' or '.'");
    }
    ++pos_;
    token->kind = TokenKind::kField;
    return Status::OK();
  }

  std::string_view q_;
  size_t pos_ = 0;
  bool after_field_ = false;  // the last token was `name:`
  bool ascii_;
  size_t column_pos_ = 0;
  uint32_t column_ = 1;  // of column_pos_
};

using Clause = QueryNode::Clause;
using Occur = QueryNode::Occur;

std::unique_ptr<QueryNode> MakeBoolean(std::vector<Clause> clauses) {
  auto node = std::make_unique<QueryNode>();
  node->kind = QueryNode::Kind::kBoolean;
  node->clauses = std::move(clauses);
  return node;
}

// Recursive descent over the grammar
//   query   := or EOF
//   or      := and ((OR)? and)*
//   and     := unary (AND unary)*
//   unary   := ('+' | '-' | NOT | '!')? primary
//   primary := ('(' or ')' | FIELD primary | WORD | PREFIX | WILDCARD | FUZZY | PHRASE | RANGE
//               | INDEXED_TERM | '*') BOOST?
class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens, const QueryLimits& limits)
      : q_(query), tokens_(std::move(tokens)), limits_(limits) {}

  Status Parse(std::unique_ptr<QueryNode>* out) {
    if (Peek().kind == TokenKind::kEnd) return Error(0, "empty query");
    TRAWL_RETURN_IF_ERROR(ParseOr(/*field=*/"", /*depth=*/0, out));
    if (Peek().kind == TokenKind::kCloseParen) {
      return Error(Peek().begin, "unexpected ')' without a matching '('");
    }
    return Status::OK();
  }

 private:
  const Token& Peek() const { return tokens_[next_]; }
  // Never moves past the final kEnd.
  const Token& Take() {
    const Token& token = tokens_[next_];
    if (token.kind != TokenKind::kEnd) ++next_;
    return token;
  }

  Status Error(size_t pos, std::string_view what) const { return SyntaxError(q_, pos, what); }

  std::string_view Spelling(const Token& token) const {
    return q_.substr(token.begin, token.end - token.begin);
  }

  std::string Describe(const Token& token) const {
    if (token.kind == TokenKind::kEnd) return "the end of the query";
    return "'" + std::string(Spelling(token)) + "'";
  }

  // Names the operator that wanted a clause, so "a AND" reads as a dangling AND.
  std::string AfterWhat() const {
    if (next_ == 0) return "";
    const Token& previous = tokens_[next_ - 1];
    switch (previous.kind) {
      case TokenKind::kField:
      case TokenKind::kMust:
      case TokenKind::kMustNot:
      case TokenKind::kNot:
      case TokenKind::kAnd:
      case TokenKind::kOr:
        return " after '" + std::string(Spelling(previous)) + "'";
      default:
        return "";
    }
  }

  Status ExpectedClauseError(const Token& found) const {
    return Error(found.begin,
                 "expected a word, a phrase or '('" + AfterWhat() + ", found " + Describe(found));
  }

  Status ParseOr(const std::string& field, int depth, std::unique_ptr<QueryNode>* out) {
    // Most queries are one clause: the list is made when a second one comes.
    Clause first;
    TRAWL_RETURN_IF_ERROR(ParseAnd(field, depth, &first));
    std::vector<Clause> clauses;
    for (;;) {
      if (Peek().kind == TokenKind::kOr) {
        Take();
      } else if (Peek().kind == TokenKind::kEnd || Peek().kind == TokenKind::kCloseParen) {
        break;
      }
      Clause clause;
      TRAWL_RETURN_IF_ERROR(ParseAnd(field, depth, &clause));
      if (clauses.empty()) clauses.push_back(std::move(first));
      clauses.push_back(std::move(clause));
    }
    if (clauses.empty() && first.occur == Occur::kShould) {
      *out = std::move(first.node);
      return Status::OK();
    }
    if (clauses.empty()) clauses.push_back(std::move(first));
    *out = MakeBoolean(std::move(clauses));
    return Status::OK();
  }

  // A chain of ANDs becomes one nested Boolean whose plain clauses are required, so that
  // "a AND b OR c" keeps (a AND b) together as one optional clause.
  Status ParseAnd(const std::string& field, int depth, Clause* out) {
    Clause first;
    TRAWL_RETURN_IF_ERROR(ParseUnary(field, depth, &first));
    if (Peek().kind != TokenKind::kAnd) {
      *out = std::move(first);
      return Status::OK();
    }
    std::vector<Clause> conjuncts;
    conjuncts.push_back(std::move(first));
    while (Peek().kind == TokenKind::kAnd) {
      Take();
      Clause next;
      TRAWL_RETURN_IF_ERROR(ParseUnary(field, depth, &next));
      conjuncts.push_back(std::move(next));
    }
    for (Clause& clause : conjuncts) {
      if (clause.occur == Occur::kShould) clause.occur = Occur::kMust;
    }
    out->occur = Occur::kShould;
    out->node = MakeBoolean(std::move(conjuncts));
    return Status::OK();
  }

  Status ParseUnary(const std::string& field, int depth, Clause* out) {
    out->occur = Occur::kShould;
    const Token& modifier = Peek();
    switch (modifier.kind) {
      case TokenKind::kMust:
        out->occur = Occur::kMust;
        break;
      case TokenKind::kMustNot:
      case TokenKind::kNot:
        out->occur = Occur::kMustNot;
        break;
      default:
        return ParsePrimary(field, depth, &out->node);
    }
    Take();
    // "a - b" is more likely a typo than a negation of b.
    const bool must_touch =
        modifier.kind == TokenKind::kMust || modifier.kind == TokenKind::kMustNot;
    if (must_touch && Peek().begin != modifier.end) {
      return Error(modifier.end,
                   "expected a word, a phrase or '(' right after " + Describe(modifier));
    }
    return ParsePrimary(field, depth, &out->node);
  }

  Status ParsePrimary(const std::string& field, int depth, std::unique_ptr<QueryNode>* out) {
    TRAWL_RETURN_IF_ERROR(ParseUnboosted(field, depth, out));
    // `field:x^2` reaches here twice, through the field and through x: whichever comes first
    // takes the boost.
    if (!BoostFollows() || tokens_[next_ - 1].kind == TokenKind::kBoost) return Status::OK();
    ApplyBoost(Take().boost, out->get());
    if (BoostFollows()) return Error(Peek().begin, "a clause takes one boost");
    return Status::OK();
  }

  bool BoostFollows() const {
    return Peek().kind == TokenKind::kBoost && Peek().begin == tokens_[next_ - 1].end;
  }

  // Boosts multiply down to the leaves, so that no weight but a leaf's has to apply one.
  static void ApplyBoost(double boost, QueryNode* node) {
    if (node->kind != QueryNode::Kind::kBoolean) {
      node->boost *= boost;
      return;
    }
    for (Clause& clause : node->clauses) ApplyBoost(boost, clause.node.get());
  }

  Status ParseUnboosted(const std::string& field, int depth, std::unique_ptr<QueryNode>* out) {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kOpenParen:
        return ParseGroup(field, depth, out);
      case TokenKind::kField:
        return ParseFielded(field, depth, out);
      case TokenKind::kWord:
      case TokenKind::kPrefix:
      case TokenKind::kPhrase:
      case TokenKind::kStar:
      case TokenKind::kWildcard:
      case TokenKind::kFuzzy:
      case TokenKind::kRange:
      case TokenKind::kIndexedTerm:
        return MakeLeaf(Take(), field, out);
      case TokenKind::kBoost:
        return Error(token.begin, "'^' must directly follow a word, a phrase, a range or ')'");
      default:
        return ExpectedClauseError(token);
    }
  }

  Status ParseGroup(const std::string& field, int depth, std::unique_ptr<QueryNode>* out) {
    const Token& open = Take();
    // The descent recurses once per level: this bounds the stack it takes.
    if (static_cast<size_t>(depth) >= limits_.max_depth) {
      return QueryLimitError(open.column,
                             "parentheses nested deeper than " + std::to_string(limits_.max_depth),
                             "max_depth");
    }
    TRAWL_RETURN_IF_ERROR(ParseOr(field, depth + 1, out));
    if ((*out)->column == 0) (*out)->column = open.column;
    // ParseOr stops only at ')' or at the end.
    if (Peek().kind != TokenKind::kCloseParen) {
      return Error(open.begin, "expected ')': this '(' is never closed");
    }
    Take();
    return Status::OK();
  }

  Status ParseFielded(const std::string& outer_field, int depth, std::unique_ptr<QueryNode>* out) {
    const Token& name = Take();
    if (!outer_field.empty()) {
      return Error(name.begin, "field '" + name.text + "' inside field '" + outer_field +
                                   "': a clause searches one field");
    }
    if (Peek().begin != name.end) {
      return Error(name.end, "expected a word, a phrase or '(' right after " + Describe(name));
    }
    return ParsePrimary(name.text, depth, out);
  }

  Status MakeLeaf(const Token& token, const std::string& field, std::unique_ptr<QueryNode>* out) {
    auto node = std::make_unique<QueryNode>();
    node->column = token.column;
    switch (token.kind) {
      case TokenKind::kStar:
        node->kind = field.empty() ? QueryNode::Kind::kMatchAll : QueryNode::Kind::kExists;
        break;
      case TokenKind::kWildcard:
        node->kind = QueryNode::Kind::kWildcard;
        break;
      case TokenKind::kFuzzy:
        node->kind = QueryNode::Kind::kFuzzy;
        node->max_edits = token.max_edits;
        break;
      case TokenKind::kRange:
        if (field.empty()) {
          return Error(token.begin, "a range needs a field: field:[a TO b] or field:>=a");
        }
        node->kind = QueryNode::Kind::kRange;
        node->field = field;
        node->lower = token.text;
        node->upper = token.upper;
        node->lower_inclusive = token.lower_inclusive;
        node->upper_inclusive = token.upper_inclusive;
        *out = std::move(node);
        return Status::OK();
      case TokenKind::kPrefix:
        node->kind = QueryNode::Kind::kPrefix;
        break;
      case TokenKind::kPhrase:
        node->kind = QueryNode::Kind::kPhrase;
        node->slop = token.slop;
        break;
      case TokenKind::kIndexedTerm:  // lexed only right after its field
        node->kind = QueryNode::Kind::kIndexedTerm;
        break;
      default:
        node->kind = QueryNode::Kind::kTerm;
        break;
    }
    node->field = field;
    node->text = token.text;
    *out = std::move(node);
    return Status::OK();
  }

  std::string_view q_;
  std::vector<Token> tokens_;
  const QueryLimits& limits_;
  size_t next_ = 0;
};

// Whether the lexer would read w[i] as anything but a plain character of the word.
bool NeedsEscape(std::string_view word, size_t i) {
  const char c = word[i];
  if (c == '\\' || EndsWord(c) || IsWildcard(c)) return true;
  if (i > 0) return false;
  return IsModifier(c) || OpensFieldValueSyntax(c) || StartsWithSymbolOperator(word) ||
         IsKeyword(word);
}

// A wildcard pattern keeps its wildcards and its escapes; other characters are escaped as in
// a word. Never a keyword: it holds a wildcard.
std::string EscapePattern(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out += c;
      out += pattern[++i];
      continue;
    }
    if (!IsWildcard(c) && (c == '\\' || EndsWord(c) ||
                           (i == 0 && (IsModifier(c) || OpensFieldValueSyntax(c) ||
                                       StartsWithSymbolOperator(pattern))))) {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// A range bound: '*' when open, quoted when it holds what would end or confuse a plain one.
std::string RangeBound(std::string_view value) {
  if (value.empty()) return "*";
  const bool plain = value != "*" && value != "TO" && value[0] != '"' &&
                     std::none_of(value.begin(), value.end(), [](char c) {
                       return IsSpace(c) || c == ']' || c == '}' || c == '\\' || c == '"';
                     });
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The shortest text that reads back as the same double.
std::string FormatBoost(double boost) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, boost);
  return std::string(buf, ec == std::errc() ? end : buf);
}

std::string EscapeWord(std::string_view word) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (NeedsEscape(word, i)) out += '\\';
    out += word[i];
  }
  return out;
}

std::string EscapePhrase(std::string_view phrase) {
  std::string out;
  for (char c : phrase) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

const char* OccurPrefix(Occur occur) {
  switch (occur) {
    case Occur::kMust:
      return "+";
    case Occur::kMustNot:
      return "-";
    case Occur::kShould:
      return "";
    case Occur::kFilter:
      return "#";
  }
  return "";
}

}  // namespace

std::string QueryNode::ToString() const {
  if (kind == Kind::kBoolean || boost == 1) return ToStringUnboosted();
  return ToStringUnboosted() + "^" + FormatBoost(boost);
}

std::string QueryNode::ToStringUnboosted() const {
  const std::string field_prefix = field.empty() ? "" : EscapeWord(field) + ":";
  switch (kind) {
    case Kind::kMatchAll:
      return "*";
    case Kind::kExists:
      return field_prefix + "*";
    case Kind::kFuzzy:
      return field_prefix + EscapeWord(text) + "~" + std::to_string(max_edits);
    case Kind::kWildcard:
      return field_prefix + EscapePattern(text);
    case Kind::kRange:
      return field_prefix + (lower_inclusive ? "[" : "{") + RangeBound(lower) + " TO " +
             RangeBound(upper) + (upper_inclusive ? "]" : "}");
    case Kind::kTerm:
      return field_prefix + EscapeWord(text);
    case Kind::kIndexedTerm:
      return field_prefix + "=\"" + EscapePhrase(text) + "\"";
    case Kind::kPrefix:
      return field_prefix + EscapeWord(text) + "*";
    case Kind::kPhrase:
      return field_prefix + "\"" + EscapePhrase(text) + "\"" +
             (slop > 0 ? "~" + std::to_string(slop) : "");
    case Kind::kMatch: {
      // The words as whitespace splits them: the analyzer that really splits them is the
      // index's, which a query does not know.
      std::string out;
      size_t begin = 0;
      while (begin < text.size()) {
        while (begin < text.size() && IsSpace(text[begin])) ++begin;
        size_t end = begin;
        while (end < text.size() && !IsSpace(text[end])) ++end;
        if (end > begin) {
          if (!out.empty()) out += ' ';
          out += EscapeWord(text.substr(begin, end - begin));
        }
        begin = end;
      }
      return field_prefix + "(" + out + ")";
    }
    case Kind::kBoolean: {
      std::string out = "(";
      for (const Clause& clause : clauses) {
        if (out.size() > 1) out += ' ';
        out += OccurPrefix(clause.occur);
        out += clause.node->ToString();
      }
      return out + ")";
    }
  }
  return "";
}

std::unique_ptr<QueryNode> QueryNode::Clone() const {
  auto copy = std::make_unique<QueryNode>();
  copy->kind = kind;
  copy->field = field;
  copy->text = text;
  copy->slop = slop;
  copy->max_edits = max_edits;
  copy->lower = lower;
  copy->upper = upper;
  copy->lower_inclusive = lower_inclusive;
  copy->upper_inclusive = upper_inclusive;
  copy->boost = boost;
  copy->column = column;
  copy->clauses.reserve(clauses.size());
  for (const Clause& clause : clauses) copy->clauses.push_back({clause.occur, clause.node->Clone()});
  return copy;
}

Status ParseQuery(std::string_view query, const QueryLimits& limits,
                  std::unique_ptr<QueryNode>* out) {
  out->reset();
  TRAWL_RETURN_IF_ERROR(CheckQueryBytes(query, limits, "the query"));
  if (limits.max_depth > QueryLimits::kMaxDepthCeiling) {
    return Status::InvalidArgument("max_depth must be at most " +
                                   std::to_string(QueryLimits::kMaxDepthCeiling));
  }
  std::vector<Token> tokens;
  TRAWL_RETURN_IF_ERROR(Lexer(query).Tokenize(&tokens));
  std::unique_ptr<QueryNode> root;
  TRAWL_RETURN_IF_ERROR(Parser(query, std::move(tokens), limits).Parse(&root));
  TRAWL_RETURN_IF_ERROR(ValidateQuery(*root, limits));
  *out = std::move(root);
  return Status::OK();
}

Status ParseQuery(std::string_view query, std::unique_ptr<QueryNode>* out) {
  return ParseQuery(query, QueryLimits(), out);
}

Status CheckQueryBytes(std::string_view text, const QueryLimits& limits, const char* what) {
  if (text.size() <= limits.max_query_bytes) return Status::OK();
  return QueryLimitError(0,
                         std::string(what) + " is " + std::to_string(text.size()) + " bytes, more than " +
                             std::to_string(limits.max_query_bytes),
                         "max_query_bytes");
}

}  // namespace trawl

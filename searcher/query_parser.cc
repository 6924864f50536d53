#include "searcher/query_parser.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace trawl {

namespace {

// Deep enough for any query a person writes, shallow enough that the recursive descent below
// cannot overflow the stack.
constexpr int kMaxNestingDepth = 256;
constexpr uint32_t kMaxSlop = 1000;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Unescaped, these end a word.
bool EndsWord(char c) {
  return IsSpace(c) || c == '(' || c == ')' || c == '"' || c == ':' || c == '~' || c == '*';
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
  kPrefix,  // word*
  kStar,    // * alone
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
  std::string text;  // unescaped: the word, the prefix, the phrase or the field name
  uint32_t slop = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view query) : q_(query) {}

  // The tokens end with exactly one kEnd, so the parser can always peek.
  Status Tokenize(std::vector<Token>* tokens) {
    tokens->reserve(8);  // most queries: one allocation, not one per doubling
    for (;;) {
      Token token;
      TRAWL_RETURN_IF_ERROR(NextToken(&token));
      const bool done = token.kind == TokenKind::kEnd;
      tokens->push_back(std::move(token));
      if (done) return Status::OK();
    }
  }

 private:
  Status Error(size_t pos, std::string_view what) const { return SyntaxError(q_, pos, what); }

  bool AtEnd() const { return pos_ >= q_.size(); }

  // A phrase or a prefix must be followed by something that starts a new token.
  bool AtTokenBoundary() const {
    return AtEnd() || IsSpace(q_[pos_]) || q_[pos_] == '(' || q_[pos_] == ')' || q_[pos_] == '"';
  }

  Status NextToken(Token* token) {
    while (!AtEnd() && IsSpace(q_[pos_])) ++pos_;
    token->begin = pos_;
    TRAWL_RETURN_IF_ERROR(LexTokenAt(token));
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

  Status LexWord(Token* token) {
    const size_t start = pos_;
    bool escaped = false;
    while (!AtEnd() && !EndsWord(q_[pos_])) {
      if (q_[pos_] == '\\') {
        if (pos_ + 1 == q_.size()) return Error(pos_, "expected a character after '\\'");
        ++pos_;
        escaped = true;
        token->text += q_[pos_++];
        continue;
      }
      // A run of plain characters is appended at once.
      const size_t run = pos_;
      while (!AtEnd() && !EndsWord(q_[pos_]) && q_[pos_] != '\\') ++pos_;
      token->text.append(q_.substr(run, pos_ - run));
    }
    const char stop = AtEnd() ? '\0' : q_[pos_];
    if (stop == '*') return FinishPrefix(token);
    if (stop == ':') return FinishField(start, token);
    if (stop == '~') {
      return Error(pos_, token->text.empty()
                             ? "'~' must directly follow a closing quote: \"a phrase\"~N"
                             : "fuzzy queries (word~N) are not supported; '~N' goes after a "
                               "closing quote: \"a phrase\"~N");
    }
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

  Status FinishPrefix(Token* token) {
    const size_t star = pos_++;
    if (!AtTokenBoundary()) return Error(star, "'*' is only allowed at the end of a word");
    token->kind = token->text.empty() ? TokenKind::kStar : TokenKind::kPrefix;
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
//   primary := '(' or ')' | FIELD primary | WORD | PREFIX | PHRASE | '*'
class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens)
      : q_(query), tokens_(std::move(tokens)) {}

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
    std::vector<Clause> clauses;
    for (;;) {
      Clause clause;
      TRAWL_RETURN_IF_ERROR(ParseAnd(field, depth, &clause));
      clauses.push_back(std::move(clause));
      if (Peek().kind == TokenKind::kOr) {
        Take();
        continue;
      }
      if (Peek().kind == TokenKind::kEnd || Peek().kind == TokenKind::kCloseParen) break;
    }
    if (clauses.size() == 1 && clauses[0].occur == Occur::kShould) {
      *out = std::move(clauses[0].node);
    } else {
      *out = MakeBoolean(std::move(clauses));
    }
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
        return MakeLeaf(Take(), field, out);
      default:
        return ExpectedClauseError(token);
    }
  }

  Status ParseGroup(const std::string& field, int depth, std::unique_ptr<QueryNode>* out) {
    const Token& open = Take();
    if (depth >= kMaxNestingDepth) {
      return Error(open.begin,
                   "parentheses nested deeper than " + std::to_string(kMaxNestingDepth));
    }
    TRAWL_RETURN_IF_ERROR(ParseOr(field, depth + 1, out));
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
    switch (token.kind) {
      case TokenKind::kStar:
        // The executor has no "field exists" query; ignoring the field would silently widen it.
        if (!field.empty()) {
          return Error(token.begin, "'*' matches every document and cannot take a field");
        }
        node->kind = QueryNode::Kind::kMatchAll;
        break;
      case TokenKind::kPrefix:
        node->kind = QueryNode::Kind::kPrefix;
        break;
      case TokenKind::kPhrase:
        node->kind = QueryNode::Kind::kPhrase;
        node->slop = token.slop;
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
  size_t next_ = 0;
};

// Whether the lexer would read w[i] as anything but a plain character of the word.
bool NeedsEscape(std::string_view word, size_t i) {
  const char c = word[i];
  if (c == '\\' || EndsWord(c)) return true;
  if (i > 0) return false;
  return IsModifier(c) || StartsWithSymbolOperator(word) || IsKeyword(word);
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
  }
  return "";
}

}  // namespace

std::string QueryNode::ToString() const {
  const std::string field_prefix = field.empty() ? "" : EscapeWord(field) + ":";
  switch (kind) {
    case Kind::kMatchAll:
      return "*";
    case Kind::kTerm:
      return field_prefix + EscapeWord(text);
    case Kind::kPrefix:
      return field_prefix + EscapeWord(text) + "*";
    case Kind::kPhrase:
      return field_prefix + "\"" + EscapePhrase(text) + "\"" +
             (slop > 0 ? "~" + std::to_string(slop) : "");
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

Status ParseQuery(std::string_view query, std::unique_ptr<QueryNode>* out) {
  out->reset();
  std::vector<Token> tokens;
  TRAWL_RETURN_IF_ERROR(Lexer(query).Tokenize(&tokens));
  std::unique_ptr<QueryNode> root;
  TRAWL_RETURN_IF_ERROR(Parser(query, std::move(tokens)).Parse(&root));
  *out = std::move(root);
  return Status::OK();
}

}  // namespace trawl

// trawl::Query (include/trawl/query.h): immutable QueryNode trees shared by copies. Builders
// make the same trees the parser makes, text kept raw, so both run through one executor.
#include "trawl/query.h"

#include <algorithm>
#include <cmath>

#include "searcher/query.h"
#include "searcher/query_parser.h"

namespace trawl {

namespace {

std::unique_ptr<QueryNode> Leaf(QueryNode::Kind kind, std::string_view field,
                                std::string_view text) {
  auto node = std::make_unique<QueryNode>();
  node->kind = kind;
  node->field = std::string(field);
  node->text = std::string(text);
  return node;
}

std::unique_ptr<QueryNode> EmptyBoolean() {
  auto node = std::make_unique<QueryNode>();
  node->kind = QueryNode::Kind::kBoolean;
  return node;
}

// Shared by every Query made empty: a Query's nodes never change once it holds them (queries
// built from it copy them), so one empty node serves all, and an empty Query costs no
// allocation (every parsed query starts as one).
const std::shared_ptr<const QueryNode>& SharedEmptyBoolean() {
  static const std::shared_ptr<const QueryNode> empty(EmptyBoolean());
  return empty;
}

// As the parser pushes `(a b)^2` down: only leaves carry boosts.
void MultiplyBoost(double boost, QueryNode* node) {
  if (node->kind != QueryNode::Kind::kBoolean) {
    node->boost *= boost;
    return;
  }
  for (QueryNode::Clause& clause : node->clauses) MultiplyBoost(boost, clause.node.get());
}

// The column of `q`, or of the first clause under it that has one (a group built for an AND
// chain has none of its own); 0 in a tree built in code.
uint32_t ColumnOf(const QueryNode& q) {
  const QueryNode* node = &q;  // iterative: the tree below may be deeper than allowed
  while (node->column == 0 && !node->clauses.empty()) node = node->clauses.front().node.get();
  return node->column;
}

struct ValidationState {
  const QueryLimits& limits;
  size_t max_tree_depth;
  size_t clauses = 0;
};

Status Validate(const QueryNode& q, size_t depth, ValidationState* state) {
  if (depth > state->max_tree_depth) {
    return QueryLimitError(ColumnOf(q),
                           "query nested more than " + std::to_string(state->max_tree_depth) +
                               " deep (" + std::to_string(kTreeDepthPerParenthesis) +
                               " times the max_depth limit of " +
                               std::to_string(state->limits.max_depth) + ")",
                           "max_depth");
  }
  if (!std::isfinite(q.boost) || q.boost < 0)
    return Status::InvalidArgument("boost of " + q.ToString() + " must be finite and >= 0");
  if (q.kind == QueryNode::Kind::kPhrase && q.slop > kMaxQuerySlop)
    return Status::InvalidArgument("slop of " + q.ToString() + " must be at most " +
                                   std::to_string(kMaxQuerySlop));
  if (q.kind == QueryNode::Kind::kFuzzy && q.max_edits > kMaxQueryEdits)
    return Status::InvalidArgument("edits of " + q.ToString() + " must be at most " +
                                   std::to_string(kMaxQueryEdits));
  for (const QueryNode::Clause& clause : q.clauses) {
    if (++state->clauses > state->limits.max_clauses) {
      return QueryLimitError(ColumnOf(*clause.node),
                             "more than " + std::to_string(state->limits.max_clauses) +
                                 " clauses in the query",
                             "max_clauses");
    }
    TRAWL_RETURN_IF_ERROR(Validate(*clause.node, depth + 1, state));
  }
  return Status::OK();
}

}  // namespace

Status QueryLimitError(uint32_t column, const std::string& what, const std::string& limit) {
  std::string flag = "--" + limit;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return Status::InvalidArgument(
      (column > 0 ? "at column " + std::to_string(column) + ": " : std::string()) + what +
      ", the " + limit + " limit (raise it with " + flag + ")");
}

Status ValidateQuery(const QueryNode& query, const QueryLimits& limits) {
  if (limits.max_depth < 1 || limits.max_depth > QueryLimits::kMaxDepthCeiling) {
    return Status::InvalidArgument("max_depth must be from 1 to " +
                                   std::to_string(QueryLimits::kMaxDepthCeiling) + ", not " +
                                   std::to_string(limits.max_depth));
  }
  ValidationState state{limits, kTreeDepthPerParenthesis * limits.max_depth};
  // A single leaf is one clause too.
  if (query.kind != QueryNode::Kind::kBoolean && limits.max_clauses < 1) {
    return QueryLimitError(ColumnOf(query), "more than 0 clauses in the query", "max_clauses");
  }
  return Validate(query, 0, &state);
}

Query::Query() : node_(SharedEmptyBoolean()) {}

Query::Query(std::shared_ptr<const QueryNode> node, bool open)
    : node_(std::move(node)), open_(open) {}

Query Query::Term(std::string_view field, std::string_view word) {
  return Query(Leaf(QueryNode::Kind::kTerm, field, word));
}

Query Query::IndexedTerm(std::string_view field, std::string_view term) {
  return Query(Leaf(QueryNode::Kind::kIndexedTerm, field, term));
}

Query Query::Phrase(std::string_view field, std::string_view text, uint32_t slop) {
  auto node = Leaf(QueryNode::Kind::kPhrase, field, text);
  node->slop = slop;
  return Query(std::move(node));
}

Query Query::Prefix(std::string_view field, std::string_view prefix) {
  return Query(Leaf(QueryNode::Kind::kPrefix, field, prefix));
}

Query Query::Fuzzy(std::string_view field, std::string_view word, uint32_t max_edits) {
  auto node = Leaf(QueryNode::Kind::kFuzzy, field, word);
  node->max_edits = max_edits;
  return Query(std::move(node));
}

Query Query::Wildcard(std::string_view field, std::string_view pattern) {
  return Query(Leaf(QueryNode::Kind::kWildcard, field, pattern));
}

Query Query::Range(std::string_view field, std::string_view lower, std::string_view upper,
                   bool lower_inclusive, bool upper_inclusive) {
  auto node = Leaf(QueryNode::Kind::kRange, field, "");
  node->lower = std::string(lower);
  node->upper = std::string(upper);
  // As the parser marks them: an open end is inclusive, so that one range has one tree.
  node->lower_inclusive = lower.empty() || lower_inclusive;
  node->upper_inclusive = upper.empty() || upper_inclusive;
  return Query(std::move(node));
}

Query Query::Exists(std::string_view field) {
  return Query(Leaf(QueryNode::Kind::kExists, field, ""));
}

Query Query::MatchAll() { return Query(Leaf(QueryNode::Kind::kMatchAll, "", "")); }

Query Query::Match(std::string_view field, std::string_view text) {
  return Query(Leaf(QueryNode::Kind::kMatch, field, text));
}

Query Query::Boolean() { return Query(); }

Query Query::WithClause(int occur, const Query& clause) const {
  std::unique_ptr<QueryNode> node;
  if (open_) {
    node = node_->Clone();
  } else {
    node = EmptyBoolean();
    node->clauses.push_back({QueryNode::Occur::kMust, node_->Clone()});
  }
  node->clauses.push_back({static_cast<QueryNode::Occur>(occur), clause.node_->Clone()});
  return Query(std::move(node), /*open=*/true);
}

Query Query::Must(const Query& clause) const {
  return WithClause(static_cast<int>(QueryNode::Occur::kMust), clause);
}
Query Query::Should(const Query& clause) const {
  return WithClause(static_cast<int>(QueryNode::Occur::kShould), clause);
}
Query Query::MustNot(const Query& clause) const {
  return WithClause(static_cast<int>(QueryNode::Occur::kMustNot), clause);
}
Query Query::Filter(const Query& clause) const {
  return WithClause(static_cast<int>(QueryNode::Occur::kFilter), clause);
}

Query Query::Boost(double boost) const {
  std::unique_ptr<QueryNode> node = node_->Clone();
  MultiplyBoost(boost, node.get());
  return Query(std::move(node));
}

std::string Query::ToString() const { return node_->ToString(); }

Status ParseQuery(std::string_view text, const QueryLimits& limits, Query* out) {
  std::unique_ptr<QueryNode> parsed;
  TRAWL_RETURN_IF_ERROR(ParseQuery(text, limits, &parsed));
  *out = Query(std::shared_ptr<const QueryNode>(std::move(parsed)));
  return Status::OK();
}

Status ParseQuery(std::string_view text, Query* out) {
  return ParseQuery(text, QueryLimits(), out);
}

}  // namespace trawl

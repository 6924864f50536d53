// trawl::Query (include/trawl/query.h): immutable QueryNode trees shared by copies. Builders
// make the same trees the parser makes, text kept raw, so both run through one executor.
#include "trawl/query.h"

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

// As the parser pushes `(a b)^2` down: only leaves carry boosts.
void MultiplyBoost(double boost, QueryNode* node) {
  if (node->kind != QueryNode::Kind::kBoolean) {
    node->boost *= boost;
    return;
  }
  for (QueryNode::Clause& clause : node->clauses) MultiplyBoost(boost, clause.node.get());
}

Status Validate(const QueryNode& q, int depth) {
  if (depth > kMaxQueryTreeDepth)
    return Status::InvalidArgument("query nested more than " +
                                   std::to_string(kMaxQueryTreeDepth) + " deep");
  if (!std::isfinite(q.boost) || q.boost < 0)
    return Status::InvalidArgument("boost of " + q.ToString() + " must be finite and >= 0");
  if (q.kind == QueryNode::Kind::kPhrase && q.slop > kMaxQuerySlop)
    return Status::InvalidArgument("slop of " + q.ToString() + " must be at most " +
                                   std::to_string(kMaxQuerySlop));
  if (q.kind == QueryNode::Kind::kFuzzy && q.max_edits > kMaxQueryEdits)
    return Status::InvalidArgument("edits of " + q.ToString() + " must be at most " +
                                   std::to_string(kMaxQueryEdits));
  for (const QueryNode::Clause& clause : q.clauses)
    TRAWL_RETURN_IF_ERROR(Validate(*clause.node, depth + 1));
  return Status::OK();
}

}  // namespace

Status ValidateQuery(const QueryNode& query) { return Validate(query, 0); }

Query::Query() : node_(EmptyBoolean()) {}

Query::Query(std::shared_ptr<const QueryNode> node, bool open)
    : node_(std::move(node)), open_(open) {}

Query Query::Term(std::string_view field, std::string_view word) {
  return Query(Leaf(QueryNode::Kind::kTerm, field, word));
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

Status ParseQuery(std::string_view text, Query* out) {
  std::unique_ptr<QueryNode> parsed;
  TRAWL_RETURN_IF_ERROR(ParseQuery(text, &parsed));
  *out = Query(std::shared_ptr<const QueryNode>(std::move(parsed)));
  return Status::OK();
}

}  // namespace trawl

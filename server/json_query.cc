#include "server/json_query.h"

#include <cmath>
#include <set>
#include <string_view>
#include <utility>

namespace trawl::serve {
namespace {

using nlohmann::json;

constexpr char kKinds[] = "bool, term, indexed_term, phrase, prefix, wildcard, fuzzy, range, match, match_all, exists";
// Deep enough for any query a person or a program means; a bound so that a hostile body cannot
// recurse the stack away.
constexpr int kMaxDepth = 32;

// The members of one leaf's object: checks names and types, and says where a problem is.
class Members {
 public:
  Members(const json& object, std::string path) : object_(object), path_(std::move(path)) {}

  // Every member must be one of `allowed`.
  std::string Check(std::initializer_list<std::string_view> allowed) const {
    if (!object_.is_object()) return path_ + ": expected an object";
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      bool known = false;
      for (std::string_view name : allowed) known = known || it.key() == name;
      if (!known) return path_ + "." + it.key() + ": unknown member";
    }
    return std::string();
  }

  bool Has(const char* name) const { return object_.contains(name); }

  // A string member (numbers and booleans as their JSON text: a value of a typed field).
  std::string Text(const char* name, bool required, std::string* out) const {
    const auto it = object_.find(name);
    if (it == object_.end()) {
      return required ? path_ + ": missing \"" + name + "\"" : std::string();
    }
    if (it->is_string()) {
      *out = it->get<std::string>();
    } else if (it->is_number() || it->is_boolean()) {
      *out = it->dump();
    } else {
      return path_ + "." + name + ": expected a string";
    }
    return std::string();
  }

  std::string Whole(const char* name, uint32_t max, uint32_t* out) const {
    const auto it = object_.find(name);
    if (it == object_.end()) return std::string();
    if (!it->is_number_unsigned() || it->get<uint64_t>() > max) {
      return path_ + "." + name + ": expected a whole number from 0 to " + std::to_string(max);
    }
    *out = static_cast<uint32_t>(it->get<uint64_t>());
    return std::string();
  }

 private:
  const json& object_;
  const std::string path_;
};

std::string Build(const json& node, const std::string& path, int depth, Query* out);

// One clause list of a bool: an array of queries, or one query.
std::string Clauses(const json& list, const std::string& path, int depth,
                    Query (Query::*add)(const Query&) const, Query* boolean) {
  const bool array = list.is_array();
  if (!array && !list.is_object()) return path + ": expected an array of queries";
  for (size_t i = 0; i < (array ? list.size() : 1); ++i) {
    const std::string at = array ? path + "[" + std::to_string(i) + "]" : path;
    Query clause;
    std::string error = Build(array ? list[i] : list, at, depth + 1, &clause);
    if (!error.empty()) return error;
    *boolean = (boolean->*add)(clause);
  }
  return std::string();
}

std::string BuildBool(const json& body, const std::string& path, int depth, Query* out) {
  if (!body.is_object()) return path + ": expected an object of must, should, must_not, filter";
  Query boolean = Query::Boolean();
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string at = path + "." + it.key();
    std::string error;
    if (it.key() == "must") {
      error = Clauses(*it, at, depth, &Query::Must, &boolean);
    } else if (it.key() == "should") {
      error = Clauses(*it, at, depth, &Query::Should, &boolean);
    } else if (it.key() == "must_not") {
      error = Clauses(*it, at, depth, &Query::MustNot, &boolean);
    } else if (it.key() == "filter") {
      error = Clauses(*it, at, depth, &Query::Filter, &boolean);
    } else if (it.key() != "boost") {
      error = at + ": unknown member (expected must, should, must_not, filter, boost)";
    }
    if (!error.empty()) return error;
  }
  *out = std::move(boolean);
  return std::string();
}

std::string BuildLeaf(const std::string& kind, const json& body, const std::string& path,
                      Query* out) {
  const Members m(body, path);
  std::string field, value, error;
  if (kind == "match_all") {
    error = m.Check({"boost"});
    if (error.empty()) *out = Query::MatchAll();
    return error;
  }
  if (kind == "term" || kind == "prefix" || kind == "exists") {
    const bool exists = kind == "exists";
    error = exists ? m.Check({"field", "boost"}) : m.Check({"field", "value", "boost"});
    if (error.empty()) error = m.Text("field", exists, &field);
    if (error.empty() && !exists) error = m.Text("value", true, &value);
    if (!error.empty()) return error;
    *out = kind == "term" ? Query::Term(field, value)
           : exists       ? Query::Exists(field)
                          : Query::Prefix(field, value);
    return std::string();
  }
  if (kind == "indexed_term") {
    error = m.Check({"field", "term", "boost"});
    if (error.empty()) error = m.Text("field", true, &field);
    if (error.empty()) error = m.Text("term", true, &value);
    if (!error.empty()) return error;
    *out = Query::IndexedTerm(field, value);
    return std::string();
  }
  if (kind == "phrase" || kind == "match") {
    const bool phrase = kind == "phrase";
    uint32_t slop = 0;
    error = phrase ? m.Check({"field", "text", "slop", "boost"}) : m.Check({"field", "text", "boost"});
    if (error.empty()) error = m.Text("field", false, &field);
    if (error.empty()) error = m.Text("text", true, &value);
    if (error.empty()) error = m.Whole("slop", 1000, &slop);
    if (!error.empty()) return error;
    *out = phrase ? Query::Phrase(field, value, slop) : Query::Match(field, value);
    return std::string();
  }
  if (kind == "wildcard") {
    error = m.Check({"field", "pattern", "boost"});
    if (error.empty()) error = m.Text("field", false, &field);
    if (error.empty()) error = m.Text("pattern", true, &value);
    if (error.empty()) *out = Query::Wildcard(field, value);
    return error;
  }
  if (kind == "fuzzy") {
    uint32_t edits = 2;
    error = m.Check({"field", "value", "max_edits", "boost"});
    if (error.empty()) error = m.Text("field", false, &field);
    if (error.empty()) error = m.Text("value", true, &value);
    if (error.empty()) error = m.Whole("max_edits", 2, &edits);
    if (error.empty()) *out = Query::Fuzzy(field, value, edits);
    return error;
  }
  if (kind == "range") {
    // Elasticsearch's bound names: gte/gt and lte/lt; a missing side is open.
    std::string lower, upper;
    error = m.Check({"field", "gte", "gt", "lte", "lt", "boost"});
    if (error.empty()) error = m.Text("field", true, &field);
    if (error.empty() && m.Has("gte") && m.Has("gt")) error = path + ": give gte or gt, not both";
    if (error.empty() && m.Has("lte") && m.Has("lt")) error = path + ": give lte or lt, not both";
    if (error.empty()) error = m.Text(m.Has("gt") ? "gt" : "gte", false, &lower);
    if (error.empty()) error = m.Text(m.Has("lt") ? "lt" : "lte", false, &upper);
    if (!error.empty()) return error;
    *out = Query::Range(field, lower, upper, !m.Has("gt"), !m.Has("lt"));
    return std::string();
  }
  return path + ": unknown query '" + kind + "' (expected one of " + kKinds + ")";
}

std::string Build(const json& node, const std::string& path, int depth, Query* out) {
  if (depth > kMaxDepth) return path + ": nested deeper than " + std::to_string(kMaxDepth);
  if (!node.is_object() || node.size() != 1) {
    return path + ": expected an object with one member, the kind of query (" + kKinds + ")";
  }
  const std::string kind = node.begin().key();
  const json& body = node.begin().value();
  const std::string at = path + "." + kind;
  std::string error = kind == "bool" ? BuildBool(body, at, depth, out) : BuildLeaf(kind, body, at, out);
  if (!error.empty()) return error;
  if (body.is_object() && body.contains("boost")) {
    const json& boost = body["boost"];
    if (!boost.is_number() || !(boost.get<double>() >= 0) || !std::isfinite(boost.get<double>())) {
      return at + ".boost: expected a number >= 0";
    }
    *out = out->Boost(boost.get<double>());
  }
  return std::string();
}

}  // namespace

std::string QueryFromJson(const nlohmann::json& node, const std::string& path, Query* out) {
  return Build(node, path, 0, out);
}

}  // namespace trawl::serve

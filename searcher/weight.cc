#include "searcher/weight.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/roaring_count.h"
#include "format/segment_format.h"
#include "searcher/explain.h"
#include "searcher/query/bitmap.h"
#include "searcher/query/bm25f.h"
#include "searcher/query/boolean.h"
#include "searcher/query/multiterm.h"
#include "searcher/query/phrase.h"
#include "searcher/query/proximity.h"
#include "searcher/query/term.h"
#include "searcher/query/typed.h"

namespace trawl {

namespace {

// Matches nothing: query words that analyze to no token, fields no document has.
class EmptyWeight final : public Weight {
 public:
  Status MakeScorer(size_t, std::unique_ptr<Scorer>* out) const override {
    out->reset();
    return Status::OK();
  }
  void CollectTerms(std::unordered_set<std::string>*) const override {}
  bool IsEmpty() const override { return true; }
};

// The names of the fields a query word without `field:` searches: every text field, not the
// id. Iterated in place over index.fields, for each leaf without a copy. (Not a std::views
// filter: clang 14 cannot compile libstdc++ 12's.)
class DefaultFields {
 public:
  explicit DefaultFields(const IndexContext& index)
      : begin_(index.fields.data()), end_(index.fields.data() + index.fields.size()) {}
  class Iterator {
   public:
    Iterator(const FieldInfo* at, const FieldInfo* end) : at_(at), end_(end) { SkipOthers(); }
    const std::string& operator*() const { return at_->name; }
    Iterator& operator++() {
      ++at_;
      SkipOthers();
      return *this;
    }
    bool operator!=(const Iterator& other) const { return at_ != other.at_; }

   private:
    void SkipOthers() {
      while (at_ != end_ && (at_->name == kIdField || at_->type != FieldType::kText)) ++at_;
    }
    const FieldInfo* at_;
    const FieldInfo* end_;
  };
  Iterator begin() const { return Iterator(begin_, end_); }
  Iterator end() const { return Iterator(end_, end_); }

 private:
  const FieldInfo* begin_;
  const FieldInfo* end_;
};

std::unique_ptr<Weight> AnyOf(const IndexContext& index, std::vector<std::unique_ptr<Weight>> ws) {
  std::erase_if(ws, [](const auto& w) { return w->IsEmpty(); });
  if (ws.empty()) return std::make_unique<EmptyWeight>();
  if (ws.size() == 1) return std::move(ws.front());
  return NewBooleanWeight(index, std::vector<std::unique_ptr<Weight>>{}, std::move(ws),
                          std::vector<std::unique_ptr<Weight>>{});
}

struct AnalyzedTerm {
  std::string text;
  uint32_t position;
};

std::vector<AnalyzedTerm> AnalyzeWords(Analyzer& analyzer, std::string_view text) {
  std::vector<AnalyzedTerm> out;
  analyzer.Analyze(text, [&](const Token& t) { out.push_back({std::string(t.term), t.position}); });
  return out;
}

// The analyzer of words searched in `field`: the field's own, or the index's.
Status AnalyzerOf(const IndexContext& index, FieldAnalyzers& analyzers, const std::string& field,
                  Analyzer** out) {
  const Schema::Field* f = index.schema != nullptr ? index.schema->Find(field) : nullptr;
  return analyzers.For(field, f != nullptr ? &f->spec : nullptr, out);
}

// A word of a query as one field's analyzer makes it.
struct FieldTerm {
  std::string field;
  std::string term;
};

// One term of a field that has postings (index.Field(field) is not null).
Status TermWeightInField(const IndexContext& index, const std::string& field,
                         const std::string& term, double boost, std::unique_ptr<Weight>* out) {
  TermInSegments entries;
  TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, term, &entries));
  if (entries.doc_freq == 0) {
    *out = std::make_unique<EmptyWeight>();
  } else {
    *out = NewTermWeight(index, field, term, std::move(entries), boost);
  }
  return Status::OK();
}

// A term or phrase in one field, from already-analyzed terms, its scores multiplied by `boost`.
Status TermsWeightInField(const IndexContext& index, const std::string& field,
                          const std::vector<AnalyzedTerm>& terms, uint32_t slop, double boost,
                          std::unique_ptr<Weight>* out) {
  if (index.Field(field) == nullptr || terms.empty()) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  if (terms.size() == 1) return TermWeightInField(index, field, terms[0].text, boost, out);
  double idf_sum = 0;
  const FieldInfo& f = *index.Field(field);
  std::vector<PhraseTerm> phrase;
  const uint32_t base = terms.front().position;
  // Every term is looked up, even after one that no document has: over shards on several
  // machines, the statistics phase (IndexContext::recorded) must see each term in every shard.
  bool all_found = true;
  for (const AnalyzedTerm& t : terms) {
    TermInSegments entries;
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, t.text, &entries));
    if (entries.doc_freq == 0) all_found = false;
    if (!all_found) continue;
    idf_sum += Bm25::Idf(IndexContext::DocCount(f), entries.doc_freq);
    phrase.push_back({t.text, t.position - base, std::move(entries)});
  }
  if (!all_found) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  *out = NewPhraseWeight(index, field, std::move(phrase), slop, idf_sum, boost);
  return Status::OK();
}

// A word in every default field as one BM25F term, given as the term each field's analyzer
// makes of it (fields whose analyzer makes none are left out); an EmptyWeight if no field has
// its term.
Status Bm25fWeight(const IndexContext& index, const std::vector<FieldTerm>& field_terms,
                   double boost, std::unique_ptr<Weight>* out) {
  std::vector<Bm25fFieldTerm> fields;
  uint64_t n = 0, max_df = 0;
  for (const std::string& name : DefaultFields(index))
    n = std::max<uint64_t>(n, IndexContext::DocCount(*index.Field(name)));
  // What explanations call the word: its term, or its terms joined by '/' when fields differ.
  std::vector<std::string> distinct;
  for (const FieldTerm& f : field_terms)
    if (std::find(distinct.begin(), distinct.end(), f.term) == distinct.end())
      distinct.push_back(f.term);
  std::string shown;
  for (const std::string& term : distinct) shown += (shown.empty() ? "" : "/") + term;
  for (const auto& [name, term] : field_terms) {
    const FieldInfo& info = *index.Field(name);
    TermInSegments entries;
    TRAWL_RETURN_IF_ERROR(index.LookUpTerm(name, term, &entries));
    if (entries.doc_freq == 0) continue;
    max_df = std::max(max_df, entries.doc_freq);
    Bm25fField params;
    params.weight = index.FieldWeight(name);
    params.b = index.FieldB(name);
    params.avgdl = IndexContext::AverageLength(info);
    fields.push_back({name, term, params, std::move(entries)});
  }
  if (fields.empty()) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  *out = NewBm25fTermWeight(index, std::move(shown), std::move(fields), n, max_df, boost);
  return Status::OK();
}

// A term, phrase, prefix, wildcard or fuzzy word in one field, analyzed by the field's
// analyzer. Prefixes, wildcards and fuzzy words are case-folded (and ASCII-folded if the field
// folds), not analyzed (as Lucene's): a stemmer cannot know what `*` stands for, and a fuzzy
// word reaches its inflections by distance.
// *no_term: a term or phrase of a text field that its analyzer makes no term of (stop words,
// punctuation); its weight is then empty. A typed field's value is never analyzed, and an id
// is verbatim, so neither is ever without a term.
Status LeafWeightInField(const QueryNode& q, const IndexContext& index, FieldAnalyzers& analyzers,
                         const std::string& field, std::unique_ptr<Weight>* out, bool* no_term) {
  *no_term = false;
  const bool multi_term = q.kind == QueryNode::Kind::kPrefix ||
                          q.kind == QueryNode::Kind::kWildcard || q.kind == QueryNode::Kind::kFuzzy;
  // Typed fields are searched by value: a quoted value is one value, never a phrase.
  const Schema::Field* typed = index.TypedField(field);
  if (typed != nullptr && !multi_term)
    return NewTypedTermWeight(index, *typed, q.text, q.boost, out);
  if (typed != nullptr && typed->spec.type != FieldType::kKeyword) {
    return Status::InvalidArgument("field '" + field + "' is " +
                                   std::string(FieldTypeName(typed->spec.type)) +
                                   ": prefix, wildcard and fuzzy queries need a text or keyword field");
  }
  Analyzer* analyzer = nullptr;
  if (typed == nullptr && field != kIdField)
    TRAWL_RETURN_IF_ERROR(AnalyzerOf(index, analyzers, field, &analyzer));
  if (multi_term) {
    // Ids and keywords are indexed verbatim (keywords lowered when their field says so).
    std::string word;
    if (typed != nullptr) {
      word = q.text;
      if (typed->spec.lowercase)
        for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      word = field == kIdField ? q.text : analyzer->Fold(q.text);
    }
    // Expansions are counted as the terms are enumerated; the error names the word.
    const ExpansionLimit expansion_limit{q.column, q.ToString()};
    if (index.Field(field) == nullptr) {
      *out = std::make_unique<EmptyWeight>();
    } else if (q.kind == QueryNode::Kind::kPrefix) {
      *out = NewPrefixWeight(index, field, std::move(word), q.boost, expansion_limit);
    } else if (q.kind == QueryNode::Kind::kWildcard) {
      *out = NewWildcardWeight(index, field, std::move(word), q.boost, expansion_limit);
    } else {
      TRAWL_RETURN_IF_ERROR(
          NewFuzzyWeight(index, field, word, q.max_edits, q.boost, out, expansion_limit));
      if (*out == nullptr) *out = std::make_unique<EmptyWeight>();
    }
    return Status::OK();
  }
  // Ids are indexed verbatim, not analyzed.
  if (field == kIdField) return TermsWeightInField(index, field, {{q.text, 0}}, 0, q.boost, out);
  std::vector<AnalyzedTerm> terms = AnalyzeWords(*analyzer, q.text);
  if (terms.empty()) {
    *no_term = true;
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  // A phrase's candidates are checked term by term, each reading positions: its cost grows
  // with its length (and repeated terms make it grow faster).
  if (terms.size() > index.limits.max_phrase_terms) {
    return QueryLimitError(q.column,
                           "a phrase of " + std::to_string(terms.size()) + " terms in field '" +
                               field + "', more than " +
                               std::to_string(index.limits.max_phrase_terms),
                           "max_phrase_terms");
  }
  return TermsWeightInField(index, field, terms, q.slop, q.boost, out);
}

// An indexed term in one field, not analyzed: the term of a text or id field as given, a
// keyword field's term as its value is indexed. Other typed fields' terms are encoded values,
// which no caller writes by hand: their values are searched with field:value or a range.
Status IndexedTermWeightInField(const QueryNode& q, const IndexContext& index,
                                const std::string& field, std::unique_ptr<Weight>* out) {
  const Schema::Field* typed = index.TypedField(field);
  if (typed == nullptr) {
    if (index.Field(field) == nullptr) {
      *out = std::make_unique<EmptyWeight>();
      return Status::OK();
    }
    return TermWeightInField(index, field, q.text, q.boost, out);
  }
  if (typed->spec.type == FieldType::kKeyword)
    return NewKeywordTermWeight(index, *typed, q.text, q.boost, out);
  return Status::InvalidArgument(
      "field '" + field + "' is " + std::string(FieldTypeName(typed->spec.type)) +
      ": an indexed term (" + q.ToString() +
      ") needs a text, keyword or id field; search its values with field:value or a range");
}

// A leaf's weight. *dropped: a term or phrase that analyzes to no term at all, by its field's
// analyzer, or without a field by every default field's. Lucene's QueryParser leaves such a
// clause out of its query, so it neither matches nor constrains; a word that analyzes to a term
// no document has is a clause that matches nothing, which is different. Only text is analyzed:
// prefixes, wildcards and fuzzy words, ids and typed fields' values are always clauses.
Status CreateLeafWeight(const QueryNode& q, const IndexContext& index, FieldAnalyzers& analyzers,
                        std::unique_ptr<Weight>* out, bool* dropped) {
  *dropped = false;
  if (!q.field.empty()) return LeafWeightInField(q, index, analyzers, q.field, out, dropped);
  if (index.bm25f && q.kind == QueryNode::Kind::kTerm) {
    // BM25F combines one term per field; a word some field's analyzer splits in several (a
    // phrase there) is searched field by field below instead.
    std::vector<FieldTerm> field_terms;
    bool one_term_each = true;
    for (const std::string& field : DefaultFields(index)) {
      Analyzer* analyzer;
      TRAWL_RETURN_IF_ERROR(AnalyzerOf(index, analyzers, field, &analyzer));
      std::vector<AnalyzedTerm> terms = AnalyzeWords(*analyzer, q.text);
      if (terms.size() > 1) {
        one_term_each = false;
        break;
      }
      if (terms.size() == 1) field_terms.push_back({field, std::move(terms[0].text)});
    }
    if (one_term_each && !field_terms.empty()) return Bm25fWeight(index, field_terms, q.boost, out);
  }
  std::vector<std::unique_ptr<Weight>> per_field;
  bool no_term_anywhere = true;
  for (const std::string& field : DefaultFields(index)) {
    std::unique_ptr<Weight> w;
    bool no_term;
    TRAWL_RETURN_IF_ERROR(LeafWeightInField(q, index, analyzers, field, &w, &no_term));
    no_term_anywhere = no_term_anywhere && no_term;
    per_field.push_back(std::move(w));
  }
  const bool analyzed = q.kind == QueryNode::Kind::kTerm || q.kind == QueryNode::Kind::kPhrase;
  if (per_field.empty()) {
    // No text field to search: the index's analyzer says whether the words are any.
    *dropped = analyzed && AnalyzeWords(analyzers.Default(), q.text).empty();
  } else {
    *dropped = analyzed && no_term_anywhere;
  }
  *out = AnyOf(index, std::move(per_field));
  return Status::OK();
}

}  // namespace

Status Weight::MatchBitmap(size_t seg, roaring_bitmap_t** out) const {
  std::unique_ptr<Scorer> scorer;
  TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &scorer));
  RoaringPtr result(roaring_bitmap_create());
  if (scorer) {
    std::vector<uint32_t> docs;
    for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) docs.push_back(d);
    roaring_bitmap_add_many(result.get(), docs.size(), docs.data());
  }
  *out = result.release();
  return Status::OK();
}

Status Weight::Explain(size_t seg, uint32_t doc, std::vector<Explanation>* out) const {
  std::unique_ptr<Scorer> s;
  TRAWL_RETURN_IF_ERROR(MakeScorer(seg, &s));
  if (!s || s->Advance(doc) != doc) return Status::OK();
  out->push_back(Explained(s->Score(), "(constant score)"));
  return Status::OK();
}

Status Weight::CountInSegment(size_t seg, const DeletedDocs& deleted, uint64_t* count) const {
  if (deleted.bitmap != nullptr) {
    PostingSets sets;
    bool found;
    TRAWL_RETURN_IF_ERROR(PostingSetsInSegment(seg, &sets, &found));
    if (found) {
      *count = sets.Count(deleted.view);
      return Status::OK();
    }
  }
  roaring_bitmap_t* bm = nullptr;
  TRAWL_RETURN_IF_ERROR(MatchBitmap(seg, &bm));
  *count = deleted.bitmap != nullptr ? roaring_bitmap_andnot_cardinality(bm, deleted.bitmap)
                                     : roaring_bitmap_get_cardinality(bm);
  roaring_bitmap_free(bm);
  return Status::OK();
}

Status AddProximity(const QueryNode& query, const IndexContext& index, FieldAnalyzers& analyzers,
                    std::unique_ptr<Weight>* weight) {
  if (!(index.proximity > 0) || (*weight)->IsEmpty()) return Status::OK();
  if (query.kind != QueryNode::Kind::kBoolean) return Status::OK();
  for (const auto& clause : query.clauses) {
    const QueryNode& node = *clause.node;
    // A boosted word says how much it counts; pairs of words know no boost to give it.
    if (clause.occur != QueryNode::Occur::kShould || node.kind != QueryNode::Kind::kTerm ||
        !node.field.empty() || node.boost != 1)
      return Status::OK();
  }
  std::vector<std::unique_ptr<Weight>> should;
  for (const std::string& field : DefaultFields(index)) {
    // The words as this field's analyzer makes them: fields may stem or fold differently.
    Analyzer* analyzer;
    TRAWL_RETURN_IF_ERROR(AnalyzerOf(index, analyzers, field, &analyzer));
    std::vector<std::string> words;                // distinct, in query order
    std::vector<std::pair<size_t, size_t>> pairs;  // by index in words, smaller first
    size_t previous = SIZE_MAX;
    for (const auto& clause : query.clauses) {
      // A word that analyzes to no term (a stop word) or to several (a phrase, scored as one)
      // takes no part, and its neighbours count as adjacent.
      std::vector<AnalyzedTerm> terms = AnalyzeWords(*analyzer, clause.node->text);
      if (terms.size() != 1) continue;
      const size_t at = std::find(words.begin(), words.end(), terms[0].text) - words.begin();
      if (at == words.size()) words.push_back(std::move(terms[0].text));
      if (previous != SIZE_MAX && previous != at) {
        const std::pair<size_t, size_t> pair(std::min(previous, at), std::max(previous, at));
        if (std::find(pairs.begin(), pairs.end(), pair) == pairs.end()) pairs.push_back(pair);
      }
      previous = at;
    }
    if (pairs.empty()) continue;
    const FieldInfo& info = *index.Field(field);
    // The words this field has, and their idf in it.
    std::vector<size_t> slot(words.size(), SIZE_MAX);
    std::vector<std::string> present;
    std::vector<double> idf;
    for (size_t i = 0; i < words.size(); ++i) {
      TermInSegments entries;
      TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field, words[i], &entries));
      if (entries.doc_freq == 0) continue;
      slot[i] = present.size();
      present.push_back(words[i]);
      idf.push_back(Bm25::Idf(IndexContext::DocCount(info), entries.doc_freq));
    }
    // Only words with a partner here: a cursor on any other would find co-occurrences that
    // cannot score.
    std::vector<size_t> paired;  // indexes into present
    for (const auto& [i, j] : pairs) {
      if (slot[i] == SIZE_MAX || slot[j] == SIZE_MAX) continue;
      for (size_t k : {slot[i], slot[j]})
        if (std::find(paired.begin(), paired.end(), k) == paired.end()) paired.push_back(k);
    }
    if (paired.empty()) continue;
    std::sort(paired.begin(), paired.end());
    const size_t n = paired.size();
    std::vector<std::string> terms;
    for (size_t k : paired) terms.push_back(present[k]);
    std::vector<double> pair_weight(n * n, 0.0);
    for (const auto& [i, j] : pairs) {
      if (slot[i] == SIZE_MAX || slot[j] == SIZE_MAX) continue;
      const size_t a = std::lower_bound(paired.begin(), paired.end(), slot[i]) - paired.begin();
      const size_t b = std::lower_bound(paired.begin(), paired.end(), slot[j]) - paired.begin();
      pair_weight[a * n + b] = pair_weight[b * n + a] =
          index.proximity * (idf[slot[i]] + idf[slot[j]]) / 2;
    }
    should.push_back(NewProximityWeight(index, field, std::move(terms), std::move(pair_weight)));
  }
  if (should.empty()) return Status::OK();
  // Siblings of the words in one disjunction, so that the collector's MaxScore runs over the
  // words' clauses and the proximity clauses together (the boolean weight flattens nested ones).
  should.insert(should.begin(), std::move(*weight));
  *weight = NewBooleanWeight(index, std::vector<std::unique_ptr<Weight>>{}, std::move(should),
                             std::vector<std::unique_ptr<Weight>>{});
  return Status::OK();
}

namespace {

// What makes two leaves the same query, whatever their boosts: every member a leaf kind reads
// (query.h).
bool SameLeaf(const QueryNode& a, const QueryNode& b) {
  return a.kind == b.kind && a.field == b.field && a.text == b.text && a.lower == b.lower &&
         a.upper == b.upper && a.slop == b.slop && a.max_edits == b.max_edits &&
         a.lower_inclusive == b.lower_inclusive && a.upper_inclusive == b.upper_inclusive;
}

// Equal for leaves that are SameLeaf (it hashes a subset of what SameLeaf compares).
size_t LeafHash(const QueryNode& q) {
  const std::hash<std::string_view> hash;
  size_t h = static_cast<size_t>(q.kind);
  for (const std::string* part : {&q.field, &q.text, &q.lower, &q.upper})
    h = h * 0x9E3779B97F4A7C15ull + hash(*part);
  return h;
}

// The clauses of a boolean query with repeated leaves merged, as Lucene's BooleanQuery.rewrite
// does: an optional or required leaf that occurs again in the same role is one clause whose
// boost is the sum of theirs (every leaf's score is proportional to its boost, so the sum of
// the scores is the same), and a repeated exclusion or filter is one. `a* b* a* b* ...`
// thousands of times is then two expansions, not thousands. Clauses keep the place of their
// first occurrence. *merged holds the nodes made here; the rest point into `q`.
std::vector<std::pair<QueryNode::Occur, const QueryNode*>> DistinctClauses(
    const QueryNode& q, std::vector<std::unique_ptr<QueryNode>>* merged) {
  std::vector<std::pair<QueryNode::Occur, const QueryNode*>> out;
  out.reserve(q.clauses.size());
  if (q.clauses.size() < 2) {
    for (const auto& clause : q.clauses) out.emplace_back(clause.occur, clause.node.get());
    return out;
  }
  // A query a person types has a few clauses: comparing each with the earlier ones costs less
  // than hashing them, and allocates nothing. Generated queries with many clauses are hashed,
  // so that merging stays linear in their number.
  constexpr size_t kCompareAllBelow = 16;
  const bool hashed = q.clauses.size() >= kCompareAllBelow;
  std::unordered_multimap<size_t, size_t> by_hash;  // leaf hash -> its place in `out`
  std::vector<double> boost;                        // parallel to `out`
  boost.reserve(q.clauses.size());
  auto earlier = [&](QueryNode::Occur occur, const QueryNode& node) -> size_t {
    auto same = [&](size_t i) {
      const QueryNode& other = *out[i].second;
      return out[i].first == occur && other.kind != QueryNode::Kind::kBoolean &&
             other.kind != QueryNode::Kind::kMatch && SameLeaf(other, node);
    };
    if (!hashed) {
      for (size_t i = 0; i < out.size(); ++i)
        if (same(i)) return i;
      return out.size();
    }
    const auto [begin, end] = by_hash.equal_range(LeafHash(node));
    for (auto it = begin; it != end; ++it)
      if (same(it->second)) return it->second;
    return out.size();
  };
  auto keep = [&](QueryNode::Occur occur, const QueryNode& node, bool leaf) {
    if (hashed && leaf) by_hash.emplace(LeafHash(node), out.size());
    out.emplace_back(occur, &node);
    boost.push_back(node.boost);
  };
  for (const auto& clause : q.clauses) {
    const QueryNode& node = *clause.node;
    if (node.kind == QueryNode::Kind::kBoolean || node.kind == QueryNode::Kind::kMatch) {
      keep(clause.occur, node, /*leaf=*/false);
      continue;
    }
    const size_t first = earlier(clause.occur, node);
    if (first == out.size()) {
      keep(clause.occur, node, /*leaf=*/true);
      continue;
    }
    const bool scored =
        clause.occur == QueryNode::Occur::kShould || clause.occur == QueryNode::Occur::kMust;
    // Boosts are finite; a sum that is not is left as separate clauses.
    if (!scored) continue;
    if (!std::isfinite(boost[first] + node.boost)) {
      // Not hashed again: a later repeat merges with the first occurrence.
      out.emplace_back(clause.occur, &node);
      boost.push_back(node.boost);
      continue;
    }
    boost[first] += node.boost;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (boost[i] == out[i].second->boost) continue;
    merged->push_back(out[i].second->Clone());
    merged->back()->boost = boost[i];
    out[i].second = merged->back().get();
  }
  return out;
}

// CreateWeight, also telling whether `q` was left out as a whole (*dropped): a leaf that
// analyzes to no term, or a group whose clauses all were.
Status CreateWeightOrDrop(const QueryNode& q, const IndexContext& index, FieldAnalyzers& analyzers,
                          std::unique_ptr<Weight>* out, bool* dropped) {
  *dropped = false;
  switch (q.kind) {
    case QueryNode::Kind::kMatchAll:
      *out = NewMatchAllWeight(index, q.boost);
      return Status::OK();
    case QueryNode::Kind::kRange:
    case QueryNode::Kind::kExists:
      return CreateTypedWeight(q, index, out);
    case QueryNode::Kind::kTerm:
    case QueryNode::Kind::kPhrase:
    case QueryNode::Kind::kPrefix:
    case QueryNode::Kind::kWildcard:
    case QueryNode::Kind::kFuzzy:
      return CreateLeafWeight(q, index, analyzers, out, dropped);
    case QueryNode::Kind::kIndexedTerm:
      if (q.field.empty()) {
        return Status::InvalidArgument("an indexed term (" + q.ToString() +
                                       ") needs a field: field:=term");
      }
      return IndexedTermWeightInField(q, index, q.field, out);
    case QueryNode::Kind::kMatch: {
      std::unique_ptr<QueryNode> words;
      TRAWL_RETURN_IF_ERROR(ExpandMatches(q, index, analyzers, &words));
      return CreateWeightOrDrop(*words, index, analyzers, out, dropped);
    }
    case QueryNode::Kind::kBoolean:
      break;
  }
  std::vector<std::unique_ptr<Weight>> must, should, must_not;
  // Sized once: a query's weights are made at every search.
  size_t num_must = 0, num_should = 0, num_must_not = 0;
  for (const auto& clause : q.clauses) {
    switch (clause.occur) {
      case QueryNode::Occur::kMust:
      case QueryNode::Occur::kFilter:
        ++num_must;
        break;
      case QueryNode::Occur::kShould:
        ++num_should;
        break;
      case QueryNode::Occur::kMustNot:
        ++num_must_not;
        break;
    }
  }
  must.reserve(num_must);
  should.reserve(num_should);
  must_not.reserve(num_must_not);
  // A positive clause is a required or optional one that was not left out. With any, the query
  // matches only through them, even when none can match anywhere; with none but negations, it
  // is purely negative (every document but those).
  bool has_positive = false;
  bool required_clause_empty = false;
  bool has_negation = false;
  std::vector<std::unique_ptr<QueryNode>> merged;
  for (const auto& [occur, node] : DistinctClauses(q, &merged)) {
    std::unique_ptr<Weight> w;
    bool clause_dropped;
    TRAWL_RETURN_IF_ERROR(CreateWeightOrDrop(*node, index, analyzers, &w, &clause_dropped));
    if (clause_dropped) continue;
    switch (occur) {
      case QueryNode::Occur::kMust:
        has_positive = true;
        // A required clause that matches nowhere makes the conjunction empty.
        if (w->IsEmpty()) required_clause_empty = true;
        must.push_back(std::move(w));
        break;
      case QueryNode::Occur::kShould:
        has_positive = true;
        if (!w->IsEmpty()) should.push_back(std::move(w));
        break;
      case QueryNode::Occur::kMustNot:
        has_negation = true;
        if (!w->IsEmpty()) must_not.push_back(std::move(w));
        break;
      case QueryNode::Occur::kFilter:
        // A required clause that scores nothing: the boolean's rules for required clauses
        // (optional ones then only add to the score) and its MaxScore plan apply unchanged.
        has_positive = true;
        if (w->IsEmpty()) required_clause_empty = true;
        must.push_back(NewFilterClauseWeight(std::move(w)));
        break;
    }
  }
  *dropped = !has_positive && !has_negation;
  if (*dropped || required_clause_empty || (has_positive && must.empty() && should.empty())) {
    *out = std::make_unique<EmptyWeight>();
    return Status::OK();
  }
  if (must.empty() && must_not.empty() && should.size() == 1) {
    *out = std::move(should.front());
    return Status::OK();
  }
  // Without positive clauses, must and should are both empty here: the boolean weight then
  // matches every document the negations (possibly of words no document has) do not.
  *out = NewBooleanWeight(index, std::move(must), std::move(should), std::move(must_not));
  return Status::OK();
}

}  // namespace

Status CreateTypedWeight(const QueryNode& query, const IndexContext& index,
                         std::unique_ptr<Weight>* out) {
  if (query.kind == QueryNode::Kind::kExists) {
    if (query.field.empty())
      return Status::InvalidArgument("'field:*' needs a field name");
    *out = NewExistsWeight(index, query.field, query.boost);
    return Status::OK();
  }
  const Schema::Field* typed = index.TypedField(query.field);
  if (typed == nullptr) {
    out->reset();
    return Status::InvalidArgument("range queries need a typed field: '" + query.field +
                                   "' is " + (index.schema != nullptr && index.schema->Find(query.field) != nullptr
                                                  ? "a text field"
                                                  : "not in the schema"));
  }
  RangeBounds bounds;
  bounds.lower = query.lower;
  bounds.upper = query.upper;
  bounds.lower_inclusive = query.lower_inclusive;
  bounds.upper_inclusive = query.upper_inclusive;
  return NewRangeWeight(index, *typed, bounds, query.boost, out);
}

bool HasMatch(const QueryNode& q) {
  if (q.kind == QueryNode::Kind::kMatch) return true;
  for (const auto& clause : q.clauses)
    if (HasMatch(*clause.node)) return true;
  return false;
}

Status ExpandMatches(const QueryNode& q, const IndexContext& index, FieldAnalyzers& analyzers,
                     std::unique_ptr<QueryNode>* out) {
  if (q.kind == QueryNode::Kind::kBoolean) {
    auto copy = std::make_unique<QueryNode>();
    copy->kind = QueryNode::Kind::kBoolean;
    for (const auto& clause : q.clauses) {
      std::unique_ptr<QueryNode> node;
      TRAWL_RETURN_IF_ERROR(ExpandMatches(*clause.node, index, analyzers, &node));
      copy->clauses.push_back({clause.occur, std::move(node)});
    }
    *out = std::move(copy);
    return Status::OK();
  }
  if (q.kind != QueryNode::Kind::kMatch) {
    *out = q.Clone();
    return Status::OK();
  }
  auto words = std::make_unique<QueryNode>();
  words->kind = QueryNode::Kind::kBoolean;
  auto add_word = [&](std::string_view text) {
    auto term = std::make_unique<QueryNode>();
    term->kind = QueryNode::Kind::kTerm;
    term->field = q.field;
    term->text = std::string(text);
    term->boost = q.boost;
    words->clauses.push_back({QueryNode::Occur::kShould, std::move(term)});
  };
  if (q.field == kIdField || index.TypedField(q.field) != nullptr) {
    // Ids and typed values are not analyzed: the text is one value.
    add_word(q.text);
  } else {
    // Each token's original text, which the term's weight analyzes back into that token. Split
    // by the analyzer the words are searched with: without a field, the index's (a field
    // tokenizing otherwise reads each piece its own way), as SearchOptions::plain_text splits.
    Analyzer* analyzer = &analyzers.Default();
    if (!q.field.empty()) TRAWL_RETURN_IF_ERROR(AnalyzerOf(index, analyzers, q.field, &analyzer));
    const std::string_view text = q.text;
    analyzer->Analyze(text, [&](const Token& token) {
      add_word(text.substr(token.start_byte, token.end_byte - token.start_byte));
    });
  }
  *out = std::move(words);
  return Status::OK();
}

Status CreateWeight(const QueryNode& q, const IndexContext& index, FieldAnalyzers& analyzers,
                    std::unique_ptr<Weight>* out) {
  bool dropped;
  return CreateWeightOrDrop(q, index, analyzers, out, &dropped);
}

}  // namespace trawl

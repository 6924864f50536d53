#include "searcher/query/typed.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <vector>

#include "format/column_reader.h"
#include "format/values.h"
#include "searcher/query/bitmap.h"

namespace trawl {

namespace {

// Enumerating a range's terms beats scanning the column while the range holds few of them
// (a year, a rating, a flag); past this many the column scan takes over where there is one.
constexpr size_t kMaxRangeTerms = 128;

// A set of documents per segment with one score.
class ConstantSetWeight : public ConstantScoreSetWeight {
 public:
  ConstantSetWeight(const IndexContext& index, double score)
      : ConstantScoreSetWeight(score), index_(index) {}
  void CollectTerms(std::unordered_set<std::string>*) const override {}

 protected:
  const IndexContext& index_;
};

// The postings of the terms of field `fid` in [lower, upper] (bytewise; upper empty with
// `open_upper`), OR-ed into *out. *complete is false when more than `limit` terms lie there:
// then nothing is read but the dictionary, *out stays as it was, and the caller scans the
// column instead.
Status UnionTermRange(const SegmentReader& reader, uint32_t fid, const std::string& lower,
                      bool lower_inclusive, const std::string& upper, bool upper_inclusive,
                      bool open_upper, size_t limit, roaring_bitmap_t* out, bool* complete) {
  *complete = true;
  std::vector<TermInfo> terms;
  TRAWL_RETURN_IF_ERROR(reader.ForEachTermFrom(fid, lower, [&](std::string_view term,
                                                               const TermInfo& info) {
    if (!lower_inclusive && term == lower) return true;
    if (!open_upper) {
      const int c = term.compare(upper);
      if (c > 0 || (c == 0 && !upper_inclusive)) return false;
    }
    if (terms.size() == limit) {
      *complete = false;
      return false;
    }
    terms.push_back(info);
    return true;
  }));
  if (!*complete || terms.empty()) return Status::OK();
  for (const TermInfo& info : terms) {
    RoaringView docids;
    TRAWL_RETURN_IF_ERROR(reader.OpenDocids(info, &docids));
    RoaringPtr bm(docids.ToRoaring());
    if (!bm) return Status::Corruption(reader.name() + ".post: damaged docid bitmap");
    roaring_bitmap_or_inplace(out, bm.get());
  }
  return Status::OK();
}

// Documents of `column` with a value in [lo, hi] (sortable keys or ordinals).
void ScanColumn(const Column& column, uint64_t lo, uint64_t hi, roaring_bitmap_t* out) {
  std::vector<uint32_t> docs;
  column.DocsWithValueIn(lo, hi, &docs);
  roaring_bitmap_add_many(out, docs.size(), docs.data());
}

// The same per document, for a filter that checks candidates.
class ColumnRangePredicate final : public DocPredicate {
 public:
  ColumnRangePredicate(const Column& column, uint64_t lo, uint64_t hi)
      : column_(column), lo_(lo), hi_(hi) {}
  bool Matches(uint32_t doc) const override { return column_.HasValueIn(doc, lo_, hi_); }
  void AddMatches(roaring_bitmap_t* out) const override { ScanColumn(column_, lo_, hi_, out); }

 private:
  const Column& column_;
  const uint64_t lo_, hi_;
};

const Column* ColumnOf(const SegmentReader& reader, int fid) {
  if (fid < 0 || reader.columns() == nullptr) return nullptr;
  return reader.columns()->Find(static_cast<uint32_t>(fid));
}

// Inclusive [lo, hi] of sortable keys; false when the range is empty.
struct SortableRange {
  uint64_t lo = 0, hi = std::numeric_limits<uint64_t>::max();
};

bool DateOnly(std::string_view text) {
  return text.size() == 10 && text[4] == '-' && text[7] == '-' &&
         std::all_of(text.begin(), text.end(), [](char c) { return c == '-' || std::isdigit(static_cast<unsigned char>(c)); });
}

// One bound of a numeric range as an inclusive sortable key; `lower` says which end. False
// with *empty set when no value can satisfy it; InvalidArgument for text that is no value.
Status NumericBound(const Schema::Field& field, const std::string& text, bool lower,
                    bool inclusive, uint64_t* out, bool* empty) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const FieldType type = field.spec.type;
  uint64_t s = 0;
  if (!ParseQueryValue(type, text, &s)) {
    double x;
    // An int field bounded by a fraction: the nearest ints inside the range.
    if (type == FieldType::kInt && ParseQueryValue(FieldType::kFloat, text, &s) &&
        std::isfinite(x = FloatFromSortable(s))) {
      const double v = lower ? (inclusive ? std::ceil(x) : std::floor(x) + 1)
                             : (inclusive ? std::floor(x) : std::ceil(x) - 1);
      constexpr double kTwo63 = 9223372036854775808.0;
      if (v >= kTwo63 || v < -kTwo63) {
        // Beyond every int64: the bound excludes all values or none.
        *empty = (v >= kTwo63) == lower;
        *out = lower ? 0 : std::numeric_limits<uint64_t>::max();
        return Status::OK();
      }
      *out = SortableFromInt(static_cast<int64_t>(v));
      return Status::OK();
    }
    return Status::InvalidArgument("field '" + field.name + "': \"" + text + "\" is not " +
                                   (type == FieldType::kInt ? "an " : "a ") +
                                   std::string(FieldTypeName(type)));
  }
  // A date without a time stands for its whole day where that widens what is written.
  if (type == FieldType::kDate && DateOnly(text) && (lower != inclusive)) {
    constexpr uint64_t kDayMinus1 = 86400000 - 1;
    s = s > kMax - kDayMinus1 ? kMax : s + kDayMinus1;
  }
  if (!inclusive) {
    if (lower) {
      if (s == kMax) {
        *empty = true;
        return Status::OK();
      }
      ++s;
    } else {
      if (s == 0) {
        *empty = true;
        return Status::OK();
      }
      --s;
    }
  }
  *out = s;
  return Status::OK();
}

Status ResolveNumericRange(const Schema::Field& field, const RangeBounds& b, SortableRange* out,
                           bool* empty) {
  *empty = false;
  if (!b.lower.empty())
    TRAWL_RETURN_IF_ERROR(NumericBound(field, b.lower, true, b.lower_inclusive, &out->lo, empty));
  if (!*empty && !b.upper.empty())
    TRAWL_RETURN_IF_ERROR(NumericBound(field, b.upper, false, b.upper_inclusive, &out->hi, empty));
  if (out->lo > out->hi) *empty = true;
  return Status::OK();
}

// Numbers, dates and bools within inclusive sortable bounds.
class NumericRangeWeight final : public ConstantSetWeight {
 public:
  NumericRangeWeight(const IndexContext& index, std::string field, SortableRange range,
                     double score)
      : ConstantSetWeight(index, score), field_(std::move(field)), range_(range) {}
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    std::unique_ptr<DocPredicate> scan;
    TRAWL_RETURN_IF_ERROR(FilterInSegment(seg, out, &scan));
    if (scan != nullptr) {
      *out = roaring_bitmap_create();
      scan->AddMatches(*out);
    }
    return Status::OK();
  }

  // A range of few terms is the union of their lists; past that, the column decides, document
  // by document.
  Status FilterInSegment(size_t seg, roaring_bitmap_t** bitmap,
                         std::unique_ptr<DocPredicate>* predicate) const override {
    *bitmap = nullptr;
    predicate->reset();
    const SegmentReader& reader = *index_.segments[seg];
    RoaringPtr result(roaring_bitmap_create());
    const int fid = reader.FieldId(field_);
    const Column* column = ColumnOf(reader, fid);
    bool complete = false;
    if (fid >= 0 && reader.fields()[fid].type != FieldType::kText) {
      // Terms exist when the field is indexed.
      const bool single = range_.lo == range_.hi;
      TRAWL_RETURN_IF_ERROR(UnionTermRange(
          reader, static_cast<uint32_t>(fid), SortableTerm(range_.lo), true,
          SortableTerm(range_.hi), true, false,
          column == nullptr || single ? std::numeric_limits<size_t>::max() : kMaxRangeTerms,
          result.get(), &complete));
      // Past the term limit, or a field with a column but no terms (indexed: false).
      if (column != nullptr &&
          (!complete || (roaring_bitmap_is_empty(result.get()) && !HasTerms(reader, fid)))) {
        *predicate = std::make_unique<ColumnRangePredicate>(*column, range_.lo, range_.hi);
        return Status::OK();
      }
    }
    *bitmap = result.release();
    return Status::OK();
  }

 private:
  static bool HasTerms(const SegmentReader& reader, int fid) {
    bool any = false;
    (void)reader.ForEachTermFrom(static_cast<uint32_t>(fid), "",
                                 [&](std::string_view, const TermInfo&) {
                                   any = true;
                                   return false;
                                 });
    return any;
  }
  std::string field_;
  SortableRange range_;
};

// Keywords in a bytewise range, or one exact keyword (scored by its idf).
class KeywordRangeWeight final : public ConstantSetWeight {
 public:
  KeywordRangeWeight(const IndexContext& index, std::string field, RangeBounds bounds,
                     double score)
      : ConstantSetWeight(index, score), field_(std::move(field)), bounds_(std::move(bounds)) {}
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    const SegmentReader& reader = *index_.segments[seg];
    RoaringPtr result(roaring_bitmap_create());
    const int fid = reader.FieldId(field_);
    if (fid >= 0) {
      bool complete = false;
      TRAWL_RETURN_IF_ERROR(UnionTermRange(reader, static_cast<uint32_t>(fid), bounds_.lower,
                                           bounds_.lower_inclusive || bounds_.lower.empty(),
                                           bounds_.upper, bounds_.upper_inclusive,
                                           bounds_.upper.empty(),
                                           std::numeric_limits<size_t>::max(), result.get(),
                                           &complete));
      const Column* column = ColumnOf(reader, fid);
      if (roaring_bitmap_is_empty(result.get()) && column != nullptr) {
        // Not indexed: the column's ordinals in the range.
        uint64_t lo = column->LowerBoundOrd(bounds_.lower);
        if (!bounds_.lower_inclusive && lo < column->num_ords() &&
            column->OrdValue(lo) == bounds_.lower)
          ++lo;
        uint64_t hi_end = bounds_.upper.empty() ? column->num_ords()
                                                : column->LowerBoundOrd(bounds_.upper);
        if (!bounds_.upper.empty() && bounds_.upper_inclusive && hi_end < column->num_ords() &&
            column->OrdValue(hi_end) == bounds_.upper)
          ++hi_end;
        if (lo < hi_end) ScanColumn(*column, lo, hi_end - 1, result.get());
      }
    }
    *out = result.release();
    return Status::OK();
  }

 private:
  std::string field_;
  RangeBounds bounds_;
};

class ExistsWeight final : public ConstantSetWeight {
 public:
  ExistsWeight(const IndexContext& index, std::string field, double score)
      : ConstantSetWeight(index, score), field_(std::move(field)) {}
  Status MatchBitmap(size_t seg, roaring_bitmap_t** out) const override {
    const SegmentReader& reader = *index_.segments[seg];
    RoaringPtr result(roaring_bitmap_create());
    const int fid = reader.FieldId(field_);
    if (fid >= 0) {
      std::vector<uint32_t> docs;
      const Column* column = ColumnOf(reader, fid);
      if (reader.fields()[fid].type == FieldType::kText) {
        for (uint32_t d = 0; d < reader.num_docs(); ++d)
          if (reader.FieldLength(static_cast<uint32_t>(fid), d) > 0) docs.push_back(d);
        roaring_bitmap_add_many(result.get(), docs.size(), docs.data());
      } else if (column != nullptr) {
        for (uint32_t d = 0; d < column->num_docs(); ++d)
          if (!column->ValuesOf(d).empty()) docs.push_back(d);
        roaring_bitmap_add_many(result.get(), docs.size(), docs.data());
      } else {
        bool complete;
        TRAWL_RETURN_IF_ERROR(UnionTermRange(reader, static_cast<uint32_t>(fid), "", true, "",
                                             true, true, std::numeric_limits<size_t>::max(),
                                             result.get(), &complete));
      }
    }
    *out = result.release();
    return Status::OK();
  }

 private:
  std::string field_;
};

}  // namespace

std::string KeywordTerm(const Schema::Field& field, std::string_view text) {
  std::string term(text);
  if (field.spec.lowercase) {
    for (char& c : term) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return term;
}

Status NewTypedTermWeight(const IndexContext& index, const Schema::Field& field,
                          std::string_view value, double boost, std::unique_ptr<Weight>* out) {
  if (field.spec.type == FieldType::kKeyword)
    return NewKeywordTermWeight(index, field, KeywordTerm(field, value), boost, out);
  return NewRangeWeight(index, field, RangeBounds{std::string(value), std::string(value)}, boost,
                        out);
}

Status NewKeywordTermWeight(const IndexContext& index, const Schema::Field& field,
                            std::string term, double boost, std::unique_ptr<Weight>* out) {
  // Scored as a term without norms: its idf.
  TermInSegments entries;
  TRAWL_RETURN_IF_ERROR(index.LookUpTerm(field.name, term, &entries));
  const FieldInfo* info = index.Field(field.name);
  const double idf =
      info == nullptr ? 0 : Bm25::Idf(IndexContext::DocCount(*info), entries.doc_freq);
  RangeBounds exact{term, term, true, true};
  *out = std::make_unique<KeywordRangeWeight>(index, field.name, std::move(exact), boost * idf);
  return Status::OK();
}

Status NewRangeWeight(const IndexContext& index, const Schema::Field& field,
                      const RangeBounds& bounds, double boost, std::unique_ptr<Weight>* out) {
  switch (field.spec.type) {
    case FieldType::kKeyword: {
      RangeBounds b = bounds;
      if (!b.lower.empty()) b.lower = KeywordTerm(field, b.lower);
      if (!b.upper.empty()) b.upper = KeywordTerm(field, b.upper);
      *out = std::make_unique<KeywordRangeWeight>(index, field.name, std::move(b), boost);
      return Status::OK();
    }
    case FieldType::kInt:
    case FieldType::kFloat:
    case FieldType::kDate:
    case FieldType::kBool: {
      SortableRange range;
      bool empty = false;
      TRAWL_RETURN_IF_ERROR(ResolveNumericRange(field, bounds, &range, &empty));
      if (empty) range = SortableRange{1, 0};
      *out = std::make_unique<NumericRangeWeight>(index, field.name, range, boost);
      return Status::OK();
    }
    case FieldType::kText:
    case FieldType::kStored:
      break;
  }
  return Status::InvalidArgument("field '" + field.name + "' is " +
                                 std::string(FieldTypeName(field.spec.type)) +
                                 ": ranges need a keyword, int, float, date or bool field");
}

std::unique_ptr<Weight> NewExistsWeight(const IndexContext& index, std::string field,
                                        double boost) {
  return std::make_unique<ExistsWeight>(index, std::move(field), boost);
}

}  // namespace trawl

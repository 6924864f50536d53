#include "searcher/facets.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "common/date.h"
#include "common/roaring_count.h"
#include "format/segment_format.h"
#include "format/values.h"
#include "searcher/weight.h"

namespace trawl {

namespace {

using Int128 = __int128;

constexpr int64_t kMillisPerHour = 3600 * 1000;
constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;
// 1970-01-01 was a Thursday: day 4 is the first Monday.
constexpr int64_t kFirstMonday = 4;

// Floor division for b > 0 (C++ division truncates toward zero).
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b < 0) ? q - 1 : q;
}

std::string Int128ToString(Int128 v) {
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  char buf[48];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + static_cast<int>(u % 10));
    u /= 10;
  } while (u != 0);
  if (negative) *--p = '-';
  return std::string(p, buf + sizeof buf);
}

int64_t ClampToInt64(Int128 v) {
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(v);
}

// The whole of `text` as a number; false for anything else (no spaces, no sign but '-').
bool ParseWholeInt(std::string_view text, int64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}
bool ParseWholeDouble(std::string_view text, double* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end && std::isfinite(*out);
}

// Calls fn(doc) for every document of `matches`, in increasing order, reading them in batches.
template <typename Fn>
Status ForEachMatch(const roaring_bitmap_t* matches, Fn fn) {
  roaring_uint32_iterator_t* it = roaring_create_iterator(matches);
  uint32_t batch[256];
  Status s;
  for (;;) {
    const uint32_t n = roaring_read_uint32_iterator(it, batch, 256);
    if (n == 0) break;
    for (uint32_t i = 0; i < n && s.ok(); ++i) s = fn(batch[i]);
    if (!s.ok()) break;
  }
  roaring_free_uint32_iterator(it);
  return s;
}

bool IsKeywordFacetType(FieldType t) { return t == FieldType::kKeyword || t == FieldType::kBool; }
bool IsRangeFacetType(FieldType t) {
  return t == FieldType::kInt || t == FieldType::kFloat || t == FieldType::kDate;
}

// Below this many slots a dense count array is always cheap; above it, one is used only when
// the matches are not much fewer than the slots (zeroing and scanning it must not dominate).
constexpr uint64_t kSmallDense = 4096;
constexpr uint64_t kMaxDense = uint64_t{1} << 24;

}  // namespace

// ---- keyword counting primitives

Status CountValuesByColumn(const Column& column, const roaring_bitmap_t* matches,
                           const std::string& column_file, std::span<uint32_t> counts) {
  const uint32_t num_docs = column.num_docs();
  const uint64_t slots = counts.size();
  return ForEachMatch(matches, [&](uint32_t doc) -> Status {
    // Matches come from posting lists, which a damaged segment could make name documents past
    // the column's end.
    if (doc >= num_docs) return Status::OK();
    const Column::Range r = column.ValuesOf(doc);
    for (uint64_t i = r.begin; i < r.end; ++i) {
      const uint64_t v = column.ValueAt(i);
      if (v >= slots) {
        return Status::Corruption(column_file + ": value " + std::to_string(v) + " of document " +
                                  std::to_string(doc) + " is out of range");
      }
      ++counts[v];
    }
    return Status::OK();
  });
}

void CountValuesByPostings(const RoaringView& matches, std::span<const RoaringView> postings,
                           std::span<uint32_t> counts) {
  for (size_t v = 0; v < postings.size() && v < counts.size(); ++v) {
    const RoaringView pair[2] = {matches, postings[v]};
    counts[v] = static_cast<uint32_t>(IntersectionCardinality(pair));
  }
}

// Costs in units of about one word operation (a probe of a bitset, a popcount of a word),
// measured by bench/micro_bench.cc (BM_KeywordFacet*): reading the column costs about 12 per
// value of a match (two bit-unpacked reads and an increment, at random places). Counting one
// value by its postings costs, per container of the matches, about 64 of overhead plus the
// smaller of the posting's documents there (each probed into the matches' bitset, or the
// matches' into its array) and 1024 (a bitset pair: 1024 word ANDs with popcounts).
bool PreferPostings(uint64_t num_matches, uint64_t match_containers, uint64_t num_values,
                    uint64_t num_postings, uint64_t num_docs) {
  if (num_values == 0) return true;
  constexpr uint64_t kColumnCostPerValue = 12;
  constexpr uint64_t kContainerOverhead = 64;
  constexpr uint64_t kBitsetPairCost = 1024;
  const uint64_t average_postings = num_postings / num_values;
  const uint64_t per_value = match_containers * kContainerOverhead +
                             std::min(average_postings, match_containers * kBitsetPairCost);
  // A match has num_postings / num_docs values on average (at least one read if it has none).
  const uint64_t column = kColumnCostPerValue * num_matches *
                          std::max<uint64_t>(1, num_docs == 0 ? 1 : num_postings / num_docs);
  return num_values * per_value < column;
}

// ---- range buckets

struct FacetCounter::Bucketing {
  enum class Kind { kIntWidth, kDoubleWidth, kYear, kMonth, kWeek, kDay, kHour };
  Kind kind = Kind::kIntWidth;
  FieldType type = FieldType::kInt;
  int64_t int_width = 1;
  double width = 1;

  static Status Parse(const std::string& field, FieldType type, const std::string& interval,
                      Bucketing* out) {
    out->type = type;
    if (type == FieldType::kDate) {
      static constexpr std::pair<std::string_view, Kind> kNames[] = {
          {"year", Kind::kYear}, {"month", Kind::kMonth}, {"week", Kind::kWeek},
          {"day", Kind::kDay},   {"hour", Kind::kHour}};
      for (const auto& [name, kind] : kNames) {
        if (interval == name) {
          out->kind = kind;
          return Status::OK();
        }
      }
      return Status::InvalidArgument("range facet on date field '" + field + "': interval '" +
                                     interval + "' is not year, month, week, day or hour");
    }
    int64_t i;
    double d;
    const bool whole_int = type == FieldType::kInt && ParseWholeInt(interval, &i);
    if (whole_int) {
      d = static_cast<double>(i);
    } else if (!ParseWholeDouble(interval, &d)) {
      d = 0;
    }
    if (!(d > 0)) {
      return Status::InvalidArgument("range facet on " + std::string(FieldTypeName(type)) +
                                     " field '" + field + "': interval '" + interval +
                                     "' is not a positive number");
    }
    // An integral width buckets an int field exactly, in integer arithmetic.
    constexpr double kExactInts = 9007199254740992.0;  // 2^53
    if (whole_int || (type == FieldType::kInt && d == std::floor(d) && d <= kExactInts)) {
      out->kind = Kind::kIntWidth;
      out->int_width = whole_int ? i : static_cast<int64_t>(d);  // exact beyond 2^53 too
      return Status::OK();
    }
    out->kind = Kind::kDoubleWidth;
    out->width = d;
    return Status::OK();
  }

  // The bucket of a value: an index that never decreases as the value grows. False when a
  // float bucket's index or start is not representable (value / width overflows).
  bool Index(uint64_t sortable, int64_t* index) const {
    switch (kind) {
      case Kind::kIntWidth:
        *index = FloorDiv(IntFromSortable(sortable), int_width);
        return true;
      case Kind::kDoubleWidth: {
        const double x = type == FieldType::kInt ? static_cast<double>(IntFromSortable(sortable))
                                                 : FloatFromSortable(sortable);
        const double k = std::floor(x / width);
        constexpr double kTwo63 = 9223372036854775808.0;
        if (!(k >= -kTwo63 && k < kTwo63) || !std::isfinite(k * width)) return false;
        *index = static_cast<int64_t>(k);
        return true;
      }
      case Kind::kHour:
        *index = FloorDiv(IntFromSortable(sortable), kMillisPerHour);
        return true;
      case Kind::kDay:
        *index = FloorDiv(IntFromSortable(sortable), kMillisPerDay);
        return true;
      case Kind::kWeek:
        *index = FloorDiv(FloorDiv(IntFromSortable(sortable), kMillisPerDay) - kFirstMonday, 7);
        return true;
      case Kind::kMonth:
      case Kind::kYear: {
        int64_t year;
        unsigned month, day;
        CivilFromDays(FloorDiv(IntFromSortable(sortable), kMillisPerDay), &year, &month, &day);
        *index = kind == Kind::kYear ? year : year * 12 + (month - 1);
        return true;
      }
    }
    return false;
  }

  // The canonical text of the lower bound of bucket `index`.
  std::string Start(int64_t index) const {
    Int128 millis = 0;
    switch (kind) {
      case Kind::kIntWidth:
        return Int128ToString(Int128{index} * int_width);
      case Kind::kDoubleWidth:
        return FormatSortable(FieldType::kFloat,
                              SortableFromFloat(static_cast<double>(index) * width));
      case Kind::kHour:
        millis = Int128{index} * kMillisPerHour;
        break;
      case Kind::kDay:
        millis = Int128{index} * kMillisPerDay;
        break;
      case Kind::kWeek:
        millis = (Int128{index} * 7 + kFirstMonday) * kMillisPerDay;
        break;
      case Kind::kMonth: {
        const int64_t year = FloorDiv(index, 12);
        const auto month = static_cast<unsigned>(index - year * 12 + 1);
        millis = Int128{DaysFromCivil(year, month, 1)} * kMillisPerDay;
        break;
      }
      case Kind::kYear:
        millis = Int128{DaysFromCivil(index, 1, 1)} * kMillisPerDay;
        break;
    }
    // Only a bucket around the extremes of int64 milliseconds (292 million years from 1970,
    // which no parsed date reaches) starts outside them.
    return FormatDate(ClampToInt64(millis));
  }
};

struct FacetCounter::KeywordFacet {
  std::string field;
  FieldType type = FieldType::kKeyword;
  bool indexed = true;
  size_t top_n = 10;
  std::unordered_map<std::string, uint64_t> counts;
  // The counts of the first segment with matches, by ordinal (slot), kept as they are until a
  // second one comes: an index of one segment then names only its top values, instead of
  // making a string of every value a match has.
  const Column* pending_column = nullptr;
  std::vector<uint32_t> pending;

  std::string ValueName(const Column& column, uint64_t slot) const {
    return type == FieldType::kKeyword ? std::string(column.OrdValue(slot))
                                       : FormatSortable(FieldType::kBool, slot);
  }
  void AddByValue(const Column& column, std::span<const uint32_t> slots) {
    for (uint64_t v = 0; v < slots.size(); ++v)
      if (slots[v] != 0) counts[ValueName(column, v)] += slots[v];
  }
  void FlushPending() {
    if (pending_column == nullptr) return;
    AddByValue(*pending_column, pending);
    pending_column = nullptr;
    pending.clear();
  }
};

struct FacetCounter::RangeFacet {
  std::string field;
  std::string interval;
  Bucketing bucketing;
  std::map<int64_t, uint64_t> counts;  // bucket index -> documents
};

FacetCounter::~FacetCounter() = default;

Status FacetCounter::Create(const Schema& schema, std::span<const FacetRequest> facets,
                            std::span<const RangeFacetRequest> range_facets,
                            KeywordCountMethod method, std::unique_ptr<FacetCounter>* out) {
  std::unique_ptr<FacetCounter> counter(new FacetCounter());
  counter->method_ = method;
  const auto find = [&](const std::string& name, const char* what,
                        const Schema::Field** f) -> Status {
    *f = schema.Find(name);
    if (*f == nullptr) {
      return Status::InvalidArgument(std::string(what) + " field '" + name + "': no such field");
    }
    if (!(*f)->spec.column) {
      return Status::InvalidArgument(std::string(what) + " field '" + name + "' (" +
                                     std::string(FieldTypeName((*f)->spec.type)) +
                                     ") has no column");
    }
    return Status::OK();
  };
  for (const FacetRequest& r : facets) {
    const Schema::Field* f = schema.Find(r.field);
    if (f != nullptr && !IsKeywordFacetType(f->spec.type)) {
      return Status::InvalidArgument(
          "facet field '" + r.field + "' is a " + std::string(FieldTypeName(f->spec.type)) +
          " field: value facets need a keyword or bool field" +
          (IsRangeFacetType(f->spec.type) ? " (count its values in ranges instead)" : ""));
    }
    TRAWL_RETURN_IF_ERROR(find(r.field, "facet", &f));
    auto facet = std::make_unique<KeywordFacet>();
    facet->field = r.field;
    facet->type = f->spec.type;
    facet->indexed = f->spec.indexed;
    facet->top_n = r.top_n;
    counter->keyword_.push_back(std::move(facet));
  }
  for (const RangeFacetRequest& r : range_facets) {
    const Schema::Field* f = schema.Find(r.field);
    if (f != nullptr && !IsRangeFacetType(f->spec.type)) {
      return Status::InvalidArgument("range facet field '" + r.field + "' is a " +
                                     std::string(FieldTypeName(f->spec.type)) +
                                     " field: range facets need an int, float or date field");
    }
    TRAWL_RETURN_IF_ERROR(find(r.field, "range facet", &f));
    auto facet = std::make_unique<RangeFacet>();
    facet->field = r.field;
    facet->interval = r.interval;
    TRAWL_RETURN_IF_ERROR(Bucketing::Parse(r.field, f->spec.type, r.interval, &facet->bucketing));
    counter->range_.push_back(std::move(facet));
  }
  *out = std::move(counter);
  return Status::OK();
}

Status FacetCounter::FindColumn(const SegmentReader& segment, const std::string& field,
                                FieldType type, const Column** column, uint32_t* field_id) const {
  *column = nullptr;
  const int id = segment.FieldId(field);
  if (id < 0 || segment.columns() == nullptr) return Status::OK();
  const Column* c = segment.columns()->Find(static_cast<uint32_t>(id));
  if (c == nullptr) return Status::OK();
  if (c->type() != type) {
    return Status::Corruption(segment.columns()->path() + ": the column of field '" + field +
                              "' holds " + std::string(FieldTypeName(c->type())) +
                              " values, the schema says " + std::string(FieldTypeName(type)));
  }
  if (c->num_docs() != segment.num_docs()) {
    return Status::Corruption(segment.columns()->path() + ": the column of field '" + field +
                              "' has " + std::to_string(c->num_docs()) + " documents, the segment " +
                              std::to_string(segment.num_docs()));
  }
  *column = c;
  *field_id = static_cast<uint32_t>(id);
  return Status::OK();
}

Status FacetCounter::MatchesView(const roaring_bitmap_t* matches, RoaringView** out) {
  if (viewed_matches_ != matches) {
    matches_bytes_.resize(roaring_bitmap_portable_size_in_bytes(matches));
    roaring_bitmap_portable_serialize(matches, matches_bytes_.data());
    TRAWL_RETURN_IF_ERROR(RoaringView::Open(matches_bytes_, &matches_view_));
    viewed_matches_ = matches;
  }
  *out = &matches_view_;
  return Status::OK();
}

Status FacetCounter::AddSegment(const SegmentReader& segment, const roaring_bitmap_t* matches) {
  viewed_matches_ = nullptr;
  if (roaring_bitmap_is_empty(matches)) return Status::OK();
  for (auto& facet : keyword_) TRAWL_RETURN_IF_ERROR(AddKeywordSegment(segment, matches, facet.get()));
  for (auto& facet : range_) TRAWL_RETURN_IF_ERROR(AddRangeSegment(segment, matches, facet.get()));
  viewed_matches_ = nullptr;
  return Status::OK();
}

Status FacetCounter::AddKeywordSegment(const SegmentReader& segment,
                                       const roaring_bitmap_t* matches, KeywordFacet* facet) {
  const Column* column;
  uint32_t field_id = 0;
  TRAWL_RETURN_IF_ERROR(FindColumn(segment, facet->field, facet->type, &column, &field_id));
  if (column == nullptr || column->num_values() == 0) return Status::OK();
  const bool keyword = facet->type == FieldType::kKeyword;
  // Slots: a keyword's ordinals, or a bool's values 0 (false) and 1 (true).
  const uint64_t slots = keyword ? column->num_ords() : 2;
  std::vector<uint32_t> counts(slots, 0);

  bool by_postings = false;
  if (facet->indexed && method_ != KeywordCountMethod::kColumn) {
    const uint64_t n = roaring_bitmap_get_cardinality(matches);
    by_postings = method_ == KeywordCountMethod::kPostings ||
                  PreferPostings(n, matches->high_low_container.size, slots,
                                 column->num_values(), column->num_docs());
  }
  if (by_postings) {
    // Every value the column has must be a term; a value without one (a field whose terms
    // were not written) sends the whole segment to the column.
    std::vector<RoaringView> postings(slots);
    for (uint64_t v = 0; v < slots && by_postings; ++v) {
      if (!keyword && (v < column->min_value() || v > column->max_value())) continue;
      const std::string bool_term = keyword ? std::string() : SortableTerm(v);
      const std::string_view term = keyword ? column->OrdValue(v) : std::string_view(bool_term);
      TermInfo info;
      const Status s = segment.LookupTerm(field_id, term, &info);
      if (s.IsNotFound()) {
        by_postings = false;
        break;
      }
      TRAWL_RETURN_IF_ERROR(s);
      TRAWL_RETURN_IF_ERROR(segment.OpenDocids(info, &postings[v]));
    }
    if (by_postings) {
      RoaringView* view;
      TRAWL_RETURN_IF_ERROR(MatchesView(matches, &view));
      CountValuesByPostings(*view, postings, counts);
      ++posting_counts_;
    }
  }
  if (!by_postings) {
    TRAWL_RETURN_IF_ERROR(
        CountValuesByColumn(*column, matches, segment.columns()->path(), counts));
    ++column_counts_;
  }
  if (facet->pending_column == nullptr && facet->counts.empty()) {
    facet->pending_column = column;
    facet->pending = std::move(counts);
  } else {
    facet->FlushPending();
    facet->AddByValue(*column, counts);
  }
  return Status::OK();
}

Status FacetCounter::AddRangeSegment(const SegmentReader& segment, const roaring_bitmap_t* matches,
                                     RangeFacet* facet) {
  const Bucketing& b = facet->bucketing;
  const Column* column;
  uint32_t field_id = 0;
  TRAWL_RETURN_IF_ERROR(FindColumn(segment, facet->field, b.type, &column, &field_id));
  if (column == nullptr || column->num_values() == 0) return Status::OK();
  // Every value lies between the column's bounds, and buckets grow with values, so the
  // bounds' buckets bound every bucket of the segment (and if theirs are representable, so
  // is every one between).
  int64_t first = 0, last = 0;
  for (const auto& [bound, index] : {std::pair{column->min_value(), &first},
                                     std::pair{column->max_value(), &last}}) {
    if (!b.Index(bound, index)) {
      return Status::InvalidArgument("range facet on field '" + facet->field + "': interval '" +
                                     facet->interval + "' is too small for the value " +
                                     FormatSortable(b.type, bound));
    }
  }
  const uint32_t num_docs = column->num_docs();
  const uint64_t span = static_cast<uint64_t>(last) - static_cast<uint64_t>(first) + 1;
  const uint64_t num_matches = roaring_bitmap_get_cardinality(matches);
  // A document counts once per bucket: its values ascend, so its buckets do, and a repeat is
  // the bucket just counted.
  const auto each_bucket = [&](auto count) {
    return ForEachMatch(matches, [&](uint32_t doc) -> Status {
      if (doc >= num_docs) return Status::OK();
      const Column::Range r = column->ValuesOf(doc);
      bool any = false;
      int64_t previous = 0;
      for (uint64_t i = r.begin; i < r.end; ++i) {
        int64_t k;
        // A damaged value outside the bounds could have no bucket, or one outside the span.
        if (!b.Index(column->ValueAt(i), &k) || k < first || k > last) {
          return Status::Corruption(segment.columns()->path() + ": a value of field '" +
                                    facet->field + "' in document " + std::to_string(doc) +
                                    " is outside the column's bounds");
        }
        if (any && k == previous) continue;
        any = true;
        previous = k;
        count(k);
      }
      return Status::OK();
    });
  };
  if (span > 0 && span <= kMaxDense && (span <= kSmallDense || span <= 4 * num_matches)) {
    std::vector<uint32_t> dense(span, 0);
    TRAWL_RETURN_IF_ERROR(each_bucket([&](int64_t k) {
      ++dense[static_cast<uint64_t>(k) - static_cast<uint64_t>(first)];
    }));
    for (uint64_t i = 0; i < span; ++i) {
      if (dense[i] != 0) facet->counts[static_cast<int64_t>(static_cast<uint64_t>(first) + i)] += dense[i];
    }
  } else {
    std::unordered_map<int64_t, uint64_t> sparse;
    TRAWL_RETURN_IF_ERROR(each_bucket([&](int64_t k) { ++sparse[k]; }));
    for (const auto& [k, n] : sparse) facet->counts[k] += n;
  }
  return Status::OK();
}

std::vector<FacetResult> FacetCounter::Finish() {
  std::vector<FacetResult> out;
  for (auto& facet : keyword_) {
    FacetResult r;
    r.field = facet->field;
    r.type = facet->type;
    r.is_range = false;
    if (facet->pending_column != nullptr) {
      // One segment: by count, then ordinal, which orders values bytewise as below (a bool's
      // slots 0 and 1 are "false" and "true").
      std::vector<std::pair<uint32_t, uint32_t>> slots;  // (count, slot)
      for (uint64_t v = 0; v < facet->pending.size(); ++v)
        if (facet->pending[v] != 0) slots.emplace_back(facet->pending[v], static_cast<uint32_t>(v));
      const auto better = [](const std::pair<uint32_t, uint32_t>& a,
                             const std::pair<uint32_t, uint32_t>& b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
      };
      const size_t n = facet->top_n == 0 ? slots.size() : std::min(facet->top_n, slots.size());
      std::partial_sort(slots.begin(), slots.begin() + static_cast<ptrdiff_t>(n), slots.end(),
                        better);
      for (size_t i = 0; i < n; ++i)
        r.counts.push_back(
            FacetCount{facet->ValueName(*facet->pending_column, slots[i].second), slots[i].first});
      out.push_back(std::move(r));
      continue;
    }
    r.counts.reserve(facet->counts.size());
    for (auto& [value, count] : facet->counts) r.counts.push_back(FacetCount{value, count});
    // By count, then value bytewise (std::string compares as unsigned bytes).
    const auto better = [](const FacetCount& a, const FacetCount& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    };
    const size_t n = facet->top_n == 0 ? r.counts.size() : std::min(facet->top_n, r.counts.size());
    std::partial_sort(r.counts.begin(), r.counts.begin() + static_cast<ptrdiff_t>(n),
                      r.counts.end(), better);
    r.counts.resize(n);
    out.push_back(std::move(r));
  }
  for (auto& facet : range_) {
    FacetResult r;
    r.field = facet->field;
    r.type = facet->bucketing.type;
    r.is_range = true;
    for (const auto& [k, count] : facet->counts)
      r.counts.push_back(FacetCount{facet->bucketing.Start(k), count});
    out.push_back(std::move(r));
  }
  return out;
}

Status ComputeFacets(const Weight& weight, std::span<const SegmentReader* const> segments,
                     std::span<const RoaringPtr> deleted, const Schema& schema,
                     const SearchOptions& options, QueryStop* stop,
                     std::vector<FacetResult>* out) {
  out->clear();
  if (options.facets.empty() && options.range_facets.empty()) return Status::OK();
  std::unique_ptr<FacetCounter> counter;
  TRAWL_RETURN_IF_ERROR(FacetCounter::Create(schema, options.facets, options.range_facets,
                                             KeywordCountMethod::kAuto, &counter));
  if (!weight.IsEmpty()) {
    for (size_t seg = 0; seg < segments.size(); ++seg) {
      if (StopRequested(stop, QueryStop::kCheckInterval)) return stop->status();
      roaring_bitmap_t* matches = nullptr;
      TRAWL_RETURN_IF_ERROR(weight.MatchBitmap(seg, &matches));
      RoaringPtr owned(matches);
      // A scorer stopped inside MatchBitmap leaves a partial set: not worth counting.
      if (stop != nullptr && stop->stopped()) return stop->status();
      if (seg < deleted.size() && deleted[seg] != nullptr)
        roaring_bitmap_andnot_inplace(matches, deleted[seg].get());
      TRAWL_RETURN_IF_ERROR(counter->AddSegment(*segments[seg], matches));
    }
  }
  *out = counter->Finish();
  return Status::OK();
}

}  // namespace trawl

#include "searcher/sort.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cassert>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "common/coding.h"
#include "format/values.h"

namespace trawl {

namespace {

constexpr uint8_t kCursorVersion = 1;
constexpr std::string_view kScoreKey = "score";

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  // Three bytes to four characters at a time, into a string sized once (a cursor is encoded
  // at every search with a next page); the last one or two bytes make two or three.
  std::string out((in.size() * 4 + 2) / 3, '\0');
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  char* o = out.data();
  size_t left = in.size();
  for (; left >= 3; left -= 3, p += 3, o += 4) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
    o[0] = kBase64Url[v >> 18];
    o[1] = kBase64Url[(v >> 12) & 63];
    o[2] = kBase64Url[(v >> 6) & 63];
    o[3] = kBase64Url[v & 63];
  }
  if (left > 0) {
    const uint32_t v = (uint32_t{p[0]} << 16) | (left == 2 ? uint32_t{p[1]} << 8 : 0);
    o[0] = kBase64Url[v >> 18];
    o[1] = kBase64Url[(v >> 12) & 63];
    if (left == 2) o[2] = kBase64Url[(v >> 6) & 63];
  }
  return out;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// False for anything Base64UrlEncode does not write (bad characters, a dangling character,
// padding, bits left over), so that one cursor has one text.
bool Base64UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const int v = Base64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
    acc &= (1u << bits) - 1;
  }
  return acc == 0;
}

// FNV-1a, folded to 32 bits: a cursor's check and an order's fingerprint. Detects damage and
// mix-ups, not forgery: a cursor grants nothing a query could not ask for directly.
uint32_t Fnv32(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

Status BadCursor(std::string_view why) {
  return Status::InvalidArgument("bad cursor: " + std::string(why) +
                                 " (pass back SearchResults::next unchanged, with the same "
                                 "query, filters, sort and collapse)");
}

bool Sortable(const FieldSpec& spec) {
  return spec.column && spec.type != FieldType::kText && spec.type != FieldType::kStored;
}

// Why a field that is not Sortable is not.
std::string WhyNot(const FieldSpec& spec) {
  if (spec.type == FieldType::kText || spec.type == FieldType::kStored)
    return "it is a " + std::string(FieldTypeName(spec.type)) + " field";
  return "it has no column";
}

// The column of `field` in `seg`, or null when the segment has no value of it.
const Column* SegmentColumn(const SegmentReader& seg, std::string_view field) {
  const int fid = seg.FieldId(field);
  if (fid < 0 || seg.columns() == nullptr) return nullptr;
  return seg.columns()->Find(static_cast<uint32_t>(fid));
}

Status ColumnsOf(const CommitView& commit, const std::string& field, FieldType type,
                 std::vector<const Column*>* out) {
  out->clear();
  for (const SegmentReader* seg : commit.segments) {
    const Column* column = SegmentColumn(*seg, field);
    if (column != nullptr && (column->type() != type || column->num_docs() != seg->num_docs())) {
      return Status::Corruption(seg->name() + ": the column of field '" + field + "' is of type " +
                                std::string(FieldTypeName(column->type())) + " for " +
                                std::to_string(column->num_docs()) + " documents, the schema says " +
                                std::string(FieldTypeName(type)) + " and the segment has " +
                                std::to_string(seg->num_docs()));
    }
    out->push_back(column);
  }
  return Status::OK();
}

size_t SaturatingAdd(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b ? std::numeric_limits<size_t>::max() : a + b;
}

}  // namespace

namespace {

constexpr size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

char* WriteVarint(char* p, uint64_t v) {
  for (; v >= 0x80; v >>= 7) *p++ = static_cast<char>(v | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}

char* WriteFixed(char* p, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) *p++ = static_cast<char>(v >> (8 * i));
  return p;
}

}  // namespace

std::string EncodeCursor(uint64_t generation, uint32_t fingerprint,
                         std::span<const CursorValueView> values, uint32_t segment,
                         uint32_t docid) {
  // Sized first and written in place: a cursor is made at every search with a next page, and
  // one of numbers alone fits the buffer's inline bytes.
  size_t size = 1 + VarintBytes(generation) + 4 + VarintBytes(values.size());
  for (const CursorValueView& v : values) {
    size += 1;
    if (v.tag == Cursor::Value::Tag::kNumber) size += 8;
    if (v.tag == Cursor::Value::Tag::kText) size += VarintBytes(v.text.size()) + v.text.size();
  }
  size += VarintBytes(segment) + VarintBytes(docid) + 4;
  boost::container::small_vector<char, 64> bytes(size);
  char* p = bytes.data();
  *p++ = static_cast<char>(kCursorVersion);
  p = WriteVarint(p, generation);
  p = WriteFixed(p, fingerprint, 4);
  p = WriteVarint(p, values.size());
  for (const CursorValueView& v : values) {
    *p++ = static_cast<char>(v.tag);
    if (v.tag == Cursor::Value::Tag::kNumber) p = WriteFixed(p, v.number, 8);
    if (v.tag == Cursor::Value::Tag::kText) {
      p = WriteVarint(p, v.text.size());
      p = std::copy(v.text.begin(), v.text.end(), p);
    }
  }
  p = WriteVarint(p, segment);
  p = WriteVarint(p, docid);
  p = WriteFixed(p, Fnv32({bytes.data(), static_cast<size_t>(p - bytes.data())}), 4);
  assert(p == bytes.data() + size);
  return Base64UrlEncode({bytes.data(), size});
}

std::string EncodeCursor(const Cursor& cursor) {
  boost::container::small_vector<CursorValueView, 4> values;
  for (const Cursor::Value& v : cursor.values) values.push_back({v.tag, v.number, v.text});
  return EncodeCursor(cursor.generation, cursor.fingerprint, {values.data(), values.size()},
                      cursor.segment, cursor.docid);
}

Status DecodeCursor(std::string_view text, Cursor* out) {
  *out = Cursor();
  std::string b;
  if (!Base64UrlDecode(text, &b)) return BadCursor("not base64url");
  if (b.size() < 5) return BadCursor("too short");
  const std::string_view body(b.data(), b.size() - 4);
  if (DecodeFixed32(b.data() + body.size()) != Fnv32(body)) return BadCursor("damaged");
  if (static_cast<uint8_t>(body[0]) != kCursorVersion) return BadCursor("unknown version");
  ByteReader r(body.substr(1));
  uint64_t n;
  if (!r.ReadVarint64(&out->generation) || !r.ReadFixed32(&out->fingerprint) ||
      !r.ReadVarint64(&n) || n > r.remaining()) {
    return BadCursor("truncated");
  }
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view tag;
    if (!r.ReadBytes(1, &tag)) return BadCursor("truncated");
    Cursor::Value v;
    v.tag = static_cast<Cursor::Value::Tag>(tag[0]);
    switch (v.tag) {
      case Cursor::Value::Tag::kMissing:
        break;
      case Cursor::Value::Tag::kNumber:
        if (!r.ReadFixed64(&v.number)) return BadCursor("truncated");
        break;
      case Cursor::Value::Tag::kText: {
        std::string_view s;
        if (!r.ReadLengthPrefixed(&s)) return BadCursor("truncated");
        v.text = std::string(s);
        break;
      }
      default:
        return BadCursor("unknown value tag");
    }
    out->values.push_back(std::move(v));
  }
  if (!r.ReadVarint32(&out->segment) || !r.ReadVarint32(&out->docid)) return BadCursor("truncated");
  if (!r.empty()) return BadCursor("trailing bytes");
  return Status::OK();
}

size_t PageLimit(const SearchOptions& options) {
  return SaturatingAdd(SaturatingAdd(options.offset, options.top_k), 1);
}

HitOrder::~HitOrder() = default;

Status HitOrder::Make(const SearchOptions& options, const CommitView& commit,
                      std::unique_ptr<HitOrder>* out) {
  out->reset();
  std::unique_ptr<HitOrder> order(new HitOrder());
  order->commit_ = commit;
  const bool relevance = options.sort.empty() ||
                         (options.sort.size() == 1 && options.sort[0].field == kScoreKey &&
                          options.sort[0].descending);
  std::string fingerprint = "order";
  if (relevance) {
    Key key;
    key.score = true;
    key.field = kScoreKey;
    key.descending = true;
    order->keys_.push_back(std::move(key));
  } else {
    for (const SortField& s : options.sort) {
      Key key;
      key.field = s.field;
      key.descending = s.descending;
      if (s.field == kScoreKey) {
        key.score = true;
      } else {
        const Schema::Field* f = commit.schema != nullptr ? commit.schema->Find(s.field) : nullptr;
        if (f == nullptr) {
          return Status::InvalidArgument("cannot sort by '" + s.field +
                                         "': the index has no such field");
        }
        if (!Sortable(f->spec)) {
          return Status::InvalidArgument(
              "cannot sort by '" + s.field + "': " + WhyNot(f->spec) +
              "; sorting needs an int, float, date, bool or keyword field with a column");
        }
        key.type = f->spec.type;
        TRAWL_RETURN_IF_ERROR(ColumnsOf(commit, s.field, key.type, &key.columns));
      }
      order->keys_.push_back(std::move(key));
    }
  }
  for (const Key& key : order->keys_) {
    fingerprint += key.score ? std::string(1, '\x01') : '\x02' + key.field;
    fingerprint += key.descending ? '\x01' : '\x00';
    order->needs_scores_ |= key.score;
  }
  if (!options.collapse.empty()) {
    const Schema::Field* f =
        commit.schema != nullptr ? commit.schema->Find(options.collapse) : nullptr;
    if (f == nullptr) {
      return Status::InvalidArgument("cannot collapse by '" + options.collapse +
                                     "': the index has no such field");
    }
    if (f->spec.type != FieldType::kKeyword || !f->spec.column) {
      return Status::InvalidArgument(
          "cannot collapse by '" + options.collapse + "': " +
          (f->spec.type == FieldType::kKeyword ? WhyNot(f->spec)
                                               : "it is a " +
                                                     std::string(FieldTypeName(f->spec.type)) +
                                                     " field") +
          "; collapse needs a keyword field with a column");
    }
    TRAWL_RETURN_IF_ERROR(ColumnsOf(commit, options.collapse, FieldType::kKeyword, &order->collapse_));
    order->collapse_on_ = true;
    fingerprint += '\x03' + options.collapse;
  }
  order->by_fields_ = !relevance || order->collapse_on_;
  order->fingerprint_ = Fnv32(fingerprint);
  if (!options.after.empty()) TRAWL_RETURN_IF_ERROR(order->DecodeAfter(options.after));
  *out = std::move(order);
  return Status::OK();
}

Status HitOrder::DecodeAfter(std::string_view after) {
  Cursor c;
  TRAWL_RETURN_IF_ERROR(DecodeCursor(after, &c));
  if (c.fingerprint != fingerprint_ || c.values.size() != keys_.size())
    return BadCursor("it is of another sort order or collapse");
  for (size_t k = 0; k < keys_.size(); ++k) {
    const Key& key = keys_[k];
    const Cursor::Value& v = c.values[k];
    bool fits;
    if (key.score) {
      fits = v.tag == Cursor::Value::Tag::kNumber && !std::isnan(FloatFromSortable(v.number));
    } else if (key.type == FieldType::kKeyword) {
      fits = v.tag != Cursor::Value::Tag::kNumber;
    } else {
      fits = v.tag != Cursor::Value::Tag::kText;
    }
    if (!fits) return BadCursor("its value of '" + key.field + "' is of another type");
  }
  // Segment numbers are those of the commit the cursor was made on; a cursor of this commit
  // must name one of its documents. (Of another commit it is taken as it comes: paging is then
  // approximate near the boundary, as the API says.)
  if (c.generation == commit_.generation &&
      (c.segment >= commit_.segments.size() ||
       c.docid >= commit_.segments[c.segment]->num_docs())) {
    return BadCursor("it names no document of this index");
  }
  if (!by_fields_) score_after_ = ScoreAfter{FloatFromSortable(c.values[0].number), c.segment, c.docid};
  after_ = std::move(c);
  return Status::OK();
}

void HitOrder::RelevancePage(const std::vector<ScoredDoc>& top, const SearchOptions& options,
                             Page* page) const {
  const size_t end = std::min(top.size(), SaturatingAdd(options.offset, options.top_k));
  if (end > options.offset) page->hits.reserve(end - options.offset);
  for (size_t i = options.offset; i < end; ++i)
    page->hits.push_back({top[i].score, top[i].segment, top[i].docid, 0});
  if (top.size() > end && !page->hits.empty()) {
    const PageHit& last = page->hits.back();
    const KeyValue score{SortableFromFloat(last.score), /*missing=*/false};
    page->next = CursorAfter(last.segment, last.docid, {&score, 1});
  }
}

std::string HitOrder::CursorAfter(uint32_t segment, uint32_t docid,
                                  std::span<const KeyValue> values) const {
  assert(values.size() == keys_.size());
  boost::container::small_vector<CursorValueView, 4> out(keys_.size());
  for (size_t k = 0; k < keys_.size(); ++k) {
    CursorValueView& v = out[k];
    if (values[k].missing) {
      v.tag = Cursor::Value::Tag::kMissing;
    } else if (!keys_[k].score && keys_[k].type == FieldType::kKeyword) {
      v.tag = Cursor::Value::Tag::kText;
      v.text = keys_[k].columns[segment]->OrdValue(values[k].v >> 1);
    } else {
      v.tag = Cursor::Value::Tag::kNumber;
      v.number = values[k].v;
    }
  }
  return EncodeCursor(commit_.generation, fingerprint_, {out.data(), out.size()}, segment, docid);
}

// Collection by keys. Each document's key values are read once into a row of integers that
// compare as the order says within its segment (keyword ordinals are the segment's: a value is
// 2·ordinal + 1, and a cursor's keyword between two ordinals o-1 and o is 2·o, so that the
// cursor compares with the segment's documents by integers too). Each segment keeps its own
// best documents in a heap compared by integers only; the segments' bests are merged at the
// end, comparing keywords of different segments by their text.
class HitOrder::Collection {
 public:
  Collection(const HitOrder& order, size_t limit)
      : order_(order), keys_(order.keys_), stride_(keys_.size()), limit_(limit),
        scratch_(stride_), cursor_rows_(order.commit_.segments.size()) {}

  void StartSegment(uint32_t seg) {
    seg_ = seg;
    columns_.assign(stride_, nullptr);
    for (size_t k = 0; k < stride_; ++k)
      if (!keys_[k].score) columns_[k] = keys_[k].columns[seg];
    collapse_column_ = order_.collapse_on_ ? order_.collapse_[seg] : nullptr;
    if (order_.after_) TranslateCursor();
  }

  // One match of the current segment, in increasing docid order.
  void Add(uint32_t doc, double score) {
    ++total_;
    KeyValue* row = scratch_.data();
    for (size_t k = 0; k < stride_; ++k) {
      const Key& key = keys_[k];
      KeyValue& kv = row[k];
      if (key.score) {
        kv = {SortableFromFloat(score), false};
        continue;
      }
      const Column* c = columns_[k];
      uint64_t v = 0;
      // A damaged posting list may name a document past the segment (and its column).
      const bool found = c != nullptr && doc < c->num_docs() &&
                         (key.descending ? c->Max(doc, &v) : c->Min(doc, &v));
      kv = {key.type == FieldType::kKeyword ? 2 * v + 1 : v, !found};
    }
    uint64_t ord;
    if (collapse_column_ != nullptr && doc < collapse_column_->num_docs() &&
        collapse_column_->Min(doc, &ord)) {
      auto [it, inserted] = groups_.try_emplace(ord);
      Group& g = it->second;
      ++g.size;
      if (inserted) {
        g.best = {score, seg_, doc, NewSlot(), 0};
        CopyRow(row, g.best.slot);
      } else if (RowBefore(row, doc, Values(g.best.slot), g.best.docid)) {
        g.best.score = score;
        g.best.docid = doc;
        CopyRow(row, g.best.slot);
      }
      return;
    }
    if (order_.after_ && !AfterCursor(row, seg_, doc)) return;
    Offer(row, doc, score);
  }

  void FinishSegment() {
    for (const Candidate& c : heap_) kept_.push_back(c);
    heap_.clear();
    for (const auto& [ord, g] : groups_) {
      const std::string_view value = collapse_column_->OrdValue(ord);
      auto [it, inserted] = merged_.try_emplace(value, g);
      if (inserted) continue;
      it->second.size += g.size;
      if (Before(g.best, it->second.best)) it->second.best = g.best;
    }
    groups_.clear();
  }

  void Finish(const SearchOptions& options, Page* page) {
    std::vector<Candidate> all = std::move(kept_);
    for (const auto& [value, g] : merged_) {
      Candidate c = g.best;
      c.others = g.size - 1;
      // Groups are ordered by their best document, so the cursor is compared with that one,
      // only now that it is known.
      if (order_.after_ && !AfterCursor(Values(c.slot), c.segment, c.docid)) continue;
      all.push_back(c);
    }
    const size_t n = std::min(all.size(), limit_);
    const auto before = [this](const Candidate& a, const Candidate& b) { return Before(a, b); };
    std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(n), all.end(), before);
    const size_t end = std::min(n, SaturatingAdd(options.offset, options.top_k));
    for (size_t i = options.offset; i < end; ++i) {
      const Candidate& c = all[i];
      page->hits.push_back({order_.needs_scores_ ? c.score : 0, c.segment, c.docid, c.others});
    }
    if (n > end && !page->hits.empty()) {
      const Candidate& last = all[end - 1];
      page->next = order_.CursorAfter(last.segment, last.docid, {Values(last.slot), stride_});
    }
    page->total = total_;
  }

 private:
  using Row = const KeyValue*;
  struct Candidate {
    double score = 0;
    uint32_t segment = 0;
    uint32_t docid = 0;
    size_t slot = 0;      // its row: values_[slot * stride_ ...]
    uint64_t others = 0;  // collapse: the other matches with its value
  };
  struct Group {
    uint64_t size = 0;
    Candidate best;
  };

  Row Values(size_t slot) const { return values_.data() + slot * stride_; }
  size_t NewSlot() {
    values_.resize(values_.size() + stride_);
    return values_.size() / stride_ - 1;
  }
  void CopyRow(Row row, size_t slot) {
    std::copy(row, row + stride_, values_.begin() + static_cast<ptrdiff_t>(slot * stride_));
  }

  // <0, 0, >0 as key `k` of a document of segment `sa` orders before, with, or after that of
  // one of `sb`. Missing values come last in either direction.
  int CompareKey(size_t k, const KeyValue& a, uint32_t sa, const KeyValue& b, uint32_t sb) const {
    if (a.missing || b.missing) return static_cast<int>(a.missing) - static_cast<int>(b.missing);
    const Key& key = keys_[k];
    int c;
    if (sa != sb && !key.score && key.type == FieldType::kKeyword) {
      const std::string_view va = key.columns[sa]->OrdValue(a.v >> 1);
      const std::string_view vb = key.columns[sb]->OrdValue(b.v >> 1);
      c = va.compare(vb);
      c = c < 0 ? -1 : c > 0 ? 1 : 0;
    } else {
      c = a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
    }
    return key.descending ? -c : c;
  }
  int CompareRows(Row a, uint32_t sa, Row b, uint32_t sb) const {
    for (size_t k = 0; k < stride_; ++k) {
      const int c = CompareKey(k, a[k], sa, b[k], sb);
      if (c != 0) return c;
    }
    return 0;
  }
  // Within the current segment.
  bool RowBefore(Row a, uint32_t doc_a, Row b, uint32_t doc_b) const {
    const int c = CompareRows(a, seg_, b, seg_);
    return c != 0 ? c < 0 : doc_a < doc_b;
  }
  bool Before(const Candidate& a, const Candidate& b) const {
    const int c = CompareRows(Values(a.slot), a.segment, Values(b.slot), b.segment);
    if (c != 0) return c < 0;
    return a.segment != b.segment ? a.segment < b.segment : a.docid < b.docid;
  }
  // Whether a document of segment `seg` comes strictly after the cursor.
  bool AfterCursor(Row row, uint32_t seg, uint32_t doc) const {
    const Cursor& cursor = *order_.after_;
    const int c = CompareRows(row, seg, cursor_rows_[seg].data(), seg);
    if (c != 0) return c > 0;
    return seg != cursor.segment ? seg > cursor.segment : doc > cursor.docid;
  }

  // The cursor's values as a row of the current segment.
  void TranslateCursor() {
    const Cursor& cursor = *order_.after_;
    std::vector<KeyValue>& row = cursor_rows_[seg_];
    row.assign(stride_, KeyValue());
    for (size_t k = 0; k < stride_; ++k) {
      const Cursor::Value& v = cursor.values[k];
      switch (v.tag) {
        case Cursor::Value::Tag::kMissing:
          row[k] = {0, true};
          break;
        case Cursor::Value::Tag::kNumber:
          row[k] = {v.number, false};
          break;
        case Cursor::Value::Tag::kText: {
          // Where the text falls among the segment's values (no document of a segment without
          // the column has a value, so it is never compared there).
          const Column* c = columns_[k];
          uint64_t at = 0;
          if (c != nullptr) {
            const uint64_t ord = c->LowerBoundOrd(v.text);
            at = ord < c->num_ords() && c->OrdValue(ord) == v.text ? 2 * ord + 1 : 2 * ord;
          }
          row[k] = {at, false};
          break;
        }
      }
    }
  }

  // Keeps the segment's `limit_` best documents; the heap's root is the worst held.
  void Offer(Row row, uint32_t doc, double score) {
    const auto worse_last = [this](const Candidate& a, const Candidate& b) {
      return RowBefore(Values(a.slot), a.docid, Values(b.slot), b.docid);
    };
    if (heap_.size() < limit_) {
      heap_.push_back({score, seg_, doc, NewSlot(), 0});
      CopyRow(row, heap_.back().slot);
      std::push_heap(heap_.begin(), heap_.end(), worse_last);
      return;
    }
    if (limit_ == 0 || !RowBefore(row, doc, Values(heap_.front().slot), heap_.front().docid))
      return;
    std::pop_heap(heap_.begin(), heap_.end(), worse_last);
    Candidate& c = heap_.back();
    c.score = score;
    c.docid = doc;
    CopyRow(row, c.slot);
    std::push_heap(heap_.begin(), heap_.end(), worse_last);
  }

  const HitOrder& order_;
  const std::vector<Key>& keys_;
  const size_t stride_;
  const size_t limit_;
  std::vector<KeyValue> scratch_;
  std::vector<std::vector<KeyValue>> cursor_rows_;  // by segment, once started
  std::vector<KeyValue> values_;                    // every candidate's row, by slot
  uint32_t seg_ = 0;
  std::vector<const Column*> columns_;  // the current segment's, by key
  const Column* collapse_column_ = nullptr;
  std::vector<Candidate> heap_;  // the current segment's best documents without a group
  std::vector<Candidate> kept_;  // earlier segments' (each segment's best `limit_`)
  std::unordered_map<uint64_t, Group> groups_;           // the current segment's, by ordinal
  std::unordered_map<std::string_view, Group> merged_;   // every segment's, by value
  uint64_t total_ = 0;
};

Status HitOrder::CollectByFields(const Weight& weight, const SearchOptions& options,
                                 QueryStop* stop, Page* page) const {
  Collection collection(*this, PageLimit(options));
  // Partial results (SearchOptions::allow_partial) keep what was collected before a stop, so
  // no document may be added once it has tripped (a scorer that stopped reports no more
  // documents, which can make a disjunction or an exclusion over it offer a wrong one).
  const bool refuse_after_stop = options.allow_partial && stop != nullptr;
  bool stopped = false;
  for (size_t seg = 0; seg < commit_.segments.size() && !weight.IsEmpty() && !stopped; ++seg) {
    collection.StartSegment(static_cast<uint32_t>(seg));
    const roaring_bitmap_t* deleted = commit_.deleted[seg].get();
    if (needs_scores_) {
      // Every match is scored: no bound on scores can rule a document out of an order where
      // score is only one key, or ascending.
      std::unique_ptr<Scorer> scorer;
      TRAWL_RETURN_IF_ERROR(weight.MakeScorer(seg, &scorer));
      if (scorer) {
        LoopStop loop_stop(stop);
        for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) {
          if (loop_stop.Tick() || (refuse_after_stop && stop->stopped())) break;
          if (deleted == nullptr || !roaring_bitmap_contains(deleted, d))
            collection.Add(d, scorer->Score());
        }
      }
    } else {
      roaring_bitmap_t* matches = nullptr;
      TRAWL_RETURN_IF_ERROR(weight.MatchBitmap(seg, &matches));
      RoaringPtr owned(matches);
      // A set built while the stop tripped may hold documents a stopped scorer failed to
      // exclude: none of it is taken.
      if (matches != nullptr && !(stop != nullptr && stop->stopped())) {
        if (deleted != nullptr) roaring_bitmap_andnot_inplace(matches, deleted);
        roaring_uint32_iterator_t* it = roaring_create_iterator(matches);
        uint32_t batch[256];
        for (uint32_t got; (got = roaring_read_uint32_iterator(it, batch, 256)) > 0;) {
          if (StopRequested(stop, got)) break;
          for (uint32_t i = 0; i < got; ++i) collection.Add(batch[i], 0);
        }
        roaring_free_uint32_iterator(it);
      }
    }
    stopped = stop != nullptr && stop->stopped();
    collection.FinishSegment();
  }
  // What was collected, also after a stop: the searcher returns it only as partial results.
  collection.Finish(options, page);
  return stopped ? stop->status() : Status::OK();
}

}  // namespace trawl

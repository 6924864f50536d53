#include "format/token_marks.h"

#include "common/coding.h"

namespace trawl {

void EncodeTokenMarks(uint32_t interval, const std::vector<FieldTokenMarks>& fields,
                      std::string* out) {
  PutVarint32(out, kTokenMarksVersion);
  PutVarint32(out, interval);
  for (const FieldTokenMarks& f : fields) {
    PutLengthPrefixed(out, f.field);
    PutVarint64(out, f.marks.size());
    TokenMark previous;
    for (const TokenMark& m : f.marks) {
      PutVarint32(out, m.position - previous.position);
      PutVarint32(out, m.byte - previous.byte);
      previous = m;
    }
  }
}

bool DecodeTokenMarks(std::string_view value, std::string_view field, size_t text_bytes,
                      uint32_t* interval, std::vector<TokenMark>* out) {
  out->clear();
  ByteReader in(value);
  uint64_t version = 0, k = 0;
  if (!in.ReadVarint64(&version) || version != kTokenMarksVersion) return false;
  if (!in.ReadVarint64(&k) || k == 0 || k > UINT32_MAX) return false;
  while (!in.empty()) {
    std::string_view name;
    uint64_t count = 0;
    if (!in.ReadLengthPrefixed(&name) || !in.ReadVarint64(&count)) return false;
    // Each mark takes at least two bytes.
    if (count > in.remaining() / 2) return false;
    const bool wanted = name == field;
    uint64_t position = 0, byte = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t dp = 0, db = 0;
      if (!in.ReadVarint64(&dp) || !in.ReadVarint64(&db)) return false;
      if (!wanted) continue;
      position += dp;
      byte += db;
      if (dp == 0 || db == 0 || position > UINT32_MAX || byte >= text_bytes) {
        out->clear();
        return false;
      }
      out->push_back({static_cast<uint32_t>(position), static_cast<uint32_t>(byte)});
    }
    if (wanted) {
      *interval = static_cast<uint32_t>(k);
      return true;
    }
  }
  return false;
}

}  // namespace trawl

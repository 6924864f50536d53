// Token marks: where every K-th token of a long stored text field starts, so that a snippet can
// analyze the few hundred tokens around a match instead of the whole text before it.
//
// They travel with the document in the store, as one engine field named "#marks" (kMarksField;
// '#' is not allowed in a schema's field names, so no document can have it), which a merge copies
// with the rest of the document. Its value:
//
//   version varint (1) | interval K varint | entry*
//   entry: field name lp-bytes | mark count varint | (position delta varint, byte delta varint)*
//
// Mark j (from 1) is the position and start byte of the (j*K)-th token the field's analyzer
// emitted (counting from 0), as deltas from mark j-1 (mark 0 is position 0 at byte 0). A field
// has an entry only if it occurs once in the document, was analyzed by the built-in pipeline
// (which restarts at any token start exactly as it ran there) and emitted more than K tokens.
// Positions are the field's positions in the postings.
#ifndef TRAWL_FORMAT_TOKEN_MARKS_H_
#define TRAWL_FORMAT_TOKEN_MARKS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

inline constexpr std::string_view kMarksField = "#marks";
// A stored field of the engine's own ('#' starts none of a document's): never shown as one of
// the document's fields.
inline bool IsEngineField(std::string_view name) { return !name.empty() && name[0] == '#'; }
inline constexpr uint32_t kTokenMarksVersion = 1;
// Tokens between marks: a snippet analyzes about two intervals around a match (a few KB of
// text), and marks cost about 4 bytes per interval before compression.
inline constexpr uint32_t kTokenMarkInterval = 256;

struct TokenMark {
  uint32_t position = 0;
  uint32_t byte = 0;
  bool operator==(const TokenMark&) const = default;
};

struct FieldTokenMarks {
  std::string field;
  std::vector<TokenMark> marks;  // positions and bytes strictly increasing
};

// Appends the "#marks" value for `fields` to *out.
void EncodeTokenMarks(uint32_t interval, const std::vector<FieldTokenMarks>& fields,
                      std::string* out);

// The marks of `field` in a "#marks" value, checked against the text they index: positions and
// bytes strictly increasing, every byte inside the text. False (and nothing in *out) if the
// value is damaged, of another version, or has no entry for the field.
bool DecodeTokenMarks(std::string_view value, std::string_view field, size_t text_bytes,
                      uint32_t* interval, std::vector<TokenMark>* out);

}  // namespace trawl

#endif  // TRAWL_FORMAT_TOKEN_MARKS_H_

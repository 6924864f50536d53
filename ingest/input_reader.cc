#include "ingest/input_reader.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/date.h"
#include "ingest/archive_reader.h"
#include "ingest/byte_source.h"
#include "ingest/html_text.h"
#include "ingest/mbox_reader.h"

namespace trawl {

namespace {

using Sink = std::function<Status(Document&&)>;
using Json = nlohmann::ordered_json;  // ordered: fields keep their input order

constexpr size_t kSniffBytes = 64 << 10;
constexpr size_t kMaxReasonChars = 300;
constexpr const char* kStdinName = "<stdin>";
// Archives and compressed streams inside each other, however they were found.
constexpr int kMaxNesting = 8;
// The most HTML parsed for one page (see ReadHtml).
constexpr uint64_t kMaxHtmlBytes = 16 << 20;
// What a mail message may hold beyond max_document_bytes: its headers.
constexpr uint64_t kMaxMailHeaderBytes = 1 << 20;
// Objects in a JSONL line, the line itself included, flattened into dotted field names.
constexpr size_t kMaxJsonDepth = 16;

// std::strerror is not thread-safe; the generic category's message is.
std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Case-insensitive, for file name suffixes (".TXT.GZ" is as compressed as ".txt.gz").
bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return ::strncasecmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void AddMessage(InputStats* stats, std::string msg) {
  if (stats->messages.size() < kMaxInputMessages) {
    stats->messages.push_back(std::move(msg));
  } else {
    ++stats->messages_dropped;
  }
}

void CountUnreadable(InputStats* stats, const std::string& where, const std::string& why) {
  ++stats->skipped_unreadable;
  AddMessage(stats, where + ": " + why);
}

// ---------------------------------------------------------------------------------------------
// What a reader needs as it goes down into archives and compressed streams.
struct Context {
  const InputOptions* options;
  InputStats* stats;
  const Sink* sink;
  // The limits of the input file being read; null for stdin.
  DecompressionBudget* budget = nullptr;
  int archive_depth = 0;  // archives entered
  int nesting = 0;        // archives and compressed streams entered
  // The file or archive member being read, as its directory entry or archive header has it; a
  // compressed stream inside keeps what its file or member says.
  ArchiveReader::MemberInfo file = {};

  Context Inside(bool archive) const {
    Context inner = *this;
    ++inner.nesting;
    if (archive) ++inner.archive_depth;
    return inner;
  }
};

// A failure that may be a decompression limit: the limit is reported once for the whole input
// file (nested readers all see it), anything else is damage to count.
void ReportFailure(const Context& ctx, std::string message) {
  if (ctx.budget != nullptr && ctx.budget->exceeded()) {
    if (ctx.budget->TakeReport()) {
      ++ctx.stats->skipped_over_limit;
      AddMessage(ctx.stats, ctx.budget->message());
    }
    return;
  }
  ++ctx.stats->skipped_unreadable;
  AddMessage(ctx.stats, std::move(message));
}

void ReportReadFailure(const Context& ctx, const std::string& where, const ByteSource& in) {
  ReportFailure(ctx, where + ": " + in.error());
}

void CountEmpty(const Context& ctx, const std::string& where) {
  ++ctx.stats->skipped_empty;
  AddMessage(ctx.stats, where + ": empty file, skipped");
}

// Bytes to read for a document of at most max_document_bytes: one more tells a file that fits
// from one that must be cut.
uint64_t DocumentReadLimit(const InputOptions& options) {
  uint64_t limit = options.max_document_bytes;
  return limit < std::numeric_limits<uint64_t>::max() ? limit + 1 : limit;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

// Length of the well-formed UTF-8 sequence starting at s[i] (i < s.size()), or 0 if there is none.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = byte(0);
  if (c < 0x80) return 1;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
  if ((c == 0xE0 && byte(1) < 0xA0) || (c == 0xED && byte(1) > 0x9F) ||
      (c == 0xF0 && byte(1) < 0x90) || (c == 0xF4 && byte(1) > 0x8F)) {
    return 0;
  }
  return n;
}

size_t CountInvalidUtf8Bytes(std::string_view s) {
  size_t invalid = 0;
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      ++invalid;
      n = 1;
    }
    i += n;
  }
  return invalid;
}

// The largest cut ≤ limit that does not split a UTF-8 sequence (for well-formed text).
size_t Utf8Boundary(std::string_view s, size_t limit) {
  if (limit >= s.size()) return s.size();
  size_t cut = limit;
  for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80; ++k) {
    --cut;
  }
  return (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80 ? limit : cut;
}

// Offset of the first byte that starts no well-formed UTF-8 sequence, or npos.
size_t FirstInvalidUtf8Byte(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

// What the head of a file says about it. Text with a few bad bytes (Latin-1 accents in mostly
// ASCII) is still text: the analyzer reads them as separators.
struct Sniffed {
  enum Kind { kText, kBinary, kBadEncoding } kind = kText;
  std::string why;  // for the message: what and where
};

Sniffed SniffText(std::string_view text) {
  std::string_view head = text.substr(0, kSniffBytes);
  Sniffed s;
  if (size_t nul = head.find('\0'); nul != std::string_view::npos) {
    s.kind = Sniffed::kBinary;
    s.why = "binary file (NUL byte at byte " + std::to_string(nul) + "), skipped";
  } else if (size_t invalid = CountInvalidUtf8Bytes(head); invalid * 10 > head.size()) {
    s.kind = Sniffed::kBadEncoding;
    s.why = "not UTF-8 text (" + std::to_string(invalid) + " of the first " +
            std::to_string(head.size()) + " bytes invalid, the first at byte " +
            std::to_string(FirstInvalidUtf8Byte(head)) + "), skipped";
  }
  return s;
}

void CountSniffed(const Context& ctx, const std::string& where, const Sniffed& sniffed) {
  ++(sniffed.kind == Sniffed::kBinary ? ctx.stats->skipped_binary
                                      : ctx.stats->skipped_bad_encoding);
  AddMessage(ctx.stats, where + ": " + sniffed.why);
}

// Cuts the document's field values to `limit` bytes in all; true if anything was cut.
bool ApplySizeLimit(uint64_t limit, Document* doc) {
  uint64_t used = 0;
  for (size_t i = 0; i < doc->fields.size(); ++i) {
    std::string& value = doc->fields[i].value;
    if (value.size() <= limit - used) {
      used += value.size();
      continue;
    }
    value.resize(Utf8Boundary(value, static_cast<size_t>(limit - used)));
    doc->fields.resize(i + 1);
    return true;
  }
  return false;
}

// `cut`: the reader already dropped part of the input (it is counted as truncated either way).
// `where` names the document in the message about a cut ("x.jsonl:12", "a.tar!b.txt").
Status Emit(Document&& doc, const Context& ctx, const std::string& where, bool cut = false) {
  if (ApplySizeLimit(ctx.options->max_document_bytes, &doc) || cut) {
    ++ctx.stats->truncated;
    AddMessage(ctx.stats, where + ": larger than the document size limit, truncated");
  }
  ctx.stats->source = where;
  TRAWL_RETURN_IF_ERROR((*ctx.sink)(std::move(doc)));
  ++ctx.stats->documents;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// JSONL

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string ClipReason(std::string reason) {
  if (reason.size() > kMaxReasonChars) {
    reason.resize(Utf8Boundary(reason, kMaxReasonChars));
    reason += "...";
  }
  return reason;
}

// Reads one JSONL line into a Document as nlohmann's SAX parser walks it, without building a
// tree: numbers keep the text they were written in only here (an integer beyond 64 bits reaches
// a tree as a double, indistinguishable from a float), and a field can be refused naming it.
//
// Top-level "id" is the document's key: a string as it is, an integer as its decimal digits
// (every int64 and uint64 is kept exactly); any other number would reach an id only rounded
// (18446744073709551616 and 18446744073709551617 are one double) and is refused rather than
// silently merged with another document. Every other member becomes fields:
//   string -> kText; integer -> kInt (int64 range, else refused); other number -> kFloat, in the
//   shortest text that reads back to the same double; true/false -> kBool; null -> no field;
//   object -> its members under dotted names ("a": {"b": 1} is "a.b"), kMaxJsonDepth deep;
//   array -> one field per element, all of one kind (integers among floats count as floats),
//   of strings, numbers or booleans only (nulls skipped).
class JsonLineReader final : public nlohmann::json_sax<Json> {
 public:
  static constexpr const char* kInexactIdReason =
      "\"id\" is a number that is not an integer in the 64-bit range (it would not be kept "
      "exactly); write it as a string";

  explicit JsonLineReader(Document* doc) : doc_(doc) {}

  // False with *reason on a bad line.
  bool Read(std::string_view line, std::string* reason) {
    bool ok = false;
    try {
      ok = Json::sax_parse(line.begin(), line.end(), this);
    } catch (const std::exception& e) {
      // sax_parse reports syntax through parse_error(); anything thrown is unexpected.
      reason_ = ClipReason(std::string("invalid JSON: ") + e.what());
      ok = false;
    }
    if (ok && !have_id_) {
      reason_ = "missing \"id\"";
      ok = false;
    } else if (ok && doc_->id.empty()) {
      reason_ = "empty \"id\"";
      ok = false;
    }
    if (!ok) *reason = reason_.empty() ? std::string("invalid JSON") : std::move(reason_);
    return ok;
  }

  bool null() override {
    if (!Value("null")) return false;
    if (InId()) return RefuseId("null");
    return true;  // a null value is an absent field
  }
  bool boolean(bool val) override {
    if (!Value("boolean")) return false;
    if (InId()) return RefuseId("boolean");
    return AddField(val ? "true" : "false", ValueKind::kBool);
  }
  bool number_integer(number_integer_t val) override {
    if (!Value("number")) return false;
    if (InId()) return SetId(std::to_string(val));
    return AddField(std::to_string(val), ValueKind::kInt);
  }
  bool number_unsigned(number_unsigned_t val) override {
    if (!Value("number")) return false;
    if (InId()) return SetId(std::to_string(val));
    if (val > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return OutOfRange(std::to_string(val));
    }
    return AddField(std::to_string(val), ValueKind::kInt);
  }
  bool number_float(number_float_t val, const string_t& text) override {
    if (!Value("number")) return false;
    if (InId()) return Fail(kInexactIdReason);
    // nlohmann hands an integer over 64 bits to us as a double: its text tells.
    if (text.find_first_of(".eE") == string_t::npos) return OutOfRange(text);
    if (!std::isfinite(val)) {
      return Fail("field \"" + FieldName() + "\": number " + ClipReason(text) +
                  " is out of the range of a 64-bit float");
    }
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), val);
    if (ec != std::errc()) return Fail("field \"" + FieldName() + "\": cannot write number " + text);
    return AddField(std::string(buf, end), ValueKind::kFloat);
  }
  bool string(string_t& val) override {
    if (!Value("string")) return false;
    if (InId()) return SetId(std::move(val));
    return AddField(std::move(val), ValueKind::kText);
  }
  bool binary(binary_t& /*val*/) override { return Fail("invalid JSON: binary value"); }

  bool start_object(std::size_t /*elements*/) override {
    if (stack_.empty()) {
      stack_.push_back({Frame::kObject, 0, {}, {}});
      return true;
    }
    if (!Value("object")) return false;
    if (InId()) return RefuseId("object");
    if (stack_.back().type == Frame::kArray) {
      return Fail("field \"" + FieldName() +
                  "\": an array may hold only strings, numbers, booleans and nulls, not objects");
    }
    if (stack_.size() >= kMaxJsonDepth) {
      return Fail("field \"" + FieldName() + "\": objects nested more than " +
                  std::to_string(kMaxJsonDepth) + " deep");
    }
    stack_.push_back({Frame::kObject, 0, FieldName(), {}});
    return true;
  }
  bool key(string_t& val) override {
    stack_.back().key = std::move(val);
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    if (!Value("array")) return false;
    if (InId()) return RefuseId("array");
    if (stack_.back().type == Frame::kArray) {
      return Fail("field \"" + FieldName() +
                  "\": an array may hold only strings, numbers, booleans and nulls, not arrays");
    }
    stack_.push_back({Frame::kArray, doc_->fields.size(), FieldName(), {}});
    return true;
  }
  bool end_array() override {
    const Frame array = std::move(stack_.back());
    stack_.pop_back();
    // One kind per field: integers among floats are floats (their decimal text reads as one).
    bool has_float = false;
    for (size_t i = array.first_field; i < doc_->fields.size(); ++i) {
      has_float |= doc_->fields[i].kind == ValueKind::kFloat;
    }
    for (size_t i = array.first_field; i < doc_->fields.size(); ++i) {
      DocField& f = doc_->fields[i];
      if (has_float && f.kind == ValueKind::kInt) f.kind = ValueKind::kFloat;
      if (f.kind != doc_->fields[array.first_field].kind) {
        return Fail("field \"" + array.name + "\": an array mixes " +
                    KindName(doc_->fields[array.first_field].kind) + " and " + KindName(f.kind) +
                    " values; a field holds values of one kind");
      }
    }
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& last_token,
                   const nlohmann::detail::exception& ex) override {
    // 406: a number beyond a double's range (1e400), well-formed JSON the lexer cannot hold.
    if (ex.id == 406 && InId()) return Fail(kInexactIdReason);
    if (ex.id == 406 && !stack_.empty()) {
      return Fail("field \"" + FieldName() + "\": number " + ClipReason(last_token) +
                  " is out of the range of a 64-bit float");
    }
    std::string_view what = ex.what();
    size_t column = what.find("column ");
    reason_ = column == std::string_view::npos
                  ? ClipReason("invalid JSON: " + std::string(what))
                  : ClipReason("invalid JSON at " + std::string(what.substr(column)));
    return false;
  }

 private:
  struct Frame {
    enum Type { kObject, kArray } type;
    size_t first_field;  // arrays: the first field of their elements
    std::string name;    // the dotted name of this object or array ("" at the top)
    std::string key;     // objects: the member being read
  };

  static const char* KindName(ValueKind kind) {
    switch (kind) {
      case ValueKind::kText:
      case ValueKind::kKeyword:
        return "string";
      case ValueKind::kInt:
      case ValueKind::kFloat:
      case ValueKind::kDate:
        return "number";
      case ValueKind::kBool:
        return "boolean";
    }
    return "other";
  }

  // Called first for every value: the line must be an object.
  bool Value(const char* type) {
    if (!stack_.empty()) return true;
    return Fail(std::string("expected a JSON object, got ") + type);
  }
  bool InId() const {
    return stack_.size() == 1 && stack_.back().type == Frame::kObject && stack_.back().key == "id";
  }
  bool SetId(std::string id) {
    doc_->id = std::move(id);
    have_id_ = true;
    return true;
  }
  bool RefuseId(const char* type) {
    return Fail(std::string("\"id\" must be a string or an integer, got ") + type);
  }
  bool OutOfRange(const std::string& digits) {
    return Fail("field \"" + FieldName() + "\": integer " + ClipReason(digits) +
                " is outside the 64-bit range; write it as a string or a float");
  }
  // The name of the value being read: the object's members joined by dots; an array's
  // elements share the array's name.
  std::string FieldName() const {
    const Frame& top = stack_.back();
    if (top.type == Frame::kArray) return top.name;
    return top.name.empty() ? top.key : top.name + "." + top.key;
  }
  bool AddField(std::string value, ValueKind kind) {
    doc_->fields.emplace_back(FieldName(), std::move(value), kind);
    return true;
  }
  bool Fail(std::string reason) {
    reason_ = std::move(reason);
    return false;
  }

  Document* const doc_;
  std::vector<Frame> stack_;
  bool have_id_ = false;
  std::string reason_;
};

// Builds a Document from one JSONL line; false with *reason on a bad line.
bool ParseJsonLine(std::string_view line, Document* doc, std::string* reason) {
  return JsonLineReader(doc).Read(line, reason);
}

// The longest JSONL line parsed: field values of max_document_bytes may take twice that and more
// as JSON (escapes), and a line must fit in memory with its parse tree.
size_t MaxJsonLineBytes(const InputOptions& options) {
  constexpr uint64_t kSlack = 1 << 20;
  const uint64_t doc = std::min<uint64_t>(options.max_document_bytes, uint64_t{1} << 40);
  return static_cast<size_t>(std::min<uint64_t>(2 * doc + kSlack, SIZE_MAX));
}

Status ReadJsonl(const std::string& name, ByteSource* in, const Context& ctx) {
  const size_t max_line = MaxJsonLineBytes(*ctx.options);
  LineReader lines(in, &ctx.stats->bytes_read, max_line);
  std::string_view line;
  uint64_t line_no = 0;
  ctx.stats->current = name;
  while (lines.Next(&line)) {
    ++line_no;
    if (lines.line_cut()) {
      // A document cut mid-JSON cannot be parsed, so this one is dropped, not truncated.
      ++ctx.stats->skipped_too_large;
      AddMessage(ctx.stats, name + ":" + std::to_string(line_no) + ": line longer than " +
                                std::to_string(max_line) + " bytes, skipped");
      continue;
    }
    if (IsBlank(line)) continue;
    Document doc;
    std::string reason;
    if (!ParseJsonLine(line, &doc, &reason)) {
      std::string msg = name + ":" + std::to_string(line_no) + ": " + reason;
      if (!ctx.options->skip_errors) return Status::InvalidArgument(std::move(msg));
      // nlohmann checks UTF-8 as it parses; such a line is well-formed JSON in the wrong encoding.
      const bool encoding = reason.find("ill-formed UTF-8") != std::string::npos;
      ++(encoding ? ctx.stats->skipped_bad_encoding : ctx.stats->skipped_bad_json);
      AddMessage(ctx.stats, std::move(msg));
      continue;
    }
    TRAWL_RETURN_IF_ERROR(Emit(std::move(doc), ctx, name + ":" + std::to_string(line_no)));
  }
  // The lines before a read error were good; the rest of the file is lost.
  if (lines.failed()) ReportReadFailure(ctx, name + ":" + std::to_string(line_no + 1), *in);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// What a file (or member) holds, by its name

enum class Content { kText, kJsonl, kMbox, kHtml, kArchive };

struct FileName {
  Content content = Content::kText;
  bool compressed = false;  // one compressed stream: x.txt.gz, x.jsonl.zst, ...
  std::string_view inner;   // the name without the compression suffix
};

FileName ClassifyName(std::string_view name) {
  static constexpr std::string_view kCompressed[] = {".gz", ".bz2", ".xz", ".zst"};
  static constexpr std::string_view kArchives[] = {".tar", ".zip", ".tgz", ".tbz2",
                                                   ".tbz", ".txz", ".tzst"};
  FileName f;
  f.inner = name;
  for (std::string_view suffix : kCompressed) {
    if (EndsWithNoCase(name, suffix) && name.size() > suffix.size()) {
      f.compressed = true;
      f.inner = name.substr(0, name.size() - suffix.size());
      break;
    }
  }
  for (std::string_view suffix : kArchives) {
    if (EndsWithNoCase(f.inner, suffix)) f.content = Content::kArchive;
  }
  if (f.content == Content::kArchive) return f;
  if (EndsWithNoCase(f.inner, ".jsonl")) f.content = Content::kJsonl;
  if (EndsWithNoCase(f.inner, ".mbox")) f.content = Content::kMbox;
  if (EndsWithNoCase(f.inner, ".html") || EndsWithNoCase(f.inner, ".htm")) {
    f.content = Content::kHtml;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// --include / --exclude

bool GlobMatches(const std::string& pattern, const std::string& path) {
  if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
  if (pattern.find('/') != std::string::npos) return false;
  const std::string name(BaseName(path));
  return name.size() != path.size() && ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

// The path without the compression suffix, so that "*.txt" matches "notes.txt.gz".
std::string WithoutCompression(std::string_view path, const FileName& name) {
  return std::string(path.substr(0, path.size() - (BaseName(path).size() - name.inner.size())));
}

// See InputOptions::include for the rules; counts what it leaves out. `id` is the member's full
// name ("x.tar!a/b.txt") when `path` is a path inside an archive.
bool Wanted(const Context& ctx, std::string_view path, const FileName& name,
            std::string_view id = {}) {
  const InputOptions& o = *ctx.options;
  if (o.include.empty() && o.exclude.empty()) return true;
  std::vector<std::string> candidates{std::string(path)};
  if (!id.empty()) candidates.emplace_back(id);
  for (size_t i = 0, n = candidates.size(); i < n; ++i) {
    std::string bare = WithoutCompression(candidates[i], name);
    if (bare != candidates[i]) candidates.push_back(std::move(bare));
  }
  auto matches = [&](const std::vector<std::string>& patterns) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
      return std::any_of(candidates.begin(), candidates.end(),
                         [&](const std::string& c) { return GlobMatches(p, c); });
    });
  };
  const bool wanted = !matches(o.exclude) && (name.content == Content::kArchive ||
                                              o.include.empty() || matches(o.include));
  if (!wanted) ++ctx.stats->excluded;
  return wanted;
}

// ---------------------------------------------------------------------------------------------
// Readers of one stream. `where` names it in ids and messages: a path, or "archive!member".

Status ReadContent(const std::string& where, const FileName& name, ByteSource* in,
                   const Context& ctx);
Status ReadArchiveMembers(ArchiveReader* reader, const std::string& where, const Context& ctx);

void CountNestedArchive(const Context& ctx, const std::string& where) {
  ++ctx.stats->skipped_nested;
  AddMessage(ctx.stats, where + ": archive inside an archive, not opened (see --recurse-archives)");
}

bool TooDeep(const Context& ctx, const std::string& where) {
  if (ctx.nesting < kMaxNesting) return false;
  CountUnreadable(ctx.stats, where,
                  "nested more than " + std::to_string(kMaxNesting) + " archives deep, skipped");
  return true;
}

// A binary file is worth a look with libarchive before it is skipped: "backup" may be a tar,
// "data.bin" a gzip stream. `head` holds the bytes already read from `in`.
Status ReadBinary(const std::string& where, const FileName& name, const std::string& head,
                  const Sniffed& sniffed, ByteSource* in, const Context& ctx) {
  if (ctx.budget != nullptr && ctx.nesting < kMaxNesting) {
    PrefixedSource whole(head, in);
    ArchiveReader reader(&whole, ArchiveReader::Mode::kSniff, ctx.budget, where);
    if (reader.kind() == ArchiveReader::Kind::kArchive) {
      if (ctx.archive_depth > 0 && !ctx.options->recurse_archives) {
        CountNestedArchive(ctx, where);
        return Status::OK();
      }
      return ReadArchiveMembers(&reader, where, ctx);
    }
    if (reader.kind() == ArchiveReader::Kind::kCompressed) {
      std::string ignored;
      switch (reader.Next(&ignored)) {
        case ArchiveReader::Step::kMember: {
          FileName inner;  // what the stream decompresses to has no name: read it as text
          inner.inner = name.inner;
          return ReadContent(where, inner, reader.data(), ctx.Inside(/*archive=*/false));
        }
        case ArchiveReader::Step::kEnd:
          CountEmpty(ctx, where);
          return Status::OK();
        default:
          ReportFailure(ctx, reader.error());
          return Status::OK();
      }
    }
    // Damage in the stream below is not a property of this file's bytes.
    if (whole.failed()) {
      ReportReadFailure(ctx, where, whole);
      return Status::OK();
    }
  }
  CountSniffed(ctx, where, sniffed);
  return Status::OK();
}

// A document that is a whole file or member: its mtime (kDate, epoch milliseconds) and size
// (kInt, bytes as stored: on disk, or as the archive lists the member) where known. They go
// before the body, so that a body cut to the document size limit does not take them along.
void AddFileFields(const Context& ctx, Document* doc) {
  if (ctx.file.mtime_millis) doc->AddDate("mtime", *ctx.file.mtime_millis);
  if (ctx.file.size) doc->Add("size", std::to_string(*ctx.file.size), ValueKind::kInt);
}

Status ReadText(const std::string& where, const FileName& name, ByteSource* in,
                const Context& ctx) {
  const uint64_t limit = DocumentReadLimit(*ctx.options);
  std::string text;
  // The head first: a binary file is recognized without reading all of it.
  bool ok = ReadUpTo(in, std::min<uint64_t>(kSniffBytes, limit), &text);
  if (ok && !text.empty()) {
    if (Sniffed sniffed = SniffText(text); sniffed.kind != Sniffed::kText) {
      return ReadBinary(where, name, text, sniffed, in, ctx);
    }
    ok = ReadUpTo(in, limit, &text);
  }
  ctx.stats->bytes_read += text.size();
  if (!ok) {
    ReportReadFailure(ctx, where, *in);
    return Status::OK();
  }
  if (text.empty()) {
    CountEmpty(ctx, where);
    return Status::OK();
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // a BOM is not text
  Document doc;
  doc.id = where;
  doc.fields.emplace_back("title", std::string(name.inner));
  AddFileFields(ctx, &doc);
  doc.fields.emplace_back("body", std::move(text));
  return Emit(std::move(doc), ctx, where);
}

Status ReadHtml(const std::string& where, const FileName& name, ByteSource* in,
                const Context& ctx) {
  // Gumbo's tree takes about 20 times the page's bytes (60 MB of HTML: 1.4 GB, 10 s), so pages
  // are parsed up to a smaller limit than text; the rest of a page is counted as truncated.
  const uint64_t limit = std::min(ctx.options->max_document_bytes, kMaxHtmlBytes);
  std::string html;
  bool ok = ReadUpTo(in, limit + 1, &html);
  ctx.stats->bytes_read += html.size();
  if (!ok) {
    ReportReadFailure(ctx, where, *in);
    return Status::OK();
  }
  if (html.empty()) {
    CountEmpty(ctx, where);
    return Status::OK();
  }
  if (Sniffed sniffed = SniffText(html); sniffed.kind != Sniffed::kText) {
    CountSniffed(ctx, where, sniffed);
    return Status::OK();
  }
  const bool cut = html.size() > limit;
  if (cut) html.resize(Utf8Boundary(html, static_cast<size_t>(limit)));
  HtmlText text;
  std::string why;
  if (!ExtractHtmlText(html, &text, &why)) {
    CountUnreadable(ctx.stats, where, why);
    return Status::OK();
  }
  Document doc;
  doc.id = where;
  doc.fields.emplace_back("title", text.title.empty() ? std::string(name.inner) : text.title);
  // <meta> that says what the page is about, by whom.
  if (!text.description.empty()) doc.Add("description", std::move(text.description));
  for (std::string& keyword : text.keywords) {
    doc.Add("keywords", std::move(keyword), ValueKind::kKeyword);
  }
  if (!text.author.empty()) doc.Add("author", std::move(text.author), ValueKind::kKeyword);
  AddFileFields(ctx, &doc);
  doc.fields.emplace_back("body", std::move(text.body));
  return Emit(std::move(doc), ctx, where, cut);
}

Document MailDocument(const std::string& where, uint64_t number, MailMessage&& mail) {
  Document doc;
  doc.id = where + "#" + (mail.message_id.empty() ? std::to_string(number) : mail.message_id);
  // Absent headers make no empty fields: they would only lower the fields' average length.
  if (!mail.subject.empty()) doc.fields.emplace_back("title", std::move(mail.subject));
  // The address as written, kept whole: a keyword to filter and count by. The date goes to the
  // writer as the header has it, which reads RFC 5322 dates. Mail in the wild carries dates no
  // parser reads; such a message is kept, its header as searchable text in `date_header`.
  if (!mail.from.empty()) doc.Add("from", std::move(mail.from), ValueKind::kKeyword);
  int64_t millis;
  if (ParseMailDate(mail.date, &millis) || ParseIsoDate(mail.date, &millis)) {
    doc.Add("date", std::move(mail.date), ValueKind::kDate);
  } else if (!mail.date.empty()) {
    doc.fields.emplace_back("date_header", std::move(mail.date));
  }
  doc.fields.emplace_back("body", std::move(mail.body));
  return doc;
}

Status ReadMbox(const std::string& where, ByteSource* in, const Context& ctx) {
  const uint64_t max_document = ctx.options->max_document_bytes;
  const size_t max_message = static_cast<size_t>(
      std::min<uint64_t>(max_document, std::numeric_limits<size_t>::max() - kMaxMailHeaderBytes) +
      kMaxMailHeaderBytes);
  // A line cut here makes the message longer than max_message, which the splitter then cuts.
  LineReader lines(in, &ctx.stats->bytes_read, max_message);
  MboxSplitter splitter(&lines, max_message);
  std::string message;
  bool cut = false;
  uint64_t number = 0;
  while (splitter.Next(&message, &cut)) {
    ++number;
    Document doc = MailDocument(where, number, ParseMailMessage(message));
    const std::string id = doc.id;
    TRAWL_RETURN_IF_ERROR(Emit(std::move(doc), ctx, id, cut));
  }
  if (lines.failed()) ReportReadFailure(ctx, where + "#" + std::to_string(number + 1), *in);
  return Status::OK();
}

// One compressed stream (x.txt.gz): decompressed, then read like the file without the suffix.
Status ReadCompressed(const std::string& where, const FileName& name, ByteSource* in,
                      const Context& ctx) {
  if (TooDeep(ctx, where)) return Status::OK();
  ArchiveReader reader(in, ArchiveReader::Mode::kCompressed, ctx.budget, where);
  if (reader.kind() == ArchiveReader::Kind::kNeither) {
    CountUnreadable(ctx.stats, where, "not gzip, bzip2, xz or zstd data");
    return Status::OK();
  }
  std::string ignored;
  switch (reader.Next(&ignored)) {
    case ArchiveReader::Step::kMember:
      break;
    case ArchiveReader::Step::kEnd:
      CountEmpty(ctx, where);
      return Status::OK();
    default:
      ReportFailure(ctx, reader.error());
      return Status::OK();
  }
  const FileName inner = ClassifyName(name.inner);
  const Context inside = ctx.Inside(/*archive=*/false);
  if (inner.compressed) return ReadCompressed(where, inner, reader.data(), inside);
  return ReadContent(where, inner, reader.data(), inside);
}

Status ReadContent(const std::string& where, const FileName& name, ByteSource* in,
                   const Context& ctx) {
  switch (name.content) {
    case Content::kJsonl:
      return ReadJsonl(where, in, ctx);
    case Content::kMbox:
      return ReadMbox(where, in, ctx);
    case Content::kHtml:
      return ReadHtml(where, name, in, ctx);
    case Content::kArchive:
      // An archive by name inside a compressed stream (x.tar.gz.gz): as the file is read
      // already, only the bytes can tell.
    case Content::kText:
      break;
  }
  return ReadText(where, name, in, ctx);
}

// ---------------------------------------------------------------------------------------------
// Archives

Status ReadMember(const std::string& where, const std::string& member_path, ByteSource* in,
                  const Context& ctx) {
  const FileName name = ClassifyName(BaseName(member_path));
  if (!Wanted(ctx, member_path, name, where)) return Status::OK();
  ctx.stats->current = where;
  if (name.content == Content::kArchive) {
    if (!ctx.options->recurse_archives) {
      CountNestedArchive(ctx, where);
      return Status::OK();
    }
    if (TooDeep(ctx, where)) return Status::OK();
    ArchiveReader reader(in, ArchiveReader::Mode::kArchive, ctx.budget, where);
    return ReadArchiveMembers(&reader, where, ctx);
  }
  if (name.compressed) return ReadCompressed(where, name, in, ctx);
  return ReadContent(where, name, in, ctx);
}

Status ReadArchiveMembers(ArchiveReader* reader, const std::string& where, const Context& ctx) {
  const Context inside = ctx.Inside(/*archive=*/true);
  std::string member_path;
  for (;;) {
    switch (reader->Next(&member_path)) {
      case ArchiveReader::Step::kMember: {
        Context member = inside;
        member.file = reader->member_info();
        TRAWL_RETURN_IF_ERROR(
            ReadMember(where + "!" + member_path, member_path, reader->data(), member));
        break;
      }
      case ArchiveReader::Step::kBadMember:
        ++ctx.stats->skipped_unreadable;
        AddMessage(ctx.stats, reader->error());
        break;
      case ArchiveReader::Step::kEnd:
        return Status::OK();
      case ArchiveReader::Step::kFailed:
        // The members before the damage are indexed; the run goes on with the next input.
        ReportFailure(ctx, reader->error());
        return Status::OK();
    }
  }
}

ArchiveLimits LimitsOf(const InputOptions& options) {
  ArchiveLimits limits;
  limits.max_output_bytes = options.max_decompressed_bytes;
  limits.max_ratio = options.max_compression_ratio;
  limits.max_members = options.max_archive_members;
  return limits;
}

// ---------------------------------------------------------------------------------------------
// Files

Status ReadOneFile(const std::string& path, const Context& base) {
  const FileName name = ClassifyName(BaseName(path));
  if (!Wanted(base, path, name)) return Status::OK();
  base.stats->current = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    CountUnreadable(base.stats, path, ErrnoText(errno));
    return Status::OK();
  }
  FdSource file(fd, /*owns_fd=*/true);
  struct stat st;
  const bool have_stat = ::fstat(fd, &st) == 0;
  if (have_stat && S_ISREG(st.st_mode) && st.st_size == 0) {
    CountEmpty(base, path);  // before libarchive, which calls an empty .tar unrecognizable
    return Status::OK();
  }
  DecompressionBudget budget(LimitsOf(*base.options), &file);
  Context ctx = base;
  ctx.budget = &budget;
  if (have_stat) {
    // tv_nsec is in [0, 1e9), so the division floors for times before 1970 too.
    ctx.file.mtime_millis = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    if (S_ISREG(st.st_mode)) ctx.file.size = static_cast<uint64_t>(st.st_size);
  }
  Status s;
  if (name.content == Content::kArchive) {
    ArchiveReader reader(&file, ArchiveReader::Mode::kArchive, &budget, path);
    s = ReadArchiveMembers(&reader, path, ctx);
  } else if (name.compressed) {
    s = ReadCompressed(path, name, &file, ctx);
  } else {
    s = ReadContent(path, name, &file, ctx);
  }
  base.stats->input_bytes += file.bytes_read();
  return s;
}

// JSONL on stdin, compressed or not: a pipe has no name to tell, so the magic numbers do.
Status ReadStdin(const Context& base) {
  FdSource in(STDIN_FILENO, /*owns_fd=*/false);
  DecompressionBudget budget(LimitsOf(*base.options), &in);
  Context ctx = base;
  ctx.budget = &budget;
  ctx.stats->current = kStdinName;
  std::string head;
  Status s;
  if (!ReadUpTo(&in, 6, &head)) {
    ReportReadFailure(ctx, kStdinName, in);
  } else {
    static constexpr std::string_view kMagics[] = {
        "\x1f\x8b", "BZh", "\xfd\x37\x7a\x58\x5a\x00", "\x28\xb5\x2f\xfd"};
    const bool compressed = std::any_of(std::begin(kMagics), std::end(kMagics),
                                        [&](std::string_view m) { return head.starts_with(m); });
    PrefixedSource whole(head, &in);
    if (compressed) {
      FileName name;
      name.compressed = true;
      name.inner = "-.jsonl";  // read like a .jsonl file, named <stdin> in ids and messages
      s = ReadCompressed(kStdinName, name, &whole, ctx);
    } else {
      s = ReadJsonl(kStdinName, &whole, ctx);
    }
  }
  base.stats->input_bytes += in.bytes_read();
  return s;
}

// Every regular file below `root` (symlinks to files included, symlinked directories not
// entered), sorted so that a run is deterministic whatever order the file system lists.
std::vector<std::string> ListFiles(const std::string& root, InputStats* stats) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::vector<fs::path> pending{fs::path(root)};
  while (!pending.empty()) {
    fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code entry_ec;
      fs::file_status own = it->symlink_status(entry_ec);
      if (fs::is_directory(own)) {
        pending.push_back(it->path());
      } else if (fs::is_regular_file(own)) {
        files.push_back(it->path().string());
      } else if (fs::is_symlink(own)) {
        fs::file_status target = it->status(entry_ec);
        if (entry_ec) {
          CountUnreadable(stats, it->path().string(), entry_ec.message());
        } else if (fs::is_regular_file(target)) {
          files.push_back(it->path().string());
        }
      }
      // Sockets, FIFOs and devices are not documents (and a FIFO would block).
    }
    if (ec) CountUnreadable(stats, dir.string(), ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Status ReadJsonlText(const std::string& name, std::string_view text, const InputOptions& options,
                     InputStats* stats, const std::function<Status(Document&&)>& sink) {
  // The text is the head of a stream whose rest is empty.
  class EmptySource final : public ByteSource {
   public:
    bool Read(char* /*buf*/, size_t /*cap*/, size_t* got) override {
      *got = 0;
      return true;
    }
  };
  InputStats ignored;
  if (stats == nullptr) stats = &ignored;
  const Context ctx{&options, stats, &sink};
  EmptySource nothing;
  PrefixedSource whole(text, &nothing);
  return ReadJsonl(name, &whole, ctx);
}

Status ReadInput(const std::string& input, const InputOptions& options, InputStats* stats,
                 const std::function<Status(Document&&)>& sink) {
  InputStats ignored;
  if (stats == nullptr) stats = &ignored;
  const Context ctx{&options, stats, &sink};
  if (input == "-") return ReadStdin(ctx);
  struct stat st;
  if (::stat(input.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound(input + ": no such file or directory");
    }
    CountUnreadable(stats, input, ErrnoText(errno));
    return Status::OK();
  }
  if (!S_ISDIR(st.st_mode)) return ReadOneFile(input, ctx);
  for (const std::string& path : ListFiles(input, stats)) {
    TRAWL_RETURN_IF_ERROR(ReadOneFile(path, ctx));
  }
  return Status::OK();
}

}  // namespace trawl

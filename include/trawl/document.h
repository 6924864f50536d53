// Document: what trawl indexes and stores.
#ifndef TRAWL_DOCUMENT_H_
#define TRAWL_DOCUMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trawl {

// What an input says a value is. For a field the schema does not know yet, it chooses the
// field's type (dynamic mapping, trawl/schema.h): kText -> text, kKeyword -> keyword, kInt ->
// int, kFloat -> float, kBool -> bool, kDate -> date. For a known field it is only a hint: the
// value is converted to the field's type, or the document is refused naming the field.
enum class ValueKind : uint8_t { kText, kKeyword, kInt, kFloat, kBool, kDate };

struct DocField {
  DocField() = default;
  DocField(std::string name_in, std::string value_in, ValueKind kind_in = ValueKind::kText)
      : name(std::move(name_in)), value(std::move(value_in)), kind(kind_in) {}

  // [A-Za-z_][A-Za-z0-9_.]*; "id" is reserved. A name repeated in one document makes the field
  // multi-valued there.
  std::string name;
  // The value as text: a string; an integer in decimal; a float in decimal or exponent form;
  // "true" or "false"; a date in RFC 3339 / ISO 8601 (no zone means UTC) or as an integer of
  // milliseconds since the Unix epoch.
  std::string value;
  ValueKind kind = ValueKind::kText;

  bool operator==(const DocField&) const = default;
};

struct Document {
  // The external key, unique within an index: adding a document whose id exists replaces it.
  std::string id;
  // Fields in input order, e.g. {"title", ...}, {"body", ...}: each is indexed, stored and kept
  // in a column as its field's schema says.
  std::vector<DocField> fields;

  void Add(std::string name, std::string value, ValueKind kind = ValueKind::kText) {
    fields.emplace_back(std::move(name), std::move(value), kind);
  }
  void AddInt(std::string name, int64_t value) {
    fields.emplace_back(std::move(name), std::to_string(value), ValueKind::kInt);
  }
  void AddBool(std::string name, bool value) {
    fields.emplace_back(std::move(name), value ? "true" : "false", ValueKind::kBool);
  }
  // Milliseconds since the Unix epoch (UTC).
  void AddDate(std::string name, int64_t epoch_millis) {
    fields.emplace_back(std::move(name), std::to_string(epoch_millis), ValueKind::kDate);
  }

  // The value of the first field called `name`, or an empty view.
  std::string_view Field(std::string_view name) const {
    for (const DocField& f : fields)
      if (f.name == name) return f.value;
    return {};
  }
};

}  // namespace trawl

#endif  // TRAWL_DOCUMENT_H_

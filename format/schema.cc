// include/trawl/schema.h, and its JSON form (format/schema_json.h).
#include "trawl/schema.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "analysis/analyzer.h"
#include "analysis/registry.h"
#include "format/schema_json.h"

namespace trawl {

namespace {

constexpr size_t kMaxFieldNameBytes = 255;

constexpr FieldType kAllTypes[] = {FieldType::kText,  FieldType::kKeyword, FieldType::kInt,
                                   FieldType::kFloat, FieldType::kDate,    FieldType::kBool,
                                   FieldType::kStored};

std::string TypeList() {
  std::string out;
  for (FieldType t : kAllTypes) {
    if (!out.empty()) out += ", ";
    out += FieldTypeName(t);
  }
  return out;
}

std::string Bool(bool b) { return b ? "true" : "false"; }

nlohmann::ordered_json FieldAnalyzerToJsonValue(const FieldAnalyzer& a) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (a.language) j["language"] = *a.language;
  if (a.stopwords) j["stopwords"] = *a.stopwords;
  if (a.tokenizer) j["tokenizer"] = *a.tokenizer;
  if (a.ascii_folding) j["ascii_folding"] = *a.ascii_folding;
  if (!a.filters.empty()) j["filters"] = a.filters;
  return j;
}

std::string FieldAnalyzerText(const FieldAnalyzer& a) {
  return a.IsDefault() ? "the index's analyzer" : "analyzer " + FieldAnalyzerToJsonValue(a).dump();
}

// The first option in which two specs of the same type differ, as "name=value" for each.
void FirstDifference(const FieldSpec& have, const FieldSpec& want, std::string* have_text,
                     std::string* want_text) {
  if (have.analyzer != want.analyzer) {
    *have_text = FieldAnalyzerText(have.analyzer);
    *want_text = FieldAnalyzerText(want.analyzer);
    return;
  }
  const std::pair<const char*, bool FieldSpec::*> options[] = {
      {"stored", &FieldSpec::stored},
      {"indexed", &FieldSpec::indexed},
      {"column", &FieldSpec::column},
      {"lowercase", &FieldSpec::lowercase}};
  for (const auto& [name, member] : options) {
    if (have.*member != want.*member) {
      *have_text = std::string(name) + "=" + Bool(have.*member);
      *want_text = std::string(name) + "=" + Bool(want.*member);
      return;
    }
  }
  assert(false && "specs differ in no option");
}

// The values Analyzer::Create would refuse in any program; a stopword file is only opened, and
// a registered component only looked up, with the index.
Status CheckFieldAnalyzer(const std::string& name, const FieldAnalyzer& a) {
  if (a.tokenizer && !IsBuiltinTokenizer(*a.tokenizer) &&
      !ValidAnalysisComponentName(*a.tokenizer)) {
    return Status::InvalidArgument("field '" + name + "': bad tokenizer name '" + *a.tokenizer +
                                   "' (tokenizers: simple, standard, or a registered one, "
                                   "named [A-Za-z_][A-Za-z0-9_.-]*)");
  }
  for (const std::string& filter : a.filters) {
    if (!ValidAnalysisComponentName(filter)) {
      return Status::InvalidArgument("field '" + name + "': bad token filter name '" + filter +
                                     "' (a registered one, named [A-Za-z_][A-Za-z0-9_.-]*)");
    }
  }
  if (a.language && *a.language != "none") {
    const std::vector<std::string> languages = Analyzer::Languages();
    if (std::find(languages.begin(), languages.end(), *a.language) == languages.end()) {
      std::string known = "none";
      for (const std::string& l : languages) known += ", " + l;
      return Status::InvalidArgument("field '" + name + "': unknown language '" + *a.language +
                                     "' (languages: " + known + ")");
    }
  }
  return Status::OK();
}

Status CheckSpec(const std::string& name, const FieldSpec& spec) {
  const std::string type(FieldTypeName(spec.type));
  if (spec.column && (spec.type == FieldType::kText || spec.type == FieldType::kStored)) {
    return Status::InvalidArgument("field '" + name + "': a " + type +
                                   " field cannot have a column (only keyword, int, float, "
                                   "date and bool fields can)");
  }
  if (spec.indexed && spec.type == FieldType::kStored) {
    return Status::InvalidArgument("field '" + name +
                                   "': a stored field is never indexed (make it keyword or text "
                                   "to search it)");
  }
  if (spec.lowercase && spec.type != FieldType::kKeyword) {
    return Status::InvalidArgument("field '" + name + "': lowercase is for keyword fields, not " +
                                   type);
  }
  if (!spec.analyzer.IsDefault() && spec.type != FieldType::kText) {
    return Status::InvalidArgument("field '" + name + "': an analyzer is for text fields, not " +
                                   type);
  }
  return CheckFieldAnalyzer(name, spec.analyzer);
}

Status ReadBoolOption(const std::string& field, const std::string& key,
                      const nlohmann::ordered_json& value, bool* out) {
  if (!value.is_boolean()) {
    return Status::InvalidArgument("field '" + field + "': option '" + key +
                                   "' must be true or false, not " + value.dump());
  }
  *out = value.get<bool>();
  return Status::OK();
}

Status ReadFilterNames(const std::string& field, const nlohmann::ordered_json& value,
                       std::vector<std::string>* out) {
  const bool strings = value.is_array() && std::all_of(value.begin(), value.end(),
                                                       [](const auto& v) { return v.is_string(); });
  if (!strings) {
    return Status::InvalidArgument("field '" + field +
                                   "': analyzer setting 'filters' must be an array of names, not " +
                                   value.dump());
  }
  out->clear();
  for (const auto& v : value) out->push_back(v.get<std::string>());
  return Status::OK();
}

Status FieldAnalyzerFromJsonValue(const std::string& name, const nlohmann::ordered_json& j,
                                  FieldAnalyzer* out) {
  if (!j.is_object()) {
    return Status::InvalidArgument(
        "field '" + name + "': \"analyzer\" must be an object such as {\"language\": \"none\"}, not " +
        j.dump());
  }
  FieldAnalyzer analyzer;
  for (const auto& [key, value] : j.items()) {
    if (key == "filters") {
      TRAWL_RETURN_IF_ERROR(ReadFilterNames(name, value, &analyzer.filters));
      continue;
    }
    if (key == "ascii_folding") {
      bool folding;
      TRAWL_RETURN_IF_ERROR(ReadBoolOption(name, "analyzer." + key, value, &folding));
      analyzer.ascii_folding = folding;
      continue;
    }
    std::optional<std::string>* setting = key == "language"    ? &analyzer.language
                                          : key == "stopwords" ? &analyzer.stopwords
                                          : key == "tokenizer" ? &analyzer.tokenizer
                                                               : nullptr;
    if (setting == nullptr) {
      return Status::InvalidArgument(
          "field '" + name + "': unknown analyzer setting '" + key +
          "' (settings: language, stopwords, tokenizer, ascii_folding, filters)");
    }
    if (!value.is_string()) {
      return Status::InvalidArgument("field '" + name + "': analyzer setting '" + key +
                                     "' must be a string, not " + value.dump());
    }
    *setting = value.get<std::string>();
  }
  *out = std::move(analyzer);
  return Status::OK();
}

Status FieldFromJsonValue(const std::string& name, const nlohmann::ordered_json& j,
                          FieldSpec* out) {
  if (!j.is_object()) {
    return Status::InvalidArgument("field '" + name +
                                   "': must be an object such as {\"type\": \"keyword\"}");
  }
  const auto type_it = j.find("type");
  if (type_it == j.end()) return Status::InvalidArgument("field '" + name + "': no \"type\"");
  if (!type_it->is_string()) {
    return Status::InvalidArgument("field '" + name + "': \"type\" must be a string, not " +
                                   type_it->dump());
  }
  FieldType type;
  const std::string type_name = type_it->get<std::string>();
  if (!ParseFieldType(type_name, &type)) {
    return Status::InvalidArgument("field '" + name + "': unknown type '" + type_name +
                                   "' (types: " + TypeList() + ")");
  }
  FieldSpec spec = FieldSpec::Default(type);
  for (const auto& [key, value] : j.items()) {
    if (key == "type") continue;
    if (key == "analyzer") {
      TRAWL_RETURN_IF_ERROR(FieldAnalyzerFromJsonValue(name, value, &spec.analyzer));
      continue;
    }
    bool* option = key == "stored"      ? &spec.stored
                   : key == "indexed"   ? &spec.indexed
                   : key == "column"    ? &spec.column
                   : key == "lowercase" ? &spec.lowercase
                                        : nullptr;
    if (option == nullptr) {
      return Status::InvalidArgument("field '" + name + "': unknown option '" + key +
                                     "' (options: type, stored, indexed, column, lowercase, analyzer)");
    }
    TRAWL_RETURN_IF_ERROR(ReadBoolOption(name, key, value, option));
  }
  *out = spec;
  return Status::OK();
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kKeyword:
      return "keyword";
    case FieldType::kInt:
      return "int";
    case FieldType::kFloat:
      return "float";
    case FieldType::kDate:
      return "date";
    case FieldType::kBool:
      return "bool";
    case FieldType::kStored:
      return "stored";
  }
  return "unknown";
}

bool ParseFieldType(std::string_view name, FieldType* out) {
  for (FieldType t : kAllTypes) {
    if (FieldTypeName(t) == name) {
      *out = t;
      return true;
    }
  }
  return false;
}

FieldType DynamicFieldType(ValueKind kind) {
  switch (kind) {
    case ValueKind::kText:
      return FieldType::kText;
    case ValueKind::kKeyword:
      return FieldType::kKeyword;
    case ValueKind::kInt:
      return FieldType::kInt;
    case ValueKind::kFloat:
      return FieldType::kFloat;
    case ValueKind::kBool:
      return FieldType::kBool;
    case ValueKind::kDate:
      return FieldType::kDate;
  }
  return FieldType::kText;
}

FieldSpec FieldSpec::Default(FieldType type) {
  FieldSpec spec;
  spec.type = type;
  spec.stored = true;
  spec.indexed = type != FieldType::kStored;
  spec.column = type != FieldType::kText && type != FieldType::kStored;
  spec.lowercase = false;
  return spec;
}

bool Schema::ValidFieldName(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldNameBytes || name == "id") return false;
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!letter(name[0])) return false;
  for (char c : name.substr(1))
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '.') return false;
  return true;
}

const Schema::Field* Schema::Find(std::string_view name) const {
  auto it = positions_.find(name);
  return it == positions_.end() ? nullptr : &fields_[it->second];
}

Status Schema::AddField(std::string name, const FieldSpec& spec) {
  if (name == "id") {
    return Status::InvalidArgument(
        "field 'id' is reserved: it is every document's key, matched verbatim");
  }
  if (!ValidFieldName(name)) {
    const std::string shown = name.size() > 64 ? name.substr(0, 64) + "..." : name;
    return Status::InvalidArgument("field name '" + shown +
                                   "' is not valid: names are [A-Za-z_][A-Za-z0-9_.]*, at most " +
                                   std::to_string(kMaxFieldNameBytes) + " bytes");
  }
  TRAWL_RETURN_IF_ERROR(CheckSpec(name, spec));
  if (const Field* have = Find(name)) {
    if (have->spec == spec) return Status::OK();
    const std::string have_type(FieldTypeName(have->spec.type));
    const std::string want_type(FieldTypeName(spec.type));
    if (have->spec.type != spec.type) {
      return Status::InvalidArgument("field '" + name + "' is " + have_type +
                                     " in the index; cannot make it " + want_type);
    }
    std::string have_option, want_option;
    FirstDifference(have->spec, spec, &have_option, &want_option);
    return Status::InvalidArgument("field '" + name + "' is " + have_type + " with " + have_option +
                                   " in the index; cannot make it " + want_type + " with " +
                                   want_option);
  }
  if (fields_.size() >= max_fields) {
    return Status::InvalidArgument("cannot add field '" + name +
                                   "': the schema has its maximum of " +
                                   std::to_string(max_fields) + " fields (max_fields)");
  }
  positions_.emplace(name, fields_.size());
  fields_.push_back(Field{std::move(name), spec});
  return Status::OK();
}

Status Schema::Merge(const Schema& other) {
  Schema merged = *this;
  for (const Field& f : other.fields()) TRAWL_RETURN_IF_ERROR(merged.AddField(f.name, f.spec));
  *this = std::move(merged);
  return Status::OK();
}

nlohmann::ordered_json SchemaToJsonValue(const Schema& schema) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  for (const Schema::Field& f : schema.fields()) {
    fields[f.name] = {{"type", std::string(FieldTypeName(f.spec.type))},
                      {"stored", f.spec.stored},
                      {"indexed", f.spec.indexed},
                      {"column", f.spec.column},
                      {"lowercase", f.spec.lowercase}};
    if (!f.spec.analyzer.IsDefault()) {
      fields[f.name]["analyzer"] = FieldAnalyzerToJsonValue(f.spec.analyzer);
    }
  }
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["fields"] = std::move(fields);
  j["dynamic"] = schema.dynamic;
  j["max_fields"] = schema.max_fields;
  return j;
}

Status SchemaFromJsonValue(const nlohmann::ordered_json& j, Schema* out) {
  if (!j.is_object()) return Status::InvalidArgument("schema: not a JSON object");
  Schema schema;
  const nlohmann::ordered_json* fields = nullptr;
  for (const auto& [key, value] : j.items()) {
    if (key == "fields") {
      if (!value.is_object()) {
        return Status::InvalidArgument(
            "schema: \"fields\" must be an object {NAME: {\"type\": ...}, ...}");
      }
      fields = &value;
    } else if (key == "dynamic") {
      if (!value.is_boolean()) {
        return Status::InvalidArgument("schema: \"dynamic\" must be true or false, not " +
                                       value.dump());
      }
      schema.dynamic = value.get<bool>();
    } else if (key == "max_fields") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0) {
        return Status::InvalidArgument("schema: \"max_fields\" must be a positive integer, not " +
                                       value.dump());
      }
      schema.max_fields = value.get<uint64_t>();
    } else {
      return Status::InvalidArgument("schema: unknown key '" + key +
                                     "' (keys: fields, dynamic, max_fields)");
    }
  }
  if (fields != nullptr) {
    for (const auto& [name, value] : fields->items()) {
      if (name == "id") {
        return Status::InvalidArgument(
            "field 'id' is reserved: it is every document's key, matched verbatim");
      }
      FieldSpec spec;
      TRAWL_RETURN_IF_ERROR(FieldFromJsonValue(name, value, &spec));
      TRAWL_RETURN_IF_ERROR(schema.AddField(name, spec));
    }
  }
  *out = std::move(schema);
  return Status::OK();
}

Status Schema::FromJson(std::string_view json, Schema* out) {
  nlohmann::ordered_json j =
      nlohmann::ordered_json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("schema: not valid JSON");
  return SchemaFromJsonValue(j, out);
}

std::string Schema::ToJson() const { return SchemaToJsonValue(*this).dump(2); }

}  // namespace trawl

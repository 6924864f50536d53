#include "server/statistics_json.h"

#include <limits>

namespace trawl::serve {

nlohmann::json StatisticsToJson(const CollectionStatistics& stats) {
  nlohmann::json fields = nlohmann::json::array();
  for (const FieldStatistics& f : stats.fields) {
    fields.push_back({{"name", f.name},
                      {"type", std::string(FieldTypeName(f.type))},
                      {"docs", f.docs_with_field},
                      {"length", f.total_length}});
  }
  nlohmann::json terms = nlohmann::json::object();
  for (const auto& [field, by_term] : stats.doc_freq) {
    nlohmann::json one = nlohmann::json::object();
    for (const auto& [term, df] : by_term) one[term] = df;
    terms[field] = std::move(one);
  }
  return {{"fields", std::move(fields)}, {"terms", std::move(terms)}};
}

namespace {

bool Count(const nlohmann::json& j, uint64_t* out) {
  if (!j.is_number_unsigned()) return false;
  *out = j.get<uint64_t>();
  return true;
}

}  // namespace

std::string StatisticsFromJson(const nlohmann::json& j, CollectionStatistics* out) {
  *out = CollectionStatistics();
  if (!j.is_object()) return "statistics: expected an object";
  const auto fields = j.find("fields");
  const auto terms = j.find("terms");
  if (fields == j.end() || !fields->is_array()) return "statistics.fields: expected an array";
  if (terms == j.end() || !terms->is_object()) return "statistics.terms: expected an object";
  for (size_t i = 0; i < fields->size(); ++i) {
    const nlohmann::json& f = (*fields)[i];
    const std::string path = "statistics.fields[" + std::to_string(i) + "]";
    FieldStatistics field;
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type") ||
        !f["type"].is_string() || !f.contains("docs") || !f.contains("length")) {
      return path + ": expected {\"name\", \"type\", \"docs\", \"length\"}";
    }
    field.name = f["name"].get<std::string>();
    if (!ParseFieldType(f["type"].get<std::string>(), &field.type))
      return path + ".type: unknown type";
    if (!Count(f["docs"], &field.docs_with_field) || !Count(f["length"], &field.total_length))
      return path + ": docs and length must be whole numbers";
    out->fields.push_back(std::move(field));
  }
  for (auto by_field = terms->begin(); by_field != terms->end(); ++by_field) {
    if (!by_field->is_object()) return "statistics.terms." + by_field.key() + ": expected an object";
    auto& mine = out->doc_freq[by_field.key()];
    for (auto term = by_field->begin(); term != by_field->end(); ++term) {
      uint64_t df = 0;
      if (!Count(*term, &df)) {
        return "statistics.terms." + by_field.key() + ": document frequencies must be whole numbers";
      }
      mine[term.key()] = df;
    }
  }
  return std::string();
}

}  // namespace trawl::serve

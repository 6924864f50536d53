#include "format/manifest.h"

#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/registry.h"
#include "format/file_format.h"
#include "format/file_names.h"
#include "format/schema_json.h"

namespace trawl {

namespace {
constexpr std::string_view kManifestKind = "MANI";

bool NamesRegisteredAnalysis(const Manifest& m) {
  if (!IsBuiltinTokenizer(m.analyzer.tokenizer)) return true;
  for (const Schema::Field& f : m.schema.fields()) {
    const FieldAnalyzer& a = f.spec.analyzer;
    if ((a.tokenizer && !IsBuiltinTokenizer(*a.tokenizer)) || !a.filters.empty()) return true;
  }
  return false;
}
}  // namespace

std::string ManifestPath(const std::string& dir, uint64_t generation) {
  return dir + "/" + ManifestFileName(generation);
}

Status ListManifestGenerations(const std::string& dir, std::vector<uint64_t>* generations,
                               FileSystem* fs) {
  if (fs == nullptr) fs = FileSystem::Default();
  generations->clear();
  std::vector<std::string> names;
  TRAWL_RETURN_IF_ERROR(fs->GetChildren(dir, &names));
  for (const std::string& name : names) {
    uint64_t generation;
    // Temporary files and strays are not manifests.
    if (ParseManifestFileName(name, &generation)) generations->push_back(generation);
  }
  std::sort(generations->begin(), generations->end());
  return Status::OK();
}

Status ReadManifest(const std::string& dir, uint64_t generation, Manifest* out, FileSystem* fs) {
  const std::string path = ManifestPath(dir, generation);
  std::unique_ptr<MappedFile> file;
  TRAWL_RETURN_IF_ERROR(MappedFile::Open(path, kManifestKind, kManifestFormatVersion, &file, fs));
  const bool has_tokenizer = file->version() >= 2;
  const bool has_schema = file->version() >= 3;
  TRAWL_RETURN_IF_ERROR(file->VerifyChecksum());
  // Ordered: the schema's fields are in id order.
  nlohmann::ordered_json j =
      nlohmann::ordered_json::parse(file->body(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return file->Corrupt("not a JSON object");
  try {
    Manifest m;
    m.generation = j.at("generation").get<uint64_t>();
    if (m.generation != generation) return file->Corrupt("generation does not match the file name");
    const auto& a = j.at("analyzer");
    m.analyzer.language = a.at("language").get<std::string>();
    m.analyzer.stopwords = a.at("stopwords").get<std::string>();
    m.analyzer.max_token_chars = a.at("max_token_chars").get<uint32_t>();
    // Version 1 predates the choice: its indexes were all tokenized the simple way.
    m.analyzer.tokenizer = has_tokenizer ? a.at("tokenizer").get<std::string>() : "simple";
    // Added within version 3; a manifest without it was written before folding existed.
    m.analyzer.ascii_folding = a.value("ascii_folding", false);
    // Before version 3 there was no schema: every field was text, which an empty schema means
    // to the writer and the searcher.
    if (has_schema) {
      Status st = SchemaFromJsonValue(j.at("schema"), &m.schema);
      if (!st.ok()) return file->Corrupt("bad schema: " + st.message());
    }
    m.next_segment_number = j.at("next_segment_number").get<uint64_t>();
    for (const auto& s : j.at("segments")) {
      ManifestSegment seg;
      seg.name = s.at("name").get<std::string>();
      seg.num_docs = s.at("docs").get<uint32_t>();
      seg.deletes = s.value("deletes", std::string());
      seg.num_deleted = s.value("deleted", 0u);
      if (seg.num_deleted > seg.num_docs) return file->Corrupt("more deleted than documents");
      m.segments.push_back(std::move(seg));
    }
    *out = std::move(m);
  } catch (const nlohmann::json::exception& e) {
    return file->Corrupt(std::string("bad manifest: ") + e.what());
  }
  return Status::OK();
}

Status ReadLatestManifest(const std::string& dir, Manifest* out, FileSystem* fs) {
  Status s;
  // A writer retires old manifests once newer ones exist: if the newest one listed is gone by
  // the time it is read, list again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::vector<uint64_t> generations;
    TRAWL_RETURN_IF_ERROR(ListManifestGenerations(dir, &generations, fs));
    if (generations.empty()) return Status::NotFound(dir + ": no trawl index here (no manifest)");
    // The newest manifest is complete by construction (it was renamed into place after fsync);
    // if it is damaged anyway, say so rather than silently serving an older commit.
    s = ReadManifest(dir, generations.back(), out, fs);
    if (!s.IsNotFound()) return s;
  }
  return s;
}

// What every commit the writer makes satisfies.
[[maybe_unused]] static bool IsConsistent(const Manifest& m) {
  std::set<std::string_view> names;
  for (const ManifestSegment& s : m.segments) {
    // A segment whose every document is deleted leaves the commit.
    if (s.num_deleted >= s.num_docs || (s.num_deleted > 0) == s.deletes.empty()) return false;
    if (!names.insert(s.name).second) return false;
  }
  return m.generation > 0;
}

Status WriteManifest(const std::string& dir, const Manifest& m, FileSystem* fs) {
  assert(IsConsistent(m));
  if (fs == nullptr) fs = FileSystem::Default();
  nlohmann::ordered_json j;
  j["generation"] = m.generation;
  j["analyzer"] = {{"language", m.analyzer.language},
                   {"stopwords", m.analyzer.stopwords},
                   {"max_token_chars", m.analyzer.max_token_chars},
                   {"tokenizer", m.analyzer.tokenizer},
                   {"ascii_folding", m.analyzer.ascii_folding}};
  j["schema"] = SchemaToJsonValue(m.schema);
  j["next_segment_number"] = m.next_segment_number;
  j["segments"] = nlohmann::ordered_json::array();
  for (const auto& s : m.segments) {
    nlohmann::ordered_json seg = {{"name", s.name}, {"docs", s.num_docs}};
    if (!s.deletes.empty()) {
      seg["deletes"] = s.deletes;
      seg["deleted"] = s.num_deleted;
    }
    j["segments"].push_back(seg);
  }
  const std::string final_path = ManifestPath(dir, m.generation);
  const std::string tmp_path = final_path + std::string(kManifestTempSuffix);
  // Left by a writer that died mid-commit; if it cannot be removed, creating it fails below.
  (void)fs->RemoveFile(tmp_path);
  std::unique_ptr<FileWriter> w;
  TRAWL_RETURN_IF_ERROR(
      FileWriter::Create(tmp_path, kManifestKind,
                         NamesRegisteredAnalysis(m) ? kManifestFormatVersion
                                                    : kManifestBuiltinAnalysisVersion,
                         &w, fs));
  TRAWL_RETURN_IF_ERROR(w->Append(j.dump(1)));
  TRAWL_RETURN_IF_ERROR(w->Finish());
  Status s = fs->RenameFile(tmp_path, final_path);
  if (!s.ok()) {
    (void)fs->RemoveFile(tmp_path);
    return s;
  }
  // If the rename cannot be made durable, take it back: the commit failed, so readers must not
  // go on to see it (one that opened it meanwhile keeps working on its mapped files).
  s = fs->SyncDirectory(dir);
  if (!s.ok()) (void)fs->RemoveFile(final_path);
  return s;
}

}  // namespace trawl

#include "analysis/field_analyzers.h"

namespace trawl {

AnalyzerOptions FieldAnalyzerOptions(const AnalyzerOptions& index_default,
                                     const FieldAnalyzer& field) {
  AnalyzerOptions options = index_default;
  if (field.language) options.language = *field.language;
  if (field.stopwords) options.stopwords = *field.stopwords;
  if (field.tokenizer) options.tokenizer = *field.tokenizer;
  if (field.ascii_folding) options.ascii_folding = *field.ascii_folding;
  if (!field.filters.empty()) options.filters = field.filters;
  return options;
}

Status FieldAnalyzers::Create(const AnalyzerOptions& index_default,
                              std::unique_ptr<FieldAnalyzers>* out) {
  std::unique_ptr<FieldAnalyzers> analyzers(new FieldAnalyzers());
  TRAWL_RETURN_IF_ERROR(Analyzer::Create(index_default, &analyzers->owned_default_));
  analyzers->default_ = analyzers->owned_default_.get();
  *out = std::move(analyzers);
  return Status::OK();
}

FieldAnalyzers::FieldAnalyzers(Analyzer* index_default) : default_(index_default) {}

Status FieldAnalyzers::For(const std::string& field, const FieldSpec* spec, Analyzer** out) {
  if (spec == nullptr || spec->analyzer.IsDefault()) {
    *out = default_;
    return Status::OK();
  }
  for (const auto& [setting, analyzer] : by_setting_) {
    if (setting == spec->analyzer) {
      *out = analyzer;
      return Status::OK();
    }
  }
  const AnalyzerOptions options = FieldAnalyzerOptions(default_->options(), spec->analyzer);
  Analyzer* found = options == default_->options() ? default_ : nullptr;
  for (const auto& [have, analyzer] : per_options_) {
    if (have == options) found = analyzer.get();
  }
  if (found == nullptr) {
    std::unique_ptr<Analyzer> analyzer;
    Status s = Analyzer::Create(options, &analyzer);
    if (!s.ok()) return Status::InvalidArgument("field '" + field + "': " + s.message());
    found = analyzer.get();
    per_options_.emplace_back(options, std::move(analyzer));
  }
  by_setting_.emplace_back(spec->analyzer, found);
  *out = found;
  return Status::OK();
}

Status FieldAnalyzers::CreateAll(const Schema& schema) {
  for (const Schema::Field& f : schema.fields()) {
    if (f.spec.type != FieldType::kText) continue;
    Analyzer* analyzer;
    TRAWL_RETURN_IF_ERROR(For(f.name, &f.spec, &analyzer));
  }
  return Status::OK();
}

}  // namespace trawl

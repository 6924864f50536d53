// The analyzers of an index's text fields: the index's own (the manifest's AnalyzerOptions),
// and one per distinct setting of the fields that have their own (FieldSpec::analyzer).
#ifndef TRAWL_ANALYSIS_FIELD_ANALYZERS_H_
#define TRAWL_ANALYSIS_FIELD_ANALYZERS_H_

#include <memory>
#include <utility>
#include <vector>

#include "analysis/analyzer.h"
#include "trawl/schema.h"
#include "trawl/status.h"

namespace trawl {

// The index's analyzer options with a field's own settings in place of them.
AnalyzerOptions FieldAnalyzerOptions(const AnalyzerOptions& index_default,
                                     const FieldAnalyzer& field);

// Like Analyzer, one per thread. Fields' analyzers are made at first use, so that a worker or
// a query pays only for the ones it needs, and shared between fields of equal settings.
class FieldAnalyzers {
 public:
  // InvalidArgument as Analyzer::Create for the default options.
  static Status Create(const AnalyzerOptions& index_default, std::unique_ptr<FieldAnalyzers>* out);
  // Around an analyzer the caller keeps (which must outlive this) as the index's.
  explicit FieldAnalyzers(Analyzer* index_default);

  Analyzer& Default() { return *default_; }
  // The analyzer of a field of this spec (null: a field the schema lacks, analyzed the index's
  // way). InvalidArgument naming the field when its settings cannot make one (an unreadable
  // stopword file).
  Status For(const std::string& field, const FieldSpec* spec, Analyzer** out);
  // Makes the analyzer of every text field of `schema`, so that a bad setting shows at once.
  Status CreateAll(const Schema& schema);

 private:
  FieldAnalyzers() = default;
  std::unique_ptr<Analyzer> owned_default_;
  Analyzer* default_ = nullptr;
  // Few: one per distinct setting in the schema, found by a linear scan.
  std::vector<std::pair<AnalyzerOptions, std::unique_ptr<Analyzer>>> per_options_;
  // A field's setting -> its analyzer (in per_options_, or the default), so that a document's
  // fields find theirs without building and comparing whole AnalyzerOptions.
  std::vector<std::pair<FieldAnalyzer, Analyzer*>> by_setting_;
};

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_FIELD_ANALYZERS_H_

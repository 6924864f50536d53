// The process-wide registry behind RegisterTokenizer and RegisterTokenFilter
// (include/trawl/analysis.h): the analyzer looks components up here by the names a schema gives.
#ifndef TRAWL_ANALYSIS_REGISTRY_H_
#define TRAWL_ANALYSIS_REGISTRY_H_

#include <string_view>

#include "trawl/analysis.h"

namespace trawl {

// The tokenizers Analyzer implements itself; no registered one may take their names.
bool IsBuiltinTokenizer(std::string_view name);
// What a registered component's name must look like: [A-Za-z_][A-Za-z0-9_.-]*, at most 64
// bytes. Schemas check names against it before anything is registered.
bool ValidAnalysisComponentName(std::string_view name);

// The factory registered under `name`; false if there is none. Thread-safe.
bool FindTokenizer(std::string_view name, TokenizerFactory* out);
bool FindTokenFilter(std::string_view name, TokenFilterFactory* out);

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_REGISTRY_H_

#include "analysis/registry.h"

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace trawl {

namespace {

constexpr size_t kMaxNameBytes = 64;

// Factories are copied out under the lock and called outside it, so a factory that is slow or
// itself registers something cannot block or deadlock other threads.
template <typename Factory>
class Registry {
 public:
  Status Register(const char* kind, std::string name, Factory factory) {
    if (!ValidAnalysisComponentName(name)) {
      return Status::InvalidArgument("bad " + std::string(kind) + " name '" + name +
                                     "': expected [A-Za-z_][A-Za-z0-9_.-]*, at most 64 bytes");
    }
    if (!factory) {
      return Status::InvalidArgument(std::string(kind) + " '" + name + "': no factory");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!factories_.emplace(name, std::move(factory)).second) {
      return Status::InvalidArgument(std::string(kind) + " '" + name +
                                     "' is already registered (a name cannot be replaced)");
    }
    return Status::OK();
  }

  bool Find(std::string_view name, Factory* out) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = factories_.find(name);
    if (it == factories_.end()) return false;
    *out = it->second;
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, Factory, std::less<>> factories_;
};

// Function-local statics: built on first use, so registering from another translation unit's
// static initializer works whatever the order of initialization.
Registry<TokenizerFactory>& Tokenizers() {
  static Registry<TokenizerFactory>* registry = new Registry<TokenizerFactory>();
  return *registry;
}

Registry<TokenFilterFactory>& TokenFilters() {
  static Registry<TokenFilterFactory>* registry = new Registry<TokenFilterFactory>();
  return *registry;
}

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

}  // namespace

TokenSink::~TokenSink() = default;
Tokenizer::~Tokenizer() = default;
TokenFilter::~TokenFilter() = default;
void TokenFilter::Finish(TokenSink&) {}

bool IsBuiltinTokenizer(std::string_view name) { return name == "simple" || name == "standard"; }

bool ValidAnalysisComponentName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || !IsNameStart(name[0])) return false;
  for (char c : name) {
    const bool ok = IsNameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status RegisterTokenizer(std::string name, TokenizerFactory factory) {
  if (IsBuiltinTokenizer(name)) {
    return Status::InvalidArgument("tokenizer '" + name + "' is built in and cannot be replaced");
  }
  return Tokenizers().Register("tokenizer", std::move(name), std::move(factory));
}

Status RegisterTokenFilter(std::string name, TokenFilterFactory factory) {
  return TokenFilters().Register("token filter", std::move(name), std::move(factory));
}

bool FindTokenizer(std::string_view name, TokenizerFactory* out) {
  return Tokenizers().Find(name, out);
}

bool FindTokenFilter(std::string_view name, TokenFilterFactory* out) {
  return TokenFilters().Find(name, out);
}

}  // namespace trawl

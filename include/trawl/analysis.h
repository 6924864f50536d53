// Analysis extension point: a program's own tokenizer and token filters, registered by name.
//
// A text field is analyzed by a pipeline of steps, in this order:
//
//   1. tokenizer      the field's: built-in "simple" or "standard", or one registered here
//   2. token filters  the field's registered filters (FieldAnalyzer::filters), in their order
//   3. case folding   always ("Fast" and "fast" are one term)
//   4. length limit   tokens longer than max_token_chars code points are dropped
//   5. ASCII folding  if the field's ascii_folding is on ("café" -> "cafe")
//   6. stop words     the field's stopwords
//   7. stemming       the field's language
//
// Custom filters run before the built-in steps, so a synonym or normalizing filter sees the
// tokenizer's words (already case-folded by the built-in tokenizers, as written by a custom
// one), and what it emits is folded, stop-worded and stemmed like every other word: a synonym
// "Automobile" injected for "car" is indexed as "automobil" under english stemming.
//
// A schema names the components (FieldAnalyzer::tokenizer and ::filters); every commit records
// the names, not the code. IndexWriter::Open and Searcher::Open fail with InvalidArgument naming
// the field and the component when this program has not registered a name its index uses, so
// register before opening. Queries run the same pipeline over a field's query words (a word
// that becomes several terms at several positions is searched as a phrase; terms at the same
// position, such as injected synonyms, must all be at that position in the document, which
// holds when the filter injects them at indexing too). Prefix, wildcard and fuzzy queries only
// fold case (and ASCII-fold) their word: they never run the tokenizer or the filters.
//
// Registering is process-wide and permanent: a name cannot be unregistered or replaced,
// because an index made with one component must never be read with another of the same name.
#ifndef TRAWL_ANALYSIS_H_
#define TRAWL_ANALYSIS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "trawl/export.h"
#include "trawl/status.h"

namespace trawl {

// One word of a field's text. Passed by const reference and valid only during the call that
// receives it: a component that keeps a token copies its term.
struct Token {
  // The word. A component may point it at its own storage (a string literal, a member) for
  // the duration of the call that passes the token on.
  std::string_view term;
  // 0-based. A tokenizer numbers its words 0, 1, 2, ...; a filter that drops a word simply
  // does not pass it on (the gap stays, as for stop words, so phrases do not match across
  // it); a filter that injects a synonym passes it with the same position as the word it
  // stands for. Positions must not decrease along the stream: a smaller one is raised to the
  // previous token's.
  uint32_t position = 0;
  // The word's bytes in the field's text, [start_byte, end_byte), which snippets highlight. A
  // filter passes them on unchanged (an injected synonym takes its word's). Offsets past the
  // end of the text are clamped to it.
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
};

// Where a tokenizer or a filter passes its tokens: the next filter, or the built-in steps.
class TRAWL_EXPORT TokenSink {
 public:
  virtual ~TokenSink();
  virtual void Add(const Token& token) = 0;
};

// Splits a field's text into tokens. Made by its factory once per analyzer (one per indexing
// thread and per concurrent query), so an instance is used by one thread at a time and may keep
// buffers between calls. Must not throw: an exception out of a component ends the program
// (std::terminate), because no exception may cross the library.
class TRAWL_EXPORT Tokenizer {
 public:
  virtual ~Tokenizer();
  // Passes every token of `text` (one field value, UTF-8 as the document gave it) to `out`, in
  // order, positions from 0. `text` is valid only during the call.
  virtual void Tokenize(std::string_view text, TokenSink& out) = 0;
};

// Transforms a stream of tokens: passes each on changed or unchanged, drops it, or adds more
// (synonyms at the same position, word parts at the next ones). Instances as for Tokenizer.
class TRAWL_EXPORT TokenFilter {
 public:
  virtual ~TokenFilter();
  // Called for each token of the stream in order; calls out.Add zero or more times.
  virtual void Filter(const Token& token, TokenSink& out) = 0;
  // Called after the last token of each field value, for a filter that holds tokens back (a
  // multi-word synonym waiting for its next word): passes on what it holds and forgets it, so
  // the next value starts afresh. The default does nothing.
  virtual void Finish(TokenSink& out);
};

// Make a new component. Called from any thread, possibly at once, for as long as the program
// runs (the registry keeps the factory): it must be thread-safe and must not throw. A factory
// that returns null makes the index fail to open (InvalidArgument naming the component).
using TokenizerFactory = std::function<std::unique_ptr<Tokenizer>()>;
using TokenFilterFactory = std::function<std::unique_ptr<TokenFilter>()>;

// Registers a tokenizer or a token filter under `name`, for schemas to name
// (FieldAnalyzer::tokenizer, FieldAnalyzer::filters) in this process from now on. Names match
// [A-Za-z_][A-Za-z0-9_.-]* and are at most 64 bytes; a tokenizer and a filter may share one.
// InvalidArgument for a bad name, an empty factory, a built-in tokenizer's name ("simple",
// "standard"), or a name already registered of the same kind (a name means one thing for the
// life of the process: the indexes that record it depend on that). Thread-safe.
TRAWL_EXPORT Status RegisterTokenizer(std::string name, TokenizerFactory factory);
TRAWL_EXPORT Status RegisterTokenFilter(std::string name, TokenFilterFactory factory);

}  // namespace trawl

#endif  // TRAWL_ANALYSIS_H_

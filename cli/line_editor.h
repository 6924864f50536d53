// LineEditor: the shell's prompt on a terminal, over libedit: line editing, a history kept in a
// file across runs, Tab completion through a callback, and Ctrl-C that clears the line being
// typed rather than ending the program.
#ifndef TRAWL_CLI_LINE_EDITOR_H_
#define TRAWL_CLI_LINE_EDITOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trawl::cli {

class LineEditor {
 public:
  // The words that may replace `word`, the text before the cursor back to the last separator;
  // `line` is the whole line up to the cursor.
  using Completer =
      std::function<std::vector<std::string>(const std::string& line, const std::string& word)>;

  // `history_file`: where the history is read from and appended to ("" for none). The terminal
  // is stdin/stdout, which must be one.
  LineEditor(const char* program, std::string history_file, Completer completer);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // The next line typed, without its newline; nothing at end of input (Ctrl-D on an empty
  // line). A line cleared by Ctrl-C comes back as kInterrupted.
  enum class Read { kLine, kInterrupted, kEnd };
  Read ReadLine(const std::string& prompt, std::string* line);

  // Adds a line to the history and saves the history file (so that it survives a crash too).
  void Remember(const std::string& line);

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// $XDG_STATE_HOME/trawl/history, else ~/.local/state/trawl/history; the directory is created.
// Empty if there is no home to put it in or it cannot be created.
std::string DefaultHistoryFile();

}  // namespace trawl::cli

#endif  // TRAWL_CLI_LINE_EDITOR_H_

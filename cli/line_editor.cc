#include "cli/line_editor.h"

#include <histedit.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace trawl::cli {
namespace {

constexpr int kHistorySize = 1000;

bool MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return false;
    if (slash == std::string::npos) return true;
  }
}

std::string CommonPrefix(const std::vector<std::string>& words) {
  std::string prefix = words.front();
  for (const std::string& w : words) {
    size_t n = 0;
    while (n < prefix.size() && n < w.size() && prefix[n] == w[n]) ++n;
    prefix.resize(n);
  }
  return prefix;
}

}  // namespace

struct LineEditor::Rep {
  EditLine* el = nullptr;
  History* history = nullptr;
  std::string history_file;
  Completer completer;
  std::string prompt;
  bool interrupted = false;

  static Rep* Of(EditLine* el) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return static_cast<Rep*>(data);
  }

  static char* Prompt(EditLine* el) { return const_cast<char*>(Of(el)->prompt.c_str()); }

  // Ctrl-C at the prompt: the line is dropped, as in a login shell, and a fresh prompt follows.
  // (The terminal's own interrupt is off while editing, so that this is a key, not a signal.)
  static unsigned char ClearLine(EditLine* el, int) {
    Rep* rep = Of(el);
    const LineInfo* line = el_line(el);
    el_cursor(el, static_cast<int>(line->lastchar - line->cursor));
    line = el_line(el);
    el_deletestr(el, static_cast<int>(line->cursor - line->buffer));
    el_insertstr(el, "\n");  // an empty line would read as the end of input
    rep->interrupted = true;
    std::fputs("^C\n", stdout);
    std::fflush(stdout);
    return CC_NEWLINE;
  }

  static unsigned char Complete(EditLine* el, int) {
    Rep* rep = Of(el);
    const LineInfo* line = el_line(el);
    const std::string before(line->buffer, line->cursor);
    const size_t start = before.find_last_of(" \t(");
    const std::string word = start == std::string::npos ? before : before.substr(start + 1);
    const std::vector<std::string> candidates = rep->completer(before, word);
    if (candidates.empty()) return CC_ERROR;
    std::string insert = CommonPrefix(candidates).substr(word.size());
    // A complete command takes an argument next; a field name ends in ':' and goes on as is.
    if (candidates.size() == 1 && insert.size() + word.size() > 0 && candidates[0].back() != ':')
      insert += ' ';
    if (!insert.empty()) {
      el_insertstr(el, insert.c_str());
      return CC_REFRESH;
    }
    std::fputs("\n", stdout);
    for (const std::string& c : candidates) std::printf("%s  ", c.c_str());
    std::fputs("\n", stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
  }
};

LineEditor::LineEditor(const char* program, std::string history_file, Completer completer)
    : rep_(std::make_unique<Rep>()) {
  rep_->history_file = std::move(history_file);
  rep_->completer = std::move(completer);
  rep_->history = history_init();
  HistEvent event;
  history(rep_->history, &event, H_SETSIZE, kHistorySize);
  history(rep_->history, &event, H_SETUNIQUE, 1);
  if (!rep_->history_file.empty())
    history(rep_->history, &event, H_LOAD, rep_->history_file.c_str());

  EditLine* el = el_init(program, stdin, stdout, stderr);
  rep_->el = el;
  el_set(el, EL_CLIENTDATA, rep_.get());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, &Rep::Prompt);
  el_set(el, EL_HIST, history, rep_->history);
  el_set(el, EL_SETTY, "-d", "-isig", nullptr);
  // The wide form: libedit keeps these pointers as given, where the narrow form copies the
  // strings and never frees the copies (el_end leaks them; LeakSanitizer reports it).
  el_wset(el, EL_ADDFN, L"trawl-clear-line", L"drop the line being typed", &Rep::ClearLine);
  el_wset(el, EL_ADDFN, L"trawl-complete", L"complete a command or a field name", &Rep::Complete);
  el_set(el, EL_BIND, "^C", "trawl-clear-line", nullptr);
  el_set(el, EL_BIND, "^I", "trawl-complete", nullptr);
  el_source(el, nullptr);  // the user's ~/.editrc, as every libedit program reads it
}

LineEditor::~LineEditor() {
  el_end(rep_->el);
  history_end(rep_->history);
}

LineEditor::Read LineEditor::ReadLine(const std::string& prompt, std::string* line) {
  rep_->prompt = prompt;
  rep_->interrupted = false;
  // libedit puts the terminal in its editing mode (no line discipline, no echo, the interrupt
  // key off: setty -isig above) only when it reads the first key, after printing the prompt.
  // Keys typed in between would meet the terminal's cooked mode: Ctrl-C a signal, Ctrl-D lost
  // in the switch. So the terminal is made raw from before the prompt, and restored after
  // (the interrupt key on again, so that Ctrl-C stops the query that follows).
  termios saved{};
  const bool is_tty = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (is_tty) {
    termios editing = saved;
    editing.c_lflag &= ~static_cast<tcflag_t>(ISIG | ICANON | ECHO | IEXTEN);
    editing.c_cc[VMIN] = 1;
    editing.c_cc[VTIME] = 0;
    ::tcsetattr(STDIN_FILENO, TCSANOW, &editing);
  }
  int count = 0;
  const char* text = el_gets(rep_->el, &count);
  if (is_tty) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  if (rep_->interrupted) return Read::kInterrupted;
  if (text == nullptr || count <= 0) return Read::kEnd;
  line->assign(text, static_cast<size_t>(count));
  while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
  return Read::kLine;
}

void LineEditor::Remember(const std::string& line) {
  HistEvent event;
  history(rep_->history, &event, H_ENTER, line.c_str());
  if (!rep_->history_file.empty()) {
    history(rep_->history, &event, H_SAVE, rep_->history_file.c_str());
  }
}

std::string DefaultHistoryFile() {
  std::string dir;
  const char* state = std::getenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  if (state != nullptr && state[0] == '/') {
    dir = std::string(state) + "/trawl";
  } else if (home != nullptr && home[0] == '/') {
    dir = std::string(home) + "/.local/state/trawl";
  } else {
    return std::string();
  }
  if (!MakeDirs(dir)) return std::string();
  return dir + "/history";
}

}  // namespace trawl::cli

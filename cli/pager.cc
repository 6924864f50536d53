#include "cli/pager.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace trawl::cli {
namespace {

size_t TerminalRows() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 2) return size.ws_row;
  return 24;
}

}  // namespace

void PageInternally(const std::string& text, size_t rows, std::FILE* in, std::FILE* out) {
  const size_t screen = rows > 1 ? rows - 1 : 1;  // one line for the prompt
  size_t pos = 0, lines = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    end = end == std::string::npos ? text.size() : end + 1;
    std::fwrite(text.data() + pos, 1, end - pos, out);
    pos = end;
    if (++lines < screen || pos >= text.size()) continue;
    lines = 0;
    std::fputs("-- more: Enter, q to stop --", out);
    std::fflush(out);
    char answer[64];
    // End of input, or a read cut short by Ctrl-C, stops the paging like q.
    const bool more = std::fgets(answer, sizeof(answer), in) != nullptr && answer[0] != 'q';
    clearerr(in);
    if (!more) {
      std::fputs("\n", out);
      break;
    }
  }
  if (!text.empty() && text.back() != '\n') std::fputs("\n", out);
  std::fflush(out);
}

void Page(const std::string& text) {
  const char* pager = std::getenv("PAGER");
  if (pager == nullptr || pager[0] == '\0') {
    PageInternally(text, TerminalRows(), stdin, stdout);
    return;
  }
  std::fflush(stdout);
  // The pager handles Ctrl-C itself; the shell must not die of the pipe it closes early.
  std::signal(SIGPIPE, SIG_IGN);
  std::FILE* pipe = ::popen(pager, "w");
  if (pipe == nullptr) {
    PageInternally(text, TerminalRows(), stdin, stdout);
    return;
  }
  std::fwrite(text.data(), 1, text.size(), pipe);
  ::pclose(pipe);
}

}  // namespace trawl::cli

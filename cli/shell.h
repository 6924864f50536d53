// The interactive shell of trawl-search: queries and :commands typed on a terminal, answered
// page by page, over a SearcherManager so that a commit made meanwhile by another process is
// picked up before the next query. Uses the public API only.
#ifndef TRAWL_CLI_SHELL_H_
#define TRAWL_CLI_SHELL_H_

#include <cstdint>
#include <string>

#include "trawl/searcher.h"
#include "trawl/searcher_manager.h"

namespace trawl::cli {

struct ShellSettings {
  // The options every query starts from (--top, --filter, --sort, ... on the command line);
  // :top, :filter, :sort and :facet change them as the shell goes.
  SearchOptions search;
  int64_t timeout_ms = 0;  // each query's budget (0: none)
  bool json = false;       // JSON lines instead of text
  bool color = false;      // ANSI colour and bold (a terminal without NO_COLOR)
  std::string version;
};

// Runs the shell on the terminal (stdin and stdout) until :quit or Ctrl-D. Ctrl-C stops the
// query running (it sets SearchOptions::cancel from a SIGINT handler) or clears the line being
// typed; it never ends the shell. Returns the exit status, 0.
int RunShell(SearcherManager* manager, const ShellSettings& settings);

}  // namespace trawl::cli

#endif  // TRAWL_CLI_SHELL_H_

// Shows a long text one screen at a time: through $PAGER when it is set (as git and man do),
// else through a small pager of our own that needs nothing but the terminal.
#ifndef TRAWL_CLI_PAGER_H_
#define TRAWL_CLI_PAGER_H_

#include <cstdio>
#include <string>

namespace trawl::cli {

// Writes `text` to the terminal (stdout, reading keys from stdin), a screen at a time.
void Page(const std::string& text);

// The internal pager: `rows` lines at a time to `out`, then a prompt answered by a line from
// `in` (Enter for the next screen, q to stop). Text of at most `rows` lines goes out at once.
void PageInternally(const std::string& text, size_t rows, std::FILE* in, std::FILE* out);

}  // namespace trawl::cli

#endif  // TRAWL_CLI_PAGER_H_

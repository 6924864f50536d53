// Compiled into the library, so that these report the library a program runs with, not the
// headers it was compiled with (trawl/version.h).
#include "trawl/version.h"

namespace trawl {

const char* Version() { return TRAWL_VERSION_STRING; }

uint32_t VersionNumber() { return TRAWL_VERSION_NUMBER; }

}  // namespace trawl

// Fuzz target over one kind of index file, the one TRAWL_FUZZ_FILES (a glob such as
// "seg_*.dict") names: built once per kind by fuzz/CMakeLists.txt. index_file_fuzz.h says how
// an input becomes the damaged file.
#include <cstddef>
#include <cstdint>

#include "index_file_fuzz.h"

#ifndef TRAWL_FUZZ_FILES
#error "TRAWL_FUZZ_FILES must name the files this target damages"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return trawl_fuzz::FuzzIndexFile(TRAWL_FUZZ_FILES, data, size);
}

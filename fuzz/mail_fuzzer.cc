// Fuzz target: one mail message's headers and body (RFC 5322 folding, RFC 2047 encoded words,
// quoted-printable and base64 bodies) on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/mbox_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trawl::ParseMailMessage(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}

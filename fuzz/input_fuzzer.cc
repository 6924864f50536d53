// Fuzz target: the input readers end to end (ReadInput) on arbitrary bytes. The low four bits of
// the first byte pick the file name, and so the path through the readers: JSONL, mbox, HTML,
// plain text, tar in every compression, zip, a lone compressed stream, or an unknown name that
// is sniffed; its two high bits set --skip-errors and --recurse-archives. Every input must end
// in documents and counted skips or a clean error, within the limits set here.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "ingest/input_reader.h"

namespace {

constexpr const char* kNames[] = {"in.jsonl", "in.mbox",    "in.html", "in.txt",  "in.tar",
                                  "in.tar.gz", "in.tar.zst", "in.zip",  "in.gz",   "in.xz",
                                  "in.jsonl.gz", "in.bz2",   "in.tar.xz", "in"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = trawl_fuzz::ScratchDir("input");
  if (size == 0) return 0;
  const std::string path = dir + "/" + kNames[(data[0] & 0x0F) % std::size(kNames)];
  trawl_fuzz::WriteFile(path, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  trawl::InputOptions options;
  options.skip_errors = (data[0] & 0x80) != 0;
  options.recurse_archives = (data[0] & 0x40) != 0;
  options.max_document_bytes = 1 << 20;
  options.max_decompressed_bytes = 64 << 20;
  options.max_archive_members = 10000;
  trawl::InputStats stats;
  trawl::ReadInput(path, options, &stats, [](trawl::Document&&) { return trawl::Status::OK(); });
  std::filesystem::remove(path);
  return 0;
}

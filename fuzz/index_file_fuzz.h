// Shared by the fuzz targets of an index's files, one target per kind of file (the segment's
// .meta, .dict, .post, .pos, .len, .col and .store, the manifest, the deletion files): a small
// valid index built once per process, of which each input damages one file, and then the
// index is opened, queried in every way and verified. Each must end in an answer or a clean
// error, never a crash, a hang, a leak or a read out of bounds.
//
// An input is a mode byte, then the rest R:
//   mode bits 0-1  0: the file's bytes are R, as they are (the envelope's checks);
//                  1: the file's body is R, sealed in a valid envelope (kind, version, length,
//                     CRC), so that the body's parser sees arbitrary bytes;
//                  2: the valid file patched with R's (u16 offset, byte) triples, CRC sealed
//                     again, so that the parser sees a damaged valid file;
//                  3: the same with the CRC left as it was (what the checksum must catch)
//   mode bit 2     which of the files of that kind (the index has two segments)
//   mode bits 3-4  for mode 1: the format version in the envelope: 0 the file's own, else 1-3
//                  (older versions have their own parsers)
// The seed corpora hold mode 1 inputs of the valid bodies: a fuzzer starts from a valid file.
#ifndef TRAWL_FUZZ_INDEX_FILE_FUZZ_H_
#define TRAWL_FUZZ_INDEX_FILE_FUZZ_H_

#include <cstddef>
#include <cstdint>

namespace trawl_fuzz {

// Runs one input against the files whose names match `glob` (see the top of this file). With
// TRAWL_FUZZ_WRITE_SEEDS=DIR in the environment, writes the target's seed corpus to DIR and
// exits instead.
int FuzzIndexFile(const char* glob, const uint8_t* data, size_t size);

}  // namespace trawl_fuzz

#endif  // TRAWL_FUZZ_INDEX_FILE_FUZZ_H_

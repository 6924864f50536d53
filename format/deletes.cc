#include "format/deletes.h"

#include "format/file_format.h"
#include "format/manifest.h"

namespace trawl {

Status WriteDeletes(const std::string& path, const roaring_bitmap_t* deleted, FileSystem* fs) {
  std::string bytes(roaring_bitmap_portable_size_in_bytes(deleted), '\0');
  roaring_bitmap_portable_serialize(deleted, bytes.data());
  std::unique_ptr<FileWriter> w;
  TRAWL_RETURN_IF_ERROR(FileWriter::Create(path, kDeletesKind, kDeletesFormatVersion, &w, fs));
  TRAWL_RETURN_IF_ERROR(w->Append(bytes));
  return w->Finish();
}

Status ReadDeletes(const std::string& path, uint32_t num_docs, uint32_t expected_count,
                   roaring_bitmap_t** out, FileSystem* fs) {
  std::unique_ptr<MappedFile> f;
  TRAWL_RETURN_IF_ERROR(MappedFile::Open(path, kDeletesKind, kDeletesFormatVersion, &f, fs));
  TRAWL_RETURN_IF_ERROR(f->VerifyChecksum());
  roaring_bitmap_t* r = roaring_bitmap_portable_deserialize_safe(f->body().data(), f->body().size());
  if (r == nullptr) return f->Corrupt("damaged deletion bitmap");
  if (roaring_bitmap_get_cardinality(r) != expected_count ||
      (expected_count > 0 && roaring_bitmap_maximum(r) >= num_docs)) {
    roaring_bitmap_free(r);
    return f->Corrupt("deletion bitmap disagrees with the manifest");
  }
  *out = r;
  return Status::OK();
}

}  // namespace trawl

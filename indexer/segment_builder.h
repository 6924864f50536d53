// SegmentBuilder: analyzes documents into in-memory postings and writes them out as one
// immutable segment. It holds no global state, so several builders can run at once on separate
// threads, each producing its own segment.
//
// Stored documents do not stay in memory: each is compressed into the segment's store as it
// arrives, in a pending file <dir>/seg_pending-<pid>-<n>.store that Write() renames to
// <segment>.store. The pending name starts with "seg_" and no manifest refers to it, so the
// next writer of the directory deletes one left behind by a crash, like any unreferenced
// segment file.
#ifndef TRAWL_INDEXER_SEGMENT_BUILDER_H_
#define TRAWL_INDEXER_SEGMENT_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/analyzer.h"
#include "analysis/field_analyzers.h"
#include "format/column_writer.h"
#include "format/file_names.h"
#include "format/segment_format.h"
#include "format/segment_writer.h"
#include "format/store_writer.h"
#include "format/token_marks.h"
#include "indexer/document_mapper.h"
#include "indexer/postings_buffer.h"
#include "trawl/document.h"
#include "trawl/file_system.h"
#include "trawl/status.h"

namespace trawl {

class SegmentBuilder {
 public:
  // `analyzers` (each text field's, FieldSpec::analyzer) must outlive the builder and are used
  // from the builder's thread only. The pending store is created in `dir` (where Write() must
  // put the segment) at the first Add; `fs` null means FileSystem::Default().
  SegmentBuilder(FieldAnalyzers* analyzers, std::string dir, FileSystem* fs = nullptr);
  // With `analyzer` as the index's, for fields without their own.
  SegmentBuilder(Analyzer* analyzer, std::string dir, FileSystem* fs = nullptr);
  ~SegmentBuilder();  // removes the pending store unless Write() succeeded

  // Analyzes and buffers one document; its local docid is num_docs() before the call. An
  // invalid document is refused and changes nothing; after an I/O error every later call fails.
  Status Add(const MappedDocument& doc);
  // The same for a document whose every field is text, stored and indexed (as an index
  // without a schema holds them).
  Status Add(const Document& doc);
  uint32_t num_docs() const { return num_docs_; }
  // Heap bytes held that grow with the documents added: the postings buffers (term tables,
  // term texts, slices of postings and positions), field lengths, keyword columns, the store's
  // block index, and what Write() adds on top (its sort order of the terms). Measured against
  // the allocator on real text. Not included: fixed costs independent of the documents (the
  // store's zstd context, dictionary and buffers, Write()'s file buffers, about 7 MiB in all)
  // and the analyzer's bounded stem cache.
  size_t memory_bytes() const { return memory_bytes_ + postings_bytes_ + per_document_bytes_; }
  // How the store is compressed (the defaults unless set); before the first Add.
  void set_store_compression(const StoreCompression& compression) {
    store_compression_ = compression;
  }
  // The pending store file, or "" before the first Add.
  const std::string& pending_store_path() const { return pending_store_path_; }

  // Writes <dir>/<segment>.* and fsyncs every file. The builder may not be used afterwards.
  Status Write(const std::string& segment, SegmentStats* stats);

 private:
  // Looked up by string_view, so a value already in the table costs no string allocation.
  struct TermHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct FieldData {
    explicit FieldData(SlicePool* pool) : postings(pool) {}
    std::string name;
    FieldType type = FieldType::kText;
    bool has_column = false;
    PostingsBuffer postings;
    std::vector<uint32_t> lengths;  // text fields: per docid; 0 where the document lacks it
    // Text fields, of the document being added: one past the position of its last token so far.
    uint32_t next_position = 0;
    uint64_t total_length = 0;      // text: tokens; other types: values
    uint32_t docs_with_field = 0;
    uint32_t last_doc = UINT32_MAX;  // the last document that had a value (other types)
    ColumnValues column;             // has_column
    // Keyword columns: value -> index into column.strings.
    std::unordered_map<std::string, uint32_t, TermHash, std::equal_to<>> string_ids;
  };

  Status OpenStore();
  // The builder's id of the field `name`, created with `spec` at first sight.
  uint32_t FieldIdFor(const std::string& name, const FieldSpec& spec);
  // mark: record the field's token marks for the store (format/token_marks.h).
  void AddFieldText(uint32_t field_id, Analyzer& analyzer, std::string_view text, bool mark);
  // Stores the document being added, with its token marks if it has any.
  Status StoreDocument(const Document& stored);
  void AddTypedValue(uint32_t field_id, const TypedValue& value);
  void AddIdTerm(std::string_view id);
  // Adds a term at no position (keyword and numeric terms) to the current document, once.
  void AddExactTerm(FieldData* f, std::string_view term);
  // Recounts the memory held by the postings and by the arrays that grow per document.
  void RecountMemory();

  std::unique_ptr<FieldAnalyzers> owned_analyzers_;
  FieldAnalyzers* analyzers_;
  // Per field of the document being added: its analyzer (text fields), found before anything
  // is added.
  std::vector<Analyzer*> field_analyzers_;
  std::vector<FieldTokenMarks> marks_;  // of the document being added
  std::string dir_;
  FileSystem* fs_;
  std::unique_ptr<StoreWriter> store_;
  StoreCompression store_compression_;
  std::string pending_store_path_;
  SlicePool slices_;  // of every field's postings
  std::vector<FieldData> fields_;
  uint32_t num_docs_ = 0;
  Status failed_;  // set when the store failed mid-document: Add and Write return it
  size_t memory_bytes_ = 0;  // keyword columns' values and strings
  size_t postings_bytes_ = 0;  // the fields' postings buffers
  // Field length vectors, columns' starts and the store's block index.
  size_t per_document_bytes_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_INDEXER_SEGMENT_BUILDER_H_

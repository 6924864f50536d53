// SegmentBuilder: accumulates analyzed documents in memory and writes them out as one immutable
// segment. It holds no global state, so several builders can run at once on separate threads,
// each producing its own segment.
#ifndef TRAWL_INDEXER_SEGMENT_BUILDER_H_
#define TRAWL_INDEXER_SEGMENT_BUILDER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/analyzer.h"
#include "trawl/document.h"
#include "trawl/file_system.h"
#include "trawl/status.h"

namespace trawl {

// The reserved field every document has: its external id, indexed verbatim as a single term
// (not analyzed) so that deletes and updates find a document by id through the dictionary.
inline constexpr std::string_view kIdField = "id";

struct SegmentStats {
  uint32_t num_docs = 0;
  uint64_t num_terms = 0;
  uint64_t bytes_on_disk = 0;
};

class SegmentBuilder {
 public:
  // `analyzer` must outlive the builder and is used from the builder's thread only.
  explicit SegmentBuilder(Analyzer* analyzer);
  ~SegmentBuilder();

  // Analyzes and buffers one document; its local docid is num_docs() before the call.
  Status Add(const Document& doc);
  uint32_t num_docs() const { return num_docs_; }
  // Approximate heap bytes held, for flushing within a memory budget.
  size_t memory_bytes() const { return memory_bytes_; }

  // Merging: adds an already-analyzed document (its stored form and per-field lengths) without
  // indexing any term; its postings come through AddPosting. Returns the new local docid.
  Status AppendAnalyzed(const Document& stored,
                        const std::vector<std::pair<std::string_view, uint32_t>>& field_lengths,
                        uint32_t* docid);
  // Merging: appends one posting of `term` in `field`, with its positions ascending. Postings of
  // a term must come in increasing docid order, for documents already appended.
  Status AddPosting(std::string_view field, std::string_view term, uint32_t docid,
                    const std::vector<uint32_t>& positions);

  // Writes <dir>/<segment>.* and fsyncs every file. The builder may not be used afterwards.
  // `fs` null means FileSystem::Default().
  Status Write(const std::string& dir, const std::string& segment, SegmentStats* stats,
               FileSystem* fs = nullptr);

 private:
  struct TermPostings {
    std::vector<uint32_t> docs;
    std::vector<uint32_t> tfs;
    std::string positions;  // per posting: tf varints, first absolute, then deltas
    uint32_t last_position = 0;
  };
  struct FieldData {
    std::string name;
    std::unordered_map<std::string, TermPostings> terms;
    std::vector<uint32_t> lengths;  // per docid; 0 where the document lacks the field
    uint64_t total_length = 0;
    uint32_t docs_with_field = 0;
  };

  Status FieldIdFor(std::string_view name, uint32_t* id);
  void AddFieldText(uint32_t field_id, std::string_view text);
  void AddIdTerm(std::string_view id);

  Analyzer* analyzer_;
  std::vector<FieldData> fields_;
  std::vector<Document> stored_;  // written to the store at Write(); the builder owns a copy
  uint32_t num_docs_ = 0;
  size_t memory_bytes_ = 0;
};

}  // namespace trawl

#endif  // TRAWL_INDEXER_SEGMENT_BUILDER_H_

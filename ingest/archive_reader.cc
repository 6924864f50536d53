#include "ingest/archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace trawl {

namespace {

// libarchive asks for input in pieces of this size; smaller than kReadBufferSize because every
// compressed member of an archive gets a reader of its own.
constexpr size_t kCallbackBufferSize = 128 << 10;
constexpr size_t kDrainBufferSize = 256 << 10;

std::string Megabytes(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

// "./a/b" and "a/b" are the same member; "./" alone names nothing.
std::string MemberPath(struct archive_entry* entry) {
  const char* raw = archive_entry_pathname_utf8(entry);
  if (raw == nullptr) raw = archive_entry_pathname(entry);
  std::string_view path = raw == nullptr ? std::string_view() : std::string_view(raw);
  while (path.starts_with("./")) path.remove_prefix(2);
  return std::string(path);
}

ArchiveReader::MemberInfo InfoOf(struct archive_entry* entry) {
  ArchiveReader::MemberInfo info;
  if (archive_entry_mtime_is_set(entry)) {
    // A pax header may carry any time; one beyond the millisecond range is left out. The
    // nanoseconds count forward from the seconds, as in a timespec, before 1970 too.
    int64_t millis;
    const int64_t seconds = archive_entry_mtime(entry);
    const int64_t nanos = archive_entry_mtime_nsec(entry);
    if (!__builtin_mul_overflow(seconds, int64_t{1000}, &millis) && nanos >= 0 &&
        nanos < 1'000'000'000 && !__builtin_add_overflow(millis, nanos / 1'000'000, &millis)) {
      info.mtime_millis = millis;
    }
  }
  if (archive_entry_size_is_set(entry) && archive_entry_size(entry) >= 0) {
    info.size = static_cast<uint64_t>(archive_entry_size(entry));
  }
  return info;
}

bool IsRegularFile(struct archive_entry* entry) {
  // A tar hard link is a header without data: its content was in the member it links to.
  return archive_entry_filetype(entry) == AE_IFREG && archive_entry_hardlink(entry) == nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DecompressionBudget

bool DecompressionBudget::Stop(std::string why) {
  message_ = where_ + ": stopped: " + why;
  return false;
}

bool DecompressionBudget::ChargeBytes(uint64_t bytes) {
  if (exceeded()) return false;
  output_bytes_ += bytes;
  if (output_bytes_ > limits_.max_output_bytes) {
    return Stop("more than " + Megabytes(limits_.max_output_bytes) +
                " decompressed from one input (the limit)");
  }
  if (limits_.max_ratio == 0 || output_bytes_ <= limits_.ratio_grace_bytes) return true;
  const uint64_t input_bytes = input_ == nullptr ? 0 : input_->bytes_read();
  if (output_bytes_ / limits_.max_ratio > input_bytes) {
    return Stop(Megabytes(output_bytes_) + " decompressed from " + std::to_string(input_bytes) +
                " bytes, over the limit of " + std::to_string(limits_.max_ratio) +
                ":1 (a compression bomb?)");
  }
  return true;
}

bool DecompressionBudget::ChargeMember() {
  if (exceeded()) return false;
  if (++members_ > limits_.max_members) {
    return Stop("more than " + std::to_string(limits_.max_members) +
                " archive members in one input (the limit)");
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// The bytes of the current member, counted against the budget as they come out. Reads block by
// block (archive_read_data_block) rather than with archive_read_data, which fills the caller's
// buffer from several blocks and drops them all when the next one is damaged.
class ArchiveReader::MemberSource : public ByteSource {
 public:
  explicit MemberSource(ArchiveReader* reader) : reader_(reader) {}

  bool Read(char* buf, size_t cap, size_t* got) override {
    *got = 0;
    if (failed()) return false;
    while (hole_ == 0 && block_.empty()) {
      if (at_end_) return true;
      if (!NextBlock()) return false;
    }
    // A sparse member's holes read as zeros, as archive_read_data would give them.
    if (hole_ > 0) {
      *got = static_cast<size_t>(std::min<uint64_t>(cap, hole_));
      std::memset(buf, 0, *got);
      hole_ -= *got;
    } else {
      *got = std::min(cap, block_.size());
      std::memcpy(buf, block_.data(), *got);
      block_.remove_prefix(*got);
    }
    return true;
  }

  bool at_end() const { return at_end_ && hole_ == 0 && block_.empty(); }

 private:
  bool NextBlock() {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc = archive_read_data_block(reader_->archive_, &block, &size, &offset);
    DecompressionBudget* budget = reader_->budget_;
    if (rc == ARCHIVE_EOF) {
      at_end_ = true;
      return true;
    }
    // ARCHIVE_WARN on data is damage too: a zip member whose CRC does not match its bytes.
    // The member is given up; the archive goes on unless libarchive says it cannot.
    if (rc != ARCHIVE_OK) {
      // A limit crossed in a stream below this one surfaces here as a read error: name it.
      if (budget->exceeded()) return Fail(budget->message());
      return Fail(reader_->LibarchiveError() + " (" + reader_->Position() + ")",
                  /*fatal=*/rc == ARCHIVE_FATAL);
    }
    const uint64_t start = offset < 0 ? position_ : static_cast<uint64_t>(offset);
    hole_ = start > position_ ? start - position_ : 0;
    block_ = std::string_view(static_cast<const char*>(block), size);
    position_ += hole_ + size;
    // Stored bytes are as many on disk as here: only what a decompressor made counts.
    if (reader_->decompressing_ && !budget->ChargeBytes(hole_ + size)) {
      return Fail(budget->message());
    }
    return true;
  }

  ArchiveReader* reader_;
  std::string_view block_;  // the unread rest of libarchive's current block
  uint64_t hole_ = 0;       // zeros to hand out before it
  uint64_t position_ = 0;   // member offset at the end of block_
  bool at_end_ = false;
};

struct ArchiveReader::Callbacks {
  static la_ssize_t Read(struct archive* a, void* client, const void** buffer) {
    auto* self = static_cast<ArchiveReader*>(client);
    size_t got = 0;
    if (!self->in_->Read(self->buffer_.get(), kCallbackBufferSize, &got)) {
      archive_set_error(a, EIO, "%s", self->in_->error().c_str());
      return ARCHIVE_FATAL;
    }
    *buffer = self->buffer_.get();
    return static_cast<la_ssize_t>(got);
  }

  static la_int64_t Seek(struct archive* a, void* client, la_int64_t offset, int whence) {
    auto* self = static_cast<ArchiveReader*>(client);
    int64_t pos = self->in_->Seek(offset, whence);
    if (pos < 0) {
      archive_set_error(a, EIO, "cannot seek");
      return ARCHIVE_FATAL;
    }
    return pos;
  }
};

// ---------------------------------------------------------------------------------------------
// ArchiveReader

ArchiveReader::ArchiveReader(ByteSource* in, Mode mode, DecompressionBudget* budget,
                             std::string where)
    : in_(in),
      budget_(budget),
      where_(std::move(where)),
      buffer_(std::make_unique<char[]>(kCallbackBufferSize)) {
  Open(mode);
}

ArchiveReader::~ArchiveReader() {
  member_.reset();
  if (archive_ != nullptr) archive_read_free(archive_);
}

void ArchiveReader::Open(Mode mode) {
  archive_ = archive_read_new();
  if (archive_ == nullptr) {
    error_ = where_ + ": cannot initialize libarchive";
    return;
  }
  // Built-in decompressors only (see the header comment).
  archive_read_support_filter_gzip(archive_);
  archive_read_support_filter_bzip2(archive_);
  archive_read_support_filter_xz(archive_);
  archive_read_support_filter_lzma(archive_);
  archive_read_support_filter_zstd(archive_);
  if (mode != Mode::kCompressed) archive_read_support_format_tar(archive_);
  // Not when sniffing a file of unknown kind: .docx, .odt, .jar, .apk and .epub files are zip
  // archives too, and their members are markup and code, not the text the user has in mind.
  if (mode == Mode::kArchive) archive_read_support_format_zip(archive_);
  // "raw" accepts anything, so it only wins where no archive format does.
  if (mode != Mode::kArchive) archive_read_support_format_raw(archive_);
  archive_read_set_callback_data(archive_, this);
  archive_read_set_read_callback(archive_, &Callbacks::Read);
  // Seeking lets the zip reader use the central directory; only files can.
  if (in_->Seek(0, SEEK_CUR) >= 0) archive_read_set_seek_callback(archive_, &Callbacks::Seek);
  budget_->set_where(where_);
  if (archive_read_open1(archive_) != ARCHIVE_OK) {
    // A decompressor that worked but produced nothing leaves "raw" nothing to accept: an empty
    // compressed file (a failing decompressor is not left in the pipeline).
    if (mode != Mode::kArchive && archive_filter_count(archive_) > 1) {
      kind_ = Kind::kCompressed;
      first_header_rc_ = ARCHIVE_EOF;
      return;
    }
    error_ = where_ + ": " + LibarchiveError();
    first_header_rc_ = ARCHIVE_FATAL;
    return;
  }
  first_header_rc_ = archive_read_next_header(archive_, &first_entry_);
  if (first_header_rc_ < ARCHIVE_WARN) {
    error_ = where_ + ": " + LibarchiveError();
    return;
  }
  const bool compressed = archive_filter_count(archive_) > 1;  // the last filter is "none"
  if (first_header_rc_ == ARCHIVE_EOF) {
    kind_ = mode == Mode::kArchive ? Kind::kArchive
            : compressed           ? Kind::kCompressed
                                   : Kind::kNeither;
  } else if ((archive_format(archive_) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_RAW) {
    kind_ = compressed ? Kind::kCompressed : Kind::kNeither;
  } else {
    kind_ = Kind::kArchive;
  }
  // Zip compresses member by member, below libarchive's filters.
  decompressing_ = compressed || (archive_format(archive_) & ARCHIVE_FORMAT_BASE_MASK) ==
                                     ARCHIVE_FORMAT_ZIP;
}

std::string ArchiveReader::Position() const {
  return "at byte " + std::to_string(archive_filter_bytes(archive_, -1)) + " of " + where_;
}

std::string ArchiveReader::LibarchiveError() const {
  const char* text = archive_ == nullptr ? nullptr : archive_error_string(archive_);
  if (budget_->exceeded()) return budget_->message();
  std::string error = text != nullptr ? text : "unknown libarchive error";
  // Some of libarchive's messages end in a newline; ours go on after them.
  while (!error.empty() && std::isspace(static_cast<unsigned char>(error.back()))) error.pop_back();
  return error;
}

ArchiveReader::Step ArchiveReader::Fail(std::string message) {
  done_ = true;
  error_ = std::move(message);
  return Step::kFailed;
}

ByteSource* ArchiveReader::data() { return member_.get(); }

ArchiveReader::Step ArchiveReader::Next(std::string* path) {
  if (done_) return Step::kEnd;
  if (kind_ == Kind::kBroken) return Fail(error_);
  if (member_ != nullptr) {
    Step finished = FinishMember();
    if (finished != Step::kMember) return finished;
  }
  if (budget_->exceeded()) return Fail(budget_->message());
  return NextHeader(path);
}

// kMember when the archive can go on to the next header.
ArchiveReader::Step ArchiveReader::FinishMember() {
  std::unique_ptr<MemberSource> member = std::move(member_);
  if (member->failed()) {
    // Whoever read the data reported the error; after a fatal one nothing more can be read.
    if (!member->fatal()) return Step::kMember;
    done_ = true;
    return Step::kEnd;
  }
  if (member->at_end()) return Step::kMember;
  if (archive_filter_count(archive_) > 1) {
    // Skipping compressed data means decompressing it, inside libarchive where no limit sees
    // it: read it out here instead, so that a bomb in a member nobody reads is still stopped.
    auto scratch = std::make_unique<char[]>(kDrainBufferSize);
    size_t got = 1;
    while (got > 0 && member->Read(scratch.get(), kDrainBufferSize, &got)) {
    }
    if (!member->failed()) return Step::kMember;
    if (budget_->exceeded()) return Fail(budget_->message());
    if (!member->fatal()) {
      error_ = where_ + "!" + member_path_ + ": " + member->error();
      return Step::kBadMember;
    }
    return Fail(where_ + "!" + member_path_ + ": " + member->error());
  }
  if (archive_read_data_skip(archive_) == ARCHIVE_FATAL) {
    return Fail(where_ + "!" + member_path_ + ": " + LibarchiveError());
  }
  return Step::kMember;
}

ArchiveReader::Step ArchiveReader::NextHeader(std::string* path) {
  for (;;) {
    struct archive_entry* entry = nullptr;
    int rc;
    if (first_header_pending_) {
      first_header_pending_ = false;
      rc = first_header_rc_;
      entry = first_entry_;
    } else {
      rc = archive_read_next_header(archive_, &entry);
    }
    if (rc == ARCHIVE_EOF) {
      done_ = true;
      return Step::kEnd;
    }
    if (rc < ARCHIVE_WARN) {
      // ARCHIVE_FAILED is retryable in principle, but after a bad header a tar stream is out of
      // step; stopping at the damage is what the user can act on.
      std::string after = member_path_.empty() ? "" : " after member '" + member_path_ + "'";
      return Fail(where_ + ": damaged" + after + " (" + Position() + "): " + LibarchiveError());
    }
    std::string member_path = MemberPath(entry);
    budget_->set_where(kind_ == Kind::kArchive ? where_ + "!" + member_path : where_);
    if (!budget_->ChargeMember()) return Fail(budget_->message());
    if (!IsRegularFile(entry) || member_path.empty() || member_path.back() == '/') continue;
    member_path_ = std::move(member_path);
    member_info_ = kind_ == Kind::kArchive ? InfoOf(entry) : MemberInfo();
    member_ = std::make_unique<MemberSource>(this);
    *path = member_path_;
    return Step::kMember;
  }
}

}  // namespace trawl

// Mail in mbox files: splitting them into messages and taking a message apart into the headers
// trawl indexes and a body. Deliberately simple MIME: a single text/plain part is decoded from
// quoted-printable or base64; anything else is indexed as it is.
#ifndef TRAWL_INGEST_MBOX_READER_H_
#define TRAWL_INGEST_MBOX_READER_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "ingest/byte_source.h"

namespace trawl {

// Splits an mbox stream into its messages. A message starts at a "From " line that opens the
// file or follows a blank line; that line is dropped, as is the blank line that ends the message.
// Quoted ">From " lines (">>From " and so on, as mboxrd writes them) lose one '>'.
class MboxSplitter {
 public:
  // A message longer than `max_message_bytes` is cut there (the rest of it is read and dropped).
  MboxSplitter(LineReader* lines, size_t max_message_bytes)
      : lines_(lines), max_message_bytes_(max_message_bytes) {}

  // Sets *message to the next message's text (lines end in '\n') and *truncated to whether it
  // was cut; false at the end of the stream or on a read error (LineReader::failed()).
  bool Next(std::string* message, bool* truncated);

 private:
  void Append(std::string_view line, std::string* message, bool* truncated) const;

  LineReader* lines_;
  const size_t max_message_bytes_;
  bool after_blank_ = true;  // the start of the file counts as following a blank line
  bool in_message_ = false;  // a "From " line has opened the message being collected
};

struct MailMessage {
  std::string message_id;  // without the angle brackets; empty if there is none
  std::string subject;     // RFC 2047 encoded words decoded (UTF-8 and Latin-1 charsets)
  std::string from;
  std::string date;
  std::string body;
};

// Parses one message as MboxSplitter returns it: RFC 5322 headers up to the first empty line
// (folded lines joined), then the body.
MailMessage ParseMailMessage(std::string_view message);

}  // namespace trawl

#endif  // TRAWL_INGEST_MBOX_READER_H_

#include "ingest/mbox_reader.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace trawl {

namespace {

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// mboxrd quoting: ">From ", ">>From ", ... lose one '>'.
bool IsQuotedFrom(std::string_view line) {
  size_t quotes = line.find_first_not_of('>');
  return quotes != std::string_view::npos && quotes > 0 && line.substr(quotes).starts_with("From ");
}

// ---------------------------------------------------------------------------------------------
// Decoders

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// `underscore_is_space` for RFC 2047's "Q" encoding, which is quoted-printable but for that.
std::string DecodeQuotedPrintable(std::string_view in, bool underscore_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '_' && underscore_is_space) {
      out += ' ';
    } else if (c != '=') {
      out += c;
    } else if (i + 1 < in.size() && in[i + 1] == '\n') {
      ++i;  // a soft line break
    } else if (i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2]));
      i += 2;
    } else {
      out += c;  // a stray '=': kept, as decoders commonly do
    }
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Line breaks and other characters outside the alphabet are ignored; '=' ends the data.
std::string DecodeBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  uint32_t bits = 0;
  int nbits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = Base64Value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>((bits >> nbits) & 0xFF);
    }
  }
  return out;
}

std::string Latin1ToUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size() + in.size() / 8);
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// `bytes` in `charset` as UTF-8, for the charsets that need no tables; nullopt for the others.
// Windows-1252 is taken as Latin-1: they differ only in rarely used punctuation.
std::optional<std::string> ToUtf8(std::string_view charset, std::string bytes) {
  std::string name = Lower(Trim(charset));
  if (name.empty() || name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii") {
    return bytes;
  }
  if (name == "iso-8859-1" || name == "latin1" || name == "iso-8859-15" || name == "windows-1252" ||
      name == "cp1252") {
    return Latin1ToUtf8(bytes);
  }
  return std::nullopt;
}

// One RFC 2047 encoded word "=?charset?B|Q?text?=" at the start of `s`: its decoded text and
// length, or nullopt if `s` does not start with one that can be decoded.
std::optional<std::string> DecodeEncodedWord(std::string_view s, size_t* length) {
  if (!s.starts_with("=?")) return std::nullopt;
  size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  size_t end = s.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view charset = s.substr(2, q1 - 2);
  charset = charset.substr(0, charset.find('*'));  // RFC 2231 language suffix
  std::string_view text = s.substr(q1 + 3, end - q1 - 3);
  char encoding = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  std::string bytes;
  if (encoding == 'B') {
    bytes = DecodeBase64(text);
  } else if (encoding == 'Q') {
    bytes = DecodeQuotedPrintable(text, /*underscore_is_space=*/true);
  } else {
    return std::nullopt;
  }
  *length = end + 2;
  return ToUtf8(charset, std::move(bytes));
}

// Decodes the encoded words of a header value; whitespace between two of them is dropped, as
// RFC 2047 says. Words that cannot be decoded stay as they are.
std::string DecodeHeader(std::string_view value) {
  std::string out;
  std::string pending_space;
  bool after_word = false;
  for (size_t i = 0; i < value.size();) {
    size_t length = 0;
    if (std::optional<std::string> word = DecodeEncodedWord(value.substr(i), &length)) {
      if (!after_word) out += pending_space;
      pending_space.clear();
      out += *word;
      after_word = true;
      i += length;
      continue;
    }
    char c = value[i++];
    if (c == ' ' || c == '\t') {
      pending_space += c;
      continue;
    }
    out += pending_space;
    pending_space.clear();
    out += c;
    after_word = false;
  }
  return out + pending_space;
}

// The value of parameter `name` ("charset") in a Content-Type value, unquoted.
std::string_view Parameter(std::string_view value, std::string_view name) {
  for (size_t semi = value.find(';'); semi != std::string_view::npos;
       semi = value.find(';', semi + 1)) {
    std::string_view param = Trim(value.substr(semi + 1, value.find(';', semi + 1) - semi - 1));
    size_t eq = param.find('=');
    if (eq == std::string_view::npos || Lower(Trim(param.substr(0, eq))) != name) continue;
    std::string_view v = Trim(param.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return v;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Headers

struct Headers {
  std::string message_id, subject, from, date, content_type, transfer_encoding;
};

// A header name is printable ASCII without spaces or colons (RFC 5322 2.2).
bool IsHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return c > ' ' && c < 127 && c != ':'; });
}

void KeepHeader(std::string_view name, std::string_view value, Headers* h) {
  std::string lower = Lower(name);
  std::string* slot = lower == "message-id"                  ? &h->message_id
                      : lower == "subject"                   ? &h->subject
                      : lower == "from"                      ? &h->from
                      : lower == "date"                      ? &h->date
                      : lower == "content-type"              ? &h->content_type
                      : lower == "content-transfer-encoding" ? &h->transfer_encoding
                                                             : nullptr;
  if (slot != nullptr && slot->empty()) *slot = std::string(Trim(value));
}

// Reads the header block; returns where the body starts.
size_t ParseHeaders(std::string_view message, Headers* headers) {
  std::string_view name;
  std::string value;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t eol = std::min(message.find('\n', pos), message.size());
    std::string_view line = message.substr(pos, eol - pos);
    if (line.empty()) {
      pos = eol + 1;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !name.empty()) {
      value += line;  // a folded line: unfolding only removes the line break
    } else {
      size_t colon = line.find(':');
      // A line that is no header starts the body (a message without the blank line).
      if (colon == std::string_view::npos || !IsHeaderName(line.substr(0, colon))) break;
      if (!name.empty()) KeepHeader(name, value, headers);
      name = line.substr(0, colon);
      value.assign(line.substr(colon + 1));
    }
    pos = eol + 1;
  }
  if (!name.empty()) KeepHeader(name, value, headers);
  return std::min(pos, message.size());
}

std::string DecodeBody(std::string_view body, const Headers& headers) {
  std::string_view type = headers.content_type;
  std::string main_type = Lower(Trim(type.substr(0, type.find(';'))));
  if (!main_type.empty() && main_type != "text/plain") return std::string(body);
  std::string encoding = Lower(headers.transfer_encoding);
  std::string decoded;
  if (encoding == "quoted-printable") {
    decoded = DecodeQuotedPrintable(body, /*underscore_is_space=*/false);
  } else if (encoding == "base64") {
    decoded = DecodeBase64(body);
  } else {
    decoded.assign(body);
  }
  std::optional<std::string> utf8 = ToUtf8(Parameter(type, "charset"), decoded);
  return utf8 ? std::move(*utf8) : decoded;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void MboxSplitter::Append(std::string_view line, std::string* message, bool* truncated) const {
  if (IsQuotedFrom(line)) line.remove_prefix(1);
  if (message->size() + line.size() + 1 > max_message_bytes_) {
    *truncated = true;
    return;
  }
  message->append(line);
  message->push_back('\n');
}

bool MboxSplitter::Next(std::string* message, bool* truncated) {
  message->clear();
  *truncated = false;
  bool opened = std::exchange(in_message_, false);
  std::string_view line;
  while (lines_->Next(&line)) {
    line = StripCr(line);
    if (after_blank_ && line.starts_with("From ")) {
      after_blank_ = false;
      if (opened || !IsBlank(*message)) {
        in_message_ = true;
        break;
      }
      // Only blank lines came before the first message.
      opened = true;
      message->clear();
      continue;
    }
    after_blank_ = line.empty();
    Append(line, message, truncated);
  }
  if (lines_->failed()) return false;
  if (!opened && IsBlank(*message)) return false;
  // The blank line before the next "From " separates the messages; it is not part of either.
  if (message->ends_with("\n\n")) message->pop_back();
  return true;
}

MailMessage ParseMailMessage(std::string_view message) {
  Headers headers;
  size_t body_start = ParseHeaders(message, &headers);
  MailMessage mail;
  std::string_view id = headers.message_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  mail.message_id = std::string(Trim(id));
  mail.subject = DecodeHeader(headers.subject);
  mail.from = DecodeHeader(headers.from);
  mail.date = std::move(headers.date);
  mail.body = DecodeBody(message.substr(body_start), headers);
  return mail;
}

}  // namespace trawl

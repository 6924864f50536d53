#include "ingest/html_text.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>
#include <vector>

namespace trawl {

namespace {

// ---------------------------------------------------------------------------------------------
// A cheap upper bound of the element nesting depth, from the tags alone.

bool IsTagChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; }

// Elements that never hold children, or whose end tag is implied by the next sibling, so that
// they do not deepen the tree however many there are.
bool IsFlatElement(std::string_view name) {
  static constexpr std::string_view kFlat[] = {
      "area",  "base",  "br",       "col",     "embed", "hr",     "img",      "input",
      "link",  "meta",  "param",    "source",  "track", "wbr",    "p",        "li",
      "dt",    "dd",    "tr",       "td",      "th",    "option", "optgroup", "thead",
      "tbody", "tfoot", "colgroup", "caption", "rb",    "rt",     "rp",       "rtc"};
  return std::find(std::begin(kFlat), std::end(kFlat), name) != std::end(kFlat);
}

size_t EstimateDepth(std::string_view html) {
  size_t depth = 0, max_depth = 0;
  std::string name;
  for (size_t i = html.find('<'); i != std::string_view::npos; i = html.find('<', i + 1)) {
    const bool closing = i + 1 < html.size() && html[i + 1] == '/';
    size_t begin = i + (closing ? 2 : 1), end = begin;
    while (end < html.size() && IsTagChar(html[end])) ++end;
    if (end == begin || !std::isalpha(static_cast<unsigned char>(html[begin]))) continue;
    name.assign(html.substr(begin, end - begin));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (IsFlatElement(name)) continue;
    if (closing) {
      depth -= depth > 0 ? 1 : 0;
    } else {
      max_depth = std::max(max_depth, ++depth);
    }
  }
  return max_depth;
}

// ---------------------------------------------------------------------------------------------
// Text assembly: whitespace runs collapse to one space, block boundaries become one newline.
class TextBuilder {
 public:
  void Text(std::string_view text, bool preformatted) {
    for (char c : text) {
      if (!preformatted && std::isspace(static_cast<unsigned char>(c))) {
        pending_space_ = true;
      } else if (preformatted && c == '\n') {
        Flush();
        out_ += '\n';
      } else {
        Flush();
        out_ += c;
      }
    }
  }
  void Space() { pending_space_ = true; }
  void Break() { pending_break_ = true; }
  std::string Take() { return std::move(out_); }

 private:
  void Flush() {
    if (!out_.empty() && out_.back() != '\n') {
      if (pending_break_) {
        out_ += '\n';
      } else if (pending_space_) {
        out_ += ' ';
      }
    }
    pending_break_ = pending_space_ = false;
  }

  std::string out_;
  bool pending_break_ = false;
  bool pending_space_ = false;
};

// Elements whose content is not shown as text.
bool IsHidden(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_TITLE:
      return true;
    default:
      return false;
  }
}

bool IsBlock(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_UL:
      return true;
    default:
      return false;
  }
}

bool IsCell(GumboTag tag) { return tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH; }

bool IsText(const GumboNode* node) {
  return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
         node->type == GUMBO_NODE_CDATA;
}

const GumboVector* Children(const GumboNode* node) {
  if (node->type == GUMBO_NODE_DOCUMENT) return &node->v.document.children;
  if (node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE) {
    return &node->v.element.children;
  }
  return nullptr;
}

// Depth-first with an explicit stack: the tree may be kMaxHtmlDepth deep.
std::string VisibleText(const GumboNode* root) {
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
    bool preformatted;
  };
  TextBuilder text;
  std::vector<Frame> stack{{root, 0, false}};
  while (!stack.empty()) {
    Frame& top = stack.back();
    const GumboVector* children = Children(top.node);
    if (children == nullptr || top.next_child == children->length) {
      if (top.node->type == GUMBO_NODE_ELEMENT) {
        GumboTag tag = top.node->v.element.tag;
        if (IsBlock(tag)) text.Break();
        if (IsCell(tag)) text.Space();
      }
      stack.pop_back();
      continue;
    }
    const auto* child = static_cast<const GumboNode*>(children->data[top.next_child++]);
    const bool preformatted = top.preformatted;
    if (IsText(child)) {
      text.Text(child->v.text.text, preformatted);
    } else if (child->type == GUMBO_NODE_ELEMENT) {
      GumboTag tag = child->v.element.tag;
      if (IsHidden(tag)) continue;
      if (IsBlock(tag)) text.Break();
      stack.push_back({child, 0, preformatted || tag == GUMBO_TAG_PRE});
    }
  }
  return text.Take();
}

const GumboNode* FindTitle(const GumboNode* root) {
  std::vector<const GumboNode*> pending{root};
  while (!pending.empty()) {
    const GumboNode* node = pending.back();
    pending.pop_back();
    if (node->type == GUMBO_NODE_ELEMENT && node->v.element.tag == GUMBO_TAG_TITLE &&
        node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML) {
      return node;
    }
    const GumboVector* children = Children(node);
    if (children == nullptr) continue;
    // Reversed, so that the first title in document order is found first.
    for (unsigned i = children->length; i > 0; --i) {
      pending.push_back(static_cast<const GumboNode*>(children->data[i - 1]));
    }
  }
  return nullptr;
}

std::string TitleText(const GumboNode* title) {
  TextBuilder text;
  const GumboVector& children = title->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (IsText(child)) text.Text(child->v.text.text, /*preformatted=*/false);
  }
  return text.Take();
}

// Whitespace runs as one space, none at the ends.
std::string CollapseSpace(std::string_view text) {
  TextBuilder builder;
  builder.Text(text, /*preformatted=*/false);
  return builder.Take();
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void TakeMeta(const GumboElement& meta, HtmlText* out, bool* seen_description,
              bool* seen_keywords, bool* seen_author) {
  const GumboAttribute* name = gumbo_get_attribute(&meta.attributes, "name");
  const GumboAttribute* content = gumbo_get_attribute(&meta.attributes, "content");
  if (name == nullptr || content == nullptr) return;
  std::string_view which = name->value;
  while (!which.empty() && std::isspace(static_cast<unsigned char>(which.front()))) {
    which.remove_prefix(1);
  }
  while (!which.empty() && std::isspace(static_cast<unsigned char>(which.back()))) {
    which.remove_suffix(1);
  }
  if (EqualsNoCase(which, "description") && !std::exchange(*seen_description, true)) {
    out->description = CollapseSpace(content->value);
  } else if (EqualsNoCase(which, "author") && !std::exchange(*seen_author, true)) {
    out->author = CollapseSpace(content->value);
  } else if (EqualsNoCase(which, "keywords") && !std::exchange(*seen_keywords, true)) {
    std::string_view rest = content->value;
    for (;;) {
      const size_t comma = rest.find(',');
      std::string keyword = CollapseSpace(rest.substr(0, comma));
      if (!keyword.empty()) out->keywords.push_back(std::move(keyword));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
}

// <meta> elements anywhere (a browser reads them from <head>, but gumbo moves a stray one into
// <body>); the first of each name counts.
void FindMeta(const GumboNode* root, HtmlText* out) {
  bool seen_description = false, seen_keywords = false, seen_author = false;
  std::vector<const GumboNode*> pending{root};
  while (!pending.empty()) {
    const GumboNode* node = pending.back();
    pending.pop_back();
    if (node->type == GUMBO_NODE_ELEMENT && node->v.element.tag == GUMBO_TAG_META &&
        node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML) {
      TakeMeta(node->v.element, out, &seen_description, &seen_keywords, &seen_author);
      continue;
    }
    const GumboVector* children = Children(node);
    if (children == nullptr) continue;
    // Reversed, so that nodes come off the stack in document order.
    for (unsigned i = children->length; i > 0; --i) {
      pending.push_back(static_cast<const GumboNode*>(children->data[i - 1]));
    }
  }
}

struct OutputDeleter {
  void operator()(GumboOutput* output) const {
    gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
};

}  // namespace

bool ExtractHtmlText(std::string_view html, HtmlText* out, std::string* why) {
  if (size_t depth = EstimateDepth(html); depth > kMaxHtmlDepth) {
    *why = "HTML nested " + std::to_string(depth) + " elements deep (more than " +
           std::to_string(kMaxHtmlDepth) + "), skipped";
    return false;
  }
  GumboOptions options = kGumboDefaultOptions;
  // Gumbo copies the stack of open elements into every parse error it records, which takes
  // memory quadratic in the depth; the errors are of no use here.
  options.max_errors = 0;
  std::unique_ptr<GumboOutput, OutputDeleter> output(
      gumbo_parse_with_options(&options, html.data(), html.size()));
  if (output == nullptr) {
    *why = "HTML parser failed";
    return false;
  }
  const GumboNode* title = FindTitle(output->root);
  out->title = title == nullptr ? std::string() : TitleText(title);
  out->body = VisibleText(output->root);
  FindMeta(output->root, out);
  return true;
}

}  // namespace trawl

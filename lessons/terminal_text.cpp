#include "terminal_text.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "trim.hpp"

namespace clab::lessons {
namespace {

enum class Mark { None, Code, Bold, Emphasis };

// A run of text in one style.
struct Piece {
  std::string text;
  Mark mark = Mark::None;
};

const char* open_code(Mark mark) {
  switch (mark) {
    case Mark::Code:
      return "\033[36m";
    case Mark::Bold:
      return "\033[1m";
    case Mark::Emphasis:
      return "\033[3m";
    case Mark::None:
      break;
  }
  return "";
}

std::string styled(const Piece& piece, const TextStyle& style) {
  if (!style.ansi || piece.mark == Mark::None) return piece.text;
  return open_code(piece.mark) + piece.text + "\033[0m";
}

// Columns a UTF-8 string takes: one per character (continuation bytes take none).
std::size_t columns(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// An emphasis mark opens before a non-space and closes after one ("a * b" is no emphasis).
std::size_t closing_mark(const std::string& text, std::size_t from, const std::string& mark) {
  if (from >= text.size() || text[from] == ' ') return std::string::npos;
  for (auto at = text.find(mark, from); at != std::string::npos; at = text.find(mark, at + 1)) {
    if (at > from && text[at - 1] != ' ') return at;
  }
  return std::string::npos;
}

std::vector<Piece> parse_inline(const std::string& text) {
  std::vector<Piece> pieces;
  std::string plain;
  auto flush = [&] {
    if (!plain.empty()) pieces.push_back({std::move(plain), Mark::None});
    plain.clear();
  };
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '`') {
      const auto end = text.find('`', i + 1);
      if (end != std::string::npos) {
        flush();
        pieces.push_back({text.substr(i + 1, end - i - 1), Mark::Code});
        i = end + 1;
        continue;
      }
    }
    bool marked = false;
    for (const auto& [mark, style] : {std::pair<std::string, Mark>{"**", Mark::Bold},
                                      std::pair<std::string, Mark>{"*", Mark::Emphasis}}) {
      if (marked || text.compare(i, mark.size(), mark) != 0) continue;
      const auto end = closing_mark(text, i + mark.size(), mark);
      if (end == std::string::npos) continue;
      flush();
      pieces.push_back({text.substr(i + mark.size(), end - i - mark.size()), style});
      i = end + mark.size();
      marked = true;
    }
    if (marked) continue;
    if (text[i] == '[') {  // [text](url) -> text (url)
      const auto close = text.find("](", i);
      const auto end = close == std::string::npos ? close : text.find(')', close);
      if (end != std::string::npos) {
        plain += text.substr(i + 1, close - i - 1) + " (" +
                 text.substr(close + 2, end - close - 2) + ")";
        i = end + 1;
        continue;
      }
    }
    plain += text[i++];
  }
  flush();
  return pieces;
}

// A word: what lies between spaces, possibly in several styles ("`--port`," is two pieces).
using Word = std::vector<Piece>;

std::vector<Word> split_words(const std::vector<Piece>& pieces) {
  std::vector<Word> words(1);
  for (const auto& piece : pieces) {
    std::size_t start = 0;
    for (;;) {
      const auto space = piece.text.find(' ', start);
      const std::string part = piece.text.substr(start, space - start);
      if (!part.empty()) words.back().push_back({part, piece.mark});
      if (space == std::string::npos) break;
      if (!words.back().empty()) words.emplace_back();
      start = space + 1;
    }
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// Greedy wrap; the first line starts after `first_prefix`, the others after `prefix`.
std::string wrap(const std::string& text, const TextStyle& style, const std::string& first_prefix,
                 const std::string& prefix) {
  std::string out = first_prefix;
  std::size_t used = columns(first_prefix);
  bool line_empty = true;
  for (const auto& word : split_words(parse_inline(text))) {
    std::size_t width = 0;
    std::string rendered;
    for (const auto& piece : word) {
      width += columns(piece.text);
      rendered += styled(piece, style);
    }
    if (!line_empty && used + 1 + width > static_cast<std::size_t>(style.width)) {
      out += "\n" + prefix;
      used = columns(prefix);
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++used;
    }
    out += rendered;
    used += width;
    line_empty = false;
  }
  return out + "\n";
}

// "- item", "* item", "12. item": the marker's length with its space, or 0.
std::size_t list_marker(const std::string& line) {
  if (line.size() > 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ') return 2;
  std::size_t digits = 0;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits])))
    ++digits;
  if (digits > 0 && line.compare(digits, 2, ". ") == 0) return digits + 2;
  return 0;
}

// "| a | b |" -> {"a", "b"}
std::vector<std::string> table_cells(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool in_code = false;
  for (std::size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '`') in_code = !in_code;
    if (line[i] == '|' && !in_code) {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

// A Markdown table as aligned columns, the header in bold; "|---|" rows are left out.
std::string render_table(const std::vector<std::string>& rows, const TextStyle& style) {
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    if (row.find_first_not_of("|-: ") == std::string::npos) continue;
    cells.push_back(table_cells(row));
  }
  std::vector<std::size_t> widths;
  for (const auto& row : cells) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c)
      widths[c] = std::max(widths[c], columns(render_inline(row[c], {.ansi = false})));
  }
  std::string out;
  for (std::size_t r = 0; r < cells.size(); ++r) {
    std::string line = "  ";
    for (std::size_t c = 0; c < cells[r].size(); ++c) {
      const std::string text = render_inline(cells[r][c], style);
      const std::size_t width = columns(render_inline(cells[r][c], {.ansi = false}));
      line += (r == 0 ? bold(text, style) : text) +
              std::string(c + 1 < cells[r].size() ? widths[c] - width + 2 : 0, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

TextStyle style_for_stdout() {
  const char* term = std::getenv("TERM");
  if (!::isatty(STDOUT_FILENO) || term == nullptr || std::strcmp(term, "dumb") == 0) return {};
  TextStyle style{.ansi = true, .width = 80};
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) {
    style.width = std::min<int>(size.ws_col - 1, 100);
  }
  return style;
}

std::string bold(const std::string& text, const TextStyle& style) {
  return styled({text, Mark::Bold}, style);
}

std::string render_inline(const std::string& text, const TextStyle& style) {
  std::string out;
  for (const auto& piece : parse_inline(text))
    out += styled(piece, style);
  return out;
}

std::string render_markdown(const std::string& markdown, const TextStyle& style) {
  std::istringstream in(markdown);
  std::string out, paragraph, item_marker;
  auto flush = [&] {
    if (paragraph.empty()) return;
    if (item_marker.empty()) {
      out += wrap(paragraph, style, "", "");
    } else {
      const std::string bullet = item_marker == "- " || item_marker == "* "
                                     ? (style.ansi ? "  • " : "  - ")
                                     : "  " + item_marker;
      out += wrap(paragraph, style, bullet, std::string(columns(bullet), ' '));
    }
    paragraph.clear();
    item_marker.clear();
  };
  bool in_code = false;
  std::vector<std::string> table;
  for (std::string line; std::getline(in, line);) {
    if (trim(line).starts_with("|")) {
      flush();
      table.push_back(trim(line));
      continue;
    }
    if (!table.empty()) {
      out += render_table(table, style);
      table.clear();
    }
    if (trim(line).starts_with("```")) {
      flush();
      in_code = !in_code;
      continue;
    }
    if (in_code) {
      out += "    " + styled({line, Mark::Code}, style) + "\n";
      continue;
    }
    const std::string text = trim(line);
    if (text.empty()) {
      flush();
      if (!out.empty() && !out.ends_with("\n\n")) out += "\n";
      continue;
    }
    if (text.starts_with("#")) {
      flush();
      out += bold(trim(text.substr(text.find_first_not_of('#'))), style) + "\n";
      continue;
    }
    if (const auto marker = list_marker(text); marker > 0 && line.find_first_not_of(' ') < 2) {
      flush();
      item_marker = text.substr(0, marker);
      paragraph = text.substr(marker);
      continue;
    }
    paragraph += (paragraph.empty() ? "" : " ") + text;
  }
  flush();
  if (!table.empty()) out += render_table(table, style);
  return out;
}

}  // namespace clab::lessons

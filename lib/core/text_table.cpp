#include "core/text_table.hpp"

#include <algorithm>

namespace clab {

std::size_t display_width(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

TextTable::TextTable(std::vector<std::string> header, std::vector<Align> align)
    : header_(std::move(header)), align_(std::move(align)) {
  align_.resize(header_.size(), Align::Left);
}

void TextTable::add_row(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::render(Style style) const {
  std::vector<std::size_t> widths(header_.size());
  for (std::size_t c = 0; c < header_.size(); ++c) {
    widths[c] = display_width(header_[c]);
    for (const auto& row : rows_)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  const bool boxed = style == Style::Boxed;
  auto cell = [&](const std::string& text, std::size_t c, bool pad_last) {
    const std::string padding(widths[c] - display_width(text), ' ');
    if (align_[c] == Align::Right) return padding + text;
    return text + (pad_last || c + 1 < widths.size() ? padding : "");
  };
  auto rule = [&](const char* left, const char* middle, const char* right) {
    std::string line = left;
    for (std::size_t c = 0; c < widths.size(); ++c) {
      for (std::size_t i = 0; i < widths[c] + 2; ++i)
        line += "─";
      line += c + 1 < widths.size() ? middle : right;
    }
    return line + "\n";
  };
  auto row_line = [&](const std::vector<std::string>& row) {
    std::string line = boxed ? "│ " : "";
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += cell(row[c], c, boxed);
      if (c + 1 < row.size()) line += boxed ? " │ " : "  ";
    }
    if (boxed) {
      line += " │";
    } else {
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
    }
    return line + "\n";
  };
  std::string out = boxed ? rule("┌", "┬", "┐") : "";
  out += row_line(header_);
  if (boxed) out += rule("├", "┼", "┤");
  for (const auto& row : rows_)
    out += row_line(row);
  if (boxed) out += rule("└", "┴", "┘");
  return out;
}

void TextTable::print(std::FILE* out, Style style) const {
  const std::string text = render(style);
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

}  // namespace clab

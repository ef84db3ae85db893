// TextTable: rows of text printed as aligned columns, for people to read.
// Column widths follow the widest cell (counted in UTF-8 code points); the last column is
// never padded, so a long free-text column does not push the others around.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace clab {

class TextTable {
 public:
  enum class Align { Left, Right };
  enum class Style { Plain, Boxed };  // Boxed: box-drawing borders, as autocannon prints

  explicit TextTable(std::vector<std::string> header, std::vector<Align> align = {});
  void add_row(std::vector<std::string> cells);
  std::string render(Style style = Style::Plain) const;
  void print(std::FILE* out = stdout, Style style = Style::Plain) const;

 private:
  std::vector<std::string> header_;
  std::vector<Align> align_;
  std::vector<std::vector<std::string>> rows_;
};

// The number of code points in a UTF-8 string (its width on a terminal, near enough).
std::size_t display_width(const std::string& text);

}  // namespace clab

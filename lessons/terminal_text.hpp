// Lesson prose for a reader: Markdown rendered for a terminal (bold, italics, code in a
// colour, lists with bullets, paragraphs wrapped to the width) or, for a pipe, as plain text
// with the marks taken out and no escape codes. Handles the Markdown the lessons use:
// paragraphs, "#" headings, "-"/"*"/"1." lists, fenced code, tables (aligned columns),
// `code`, **bold**, *emphasis* and [links](url); anything else is shown as written.
#pragma once

#include <string>

namespace clab::lessons {

struct TextStyle {
  bool ansi = false;  // escape codes for a terminal
  int width = 80;     // columns to wrap at
};

// For stdout: ANSI and the terminal's width (at most 100) when it is a terminal and TERM is
// not "dumb"; plain at 80 columns otherwise.
TextStyle style_for_stdout();

std::string render_markdown(const std::string& markdown, const TextStyle& style);

// Inline marks only (for one line such as a step title): no wrapping.
std::string render_inline(const std::string& text, const TextStyle& style);

// Text in bold (ANSI) or as it is (plain).
std::string bold(const std::string& text, const TextStyle& style);

}  // namespace clab::lessons

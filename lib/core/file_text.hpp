// Whole small files read and written with read(2) and write(2): what a long-running daemon
// uses instead of iostreams, whose locale machinery would stay in its resident memory.
#pragma once

#include <string>

#include "core/error.hpp"

namespace clab {

Result<std::string> read_text_file(const std::string& path);
// Writes PATH.tmp, then renames it over PATH: a reader sees the old file or the new one.
Status write_text_file(const std::string& path, const std::string& text);

}  // namespace clab

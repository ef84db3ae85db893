#include "core/text_table.hpp"

#include <gtest/gtest.h>

namespace clab {
namespace {

TEST(TextTable, AlignsColumnsToTheWidestCell) {
  TextTable table({"name", "n", "note"}, {TextTable::Align::Left, TextTable::Align::Right});
  table.add_row({"respawn", "5", "fine"});
  table.add_row({"x", "1234", "long free text"});
  EXPECT_EQ(table.render(),
            "name        n  note\n"
            "respawn     5  fine\n"
            "x        1234  long free text\n");
}

TEST(TextTable, CountsCodePointsNotBytes) {
  TextTable table({"a", "b"});
  table.add_row({"→→", "x"});
  table.add_row({"abc", "y"});
  EXPECT_EQ(table.render(), "a    b\n→→   x\nabc  y\n");
}

}  // namespace
}  // namespace clab

#include "terminal_text.hpp"

#include <gtest/gtest.h>

namespace clab::lessons {
namespace {

const TextStyle kPlain{.ansi = false, .width = 40};
const TextStyle kTerminal{.ansi = true, .width = 40};

TEST(TerminalText, PlainTakesTheMarksOut) {
  EXPECT_EQ(render_markdown("a *primary* forks `--workers 2` and **never** [waits](http://x)\n",
                            {.ansi = false, .width = 100}),
            "a primary forks --workers 2 and never waits (http://x)\n");
}

TEST(TerminalText, ATerminalGetsBoldItalicsAndCodeInColour) {
  EXPECT_EQ(render_inline("a *primary* and `code` and **this**", kTerminal),
            "a \033[3mprimary\033[0m and \033[36mcode\033[0m and \033[1mthis\033[0m");
}

TEST(TerminalText, AStarBetweenSpacesIsNoEmphasis) {
  EXPECT_EQ(render_inline("3 * 4 * 5 and `* * * * * *`", kPlain), "3 * 4 * 5 and * * * * * *");
}

TEST(TerminalText, ParagraphsAreJoinedAndWrappedToTheWidth) {
  const std::string text =
      "The primary owns the port\nand the workers; workers are full processes, started again.\n"
      "\nA second paragraph.\n";
  EXPECT_EQ(render_markdown(text, kPlain),
            "The primary owns the port and the\n"
            "workers; workers are full processes,\n"
            "started again.\n"
            "\n"
            "A second paragraph.\n");
}

// Escape codes take no columns: the wrap is where the plain text's is.
TEST(TerminalText, EscapeCodesDoNotCountTowardsTheWidth) {
  const std::string text = "`aaaaaaaaaa` `bbbbbbbbbb` `cccccccccc` `dddddddddd`\n";
  const std::string plain = render_markdown(text, kPlain);
  const std::string ansi = render_markdown(text, kTerminal);
  EXPECT_EQ(plain, "aaaaaaaaaa bbbbbbbbbb cccccccccc\ndddddddddd\n");
  EXPECT_EQ(std::count(ansi.begin(), ansi.end(), '\n'), 2);
}

TEST(TerminalText, ListItemsHangUnderTheirBullet) {
  const std::string text =
      "- Stop accepting, drain, run the hooks, exit: in that order.\n"
      "- Short.\n"
      "1. first\n   continued\n";
  EXPECT_EQ(render_markdown(text, kPlain),
            "  - Stop accepting, drain, run the\n"
            "    hooks, exit: in that order.\n"
            "  - Short.\n"
            "  1. first continued\n");
  EXPECT_NE(render_markdown("- item\n", kTerminal).find("  • item"), std::string::npos);
}

TEST(TerminalText, FencedCodeIsIndentedAndNotWrapped) {
  const std::string text =
      "Node:\n\n```js\ncluster.fork(); // a long line that is not wrapped at all\n```\n";
  EXPECT_EQ(render_markdown(text, kPlain),
            "Node:\n\n    cluster.fork(); // a long line that is not wrapped at all\n");
}

TEST(TerminalText, TablesBecomeAlignedColumns) {
  const std::string text =
      "Before.\n\n| | ours | `Nest` |\n|---|---|---|\n| 1 | stop accepting | onModuleDestroy |\n"
      "| 2 | drain | x |\n\nAfter.\n";
  EXPECT_EQ(render_markdown(text, kPlain),
            "Before.\n"
            "\n"
            "     ours            Nest\n"
            "  1  stop accepting  onModuleDestroy\n"
            "  2  drain           x\n"
            "\n"
            "After.\n");
}

}  // namespace
}  // namespace clab::lessons

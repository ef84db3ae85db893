// LogFile: whole lines, rotation by size that keeps every line once, flush; the date format
// and the line splitter the daemon feeds it with.
#include "pm/log_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/temp_directory.hpp"

namespace clab::pm {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LogFile, RotatesBeforeALineWouldPassTheLimitAndKeepsEveryLine) {
  auto dir = TempDirectory::create("clusterlab-logfile");
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->file("app-out-0.log");
  auto file = LogFile::open(path, {.max_bytes = 100, .keep = 3});
  ASSERT_TRUE(file.ok()) << file.error().message;
  for (int i = 0; i < 60; ++i)
    ASSERT_TRUE((*file)->write_line("line " + std::to_string(i)).ok());
  // 8 bytes a line ("line 12\n"): at most 12 per file; the oldest beyond .3 are gone.
  for (const auto& p : {path, path + ".1", path + ".2", path + ".3"}) {
    ASSERT_TRUE(std::filesystem::exists(p)) << p;
    EXPECT_LE(std::filesystem::file_size(p), 100u) << p;
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".4"));
  const std::string kept =
      read_file(path + ".3") + read_file(path + ".2") + read_file(path + ".1") + read_file(path);
  std::string expected;
  for (int i = 60 - static_cast<int>(std::count(kept.begin(), kept.end(), '\n')); i < 60; ++i)
    expected += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(kept, expected) << "whole lines, in order, none twice";

  ASSERT_TRUE((*file)->flush().ok());
  EXPECT_EQ(read_file(path), "");
  EXPECT_FALSE(std::filesystem::exists(path + ".1"));
  ASSERT_TRUE((*file)->write_line("after", "12:00").ok());
  EXPECT_EQ(read_file(path), "12:00: after\n");
}

TEST(LogFile, DatesFollowMomentTokens) {
  // 2026-03-04 05:06:07.089 in local time.
  std::tm local{};
  local.tm_year = 126;
  local.tm_mon = 2;
  local.tm_mday = 4;
  local.tm_hour = 5;
  local.tm_min = 6;
  local.tm_sec = 7;
  local.tm_isdst = -1;
  const auto time =
      std::chrono::system_clock::from_time_t(std::mktime(&local)) + std::chrono::milliseconds(89);
  EXPECT_EQ(format_log_date("YYYY-MM-DD HH:mm:ss.SSS", time), "2026-03-04 05:06:07.089");
  EXPECT_EQ(format_log_date("[at] HH:mm", time), "at 05:06");
  const std::string zone = format_log_date("Z", time);
  EXPECT_TRUE(zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') << zone;
}

TEST(LineSplitter, HoldsAPartialLineUntilItsEnd) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) { lines.emplace_back(line); };
  splitter.feed("one\ntw", collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"one"}));
  splitter.feed("o\nthree", collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
  splitter.finish(collect);
  EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "three"}));
}

}  // namespace
}  // namespace clab::pm

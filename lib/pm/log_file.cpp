#include "pm/log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace clab::pm {

Result<std::shared_ptr<LogFile>> LogFile::open(const std::string& path, LogRotation rotation) {
  std::shared_ptr<LogFile> file(new LogFile(path, rotation));
  if (auto s = file->reopen(); !s) return s.error();
  return file;
}

Status LogFile::reopen() {
  fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd_) return errno_error("open " + path_);
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return errno_error("fstat " + path_);
  size_ = static_cast<std::uint64_t>(st.st_size);
  return {};
}

Status LogFile::rotate() {
  const auto rotated = [this](int n) { return fmt::format("{}.{}", path_, n); };
  ::unlink(rotated(rotation_.keep).c_str());
  for (int n = rotation_.keep - 1; n >= 1; --n)
    ::rename(rotated(n).c_str(), rotated(n + 1).c_str());
  if (rotation_.keep >= 1) {
    if (::rename(path_.c_str(), rotated(1).c_str()) != 0) return errno_error("rename " + path_);
  } else {
    ::unlink(path_.c_str());
  }
  return reopen();
}

Status LogFile::write_line(std::string_view line, const std::string& timestamp) {
  const std::string separator = timestamp.empty() ? "" : ": ";
  const std::uint64_t bytes = timestamp.size() + separator.size() + line.size() + 1;
  if (size_ > 0 && size_ + bytes > rotation_.max_bytes) {
    if (auto s = rotate(); !s) return s;
  }
  iovec parts[4] = {{const_cast<char*>(timestamp.data()), timestamp.size()},
                    {const_cast<char*>(separator.data()), separator.size()},
                    {const_cast<char*>(line.data()), line.size()},
                    {const_cast<char*>("\n"), 1}};
  // One writev per line: a reader following the file never sees half of one.
  const ssize_t n = ::writev(fd_.get(), parts, 4);
  if (n < 0) return errno_error("write " + path_);
  size_ += static_cast<std::uint64_t>(n);
  return {};
}

Status LogFile::flush() {
  for (int n = 1; n <= rotation_.keep; ++n)
    ::unlink(fmt::format("{}.{}", path_, n).c_str());
  if (::ftruncate(fd_.get(), 0) != 0) return errno_error("truncate " + path_);
  size_ = 0;
  return {};
}

std::string format_log_date(const std::string& format, std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  std::tm local{};
  ::localtime_r(&seconds, &local);
  const long offset_min = local.tm_gmtoff / 60;
  const char sign = offset_min < 0 ? '-' : '+';
  const long off = offset_min < 0 ? -offset_min : offset_min;

  std::string out;
  for (std::size_t i = 0; i < format.size();) {
    auto token = [&](std::string_view t) { return format.compare(i, t.size(), t) == 0; };
    if (format[i] == '[') {
      const auto close = format.find(']', i);
      const auto end = close == std::string::npos ? format.size() : close;
      out.append(format, i + 1, end - i - 1);
      i = end + 1;
    } else if (token("YYYY")) {
      out += fmt::format("{:04}", local.tm_year + 1900), i += 4;
    } else if (token("SSS")) {
      out += fmt::format("{:03}", millis), i += 3;
    } else if (token("ZZ")) {
      out += fmt::format("{}{:02}{:02}", sign, off / 60, off % 60), i += 2;
    } else if (token("MM")) {
      out += fmt::format("{:02}", local.tm_mon + 1), i += 2;
    } else if (token("DD")) {
      out += fmt::format("{:02}", local.tm_mday), i += 2;
    } else if (token("HH")) {
      out += fmt::format("{:02}", local.tm_hour), i += 2;
    } else if (token("mm")) {
      out += fmt::format("{:02}", local.tm_min), i += 2;
    } else if (token("ss")) {
      out += fmt::format("{:02}", local.tm_sec), i += 2;
    } else if (token("Z")) {
      out += fmt::format("{}{:02}:{:02}", sign, off / 60, off % 60), i += 1;
    } else {
      out += format[i++];
    }
  }
  return out;
}

}  // namespace clab::pm

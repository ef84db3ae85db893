// An app's log file as the daemon writes it: whole lines only, each optionally prefixed with
// a timestamp (log_date_format, moment.js tokens as PM2 takes them), rotated by size.
//
// Rotation is built in (PM2 needs the pm2-logrotate module for it): before a line that
// would take the file past max_bytes, NAME.log becomes NAME.log.1 (NAME.log.1 becomes .2,
// ...; the oldest beyond `keep` is removed) and a fresh NAME.log is opened. The daemon is
// the only writer and writes whole lines, so no line is split or lost across a rotation,
// however many instances share the file (merge_logs).
// Invariant: size_ is the size of the open file. Single-threaded (the daemon's loop).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace clab::pm {

struct LogRotation {
  std::uint64_t max_bytes = 10 * 1024 * 1024;
  int keep = 5;  // rotated files kept beside the live one
};

class LogFile {
 public:
  static Result<std::shared_ptr<LogFile>> open(const std::string& path, LogRotation rotation);

  // Appends `line` and a newline; `timestamp`, when not empty, goes first with a ": ".
  Status write_line(std::string_view line, const std::string& timestamp = {});
  // Empties the file and removes its rotated copies (pm flush).
  Status flush();
  const std::string& path() const { return path_; }

 private:
  LogFile(std::string path, LogRotation rotation) : path_(std::move(path)), rotation_(rotation) {}
  Status reopen();
  Status rotate();

  std::string path_;
  LogRotation rotation_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

// `format` with moment.js tokens (YYYY MM DD HH mm ss SSS Z ZZ; anything else is copied,
// text in [brackets] verbatim) applied to `time` in local time.
std::string format_log_date(const std::string& format, std::chrono::system_clock::time_point time);

// Splits a pipe's bytes into lines; a partial line waits for the rest.
class LineSplitter {
 public:
  template <class F>
  void feed(std::string_view data, F&& on_line) {
    pending_.append(data);
    std::size_t begin = 0;
    for (std::size_t nl; (nl = pending_.find('\n', begin)) != std::string::npos; begin = nl + 1) {
      on_line(std::string_view(pending_).substr(begin, nl - begin));
    }
    pending_.erase(0, begin);
    if (pending_.size() > kMaxLine) {  // a line without end: written in pieces
      on_line(std::string_view(pending_));
      pending_.clear();
    }
  }
  // At end of file: the last line, even without a newline.
  template <class F>
  void finish(F&& on_line) {
    if (!pending_.empty()) on_line(std::string_view(pending_));
    pending_.clear();
  }

 private:
  static constexpr std::size_t kMaxLine = 1024 * 1024;
  std::string pending_;
};

}  // namespace clab::pm

// TempDirectory: a private directory (mode 0700, a fresh name under $TMPDIR or /tmp) that is
// removed with everything in it when the object is destroyed. Move-only; a moved-from
// object owns nothing.
#pragma once

#include <string>

#include "core/error.hpp"

namespace clab {

class TempDirectory {
 public:
  // prefix: the name's start, e.g. "clusterlab-lesson" -> /tmp/clusterlab-lesson-Ab12Cd.
  static Result<TempDirectory> create(const std::string& prefix);

  TempDirectory(TempDirectory&& other) noexcept;
  TempDirectory& operator=(TempDirectory&& other) noexcept;
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory();

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void remove();  // now, rather than at destruction

 private:
  explicit TempDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace clab

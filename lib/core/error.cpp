#include "core/error.hpp"

#include <cerrno>
#include <cstring>

namespace clab {

Error errno_error(const std::string& context, int err) {
  return Error{context + ": " + std::strerror(err), err};
}

Error errno_error(const std::string& context) {
  return errno_error(context, errno);
}

}  // namespace clab

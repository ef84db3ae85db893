#include "lifecycle/sd_notify.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

#include "core/unique_fd.hpp"

namespace clab::lifecycle {
namespace {

// A datagram socket of the test's own, bound where NOTIFY_SOCKET would point.
class NotifySocket {
 public:
  explicit NotifySocket(std::string name) : name_(std::move(name)) {
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name_.data(), name_.size());
    if (address.sun_path[0] == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name_.size());
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), length), 0);
  }
  ~NotifySocket() {
    if (name_[0] != '@') ::unlink(name_.c_str());
  }
  std::string receive() {
    char buffer[256];
    const ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::string name_;
  UniqueFd fd_;
};

TEST(SdNotifier, WritesEachStateAsOneDatagramToAPath) {
  const std::string path = ::testing::TempDir() + "notify-" + std::to_string(::getpid());
  NotifySocket socket(path);
  SdNotifier notifier(path);
  ASSERT_TRUE(notifier.notify("READY=1").ok());
  ASSERT_TRUE(notifier.notify("STOPPING=1").ok());
  EXPECT_EQ(socket.receive(), "READY=1");
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST(SdNotifier, UsesTheAbstractNamespaceForAnAtName) {
  const std::string name = "@clusterlab-notify-" + std::to_string(::getpid());
  NotifySocket socket(name);
  ASSERT_TRUE(SdNotifier(name).notify("READY=1").ok());
  EXPECT_EQ(socket.receive(), "READY=1");
}

TEST(SdNotifier, DoesNothingWithoutNotifySocket) {
  SdNotifier notifier("");
  EXPECT_FALSE(notifier.enabled());
  EXPECT_TRUE(notifier.notify("READY=1").ok());
}

TEST(SdNotifier, ANoOneListeningSocketIsAnErrorNamingIt) {
  const std::string path = ::testing::TempDir() + "nobody-" + std::to_string(::getpid());
  auto s = SdNotifier(path).notify("READY=1");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("sd_notify to " + path), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace clab::lifecycle

#include "cluster/listen_policy.hpp"
#include "net/tcp_listener.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

namespace clab::cluster {
namespace {

TEST(ListenPolicy, ParsesEveryNameAndRejectsOthers) {
  EXPECT_EQ(parse_listen_policy("round-robin"), ListenPolicy::RoundRobin);
  EXPECT_EQ(parse_listen_policy("shared"), ListenPolicy::Shared);
  EXPECT_EQ(parse_listen_policy("reuseport"), ListenPolicy::ReusePort);
  EXPECT_FALSE(parse_listen_policy("random").has_value());
  for (auto p : {ListenPolicy::RoundRobin, ListenPolicy::Shared, ListenPolicy::ReusePort}) {
    EXPECT_EQ(parse_listen_policy(to_string(p)), p);
  }
}

TEST(BindTcp, PortZeroPicksAFreePort) {
  auto fd = net::bind_tcp("127.0.0.1", 0, {});
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  auto port = net::bound_port(fd.value().get());
  ASSERT_TRUE(port.ok());
  EXPECT_GT(port.value(), 0);
}

TEST(BindTcp, ListensWithAtLeastSomaxconnBacklog) {
  auto fd = net::bind_tcp("127.0.0.1", 0, {});
  ASSERT_TRUE(fd.ok());
  // The backlog is not readable back from the socket; SOMAXCONN is what we passed, and
  // SO_ACCEPTCONN proves the socket listens.
  int listening = 0;
  socklen_t len = sizeof listening;
  ASSERT_EQ(::getsockopt(fd.value().get(), SOL_SOCKET, SO_ACCEPTCONN, &listening, &len), 0);
  EXPECT_EQ(listening, 1);
}

TEST(BindTcp, ABusyPortIsAnErrorNamingTheAddress) {
  auto first = net::bind_tcp("127.0.0.1", 0, {});
  ASSERT_TRUE(first.ok());
  const auto port = net::bound_port(first.value().get()).value();
  auto second = net::bind_tcp("127.0.0.1", port, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message,
            "bind 127.0.0.1:" + std::to_string(port) + ": Address already in use");
}

TEST(BindTcp, ReusePortLetsSeveralSocketsShareAPort) {
  auto reservation = net::bind_tcp("127.0.0.1", 0, {.reuse_port = true, .listen = false});
  ASSERT_TRUE(reservation.ok());
  const auto port = net::bound_port(reservation.value().get()).value();
  auto a = net::bind_tcp("127.0.0.1", port, {.reuse_port = true});
  auto b = net::bind_tcp("127.0.0.1", port, {.reuse_port = true});
  EXPECT_TRUE(a.ok() && b.ok());
}

TEST(BindTcp, RejectsAHostThatIsNotAnAddress) {
  auto fd = net::bind_tcp("not-an-address", 0, {});
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("'not-an-address' is not an IPv4 address"), std::string::npos);
}

}  // namespace
}  // namespace clab::cluster

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

// The reuseport policy's reservation: a plain bound socket (no SO_REUSEPORT, not listening)
// lets the cluster's own SO_REUSEPORT listeners in, respawns included, and keeps a second
// cluster's reservation out.
TEST(BindTcp, AReservationAdmitsReusePortListenersAndRefusesASecondReservation) {
  for (const std::string host : {"127.0.0.1", "::1", "0.0.0.0"}) {
    auto reservation = net::bind_tcp(host, 0, {.listen = false});
    ASSERT_TRUE(reservation.ok()) << reservation.error().message;
    const auto port = net::bound_port(reservation.value().get()).value();
    for (int generation = 0; generation < 2; ++generation) {  // every worker died, respawned
      auto a = net::bind_tcp(host, port, {.reuse_port = true});
      auto b = net::bind_tcp(host, port, {.reuse_port = true});
      ASSERT_TRUE(a.ok() && b.ok()) << host;
      auto second = net::bind_tcp(host, port, {.listen = false});
      ASSERT_FALSE(second.ok()) << host;
      EXPECT_NE(second.error().message.find("Address already in use"), std::string::npos);
    }
  }
}

TEST(BindTcp, ListensOnIpv6Loopback) {
  auto fd = net::bind_tcp("::1", 0, {});
  ASSERT_TRUE(fd.ok()) << fd.error().message;
  const auto port = net::bound_port(fd.value().get()).value();
  auto busy = net::bind_tcp("[::1]", port, {});
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().message,
            "bind [::1]:" + std::to_string(port) + ": Address already in use");
}

TEST(BindTcp, RejectsAHostThatIsNotAnAddress) {
  auto fd = net::bind_tcp("not-an-address", 0, {});
  ASSERT_FALSE(fd.ok());
  EXPECT_NE(fd.error().message.find("'not-an-address' is not an IPv4 or IPv6 address"),
            std::string::npos);
}

}  // namespace
}  // namespace clab::cluster

#include "http/socket_stream.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "core/unique_fd.hpp"

namespace clab::http {
namespace {

using namespace std::chrono_literals;

// A connected pair of stream sockets: the server's end for the SocketStream, the client's
// for the test.
struct Pair {
  Pair() {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server.reset(sv[0]);
    client.reset(sv[1]);
  }
  void send(const std::string& data) const {
    ASSERT_EQ(::write(client.get(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  UniqueFd server, client;
};

TEST(SocketStream, ReceiveNowTakesWhatIsThereWithoutWaiting) {
  Pair pair;
  SocketStream stream(pair.server.get());
  char buffer[64];
  EXPECT_EQ(stream.receive_now(buffer, sizeof buffer), -1);
  EXPECT_EQ(errno, EAGAIN);
  pair.send("GET / HTTP/1.1\r\n");
  ASSERT_EQ(stream.receive_now(buffer, sizeof buffer), 16);
  EXPECT_EQ(std::string(buffer, 16), "GET / HTTP/1.1\r\n");
  pair.client.reset();
  EXPECT_EQ(stream.receive_now(buffer, sizeof buffer), 0) << "end of file";
}

TEST(SocketStream, WaitReadableSaysWhyItReturned) {
  Pair pair;
  SocketStream stream(pair.server.get());
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC));
  EXPECT_EQ(stream.wait_readable(20ms, wake.get()), SocketStream::Wait::TimedOut);
  const std::uint64_t one = 1;
  ASSERT_EQ(::write(wake.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
  EXPECT_EQ(stream.wait_readable(5s, wake.get()), SocketStream::Wait::Woken);
  pair.send("GET");
  EXPECT_EQ(stream.wait_readable(5s, wake.get()), SocketStream::Wait::Readable)
      << "a request beats the wake-up";
  EXPECT_EQ(stream.wait_readable(5s, -1), SocketStream::Wait::Readable) << "no wake descriptor";
}

TEST(SocketStream, SendAllWritesMoreThanTheSocketHoldsAsThePeerReads) {
  Pair pair;
  SocketStream stream(pair.server.get());
  const std::string data(4 << 20, 'r');
  std::string got;
  std::thread reader([&] {
    char buffer[65536];
    while (got.size() < data.size()) {
      const ssize_t n = ::read(pair.client.get(), buffer, sizeof buffer);
      if (n <= 0) return;
      got.append(buffer, static_cast<std::size_t>(n));
    }
  });
  EXPECT_TRUE(stream.send_all(data, 5s));
  reader.join();
  EXPECT_EQ(got.size(), data.size());
}

TEST(SocketStream, SendAllGivesUpWhenThePeerReadsNothing) {
  Pair pair;
  SocketStream stream(pair.server.get());
  EXPECT_FALSE(stream.send_all(std::string(16 << 20, 'r'), 50ms));
}

}  // namespace
}  // namespace clab::http

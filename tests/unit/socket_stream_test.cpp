#include "http/socket_stream.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

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

TEST(SocketStream, ReadsInPiecesFromItsBufferAndKnowsWhatIsLeft) {
  Pair pair;
  SocketStream stream(pair.server.get(), 1s, 1s);
  pair.send("GET / HTTP/1.1\r\n\r\nGET /2");
  char piece[4];
  ASSERT_EQ(stream.read(piece, sizeof piece), 4);
  EXPECT_EQ(std::string(piece, 4), "GET ");
  EXPECT_TRUE(stream.has_buffered_input()) << "the rest was read into the buffer at once";
  EXPECT_TRUE(stream.input_ready());
  char rest[64];
  const ssize_t n = stream.read(rest, sizeof rest);
  EXPECT_EQ(std::string(rest, static_cast<std::size_t>(n)), "/ HTTP/1.1\r\n\r\nGET /2");
  EXPECT_FALSE(stream.has_buffered_input());
  EXPECT_FALSE(stream.input_ready()) << "nothing buffered and nothing in the socket";
}

TEST(SocketStream, InputReadyLooksInTheSocketToo) {
  Pair pair;
  SocketStream stream(pair.server.get(), 1s, 1s);
  pair.send("x");
  EXPECT_FALSE(stream.has_buffered_input());
  EXPECT_TRUE(stream.input_ready());
}

TEST(SocketStream, AReadTimesOutWhenThePeerSendsNothing) {
  Pair pair;
  SocketStream stream(pair.server.get(), 50ms, 50ms);
  char byte;
  EXPECT_EQ(stream.read(&byte, 1), -1);
}

TEST(SocketStream, WaitReadableSaysWhyItReturned) {
  Pair pair;
  SocketStream stream(pair.server.get(), 1s, 1s);
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

TEST(SocketStream, WritesEverythingThePeerReads) {
  Pair pair;
  SocketStream stream(pair.server.get(), 1s, 1s);
  ASSERT_EQ(stream.write("HTTP/1.1 200 OK\r\n", 17), 17);
  char got[32];
  ASSERT_EQ(::read(pair.client.get(), got, sizeof got), 17);
  EXPECT_EQ(std::string(got, 17), "HTTP/1.1 200 OK\r\n");
}

}  // namespace
}  // namespace clab::http

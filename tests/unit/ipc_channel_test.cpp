#include "cluster/ipc_channel.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace clab::cluster {
namespace {

struct Pair {
  IpcChannel a;
  IpcChannel b;
};

Pair make_pair() {
  auto created = IpcChannel::create_pair();
  EXPECT_TRUE(created.ok());
  auto& [mine, theirs] = created.value();
  return {std::move(mine), IpcChannel(std::move(theirs))};
}

TEST(IpcChannel, DeliversMessagesInOrder) {
  Pair p = make_pair();
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(p.a.send({{"i", i}}).ok());
  for (int i = 0; i < 100; ++i) {
    auto m = p.b.receive(1000);
    ASSERT_TRUE(m.ok() && m.value().has_value());
    EXPECT_EQ((*m.value()).body["i"], i);
  }
}

TEST(IpcChannel, QueuesALargeMessageUntilThePeerReadsIt) {
  Pair p = make_pair();
  const std::string big(8u << 20, 'z');  // far more than a socket buffer
  ASSERT_TRUE(p.a.send({{"data", big}}).ok());
  EXPECT_TRUE(p.a.has_pending_output()) << "8 MiB cannot fit in the socket at once";
  std::thread writer([&] { EXPECT_TRUE(p.a.flush_blocking(10000).ok()); });
  auto m = p.b.receive(10000);
  writer.join();
  ASSERT_TRUE(m.ok() && m.value().has_value());
  EXPECT_EQ((*m.value()).body["data"].get<std::string>().size(), big.size());
}

TEST(IpcChannel, PassesAWorkingDescriptor) {
  Pair p = make_pair();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  const int sent = write_end.get();
  ASSERT_TRUE(p.a.send({{"clab", "connection"}}, std::span<const int>(&sent, 1)).ok());
  write_end.reset();  // only the passed copy is left: writes below go through it

  auto m = p.b.receive(1000);
  ASSERT_TRUE(m.ok() && m.value().has_value());
  ASSERT_EQ((*m.value()).fds.size(), 1u);
  const int received = (*m.value()).fds.front().get();
  ASSERT_EQ(::write(received, "ping", 4), 4);
  char buffer[4];
  ASSERT_EQ(::read(read_end.get(), buffer, 4), 4);
  EXPECT_EQ(std::string(buffer, 4), "ping");
}

TEST(IpcChannel, KeepsDescriptorsWithTheirMessagesUnderLoad) {
  Pair p = make_pair();
  std::vector<UniqueFd> read_ends;
  for (int i = 0; i < 200; ++i) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    read_ends.emplace_back(fds[0]);
    UniqueFd write_end(fds[1]);
    const int fd = write_end.get();
    ASSERT_TRUE(p.a.send({{"i", i}}, std::span<const int>(&fd, 1)).ok());
  }
  ASSERT_TRUE(p.a.flush().ok());
  for (int i = 0; i < 200; ++i) {
    auto m = p.b.receive(1000);
    ASSERT_TRUE(m.ok() && m.value().has_value());
    ASSERT_EQ((*m.value()).fds.size(), 1u);
    const std::string tag = std::to_string((*m.value()).body["i"].get<int>());
    ASSERT_EQ(::write((*m.value()).fds.front().get(), tag.data(), tag.size()),
              static_cast<ssize_t>(tag.size()));
    char buffer[8] = {};
    ASSERT_GT(::read(read_ends[static_cast<std::size_t>(i)].get(), buffer, sizeof buffer), 0);
    EXPECT_EQ(std::string(buffer), std::to_string(i)) << "message " << i << " got another's fd";
  }
}

TEST(IpcChannel, ReportsEndOfFileWhenThePeerCloses) {
  Pair p = make_pair();
  ASSERT_TRUE(p.a.send({{"last", true}}).ok());
  p.a.close();
  auto m = p.b.receive(1000);
  ASSERT_TRUE(m.ok() && m.value().has_value());
  auto eof = p.b.receive(1000);
  ASSERT_TRUE(eof.ok());
  EXPECT_FALSE(eof.value().has_value());
}

TEST(IpcChannel, SendToAGonePeerFails) {
  Pair p = make_pair();
  p.b.close();
  auto sent = p.a.send({{"x", 1}});
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("ipc send"), std::string::npos);
}

TEST(IpcChannel, ReceiveTimesOut) {
  Pair p = make_pair();
  auto m = p.b.receive(20);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find("timed out"), std::string::npos);
}

}  // namespace
}  // namespace clab::cluster

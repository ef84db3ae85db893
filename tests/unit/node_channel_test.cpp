// Node's IPC wire format without a Node process: the test plays the Node end of the
// socketpair, reading and writing JSON lines and SCM_RIGHTS descriptors itself.
#include "node/node_channel.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>

#include "node/node_message_decoder.hpp"

namespace clab::node {
namespace {

using nlohmann::json;

// The Node end: blocking reads of one line (and the descriptor that came with it).
class NodeEnd {
 public:
  explicit NodeEnd(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const { return fd_.get(); }

  struct Line {
    json message;
    UniqueFd handle;
  };
  Line read_line() {
    Line line;
    for (;;) {
      if (const auto end = buffer_.find('\n'); end != std::string::npos) {
        line.message = json::parse(buffer_.substr(0, end));
        buffer_.erase(0, end + 1);
        if (line.message.is_object() && line.message.value("cmd", "") == "NODE_HANDLE" &&
            !handles_.empty()) {
          line.handle = std::move(handles_.back());
          handles_.pop_back();
        }
        return line;
      }
      std::array<char, 4096> data;
      alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
      iovec iov{data.data(), data.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_CMSG_CLOEXEC);
      if (n <= 0) return line;
      if (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr && c->cmsg_type == SCM_RIGHTS) {
        int received = -1;
        std::memcpy(&received, CMSG_DATA(c), sizeof received);
        handles_.emplace_back(received);
      }
      buffer_.append(data.data(), static_cast<std::size_t>(n));
    }
  }
  // True when nothing more has arrived.
  bool quiet() {
    char byte;
    return buffer_.empty() && ::recv(fd_.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0;
  }
  void write(const std::string& bytes, int handle = -1) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> control{};
    if (handle >= 0) {
      msg.msg_control = control.data();
      msg.msg_controllen = control.size();
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      std::memcpy(CMSG_DATA(c), &handle, sizeof handle);
    }
    ASSERT_EQ(::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

 private:
  UniqueFd fd_;
  std::string buffer_;
  std::vector<UniqueFd> handles_;
};

struct Channels {
  NodeChannel pm;
  NodeEnd node;
};

Channels connect() {
  auto created = NodeChannel::create_pair();
  EXPECT_TRUE(created.ok());
  return {std::move(created.value().first), NodeEnd(std::move(created.value().second))};
}

// Everything the pm end received, after the Node end wrote.
std::vector<NodeChannel::Received> receive(NodeChannel& channel,
                                           std::vector<std::string>* problems = nullptr) {
  std::vector<NodeChannel::Received> out;
  std::vector<std::string> said;
  EXPECT_TRUE(channel.read_available(out, said).ok());
  if (problems) *problems = said;
  return out;
}

// A descriptor both ends can tell apart: the read end of a pipe, by its inode.
struct Pipe {
  UniqueFd read_end, write_end;
  Pipe() {
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
};
ino_t inode(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st.st_ino;
}

TEST(NodeMessageDecoder, FramesLinesAcrossAndWithinReads) {
  NodeMessageDecoder decoder;
  decoder.feed(R"({"cmd":"NODE_CLUSTER","act":"onl)");
  EXPECT_FALSE(decoder.next().value().has_value()) << "half a line is no message";
  decoder.feed("ine\",\"seq\":0}\n\"ready\"\n4");
  auto first = decoder.next();
  ASSERT_TRUE(first.ok() && first.value());
  EXPECT_EQ(first.value()->body["act"], "online");
  auto second = decoder.next();
  ASSERT_TRUE(second.ok() && second.value());
  EXPECT_EQ(second.value()->body, "ready");
  EXPECT_FALSE(decoder.next().value().has_value());
  decoder.feed("2\n");
  EXPECT_EQ(decoder.next().value()->body, 42);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(NodeMessageDecoder, ALineThatIsNotJsonIsReportedAndTheNextOneStillComes) {
  NodeMessageDecoder decoder;
  decoder.feed("{not json\n{\"ok\":1}\n");
  auto bad = decoder.next();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "a line that is not JSON: '{not json'");
  EXPECT_FALSE(decoder.broken());
  EXPECT_EQ(decoder.next().value()->body["ok"], 1);
}

TEST(NodeMessageDecoder, ALineWithoutEndBreaksTheChannelAtItsLimit) {
  NodeMessageDecoder decoder;
  const std::string chunk(64 * 1024, 'x');
  bool failed = false;
  for (std::size_t fed = 0; fed <= kMaxLineBytes + chunk.size() && !failed; fed += chunk.size()) {
    decoder.feed(chunk);
    failed = !decoder.next().ok();
  }
  EXPECT_TRUE(failed);
  EXPECT_TRUE(decoder.broken());
  decoder.feed("\n{}\n");
  EXPECT_FALSE(decoder.next().value().has_value()) << "a broken stream yields nothing more";
}

TEST(NodeMessageDecoder, ADescriptorWaitsForTheNextHandleEnvelope) {
  NodeMessageDecoder decoder;
  Pipe pipe;
  const ino_t sent = inode(pipe.read_end.get());
  decoder.feed_handle(std::move(pipe.read_end));
  decoder.feed("{\"cmd\":\"NODE_CLUSTER\",\"act\":\"x\"}\n");
  auto plain = decoder.next();
  EXPECT_FALSE(plain.value()->handle.valid()) << "only a NODE_HANDLE envelope takes it";
  decoder.feed(R"({"cmd":"NODE_HANDLE","type":"net.Native","msg":{}})"
               "\n");
  auto envelope = decoder.next();
  ASSERT_TRUE(envelope.value()->handle.valid());
  EXPECT_EQ(inode(envelope.value()->handle.get()), sent);
}

TEST(NodeMessageDecoder, InternalIsACmdStartingWithNode) {
  EXPECT_TRUE(is_internal({{"cmd", "NODE_CLUSTER"}}));
  EXPECT_TRUE(is_internal({{"cmd", "NODE_HANDLE_ACK"}}));
  EXPECT_FALSE(is_internal({{"cmd", "node_cluster"}}));
  EXPECT_FALSE(is_internal({{"cmd", 7}}));
  EXPECT_FALSE(is_internal("NODE_CLUSTER"));
  EXPECT_FALSE(is_internal({{"type", "process:msg"}}));
}

TEST(NodeChannel, WritesOneJsonLinePerMessage) {
  auto [pm, node] = connect();
  ASSERT_TRUE(pm.send("shutdown").ok());
  ASSERT_TRUE(pm.send({{"cmd", "NODE_CLUSTER"}, {"act", "disconnect"}, {"seq", 0}}).ok());
  EXPECT_EQ(node.read_line().message, "shutdown");
  EXPECT_EQ(node.read_line().message["act"], "disconnect");
}

TEST(NodeChannel, AHandleTravelsInItsEnvelopeAndLaterMessagesWaitForItsAck) {
  auto [pm, node] = connect();
  Pipe first, second;
  ASSERT_TRUE(pm.send_handle({{"cmd", "NODE_CLUSTER"}, {"act", "newconn"}, {"seq", 1}},
                             first.read_end.get())
                  .ok());
  ASSERT_TRUE(pm.send({{"after", 1}}).ok());
  ASSERT_TRUE(pm.send_handle({{"act", "second"}}, second.read_end.get()).ok());
  EXPECT_TRUE(pm.awaiting_ack());
  EXPECT_EQ(pm.queued(), 2u);

  auto envelope = node.read_line();
  EXPECT_EQ(envelope.message["cmd"], "NODE_HANDLE");
  EXPECT_EQ(envelope.message["type"], "net.Native");
  EXPECT_EQ(envelope.message["msg"]["act"], "newconn");
  ASSERT_TRUE(envelope.handle.valid());
  EXPECT_EQ(inode(envelope.handle.get()), inode(first.read_end.get()));
  EXPECT_TRUE(node.quiet()) << "nothing may overtake an unacknowledged handle";

  node.write("{\"cmd\":\"NODE_HANDLE_ACK\"}\n");
  EXPECT_TRUE(receive(pm).empty()) << "an acknowledgement is the channel's, not the app's";
  EXPECT_EQ(node.read_line().message["after"], 1);
  auto next = node.read_line();
  EXPECT_EQ(next.message["msg"]["act"], "second");
  EXPECT_EQ(inode(next.handle.get()), inode(second.read_end.get()));
  EXPECT_TRUE(pm.awaiting_ack());
  EXPECT_EQ(pm.queued(), 0u);
}

TEST(NodeChannel, ANackSendsTheHandleAgainThreeTimesThenGivesUp) {
  auto [pm, node] = connect();
  Pipe pipe;
  ASSERT_TRUE(pm.send_handle({{"act", "newconn"}}, pipe.read_end.get()).ok());
  ASSERT_TRUE(pm.send("behind").ok());
  for (int attempt = 0; attempt <= kMaxHandleRetransmissions; ++attempt) {
    auto line = node.read_line();
    ASSERT_EQ(line.message["cmd"], "NODE_HANDLE") << "attempt " << attempt;
    EXPECT_TRUE(line.handle.valid());
    node.write("{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
    std::vector<std::string> problems;
    receive(pm, &problems);
    if (attempt < kMaxHandleRetransmissions)
      EXPECT_TRUE(problems.empty());
    else
      EXPECT_EQ(problems, std::vector<std::string>{
                              "a handle did not reach the process after 3 retransmissions"});
  }
  EXPECT_EQ(node.read_line().message, "behind");
  EXPECT_FALSE(pm.awaiting_ack());
}

TEST(NodeChannel, AReceivedEnvelopeIsAcknowledgedAndDeliveredUnwrapped) {
  auto [pm, node] = connect();
  Pipe pipe;
  node.write(R"({"cmd":"NODE_HANDLE","type":"net.Native","msg":{"hello":"pm"}})"
             "\n",
             pipe.read_end.get());
  auto got = receive(pm);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message["hello"], "pm");
  EXPECT_FALSE(got[0].internal);
  ASSERT_TRUE(got[0].handle.valid());
  EXPECT_EQ(inode(got[0].handle.get()), inode(pipe.read_end.get()));
  EXPECT_EQ(node.read_line().message["cmd"], "NODE_HANDLE_ACK");

  node.write(R"({"cmd":"NODE_HANDLE","type":"net.Native","msg":{"lost":true}})"
             "\n");
  EXPECT_TRUE(receive(pm).empty()) << "an envelope without its descriptor waits to be sent again";
  EXPECT_EQ(node.read_line().message["cmd"], "NODE_HANDLE_NACK");
}

TEST(NodeChannel, InternalAndUserMessagesAreToldApartAndBadLinesReported) {
  auto [pm, node] = connect();
  node.write(
      "{\"cmd\":\"NODE_CLUSTER\",\"act\":\"online\",\"seq\":0}\n\"ready\"\n{oops\n{\"a\":1}\n");
  std::vector<std::string> problems;
  auto got = receive(pm, &problems);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].internal);
  EXPECT_EQ(got[1].message, "ready");
  EXPECT_FALSE(got[1].internal);
  EXPECT_EQ(got[2].message["a"], 1);
  EXPECT_EQ(problems, std::vector<std::string>{"a line that is not JSON: '{oops'"});
}

TEST(NodeChannel, ThePeerClosingIsTheChannelClosing) {
  auto [pm, node] = connect();
  node.write("\"last\"\n");
  { NodeEnd gone = std::move(node); }
  std::vector<NodeChannel::Received> out;
  std::vector<std::string> problems;
  auto state = pm.read_available(out, problems);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state.value(), NodeChannel::ReadState::Closed);
  ASSERT_EQ(out.size(), 1u) << "what came before the end is still delivered";
  EXPECT_EQ(out[0].message, "last");
}

}  // namespace
}  // namespace clab::node

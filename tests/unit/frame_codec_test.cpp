#include "cluster/frame_codec.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace clab::cluster {
namespace {

IpcMessage next_message(FrameDecoder& decoder) {
  auto next = decoder.next();
  EXPECT_TRUE(next.ok()) << (next.ok() ? "" : next.error().message);
  EXPECT_TRUE(next.value().has_value());
  return std::move(*next.value());
}

TEST(FrameCodec, DecodesMessageFedOneByteAtATime) {
  const nlohmann::json body = {{"type", "hello"}, {"n", 42}};
  const std::string frame = encode_frame(body, 0);
  FrameDecoder decoder;
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    decoder.feed(frame.substr(i, 1));
    auto next = decoder.next();
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(next.value().has_value()) << "a message came out after " << i + 1 << " bytes";
  }
  decoder.feed(frame.substr(frame.size() - 1));
  EXPECT_EQ(next_message(decoder).body, body);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(FrameCodec, SplitsSeveralMessagesFedAtOnce) {
  FrameDecoder decoder;
  decoder.feed(encode_frame({{"i", 1}}, 0) + encode_frame({{"i", 2}}, 0) +
               encode_frame({{"i", 3}}, 0));
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(next_message(decoder).body["i"], i);
  auto none = decoder.next();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value().has_value());
}

TEST(FrameCodec, HandsEachMessageItsOwnDescriptors) {
  int p1[2], p2[2];
  ASSERT_EQ(::pipe(p1), 0);
  ASSERT_EQ(::pipe(p2), 0);
  FrameDecoder decoder;
  decoder.feed(encode_frame({{"i", 1}}, 1) + encode_frame({{"i", 2}}, 0) +
               encode_frame({{"i", 3}}, 1));
  decoder.feed_fd(UniqueFd(p1[0]));
  decoder.feed_fd(UniqueFd(p2[0]));
  EXPECT_EQ(next_message(decoder).fds.front().get(), p1[0]);
  EXPECT_TRUE(next_message(decoder).fds.empty());
  EXPECT_EQ(next_message(decoder).fds.front().get(), p2[0]);
  ::close(p1[1]);
  ::close(p2[1]);
}

TEST(FrameCodec, RoundTripsALargeMessage) {
  const std::string big(5u << 20, 'x');
  FrameDecoder decoder;
  decoder.feed(encode_frame({{"data", big}}, 0));
  EXPECT_EQ(next_message(decoder).body["data"].get<std::string>().size(), big.size());
}

struct CorruptCase {
  std::string name;
  std::string bytes;
  std::string error_contains;
};
void PrintTo(const CorruptCase& c, std::ostream* os) {
  *os << c.name;
}

class FrameCodecCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(FrameCodecCorrupt, ReportsWhatIsWrong) {
  FrameDecoder decoder;
  decoder.feed(GetParam().bytes);
  auto next = decoder.next();
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find(GetParam().error_contains), std::string::npos)
      << next.error().message;
}

std::string header(std::uint32_t length, unsigned char fds) {
  return {static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length), static_cast<char>(fds)};
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FrameCodecCorrupt,
    ::testing::Values(CorruptCase{"oversized", header(0x7fffffff, 0), "exceeds"},
                      CorruptCase{"too_many_fds", header(2, 200) + "{}", "at most"},
                      CorruptCase{"fds_missing", header(2, 1) + "{}", "1 fds but 0 arrived"},
                      CorruptCase{"bad_json", header(5, 0) + "{oops", "malformed JSON"}),
    [](const auto& info) { return info.param.name; });

// Regression: a worker out of descriptors got MSG_CTRUNC on a handed-over connection, and
// the "missing fds" error stopped the worker; now only that message loses its descriptor.
TEST(FrameDecoder, AFrameWhoseDescriptorsWereLostArrivesWithoutThem) {
  FrameDecoder decoder;
  decoder.fds_lost();
  decoder.feed(encode_frame({{"seq", 1}}, 1) + encode_frame({{"seq", 2}}, 0));
  auto first = decoder.next();
  ASSERT_TRUE(first.ok() && first.value().has_value());
  EXPECT_TRUE(first.value()->fds_lost);
  ASSERT_EQ(first.value()->fds.size(), 1u);
  EXPECT_FALSE(first.value()->fds[0]);
  auto second = decoder.next();
  ASSERT_TRUE(second.ok() && second.value().has_value());
  EXPECT_FALSE(second.value()->fds_lost);
  EXPECT_EQ(second.value()->body["seq"], 2);
  decoder.feed(encode_frame({{"seq", 3}}, 1));
  EXPECT_FALSE(decoder.next().ok()) << "a later frame without its fds is corrupt again";
}

}  // namespace
}  // namespace clab::cluster

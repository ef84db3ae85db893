// IPC between a primary and a worker process: the cost of one message round trip over
// IpcChannel (a unix socketpair with framed JSON), with and without a descriptor attached,
// and of framing alone. The child is forked (not re-executed) and echoes what it reads.
#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "cluster/ipc_channel.hpp"

namespace clab::cluster {
namespace {

// A forked echo process on the other end of an IpcChannel; stopped when destroyed.
class EchoProcess {
 public:
  EchoProcess() {
    auto pair = IpcChannel::create_pair();
    if (!pair) throw std::runtime_error(pair.error().message);
    auto& [mine, theirs] = pair.value();
    pid_ = ::fork();
    if (pid_ == 0) {
      mine.close();
      IpcChannel channel(std::move(theirs));
      for (;;) {
        auto m = channel.receive(60000);
        if (!m || !m.value()) ::_exit(0);
        std::vector<int> fds;
        for (auto& fd : (*m.value()).fds)
          fds.push_back(fd.get());
        if (!channel.send((*m.value()).body, fds) || !channel.flush_blocking(60000)) ::_exit(1);
      }
    }
    channel_ = std::move(mine);
  }
  ~EchoProcess() {
    channel_.close();
    ::waitpid(pid_, nullptr, 0);
  }
  IpcChannel& channel() { return channel_; }

 private:
  pid_t pid_ = -1;
  IpcChannel channel_;
};

void round_trip(benchmark::State& state, bool with_fd) {
  EchoProcess echo;
  const nlohmann::json message = {
      {"clab", "connection"}, {"seq", 0}, {"payload", std::string(state.range(0), 'x')}};
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) state.SkipWithError("pipe failed");
  UniqueFd keep_read(pipe_fds[0]), keep_write(pipe_fds[1]);
  const int fd = pipe_fds[1];
  for (auto _ : state) {
    if (!echo.channel().send(message,
                             with_fd ? std::span<const int>(&fd, 1) : std::span<const int>{}) ||
        !echo.channel().flush_blocking(5000)) {
      state.SkipWithError("send failed");
      break;
    }
    auto reply = echo.channel().receive(5000);
    if (!reply || !reply.value()) {
      state.SkipWithError("no reply");
      break;
    }
    benchmark::DoNotOptimize(reply);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * 2 * state.range(0));
}

void BM_IpcRoundTrip(benchmark::State& state) {
  round_trip(state, false);
}
void BM_IpcRoundTripWithFd(benchmark::State& state) {
  round_trip(state, true);
}
BENCHMARK(BM_IpcRoundTrip)->Arg(16)->Arg(1024)->Arg(64 * 1024)->UseRealTime();
BENCHMARK(BM_IpcRoundTripWithFd)->Arg(16)->UseRealTime();

void BM_FrameEncodeDecode(benchmark::State& state) {
  const nlohmann::json message = {{"clab", "connection"}, {"seq", 12345}};
  FrameDecoder decoder;
  for (auto _ : state) {
    decoder.feed(encode_frame(message, 0));
    auto m = decoder.next();
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameEncodeDecode);

}  // namespace
}  // namespace clab::cluster

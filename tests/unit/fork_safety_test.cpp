// Regression: ChildProcess::spawn built its error message with std::string and strerror in
// the child, after fork(). In a process with threads (the lesson runner, the harness) that
// can deadlock on the allocator's lock, held by another thread at the moment of the fork.
// This file replaces operator new for the unit tests: while a test watches, an allocation
// in any process but the watching one (a forked child before its exec) ends that child
// with status 99 and says so, instead of going unnoticed.
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "proc/child_process.hpp"

namespace {
std::atomic<pid_t> watching_pid{0};
}  // namespace

void* operator new(std::size_t size) {
  const pid_t watcher = watching_pid.load(std::memory_order_relaxed);
  if (watcher != 0 && ::getpid() != watcher) {
    static const char message[] = "operator new called after fork()\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(99);
  }
  if (void* p = std::malloc(size != 0 ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace clab::proc {
namespace {

using namespace std::chrono_literals;

// Watches for allocations in forked children while it lives.
class AllocationAfterForkWatch {
 public:
  AllocationAfterForkWatch() { watching_pid = ::getpid(); }
  ~AllocationAfterForkWatch() { watching_pid = 0; }
};

TEST(ForkSafety, AFailedExecAllocatesNothingInTheChild) {
  std::unique_ptr<ChildProcess> child;
  {
    AllocationAfterForkWatch watch;
    auto spawned = ChildProcess::spawn(
        {.argv = {"/nonexistent/program-with-a-long-name"}, .merge_stderr = true});
    ASSERT_TRUE(spawned.ok());
    child = std::move(spawned).value();
  }
  const auto status = child->wait(5s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(child->wait_for_output_end(5s));
  std::string output;
  for (const auto& line : child->lines())
    output += line + "\n";
  EXPECT_EQ(status->code, 127) << output;
  EXPECT_EQ(output, "spawn /nonexistent/program-with-a-long-name: No such file or directory\n");
}

TEST(ForkSafety, AProgramFoundOnPathIsExecutedWithoutAllocating) {
  std::unique_ptr<ChildProcess> child;
  {
    AllocationAfterForkWatch watch;
    auto spawned = ChildProcess::spawn({.argv = {"true"}, .merge_stderr = true});
    ASSERT_TRUE(spawned.ok());
    child = std::move(spawned).value();
  }
  const auto status = child->wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 0);
}

}  // namespace
}  // namespace clab::proc

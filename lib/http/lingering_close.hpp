// lingering_close: how a server ends a TCP connection without destroying the response it
// has just written. Closing a socket whose receive queue holds unread bytes (a request the
// client sent meanwhile, a pipelined one) makes the kernel send a reset, and a reset can
// discard response bytes the client has not read yet. So the write side is shut first
// (the client reads the whole response, then end of file), and what still arrives is read
// and dropped until the client closes or `timeout` passes (nginx's lingering_close,
// Apache's lingering close). The descriptor stays open: its owner closes it after.
#pragma once

#include <chrono>

namespace clab::http {

void lingering_close(int fd, std::chrono::milliseconds timeout);

}  // namespace clab::http

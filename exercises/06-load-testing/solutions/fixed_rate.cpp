// Exercise coordinated-omission (lesson 6), solved: measure from when the request was due,
// not from when the connection got round to sending it: the time it waited its turn is
// part of what a user on that schedule waits (wrk2's and loadgen -R's correction).
#include "fixed_rate.hpp"

double latency_ms(const RequestTimes& request) {
  return request.answered_ms - request.due_ms;
}

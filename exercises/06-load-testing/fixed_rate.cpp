// Exercise coordinated-omission (lesson 6): the latency of a request that waited its turn.
//
// A load test at a fixed rate (loadgen -R 40) has a schedule: one request every 25 ms. On
// one connection a request cannot be sent before the previous answer has arrived, so when
// the server stalls for a second, the 40 requests due in that second are sent late, one
// after the other, once it answers again. Measured from the moment each was sent, each
// took 10 ms: the stall shows as one slow request among hundreds, and the p99 stays at
// 10 ms. Users, who arrive on their own schedule and do not wait for each other, would have
// waited up to a second each. That gap is coordinated omission (Gil Tene): the load tool
// coordinates with the server it is measuring and omits the waits.
//
// Record the latency the users would have felt. The check (fixed_rate_check.cpp) replays
// such a run, with a one-second stall, through your function.
#include "fixed_rate.hpp"

double latency_ms(const RequestTimes& request) {
  return request.answered_ms - request.sent_ms;
}

// What the coordinated-omission exercise asks for, and its check calls.
#pragma once

// One request of a fixed-rate load test on one connection, in ms since the test began:
// when the schedule said to send it (request i of a rate R is due at i x 1000 / R), when it
// was really sent (later, if the connection was still waiting for the previous answer),
// and when its answer arrived.
struct RequestTimes {
  double due_ms = 0;
  double sent_ms = 0;
  double answered_ms = 0;
};

// The latency to record for this request.
double latency_ms(const RequestTimes& request);

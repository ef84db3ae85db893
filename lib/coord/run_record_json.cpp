#include "coord/run_record_json.hpp"

namespace clab::coord {

void to_json(nlohmann::json& j, const RunRecord& run) {
  j = {{"job", run.job},           {"tick", run.tick},      {"strategy", run.strategy},
       {"host", run.host},         {"worker", run.worker},  {"instance", run.instance},
       {"pid", run.pid},           {"fence", run.fence},    {"started_ms", run.started_ms},
       {"ended_ms", run.ended_ms}, {"outcome", run.outcome}};
}

void from_json(const nlohmann::json& j, RunRecord& run) {
  run.job = j.value("job", "");
  run.tick = j.value("tick", std::int64_t{0});
  run.strategy = j.value("strategy", "");
  run.host = j.value("host", "");
  run.worker = j.value("worker", 0);
  run.instance = j.value("instance", -1);
  run.pid = j.value("pid", pid_t{0});
  run.fence = j.value("fence", std::int64_t{0});
  run.started_ms = j.value("started_ms", std::int64_t{0});
  run.ended_ms = j.value("ended_ms", std::int64_t{0});
  run.outcome = j.value("outcome", "");
}

}  // namespace clab::coord

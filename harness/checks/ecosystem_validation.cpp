// Check `ecosystem-validation`: "a broken ecosystem file is refused in one clear line and
// starts nothing".
//
// A corpus of broken files, each given to `pm start`: a typo in a required field, a wrong
// type, 'maxx' instances, a negative timeout, an unknown exec_mode, invalid JSON, YAML and
// JavaScript, a file without apps. Each must exit 2 with one error line that names the file
// (and the line, where there is one), and no daemon may have started.
#include <fmt/format.h>

#include <sstream>

#include "checks/registry.hpp"
#include "testkit/pm_under_test.hpp"

namespace clab::harness {
namespace {

struct BrokenFile {
  const char* name;
  const char* file;
  const char* text;
  const char* must_say;  // in the error line
};

constexpr BrokenFile kCorpus[] = {
    {"typo", "ecosystem.config.js", "module.exports = { apps: [{ name: 'a', scirpt: 'x' }] };\n",
     "no script"},
    {"wrong-type", "ecosystem.json", "{\"apps\":[{\"script\":\"x\",\"kill_timeout\":\"5s\"}]}",
     "kill_timeout"},
    {"maxx-instances", "ecosystem.config.js",
     "module.exports = {\n  apps: [{\n    script: 'x',\n    instances: 'maxx',\n  }],\n};\n", ":4"},
    {"negative-timeout", "ecosystem.yaml", "apps:\n  - script: x\n    listen_timeout: -5\n",
     "listen_timeout"},
    {"unknown-exec-mode", "ecosystem.json",
     "{\"apps\":[{\"script\":\"x\",\"exec_mode\":\"clutser\"}]}", "exec_mode"},
    {"invalid-json", "ecosystem.json", "{\"apps\":[{\"script\":\"x\",}]", "ecosystem.json"},
    {"invalid-yaml", "ecosystem.yml", "apps:\n  - script: x\n   name: [unclosed\n",
     "ecosystem.yml"},
    {"invalid-js", "ecosystem.config.js", "module.exports = { apps: [ { script: 'x' ] };\n",
     "ecosystem.config.js"},
    {"no-apps", "ecosystem.json", "{\"apps\":[]}", "apps"},
};

class EcosystemValidationCheck final : public Check {
 public:
  std::string name() const override { return "ecosystem-validation"; }
  std::string claim() const override {
    return "a broken ecosystem file gets one clear line and exit 2, and nothing starts";
  }
  std::vector<CheckResult> run(const CheckContext& context) override {
    return {timed([&] { return corpus(context); })};
  }

 private:
  CheckResult corpus(const CheckContext& context) {
    CheckResult r{.check = name(), .variant = "broken-files"};
    auto pm = testkit::PmUnderTest::create(context.bin_dir);
    if (!pm) {
      r.expect(false, pm.error().message);
      return r;
    }
    int refused = 0;
    nlohmann::json messages = nlohmann::json::object();
    for (const auto& broken : kCorpus) {
      (*pm)->write_file(broken.file, broken.text);
      const auto run = (*pm)->pm({"start", (*pm)->path(broken.file)});
      std::istringstream lines(run.text);
      std::vector<std::string> errors;
      for (std::string line; std::getline(lines, line);) {
        if (line.rfind("pm: warning:", 0) != 0) errors.push_back(line);
      }
      const std::string said = errors.empty() ? "" : errors.front();
      messages[broken.name] = said;
      const bool clear = run.code == 2 && errors.size() == 1 &&
                         said.find(broken.file) != std::string::npos &&
                         said.find(broken.must_say) != std::string::npos;
      r.expect(clear, fmt::format("{}: exit {}, said {}", broken.name, run.code, run.text));
      refused += clear;
    }
    r.expect((*pm)->daemon_pid() == 0, "a daemon started for a broken file");
    r.figures = {
        {"files", std::size(kCorpus)}, {"refused_clearly", refused}, {"messages", messages}};
    r.conclude(
        fmt::format("{} of {} broken files refused in one line with exit 2; no daemon started",
                    refused, std::size(kCorpus)));
    return r;
  }
};

}  // namespace

std::unique_ptr<Check> make_ecosystem_validation_check() {
  return std::make_unique<EcosystemValidationCheck>();
}

}  // namespace clab::harness

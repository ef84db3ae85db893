#include "private_network.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <cstring>
#include <fstream>

#include "core/unique_fd.hpp"
#include "proc/child_process.hpp"

namespace clab::harness {
namespace {

constexpr const char* kMigrateReq = "/proc/sys/net/ipv4/tcp_migrate_req";

Status bring_loopback_up() {
  UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return errno_error("socket");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0) return errno_error("lo: SIOCGIFFLAGS");
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(fd.get(), SIOCSIFFLAGS, &request) != 0) return errno_error("lo: SIOCSIFFLAGS");
  return {};
}

CheckResult skipped(const std::string& check, const std::string& variant, const std::string& why) {
  CheckResult r{.check = check, .variant = variant + ", migrated"};
  r.skip(why);
  return r;
}

}  // namespace

Status enter_private_network() {
  if (::unshare(CLONE_NEWNET) != 0) return errno_error("unshare(CLONE_NEWNET)");
  if (auto up = bring_loopback_up(); !up) return up;
  std::ofstream setting(kMigrateReq);
  setting << "1\n";
  setting.flush();
  if (!setting) return Error{fmt::format("cannot write {}", kMigrateReq)};
  return {};
}

bool tcp_migrate_req_enabled() {
  std::ifstream in(kMigrateReq);
  int value = 0;
  return in >> value && value != 0;
}

std::vector<CheckResult> run_with_migration(const CheckContext& context, const std::string& check,
                                            const std::string& variant) {
  auto child = proc::ChildProcess::spawn(
      {.argv = {context.bin_dir + "/harness", "run", check, "--policy", "reuseport", "--workers",
                std::to_string(context.workers), "--programs", context.bin_dir, "--private-network",
                "--json"},
       .merge_stderr = true});
  if (!child)
    return {skipped(check, variant, "cannot start the harness: " + child.error().message)};
  const auto status = (*child)->wait(std::chrono::minutes(5));
  (void)(*child)->wait_for_output_end(std::chrono::seconds(5));
  std::string text;
  for (const auto& line : (*child)->lines())
    text += line + "\n";
  if (!status)
    return {skipped(check, variant, "the harness in the private network did not finish")};
  if (status->code == kExitNoPrivateNetwork) {
    return {skipped(check, variant,
                    "no network namespace of its own could be made here (needs root): " +
                        text.substr(0, text.find('\n')))};
  }
  // Workers' lines may come before the report: it starts at the first line that is "{".
  const auto json =
      nlohmann::json::parse(text.substr(std::min(text.find("{\n"), text.size())), nullptr, false);
  if (!json.is_object() || !json.contains("results")) {
    return {
        skipped(check, variant, "the harness in the private network printed no report: " + text)};
  }
  std::vector<CheckResult> results;
  for (const auto& j : json["results"]) {
    CheckResult r = CheckResult::from_json(j);
    r.variant += ", migrated";
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace clab::harness

// How the CLI shows processes to people: PM2's list table (id, name, mode, pid, uptime,
// restarts, status, cpu, mem) and describe's key/value block. Colour only on a terminal.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace clab::pm {

void print_process_table(const nlohmann::json& processes, std::FILE* out);
void print_description(const nlohmann::json& process, std::FILE* out);
// "4s", "12m", "3h", "2D": PM2's uptime.
std::string short_duration(long long milliseconds);
// "12.3mb": PM2's memory.
std::string short_memory(unsigned long long bytes);

}  // namespace clab::pm

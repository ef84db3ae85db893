#include "pm/request_fields.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "pm/config_document.hpp"

namespace clab::pm {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxText = 256;
constexpr std::int64_t kMaxCount = 1024;
constexpr std::size_t kMaxMessage = 64 * 1024;

// What `kind` expects, in words, when `v` is not it; empty when it is.
std::string expected(FieldKind kind, const json& v) {
  switch (kind) {
    case FieldKind::Target:
      return v.is_string() && v.get_ref<const std::string&>().size() <= kMaxText
                 ? ""
                 : "a string: \"all\", an app's name or a pm_id";
    case FieldKind::Text:
      return v.is_string() && v.get_ref<const std::string&>().size() <= kMaxText
                 ? ""
                 : fmt::format("a string of at most {} characters", kMaxText);
    case FieldKind::Flag:
      return v.is_boolean() ? "" : "true or false";
    case FieldKind::Count:
      return whole_number_in(v, 1, kMaxCount)
                 ? ""
                 : fmt::format("a whole number from 1 to {}", kMaxCount);
    case FieldKind::Port:
      return whole_number_in(v, 0, 65535) ? "" : "a port from 0 (any free one) to 65535";
    case FieldKind::Apps:
      if (!v.is_array() || v.empty() || v.size() > static_cast<std::size_t>(kMaxCount))
        return fmt::format("a list of 1 to {} apps", kMaxCount);
      for (const auto& app : v) {
        if (!app.is_object()) return "a list of app objects";
      }
      return "";
    case FieldKind::Message:
      return v.dump(-1, ' ', false, json::error_handler_t::replace).size() <= kMaxMessage
                 ? ""
                 : fmt::format("a JSON value of at most {} KiB", kMaxMessage / 1024);
  }
  return "a known kind of field";
}

}  // namespace

Status check_request_fields(std::string_view verb, const json& request,
                            std::span<const RequestField> fields) {
  for (const auto& [name, value] : request.items()) {
    if (name == "verb") continue;
    bool known = false;
    for (const auto& field : fields)
      known = known || field.name == name;
    if (!known) {
      std::string takes;
      for (const auto& field : fields)
        takes += (takes.empty() ? "" : ", ") + std::string(field.name);
      return Error{fmt::format("{} request: unknown field {}; {} takes {}", verb, shown_value(name),
                               verb, takes.empty() ? "no other field" : takes)};
    }
  }
  for (const auto& field : fields) {
    const auto it = request.find(field.name);
    if (it == request.end()) {
      if (field.required)
        return Error{fmt::format("{} request: field '{}' is missing", verb, field.name)};
      continue;
    }
    if (auto wanted = expected(field.kind, *it); !wanted.empty()) {
      return Error{fmt::format("{} request: field '{}' is {}; expected {}", verb, field.name,
                               shown_value(*it), wanted)};
    }
  }
  return {};
}

}  // namespace clab::pm

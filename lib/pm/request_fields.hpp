// RequestFields: what each field of a control request may hold, and the check a request
// passes before the daemon acts on it. Any process of the daemon's user can write to its
// socket, so nothing in a request is trusted: after check_request_fields() succeeds, every
// field named in the list is present when required, of its kind and in its range, and the
// request has no other field but `verb`; a handler then reads them without a second look.
// The apps of a `start` are checked further, field by field, by app_from_json.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string_view>

#include "core/error.hpp"

namespace clab::pm {

enum class FieldKind {
  Target,   // "all", an app's name or a pm_id, as a string of at most 256 characters
  Text,     // a string of at most 256 characters (a signal's name, "+2")
  Flag,     // true or false
  Count,    // a whole number from 1 to 1024
  Port,     // a whole number from 0 (any free one) to 65535
  Apps,     // a list of 1 to 1024 objects
  Message,  // any JSON value of at most 64 KiB as text (an app's message)
};

struct RequestField {
  std::string_view name;
  FieldKind kind;
  bool required = false;
};

// The first field that is missing, unknown or wrong, as one line: "reload request: field
// 'parallel' is -3; expected a whole number from 1 to 1024".
Status check_request_fields(std::string_view verb, const nlohmann::json& request,
                            std::span<const RequestField> fields);

}  // namespace clab::pm

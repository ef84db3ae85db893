#include "http/http_server.hpp"

namespace clab::http {

std::optional<ServingModel> parse_serving_model(std::string_view name) {
  if (name == "event") return ServingModel::EventLoop;
  if (name == "threads") return ServingModel::ThreadPool;
  return std::nullopt;
}

std::string_view serving_model_name(ServingModel model) {
  return model == ServingModel::EventLoop ? "event" : "threads";
}

}  // namespace clab::http

// JSON plumbing; see api_json.h.
#include "mgmt/api_json.h"

#include <fmt/format.h>

#include "config/values.h"

namespace esan::mgmt {

namespace {

std::pair<int, const char*> http_of(Errc c) {
  switch (c) {
    case Errc::kInvalidArgument: return {400, "invalid_argument"};
    case Errc::kNotFound: return {404, "not_found"};
    case Errc::kExists:
    case Errc::kBusy:
    case Errc::kUnsupported: return {409, "conflict"};
    case Errc::kProtocol: return {401, "unauthorized"};
    default: return {500, "internal"};
  }
}

std::unexpected<Error> bad(std::string msg) { return make_error(Errc::kInvalidArgument, std::move(msg)); }

}  // namespace

Response json_response(const Json& body, int status) {
  Response r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

Response error_response(const Error& e) {
  auto [status, code] = http_of(e.code);
  return json_response(Json{{"error", {{"code", code}, {"message", e.message}}}}, status);
}

Response status_response(const Status& s, const Json& body) {
  if (!s) return error_response(s.error());
  return json_response(body);
}

Result<Json> json_body(const Request& req) {
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  Json j = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("the request body is not valid JSON");
  if (!j.is_object()) return bad("the request body must be a JSON object");
  return j;
}

Result<std::string> string_field(const Json& body, const char* key, bool required) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return bad(fmt::format("field '{}' is required", key));
    return std::string();
  }
  if (!it->is_string()) return bad(fmt::format("field '{}' must be a string", key));
  return it->get<std::string>();
}

Result<uint64_t> uint_field(const Json& body, const char* key, bool required, uint64_t fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) return bad(fmt::format("field '{}' is required", key));
    return fallback;
  }
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  if (it->is_string()) {
    auto v = config::parse_uint(it->get<std::string>(), UINT64_MAX);
    if (v) return *v;
    return bad(fmt::format("field '{}': {}", key, v.error()));
  }
  return bad(fmt::format("field '{}' must be a non-negative integer", key));
}

Result<config::Attributes> attributes_field(const Json& body, const char* key) {
  config::Attributes out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return bad(fmt::format("field '{}' must be an object of name: value", key));
  for (const auto& [name, v] : it->items()) {
    if (v.is_string())
      out.emplace_back(name, v.get<std::string>());
    else if (v.is_number_unsigned())
      out.emplace_back(name, std::to_string(v.get<uint64_t>()));
    else
      return bad(fmt::format("attribute '{}': the value must be a string", name));
  }
  return out;
}

}  // namespace esan::mgmt

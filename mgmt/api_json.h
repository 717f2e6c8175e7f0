// JSON plumbing of the management API: bodies in, errors out (docs/API.md
// "Conventions").
//
// Contract: error_response() maps Errc to the documented status and code:
// kInvalidArgument 400 invalid_argument; kNotFound 404 not_found; kExists,
// kBusy, kUnsupported 409 conflict; kProtocol 401 unauthorized; others 500
// internal. Body fields: a missing required field or a wrong JSON type is
// kInvalidArgument naming the field. Attribute values may be JSON strings
// or non-negative integers (sent on as decimal text).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "config/edit.h"
#include "mgmt/router.h"

namespace esan::mgmt {

using Json = nlohmann::json;

Response json_response(const Json& body, int status = 200);
Response error_response(const Error& e);
// 200 with `body` on success, the error otherwise.
Response status_response(const Status& s, const Json& body = Json::object());

// The request body as a JSON object ({} when empty).
Result<Json> json_body(const Request& req);
// body[key] as a string: required, or "" when absent and optional.
Result<std::string> string_field(const Json& body, const char* key, bool required = true);
// body[key] as a non-negative integer (a JSON number or decimal string).
Result<uint64_t> uint_field(const Json& body, const char* key, bool required = true, uint64_t fallback = 0);
// body[key] ("attributes" by default) as name/value pairs; absent = none.
Result<config::Attributes> attributes_field(const Json& body, const char* key = "attributes");

}  // namespace esan::mgmt

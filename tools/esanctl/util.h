// Small pure helpers shared by esanctl's two command-line spellings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "tools/esanctl/call.h"

namespace esan::ctl {

// A path segment: everything but unreserved characters and ':' is
// percent-encoded ("iqn.x:t1" stays, "iqn.*" becomes "iqn.%2A").
std::string seg(std::string_view name);

// scstadmin's "-attributes k=v,k=v,flag": a bare name means "1".
Result<nlohmann::json> parse_attribute_list(std::string_view text);

// esanctl's positional "k=v" words, one attribute each (values may hold commas).
Result<nlohmann::json> parse_attribute_words(const std::vector<std::string>& words);

// "4096", "512K", "10G", "1TiB" (binary multiples) -> bytes; 0 is refused.
Result<unsigned long long> parse_size(std::string_view text);

// A non-negative decimal number (LUN numbers, group ids, session ids).
Result<unsigned long long> parse_number(std::string_view text, std::string_view what);

// path made absolute against cwd (esand resolves paths in its own cwd).
std::string absolute_path(const std::string& path, const std::string& cwd);

// A whole file; the error (kInvalidArgument) names what it is and why it failed.
Result<std::string> read_text_file(const std::string& path, const char* what);

// The body text sent for call: its JSON body, or {"text": <file contents>}
// for a call with text_file (read now).
Result<std::string> request_body(const ApiCall& call);

// One call as a command's whole translation.
inline Result<std::vector<ApiCall>> one(ApiCall c) { return std::vector<ApiCall>{std::move(c)}; }
// A GET shown with view (filter: the one object to show).
ApiCall read_call(std::string path, View view, std::string filter = "");
// A change; done is printed when it succeeds.
ApiCall change_call(std::string method, std::string path, std::optional<nlohmann::json> body, std::string done);
// path + "?force=1" when force.
std::string forced(std::string path, bool force);

}  // namespace esan::ctl

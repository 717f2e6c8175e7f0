#include "tools/esanctl/util.h"

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace esan::ctl {

std::string seg(std::string_view name) { return client::seg(name); }

static Status add_attribute(nlohmann::json& attrs, std::string_view word, bool bare_is_one) {
  auto eq = word.find('=');
  std::string key(word.substr(0, eq));
  if (key.empty()) return make_error(Errc::kInvalidArgument, "attribute '" + std::string(word) + "' has no name");
  if (eq == std::string_view::npos && !bare_is_one)
    return make_error(Errc::kInvalidArgument, "expected ATTRIBUTE=VALUE, got '" + std::string(word) + "'");
  if (attrs.contains(key)) return make_error(Errc::kInvalidArgument, "attribute '" + key + "' given twice");
  attrs[key] = eq == std::string_view::npos ? std::string("1") : std::string(word.substr(eq + 1));
  return ok();
}

Result<nlohmann::json> parse_attribute_list(std::string_view text) {
  nlohmann::json attrs = nlohmann::json::object();
  while (!text.empty()) {
    auto comma = text.find(',');
    auto word = text.substr(0, comma);
    if (word.empty()) return make_error(Errc::kInvalidArgument, "empty attribute in -attributes list");
    if (auto st = add_attribute(attrs, word, true); !st) return std::unexpected(st.error());
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return make_error(Errc::kInvalidArgument, "empty attribute in -attributes list");
  }
  return attrs;
}

Result<nlohmann::json> parse_attribute_words(const std::vector<std::string>& words) {
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& w : words)
    if (auto st = add_attribute(attrs, w, false); !st) return std::unexpected(st.error());
  return attrs;
}

Result<unsigned long long> parse_number(std::string_view text, std::string_view what) {
  unsigned long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size())
    return make_error(Errc::kInvalidArgument,
                      std::string(what) + " must be a non-negative number, got '" + std::string(text) + "'");
  return v;
}

Result<unsigned long long> parse_size(std::string_view text) {
  auto bad = [&] {
    return make_error(Errc::kInvalidArgument,
                      "size must be a number of bytes with an optional K, M, G or T suffix, got '" +
                          std::string(text) + "'");
  };
  unsigned long long v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p == text.data()) return bad();
  std::string suffix(p, text.data() + text.size());
  for (auto& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.ends_with("IB")) suffix.resize(suffix.size() - 2);
  else if (suffix.size() == 2 && suffix.back() == 'B') suffix.pop_back();
  unsigned shift = 0;
  if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else if (suffix == "T") shift = 40;
  else if (!suffix.empty() && suffix != "B") return bad();
  if (v == 0) return make_error(Errc::kInvalidArgument, "size must be greater than 0");
  if (shift && v > (~0ULL >> shift)) return bad();
  return v << shift;
}

std::string absolute_path(const std::string& path, const std::string& cwd) {
  if (path.empty() || path.front() == '/') return path;
  std::string base = cwd.empty() ? "/" : cwd;
  if (base.back() != '/') base += '/';
  return base + (path.starts_with("./") ? path.substr(2) : path);
}

Result<std::string> read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::kInvalidArgument, std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> request_body(const ApiCall& call) {
  if (!call.text_file.empty()) {
    auto text = read_text_file(call.text_file, "configuration file");
    if (!text) return std::unexpected(text.error());
    return nlohmann::json{{"text", *text}}.dump();
  }
  return call.body ? call.body->dump() : std::string();
}

ApiCall read_call(std::string path, View view, std::string filter) {
  ApiCall c;
  c.method = "GET";
  c.path = std::move(path);
  c.view = view;
  c.filter = std::move(filter);
  return c;
}

ApiCall change_call(std::string method, std::string path, std::optional<nlohmann::json> body, std::string done) {
  ApiCall c;
  c.method = std::move(method);
  c.path = std::move(path);
  c.body = std::move(body);
  c.done = std::move(done);
  return c;
}

std::string forced(std::string path, bool force) { return force ? path + "?force=1" : path; }

}  // namespace esan::ctl

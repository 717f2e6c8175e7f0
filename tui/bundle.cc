#include "tui/bundle.h"

#include "tools/esanctl/support_bundle.h"
#include "tools/esanctl/util.h"

namespace esan::tui {

Result<std::string> write_bundle(Api& api, const Values& values) {
  auto get = [&](const char* k) {
    auto it = values.find(k);
    return it == values.end() ? std::string() : it->second;
  };
  ctl::BundleRequest req;
  req.file = get("file");
  req.force = get("force") == "yes";
  if (req.file.empty()) return make_error(Errc::kInvalidArgument, "File (absolute) is required");
  if (req.file.front() != '/')
    return make_error(Errc::kInvalidArgument, "File (absolute) must be an absolute path, got '" + req.file + "'");
  ctl::Local local;
  if (const auto* conn = api.connection()) {
    local.token_file = conn->token_file;
    local.endpoint = conn->url.empty() ? "unix socket " + conn->socket : conn->url;
  }
  ctl::Fetch fetch = [&](const ctl::ApiCall& c) -> Result<ctl::Reply> {
    auto body = ctl::request_body(c);
    if (!body) return std::unexpected(body.error());
    return api.call(client::Request{c.method, c.path, *body});
  };
  auto out = ctl::write_support_bundle(fetch, req, local, "esan-tui");
  if (!out) return std::unexpected(out.error());
  std::string line = out->written;
  if (!out->failed.empty()) {
    line += "; not collected (see its MANIFEST):";
    for (const auto& n : out->failed) line += " " + n;
  }
  return line;
}

}  // namespace esan::tui

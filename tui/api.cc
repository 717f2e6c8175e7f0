#include "tui/api.h"

namespace esan::tui {

Result<std::string> Api::get_text(const std::string& path) {
  auto reply = call(client::Request{"GET", path, ""});
  if (!reply) return std::unexpected(reply.error());
  if (!reply->ok()) return make_error(Errc::kInvalidArgument, client::error_message(*reply));
  return reply->body;
}

Result<nlohmann::json> Api::get_json(const std::string& path) {
  auto text = get_text(path);
  if (!text) return std::unexpected(text.error());
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) return make_error(Errc::kProtocol, "esand's answer to GET " + path + " is not JSON");
  return j;
}

}  // namespace esan::tui

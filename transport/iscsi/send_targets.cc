#include "transport/iscsi/send_targets.h"

#include <optional>

#include "transport/iscsi/text.h"

namespace esan::iscsi {

namespace {

// The tag after the last ',' of "addr:port,tpgt", if it is a 16-bit number.
std::optional<uint16_t> portal_tag(std::string_view portal) {
  std::size_t comma = portal.rfind(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto n = parse_numeric(portal.substr(comma + 1));
  if (!n || *n > 0xffff) return std::nullopt;
  return static_cast<uint16_t>(*n);
}

void append_target(std::vector<uint8_t>& out, const TargetInfo& target,
                   const std::vector<std::string>& portals) {
  append_text(out, "TargetName", target.name);
  for (const std::string& portal : portals) {
    auto tag = portal_tag(portal);
    if (!tag || *tag == target.tpg_tag) append_text(out, "TargetAddress", portal);
  }
}

bool visible(const TargetInfo& t, bool chap_authenticated) {
  return chap_authenticated || !t.auth.chap_required();
}

}  // namespace

Result<std::vector<uint8_t>> build_send_targets(std::span<const uint8_t> request_text,
                                                const TargetDirectory& dir,
                                                std::string_view initiator_name,
                                                const std::vector<std::string>& portals,
                                                bool discovery_session,
                                                std::string_view session_target,
                                                bool chap_authenticated) {
  auto pairs = parse_text(request_text);
  if (!pairs) return std::unexpected(pairs.error());
  const std::string* what = nullptr;
  for (const auto& [key, value] : *pairs) {
    if (key != "SendTargets") continue;
    if (what) return make_error(Errc::kProtocol, "SendTargets sent twice in one text request");
    what = &value;
  }
  if (!what) return make_error(Errc::kInvalidArgument, "text request has no SendTargets key");

  std::vector<uint8_t> out;
  if (*what == "All" && discovery_session) {
    for (const TargetInfo& t : dir.list(initiator_name))
      if (visible(t, chap_authenticated)) append_target(out, t, portals);
    return out;
  }
  // A normal session learns only about its own target (RFC 7143 12.3 and
  // Appendix C): All and the empty value both name it there.
  bool own = what->empty() || *what == "All";
  std::string_view name = own ? session_target : std::string_view(*what);
  if (name.empty() || (what->empty() && discovery_session)) return out;
  if (auto t = dir.find(name, initiator_name); t && visible(*t, chap_authenticated))
    append_target(out, *t, portals);
  return out;
}

std::vector<std::string> portals_as_seen(const std::vector<std::string>& portals, std::string_view local_address) {
  // The host part of "host:port" / "[host]:port".
  std::size_t colon = local_address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return portals;
  std::string_view host = local_address.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return portals;
    host = host.substr(1, host.size() - 2);
    constexpr std::string_view kMapped = "::ffff:";
    if (host.starts_with(kMapped) && host.find('.') != std::string_view::npos) host.remove_prefix(kMapped.size());
  }
  const std::string seen = host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host);
  std::vector<std::string> out;
  out.reserve(portals.size());
  for (const std::string& p : portals) {
    std::size_t port = p.rfind(':');
    std::string_view bound = std::string_view(p).substr(0, port == std::string::npos ? 0 : port);
    if (bound == "0.0.0.0" || bound == "[::]")
      out.push_back(seen + p.substr(port));
    else
      out.push_back(p);
  }
  return out;
}

}  // namespace esan::iscsi

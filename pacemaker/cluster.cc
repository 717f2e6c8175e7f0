// Cluster: Pacemaker's tools behind esand's cluster endpoints; see cluster.h.
#include "pacemaker/cluster.h"

#include <fmt/format.h>

#include <algorithm>

#include "pacemaker/run.h"

namespace esan::pacemaker {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b);
}

std::string dirs_text(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return "$PATH, /usr/sbin or /sbin";
  std::string s;
  for (const auto& d : dirs) s += (s.empty() ? "" : ", ") + d;
  return s;
}

std::string duration_text(std::chrono::milliseconds d) {
  if (d.count() % 1000) return fmt::format("{} ms", d.count());
  return fmt::format("{} s", d.count() / 1000);
}

}  // namespace

Status check_name(std::string_view what, std::string_view name) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, fmt::format("{} name is empty", what));
  if (name.size() > 255)
    return make_error(Errc::kInvalidArgument, fmt::format("{} name is longer than 255 characters", what));
  bool good = name.front() != '-' && std::all_of(name.begin(), name.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '_' || c == ':' || c == '-';
              });
  if (!good)
    return make_error(
        Errc::kInvalidArgument,
        fmt::format("{} name '{}': only letters, digits, '.', '_', ':' and '-' (not first) are allowed", what, name));
  return ok();
}

Result<std::string> Cluster::tool(std::string_view name) const {
  std::string path = find_tool(name, opts_.tool_dirs);
  if (path.empty())
    return make_error(Errc::kNotFound,
                      fmt::format("Pacemaker is not installed: no {} in {}", name, dirs_text(opts_.tool_dirs)));
  return path;
}

Result<ClusterStatus> Cluster::status() const {
  auto crm_mon = tool("crm_mon");
  if (!crm_mon) {
    ClusterStatus s;
    s.reason = crm_mon.error().message;
    return s;
  }
  auto r = run({*crm_mon, "--output-as=xml", "--inactive", "--fence-history=2", "--one-shot"}, opts_.timeout);
  if (!r) return std::unexpected(r.error());
  if (r->timed_out)
    return make_error(Errc::kBusy,
                      fmt::format("crm_mon did not answer within {} (killed)", duration_text(opts_.timeout)));
  auto s = parse_crm_mon(r->out);
  if (!s) {
    std::string why = trim(r->err);
    return make_error(Errc::kInternal, fmt::format("crm_mon (exit {}): {}{}", r->exit_code, s.error().message,
                                                   why.empty() ? "" : ": " + why));
  }
  return s;
}

Result<ClusterStatus> Cluster::running() const {
  auto s = status();
  if (!s) return s;
  if (!s->connected) return make_error(Errc::kUnsupported, fmt::format("the cluster is not running: {}", s->reason));
  return s;
}

Status Cluster::act(std::vector<std::string> argv) const {
  auto path = tool(argv[0]);
  if (!path) return make_error(Errc::kUnsupported, path.error().message);
  std::string name = argv[0];
  argv[0] = *path;
  auto r = run(argv, opts_.timeout);
  if (!r) return std::unexpected(r.error());
  if (r->timed_out)
    return make_error(Errc::kBusy,
                      fmt::format("{} did not finish within {} (killed)", name, duration_text(opts_.timeout)));
  if (r->exit_code != 0) {
    std::string why = trim(r->err);
    if (why.empty()) why = trim(r->out);
    if (why.empty()) why = fmt::format("{} exited with {}", name, r->exit_code);
    return make_error(Errc::kUnsupported, why);
  }
  return ok();
}

Status Cluster::set_standby(std::string_view node, bool on) const {
  if (auto c = check_name("node", node); !c) return c;
  auto s = running();
  if (!s) return std::unexpected(s.error());
  if (std::none_of(s->nodes.begin(), s->nodes.end(), [&](const Node& n) { return n.name == node; }))
    return make_error(Errc::kNotFound, fmt::format("the cluster has no node '{}'", node));
  return act({"crm_attribute", "--node", std::string(node), "--name", "standby", "--update", on ? "on" : "off",
              "--lifetime", "forever"});
}

Status Cluster::move_promoted(std::string_view clone, std::string_view node) const {
  if (auto c = check_name("resource", clone); !c) return c;
  if (!node.empty())
    if (auto c = check_name("node", node); !c) return c;
  auto s = running();
  if (!s) return std::unexpected(s.error());
  if (std::none_of(s->promotables.begin(), s->promotables.end(), [&](const Promotable& p) { return p.clone == clone; }))
    return make_error(Errc::kInvalidArgument, fmt::format("'{}' is not a promotable clone of the cluster", clone));
  if (node.empty()) return act({"crm_resource", "--resource", std::string(clone), "--ban", "--promoted"});
  if (std::none_of(s->nodes.begin(), s->nodes.end(), [&](const Node& n) { return n.name == node; }))
    return make_error(Errc::kNotFound, fmt::format("the cluster has no node '{}'", node));
  return act({"crm_resource", "--resource", std::string(clone), "--move", "--promoted", "--node", std::string(node)});
}

Status Cluster::clear(std::string_view clone) const {
  if (auto c = check_name("resource", clone); !c) return c;
  if (auto s = running(); !s) return std::unexpected(s.error());
  return act({"crm_resource", "--resource", std::string(clone), "--clear"});
}

}  // namespace esan::pacemaker

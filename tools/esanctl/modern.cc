// esanctl's own spelling: "esanctl NOUN VERB ARGS... [--option VALUE] [ATTR=VALUE...]".
// The command table (kCommands) and what each command asks of the API; one
// table drives both parsing (modern_parse.cc) and the help text.
#include "tools/esanctl/modern.h"
#include "tools/esanctl/util.h"

namespace esan::ctl::modern {
namespace {

using json = nlohmann::json;


std::string target_path(const std::string& t) { return "/v1/targets/" + seg(t); }
std::string luns_path(const Parsed& p) {
  std::string g = p.opt_or("group");
  return target_path(p.pos[0]) + (g.empty() ? "" : "/groups/" + seg(g)) + "/luns";
}
std::string group_path(const Parsed& p) { return target_path(p.pos[0]) + "/groups/" + seg(p.pos[1]); }
std::string dgrp_path(const std::string& dg) { return "/v1/alua/device-groups/" + seg(dg); }
std::string tgrp_path(const Parsed& p) { return dgrp_path(p.pos[0]) + "/target-groups/" + seg(p.pos[1]); }

Result<json> attrs_of(const Parsed& p) { return parse_attribute_words(p.attrs); }

// ------------------------------------------------------------- devices --
Calls device_add(const Parsed& p) {
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  json body = {{"name", p.pos[0]}, {"handler", p.opt_or("handler")}, {"attributes", *a}};
  return one(change_call("POST", "/v1/devices", body, "device " + p.pos[0] + " added"));
}
Calls device_set(const Parsed& p) {
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  return one(change_call("PATCH", "/v1/devices/" + seg(p.pos[0]), json{{"attributes", *a}},
                    "device " + p.pos[0] + " updated"));
}
Calls device_resize(const Parsed& p) {
  auto n = parse_size(p.pos[1]);
  if (!n) return std::unexpected(n.error());
  return one(change_call("POST", "/v1/devices/" + seg(p.pos[0]) + "/resize", json{{"size_bytes", *n}},
                    "device " + p.pos[0] + " resized to " + std::to_string(*n) + " bytes"));
}

// ------------------------------------------------------------- targets --
Calls target_add(const Parsed& p) {
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  json body = {{"name", p.pos[0]}, {"driver", "iscsi"}, {"attributes", *a}};
  return one(change_call("POST", "/v1/targets", body, "target " + p.pos[0] + " added"));
}
Calls target_set(const Parsed& p) {
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  return one(change_call("PATCH", target_path(p.pos[0]), json{{"attributes", *a}}, "target " + p.pos[0] + " updated"));
}
Calls user_add(const Parsed& p) {
  json body = {{"direction", p.opt.contains("outgoing") ? "outgoing" : "incoming"}, {"user", p.pos[1]},
               {"secret", p.pos[2]}};
  return one(change_call("POST", target_path(p.pos[0]) + "/users", body, "CHAP user " + p.pos[1] + " added"));
}
Calls driver_set(const Parsed& p) {
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  return one(change_call("PATCH", "/v1/driver", json{{"attributes", *a}}, "driver iscsi updated"));
}

// ---------------------------------------------------------------- LUNs --
Calls lun_put(const Parsed& p, const std::string& method) {
  auto n = parse_number(p.pos[1], "LUN");
  if (!n) return std::unexpected(n.error());
  auto a = attrs_of(p);
  if (!a) return std::unexpected(a.error());
  if (p.opt.contains("read-only")) {
    if (a->contains("read_only")) return make_error(Errc::kInvalidArgument, "--read-only and read_only= both given");
    (*a)["read_only"] = "1";
  }
  json body = {{"lun", *n}, {"device", p.pos[2]}, {"attributes", *a}};
  bool add = method == "POST";
  std::string path = luns_path(p) + (add ? "" : "/" + std::to_string(*n));
  return one(change_call(method, path, body, "LUN " + std::to_string(*n) + (add ? " added" : " replaced")));
}
Calls lun_remove(const Parsed& p) {
  auto n = parse_number(p.pos[1], "LUN");
  if (!n) return std::unexpected(n.error());
  return one(change_call("DELETE", forced(luns_path(p) + "/" + std::to_string(*n), p.force), std::nullopt,
                    "LUN " + std::to_string(*n) + " removed"));
}

// ---------------------------------------------------------------- ALUA --
Calls tgrp_add(const Parsed& p) {
  auto id = parse_number(p.pos[2], "GROUP_ID");
  if (!id) return std::unexpected(id.error());
  json body = {{"name", p.pos[1]}, {"group_id", *id}};
  if (p.opt.contains("state")) body["state"] = p.opt_or("state");
  return one(change_call("POST", dgrp_path(p.pos[0]) + "/target-groups", body, "target group " + p.pos[1] + " added"));
}
Calls tgt_add(const Parsed& p) {
  json body = {{"target", p.pos[2]}};
  if (p.opt.contains("rel-tgt-id")) {
    auto id = parse_number(p.opt_or("rel-tgt-id"), "--rel-tgt-id");
    if (!id) return std::unexpected(id.error());
    body["rel_tgt_id"] = *id;
  }
  return one(change_call("POST", tgrp_path(p) + "/targets", body, "target " + p.pos[2] + " added to " + p.pos[1]));
}

// -------------------------------------------------------------- config --
Calls config_path_call(const Parsed& p, const std::string& what) {
  json body = json::object();
  if (!p.pos.empty()) body["path"] = absolute_path(p.pos[0], p.ctx->cwd);
  std::string done = what == "write" ? "configuration written" : "configuration reloaded";
  return one(change_call("POST", "/v1/config/" + what, body, done));
}
Calls config_apply(const Parsed& p) {
  ApiCall c = change_call("POST", "/v1/config/apply", std::nullopt, "configuration applied");
  c.text_file = p.pos[0];
  return one(std::move(c));
}
Calls config_history(const Parsed& p) {
  std::string path = "/v1/config/history";
  if (p.opt.contains("limit")) {
    auto n = parse_number(p.opt_or("limit"), "--limit");
    if (!n) return std::unexpected(n.error());
    path += "?limit=" + std::to_string(*n);
  }
  return one(read_call(path, View::kHistory));
}
Calls config_diff(const Parsed& p) {
  std::string path = "/v1/config/diff?from=" + seg(p.pos[0]);
  if (p.pos.size() == 2) path += "&to=" + seg(p.pos[1]);
  return one(read_call(path, View::kText));
}
Calls session_close(const Parsed& p) {
  auto id = parse_number(p.pos[0], "session ID");
  if (!id) return std::unexpected(id.error());
  return one(change_call("DELETE", "/v1/sessions/" + std::to_string(*id), std::nullopt,
                    "session " + std::to_string(*id) + " closed"));
}

Calls events(const Parsed& p) {
  uint64_t since = 0;
  if (p.opt.contains("since")) {
    auto n = parse_number(p.opt_or("since"), "--since");
    if (!n) return std::unexpected(n.error());
    since = *n;
  }
  std::string path = "/v1/events?";
  if (p.opt.contains("limit")) {
    auto n = parse_number(p.opt_or("limit"), "--limit");
    if (!n) return std::unexpected(n.error());
    path += "limit=" + std::to_string(*n) + "&";
  }
  bool follow = p.opt.contains("follow");
  // --follow: long polls of up to 30 s each (main.cc rebuilds the since= at the end).
  if (follow) path += "wait=30&";
  ApiCall c = read_call(path + "since=" + std::to_string(since), View::kEvents);
  c.follow = follow;
  return one(std::move(c));
}

// event raise MESSAGE [NAME=VALUE...]: the message first (it may hold '='),
// then the fields; esand checks the kind, severity and text (POST /v1/events).
Calls event_raise(const Parsed& p) {
  if (!p.opt.contains("severity"))
    return make_error(Errc::kInvalidArgument, "'event raise' needs --severity (info, warning, error or critical)");
  std::vector<std::string> words(p.pos.begin() + 1, p.pos.end());
  auto fields = parse_attribute_words(words);
  if (!fields) return std::unexpected(fields.error());
  json body = {{"kind", p.opt_or("kind")}, {"severity", p.opt_or("severity")}, {"message", p.pos[0]}};
  if (!fields->empty()) body["fields"] = *fields;
  return one(change_call("POST", "/v1/events", body, "event " + p.opt_or("kind") + " raised"));
}

Calls support_bundle(const Parsed& p) {
  BundleRequest b;
  b.file = absolute_path(p.pos[0], p.ctx->cwd);
  if (b.file.ends_with("/")) return make_error(Errc::kInvalidArgument, "FILE must name a file, got '" + p.pos[0] + "'");
  b.force = p.force;
  if (p.opt.contains("log-file")) b.log_file = absolute_path(p.opt_or("log-file"), p.ctx->cwd);
  for (auto [opt, field] : {std::pair{"log-lines", &b.log_lines}, std::pair{"revisions", &b.revisions}}) {
    if (!p.opt.contains(opt)) continue;
    auto n = parse_number(p.opt_or(opt), std::string("--") + opt);
    if (!n) return std::unexpected(n.error());
    *field = *n;
  }
  if (b.log_lines == 0) return make_error(Errc::kInvalidArgument, "--log-lines must be at least 1");
  ApiCall c;
  c.bundle = std::move(b);
  return one(std::move(c));
}

// clang-format off
const Command kTable[] = {
  {"device", "list", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/devices", View::kDeviceList)); }},
  {"device", "show", "NAME", 1, 1, false, "", "", [](const Parsed& p) { return one(read_call("/v1/devices/" + seg(p.pos[0]), View::kDevice)); }},
  {"device", "add", "NAME --handler H [ATTR=VALUE...]", 1, 1, true, "handler", "handler", device_add},
  {"device", "remove", "NAME [--force]", 1, 1, false, "force", "", [](const Parsed& p) {
     return one(change_call("DELETE", forced("/v1/devices/" + seg(p.pos[0]), p.force), std::nullopt, "device " + p.pos[0] + " removed")); }},
  {"device", "set", "NAME ATTR=VALUE...", 1, 1, true, "", "", device_set},
  {"device", "resize", "NAME SIZE", 2, 2, false, "", "", device_resize},
  {"target", "list", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/targets", View::kTargetList)); }},
  {"target", "show", "TARGET", 1, 1, false, "", "", [](const Parsed& p) { return one(read_call(target_path(p.pos[0]), View::kTarget)); }},
  {"target", "add", "TARGET [ATTR=VALUE...]", 1, 1, true, "", "", target_add},
  {"target", "remove", "TARGET [--force]", 1, 1, false, "force", "", [](const Parsed& p) {
     return one(change_call("DELETE", forced(target_path(p.pos[0]), p.force), std::nullopt, "target " + p.pos[0] + " removed")); }},
  {"target", "enable", "TARGET", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", target_path(p.pos[0]) + "/enable", std::nullopt, "target " + p.pos[0] + " enabled")); }},
  {"target", "disable", "TARGET", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", target_path(p.pos[0]) + "/disable", std::nullopt, "target " + p.pos[0] + " disabled")); }},
  {"target", "set", "TARGET ATTR=VALUE...", 1, 1, true, "", "", target_set},
  {"target", "user-add", "TARGET USER SECRET [--outgoing]", 3, 3, false, "outgoing", "", user_add},
  {"target", "user-remove", "TARGET USER", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", target_path(p.pos[0]) + "/users/" + seg(p.pos[1]), std::nullopt, "CHAP user " + p.pos[1] + " removed")); }},
  {"driver", "show", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/driver", View::kAttributes)); }},
  {"driver", "set", "ATTR=VALUE...", 0, 0, true, "", "", driver_set},
  {"lun", "list", "TARGET [--group G]", 1, 1, false, "group", "", [](const Parsed& p) { return one(read_call(luns_path(p), View::kLunList)); }},
  {"lun", "add", "TARGET LUN DEVICE [--group G] [--read-only] [ATTR=VALUE...]", 3, 3, true, "group read-only", "",
     [](const Parsed& p) { return lun_put(p, "POST"); }},
  {"lun", "remove", "TARGET LUN [--group G] [--force]", 2, 2, false, "group force", "", lun_remove},
  {"lun", "replace", "TARGET LUN DEVICE [--group G] [--read-only] [ATTR=VALUE...]", 3, 3, true, "group read-only", "",
     [](const Parsed& p) { return lun_put(p, "PUT"); }},
  {"group", "list", "TARGET", 1, 1, false, "", "", [](const Parsed& p) {
     ApiCall c = read_call(target_path(p.pos[0]) + "/groups", View::kGroupList);
     c.scope = p.pos[0];
     return one(std::move(c)); }},
  {"group", "add", "TARGET GROUP", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", target_path(p.pos[0]) + "/groups", json{{"name", p.pos[1]}}, "group " + p.pos[1] + " added")); }},
  {"group", "remove", "TARGET GROUP", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", group_path(p), std::nullopt, "group " + p.pos[1] + " removed")); }},
  {"initiator", "add", "TARGET GROUP INITIATOR", 3, 3, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", group_path(p) + "/initiators", json{{"initiator", p.pos[2]}}, "initiator " + p.pos[2] + " added to " + p.pos[1])); }},
  {"initiator", "remove", "TARGET GROUP INITIATOR", 3, 3, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", group_path(p) + "/initiators/" + seg(p.pos[2]), std::nullopt, "initiator " + p.pos[2] + " removed from " + p.pos[1])); }},
  {"initiator", "move", "TARGET GROUP INITIATOR TO_GROUP", 4, 4, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", group_path(p) + "/initiators/move", json{{"initiator", p.pos[2]}, {"to_group", p.pos[3]}},
                       "initiator " + p.pos[2] + " moved to " + p.pos[3])); }},
  {"alua", "list", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/alua/device-groups", View::kAluaList)); }},
  {"alua", "dgrp-add", "DEVICE_GROUP", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/alua/device-groups", json{{"name", p.pos[0]}}, "device group " + p.pos[0] + " added")); }},
  {"alua", "dgrp-remove", "DEVICE_GROUP", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", dgrp_path(p.pos[0]), std::nullopt, "device group " + p.pos[0] + " removed")); }},
  {"alua", "dev-add", "DEVICE_GROUP DEVICE", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", dgrp_path(p.pos[0]) + "/devices", json{{"device", p.pos[1]}}, "device " + p.pos[1] + " added to " + p.pos[0])); }},
  {"alua", "dev-remove", "DEVICE_GROUP DEVICE", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", dgrp_path(p.pos[0]) + "/devices/" + seg(p.pos[1]), std::nullopt, "device " + p.pos[1] + " removed from " + p.pos[0])); }},
  {"alua", "tgrp-add", "DEVICE_GROUP TARGET_GROUP GROUP_ID [--state S]", 3, 3, false, "state", "", tgrp_add},
  {"alua", "tgrp-remove", "DEVICE_GROUP TARGET_GROUP", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", tgrp_path(p), std::nullopt, "target group " + p.pos[1] + " removed")); }},
  {"alua", "tgt-add", "DEVICE_GROUP TARGET_GROUP TARGET [--rel-tgt-id N]", 3, 3, false, "rel-tgt-id", "", tgt_add},
  {"alua", "tgt-remove", "DEVICE_GROUP TARGET_GROUP TARGET", 3, 3, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", tgrp_path(p) + "/targets/" + seg(p.pos[2]), std::nullopt, "target " + p.pos[2] + " removed from " + p.pos[1])); }},
  {"alua", "state", "DEVICE_GROUP TARGET_GROUP [STATE]", 2, 3, false, "", "", [](const Parsed& p) {
     if (p.pos.size() == 2) return one(read_call(tgrp_path(p) + "/state", View::kState));
     return one(change_call("PUT", tgrp_path(p) + "/state", json{{"state", p.pos[2]}}, "target group " + p.pos[1] + " is now " + p.pos[2])); }},
  {"alias", "list", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/aliases", View::kAliasList)); }},
  {"alias", "set", "INITIATOR ALIAS", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("PUT", "/v1/aliases/" + seg(p.pos[0]), json{{"alias", p.pos[1]}}, "initiator " + p.pos[0] + " is now " + p.pos[1])); }},
  {"alias", "remove", "INITIATOR", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("DELETE", "/v1/aliases/" + seg(p.pos[0]), std::nullopt, "alias of " + p.pos[0] + " removed")); }},
  {"cluster", "status", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/cluster", View::kCluster)); }},
  {"cluster", "standby", "NODE", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/cluster/nodes/" + seg(p.pos[0]) + "/standby", std::nullopt, "node " + p.pos[0] + " put in standby")); }},
  {"cluster", "online", "NODE", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/cluster/nodes/" + seg(p.pos[0]) + "/online", std::nullopt, "node " + p.pos[0] + " back online")); }},
  {"cluster", "move", "CLONE NODE", 2, 2, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/cluster/resources/" + seg(p.pos[0]) + "/move", json{{"node", p.pos[1]}}, "master of " + p.pos[0] + " moving to " + p.pos[1])); }},
  {"cluster", "clear", "CLONE", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/cluster/resources/" + seg(p.pos[0]) + "/clear", std::nullopt, "move constraints of " + p.pos[0] + " cleared")); }},
  {"session", "list", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/sessions", View::kSessionList)); }},
  {"session", "close", "ID", 1, 1, false, "", "", session_close},
  {"config", "show", "[REV]", 0, 1, false, "", "", [](const Parsed& p) {
     return one(read_call(p.pos.empty() ? "/v1/config" : "/v1/config/history/" + seg(p.pos[0]), View::kText)); }},
  {"config", "write", "[PATH]", 0, 1, false, "", "", [](const Parsed& p) { return config_path_call(p, "write"); }},
  {"config", "reload", "[PATH]", 0, 1, false, "", "", [](const Parsed& p) { return config_path_call(p, "reload"); }},
  {"config", "apply", "FILE", 1, 1, false, "", "", config_apply},
  {"config", "history", "[--limit N]", 0, 0, false, "limit", "", config_history},
  {"config", "diff", "REV [REV]", 1, 2, false, "", "", config_diff},
  {"config", "rollback", "REV", 1, 1, false, "", "", [](const Parsed& p) {
     return one(change_call("POST", "/v1/config/rollback", json{{"rev", p.pos[0]}}, "configuration rolled back to " + p.pos[0])); }},
  {"events", "", "[--since SEQ] [--limit N] [--follow]", 0, 0, false, "since limit follow", "", events},
  {"event", "raise", "MESSAGE --kind K --severity S [NAME=VALUE...]", 1, 17, false, "kind severity", "kind", event_raise},
  {"alert", "test", "", 0, 0, false, "", "", [](const Parsed&) {
     ApiCall c = read_call("/v1/alerts/test", View::kAlertTest);
     c.method = "POST";
     return one(std::move(c)); }},
  {"alert", "status", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/alerts", View::kAlerts)); }},
  {"alert", "config", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/alerts/config", View::kAlertConfig)); }},
  {"alert", "set", "FILE", 1, 1, false, "", "", [](const Parsed& p) {
     ApiCall c = change_call("PUT", "/v1/alerts/config", std::nullopt, "alert rules replaced");
     c.text_file = p.pos[0];
     return one(std::move(c)); }},
  {"stats", "", "[--prometheus]", 0, 0, false, "prometheus", "", [](const Parsed& p) {
     return one(p.opt.contains("prometheus") ? read_call("/metrics", View::kText) : read_call("/v1/stats", View::kStats)); }},
  {"version", "", "", 0, 0, false, "", "", [](const Parsed&) { return one(read_call("/v1/version", View::kVersion)); }},
  {"health", "", "[--timeout-ms N]", 0, 0, false, "timeout-ms", "", [](const Parsed& p) {
     std::string t = p.opt_or("timeout-ms");
     return one(read_call("/v1/health" + (t.empty() ? "" : "?timeout_ms=" + seg(t)), View::kHealth)); }},
  {"support-bundle", "", "FILE [--force] [--log-file F] [--log-lines N] [--revisions N]", 1, 1, false,
     "force log-file log-lines revisions", "", support_bundle},
};
// clang-format on

}  // namespace

const std::span<const Command> kCommands(kTable);

}  // namespace esan::ctl::modern

// The scstadmin spelling: "-operation [NAME] -param VALUE ... -flag", one
// operation per run, as SCST's scstadmin parses it (Getopt::Long: "-x" or
// "--x", "-x=v" or "-x v"; an operation with an optional name takes the next
// word only when it is not an option). Operations esan has no counterpart
// for are refused by name. This file: what each operation asks of the API.
#include "tools/esanctl/scstadmin.h"
#include "tools/esanctl/util.h"

namespace esan::ctl::scst {
namespace {

using json = nlohmann::json;


// "-driver and -target" style list of what is missing, or "" when complete.
Status need(const Opts& o, std::initializer_list<const char*> params) {
  std::vector<std::string> missing;
  for (const char* k : params)
    if (o.get(k).empty()) missing.push_back(std::string("-") + k);
  if (missing.empty()) {
    if (o.p.contains("driver") && o.get("driver") != "iscsi")
      return make_error(Errc::kInvalidArgument, "esan serves only the iscsi driver, not '" + o.get("driver") + "'");
    return ok();
  }
  std::string list;
  for (size_t i = 0; i < missing.size(); ++i)
    list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
  return make_error(Errc::kInvalidArgument, "please specify " + list + " with -" + o.op);
}
#define NEED(...)                                   \
  if (auto st = need(o, {__VA_ARGS__}); !st) return std::unexpected(st.error())

Result<json> attributes(const Opts& o) {
  return o.p.contains("attributes") ? parse_attribute_list(o.get("attributes")) : json::object();
}

std::string tgt(const Opts& o, const std::string& t) { return "/v1/targets/" + seg(t); }
std::string grp(const Opts& o) { return tgt(o, o.get("target")) + "/groups/" + seg(o.get("group")); }
std::string luns(const Opts& o) {
  return tgt(o, o.get("target")) + (o.get("group").empty() ? "" : "/groups/" + seg(o.get("group"))) + "/luns";
}
std::string dgrp(const std::string& dg) { return "/v1/alua/device-groups/" + seg(dg); }
std::string tgrp(const Opts& o, const std::string& tg) { return dgrp(o.get("dev_group")) + "/target-groups/" + seg(tg); }

Calls open_dev(const Opts& o) {
  NEED("handler");
  auto a = attributes(o);
  if (!a) return std::unexpected(a.error());
  return one(change_call("POST", "/v1/devices", json{{"name", o.name}, {"handler", o.get("handler")}, {"attributes", *a}},
                    "device " + o.name + " added"));
}
Calls patch(const Opts& o, const std::string& path, const std::string& what) {
  auto a = parse_attribute_list(o.get("attributes"));
  if (!a) return std::unexpected(a.error());
  return one(change_call("PATCH", path, json{{"attributes", *a}}, what + " updated"));
}
Calls lun(const Opts& o, const std::string& method) {
  auto n = parse_number(o.name, "LUN");
  if (!n) return std::unexpected(n.error());
  auto a = attributes(o);
  if (!a) return std::unexpected(a.error());
  bool add = method == "POST";
  return one(change_call(method, luns(o) + (add ? "" : "/" + std::to_string(*n)),
                    json{{"lun", *n}, {"device", o.get("device")}, {"attributes", *a}},
                    "LUN " + std::to_string(*n) + (add ? " added" : " replaced")));
}
// -add_tgt_attr / -add_drv_attr: IncomingUser="name secret", OutgoingUser=... become CHAP accounts.
Calls users(const Opts& o, const std::string& base, bool add) {
  auto a = parse_attribute_list(o.get("attributes"));
  if (!a) return std::unexpected(a.error());
  std::vector<ApiCall> calls;
  for (const auto& [key, value] : a->items()) {
    if (key != "IncomingUser" && key != "OutgoingUser")
      return make_error(Errc::kInvalidArgument, "'" + key + "' is not a dynamic attribute (IncomingUser, OutgoingUser)");
    std::string v = value.get<std::string>();
    auto sp = v.find_first_of(" \t");
    std::string user = v.substr(0, sp);
    std::string secret = sp == std::string::npos ? "" : v.substr(v.find_first_not_of(" \t", sp));
    if (add && (user.empty() || secret.empty()))
      return make_error(Errc::kInvalidArgument, key + " needs \"USER SECRET\", got '" + v + "'");
    if (add)
      calls.push_back(change_call("POST", base + "/users",
                             json{{"direction", key == "IncomingUser" ? "incoming" : "outgoing"}, {"user", user},
                                  {"secret", secret}},
                             "CHAP user " + user + " added"));
    else
      calls.push_back(change_call("DELETE", base + "/users/" + seg(user), std::nullopt, "CHAP user " + user + " removed"));
  }
  return calls;
}
Status driver_name(const Opts& o) {
  if (o.name == "iscsi") return ok();
  return make_error(Errc::kInvalidArgument, "esan serves only the iscsi driver, not '" + o.name + "'");
}
Calls add_tgrp(const Opts& o) {
  NEED("dev_group");
  auto a = attributes(o);
  if (!a) return std::unexpected(a.error());
  json body = {{"name", o.name}};
  for (const auto& [k, v] : a->items()) {
    if (k == "group_id") {
      auto id = parse_number(v.get<std::string>(), "group_id");
      if (!id) return std::unexpected(id.error());
      body["group_id"] = *id;
    } else if (k == "state") {
      body["state"] = v;
    } else {
      return make_error(Errc::kInvalidArgument, "a target group has no attribute '" + k + "' (group_id, state)");
    }
  }
  if (!body.contains("group_id"))  // SCST sets it later with -set_tgrp_attr; esan needs it now
    return make_error(Errc::kInvalidArgument, "please specify -attributes group_id=N with -add_tgrp (esan gives a "
                                              "target group its id when it is added)");
  return one(change_call("POST", dgrp(o.get("dev_group")) + "/target-groups", body, "target group " + o.name + " added"));
}
Calls add_tgrp_tgt(const Opts& o) {
  NEED("dev_group", "tgt_group");
  auto a = attributes(o);
  if (!a) return std::unexpected(a.error());
  json body = {{"target", o.name}};
  for (const auto& [k, v] : a->items()) {
    if (k != "rel_tgt_id") return make_error(Errc::kInvalidArgument, "a target group target has no attribute '" + k + "' (rel_tgt_id)");
    auto id = parse_number(v.get<std::string>(), "rel_tgt_id");
    if (!id) return std::unexpected(id.error());
    body["rel_tgt_id"] = *id;
  }
  return one(change_call("POST", tgrp(o, o.get("tgt_group")) + "/targets", body,
                    "target " + o.name + " added to " + o.get("tgt_group")));
}
Calls set_tgrp_attr(const Opts& o) {
  NEED("dev_group", "attributes");
  auto a = parse_attribute_list(o.get("attributes"));
  if (!a) return std::unexpected(a.error());
  if (a->contains("group_id"))
    return make_error(Errc::kInvalidArgument, "esan gives a target group its group_id when it is added: "
                                              "-add_tgrp TG -dev_group DG -attributes group_id=N");
  if (a->size() != 1 || !a->contains("state"))
    return make_error(Errc::kInvalidArgument, "-set_tgrp_attr can change only the state attribute (state=S)");
  std::string s = (*a)["state"];
  return one(change_call("PUT", tgrp(o, o.name) + "/state", json{{"state", s}}, "target group " + o.name + " is now " + s));
}

// clang-format off
const Op kTable[] = {
  {"open_dev", Arg::kValue, open_dev},
  {"close_dev", Arg::kValue, [](const Opts& o) -> Calls { NEED("handler");
     return one(change_call("DELETE", forced("/v1/devices/" + seg(o.name), o.force), std::nullopt, "device " + o.name + " removed")); }},
  {"set_dev_attr", Arg::kValue, [](const Opts& o) -> Calls { NEED("attributes"); return patch(o, "/v1/devices/" + seg(o.name), "device " + o.name); }},
  {"list_device", Arg::kOptional, [](const Opts& o) -> Calls {
     return one(o.name.empty() ? read_call("/v1/devices", View::kDeviceList) : read_call("/v1/devices/" + seg(o.name), View::kDevice)); }},
  {"list_dev_attr", Arg::kValue, [](const Opts& o) -> Calls { return one(read_call("/v1/devices/" + seg(o.name), View::kAttributes)); }},
  {"add_target", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver");
     auto a = attributes(o);
     if (!a) return std::unexpected(a.error());
     return one(change_call("POST", "/v1/targets", json{{"name", o.name}, {"driver", "iscsi"}, {"attributes", *a}}, "target " + o.name + " added")); }},
  {"rem_target", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver");
     return one(change_call("DELETE", forced(tgt(o, o.name), o.force), std::nullopt, "target " + o.name + " removed")); }},
  {"enable_target", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver");
     return one(change_call("POST", tgt(o, o.name) + "/enable", std::nullopt, "target " + o.name + " enabled")); }},
  {"disable_target", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver");
     return one(change_call("POST", tgt(o, o.name) + "/disable", std::nullopt, "target " + o.name + " disabled")); }},
  {"set_tgt_attr", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "attributes"); return patch(o, tgt(o, o.name), "target " + o.name); }},
  {"list_tgt_attr", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver"); return one(read_call(tgt(o, o.name), View::kAttributes)); }},
  {"add_tgt_attr", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "attributes"); return users(o, tgt(o, o.name), true); }},
  {"rem_tgt_attr", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "attributes"); return users(o, tgt(o, o.name), false); }},
  {"list_target", Arg::kOptional, [](const Opts& o) -> Calls {
     return one(o.name.empty() ? read_call("/v1/targets", View::kTargetList) : read_call(tgt(o, o.name), View::kTarget)); }},
  {"list_driver", Arg::kOptional, [](const Opts& o) -> Calls { return one(read_call("/v1/driver", View::kAttributes)); }},
  {"list_drv_attr", Arg::kValue, [](const Opts& o) -> Calls { if (auto st = driver_name(o); !st) return std::unexpected(st.error());
     return one(read_call("/v1/driver", View::kAttributes)); }},
  {"set_drv_attr", Arg::kValue, [](const Opts& o) -> Calls { if (auto st = driver_name(o); !st) return std::unexpected(st.error());
     NEED("attributes"); return patch(o, "/v1/driver", "driver iscsi"); }},
  {"add_drv_attr", Arg::kValue, [](const Opts& o) -> Calls { if (auto st = driver_name(o); !st) return std::unexpected(st.error());
     NEED("attributes"); return users(o, "/v1/driver", true); }},
  {"rem_drv_attr", Arg::kValue, [](const Opts& o) -> Calls { if (auto st = driver_name(o); !st) return std::unexpected(st.error());
     NEED("attributes"); return users(o, "/v1/driver", false); }},
  {"add_group", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target");
     return one(change_call("POST", tgt(o, o.get("target")) + "/groups", json{{"name", o.name}}, "group " + o.name + " added")); }},
  {"rem_group", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target");
     return one(change_call("DELETE", tgt(o, o.get("target")) + "/groups/" + seg(o.name), std::nullopt, "group " + o.name + " removed")); }},
  {"list_group", Arg::kOptional, [](const Opts& o) -> Calls {
     if (o.get("target").empty()) return one(read_call("/v1/targets", View::kTargetGroups, o.name));
     ApiCall c = read_call(tgt(o, o.get("target")) + "/groups", View::kGroupList, o.name);
     c.scope = o.get("target");
     return one(std::move(c)); }},
  {"add_init", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target", "group");
     return one(change_call("POST", grp(o) + "/initiators", json{{"initiator", o.name}}, "initiator " + o.name + " added to " + o.get("group"))); }},
  {"rem_init", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target", "group");
     return one(change_call("DELETE", grp(o) + "/initiators/" + seg(o.name), std::nullopt, "initiator " + o.name + " removed from " + o.get("group"))); }},
  {"move_init", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target", "group", "to");
     return one(change_call("POST", grp(o) + "/initiators/move", json{{"initiator", o.name}, {"to_group", o.get("to")}},
                       "initiator " + o.name + " moved to " + o.get("to"))); }},
  {"add_lun", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target", "device"); return lun(o, "POST"); }},
  {"replace_lun", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target", "device"); return lun(o, "PUT"); }},
  {"rem_lun", Arg::kValue, [](const Opts& o) -> Calls { NEED("driver", "target");
     auto n = parse_number(o.name, "LUN");
     if (!n) return std::unexpected(n.error());
     return one(change_call("DELETE", forced(luns(o) + "/" + std::to_string(*n), o.force), std::nullopt, "LUN " + std::to_string(*n) + " removed")); }},
  {"list_sessions", Arg::kFlag, [](const Opts&) -> Calls { return one(read_call("/v1/sessions", View::kSessionList)); }},
  {"add_dgrp", Arg::kValue, [](const Opts& o) -> Calls {
     return one(change_call("POST", "/v1/alua/device-groups", json{{"name", o.name}}, "device group " + o.name + " added")); }},
  {"rem_dgrp", Arg::kValue, [](const Opts& o) -> Calls {
     return one(change_call("DELETE", dgrp(o.name), std::nullopt, "device group " + o.name + " removed")); }},
  {"add_dgrp_dev", Arg::kValue, [](const Opts& o) -> Calls { NEED("dev_group");
     return one(change_call("POST", dgrp(o.get("dev_group")) + "/devices", json{{"device", o.name}}, "device " + o.name + " added to " + o.get("dev_group"))); }},
  {"rem_dgrp_dev", Arg::kValue, [](const Opts& o) -> Calls { NEED("dev_group");
     return one(change_call("DELETE", dgrp(o.get("dev_group")) + "/devices/" + seg(o.name), std::nullopt, "device " + o.name + " removed from " + o.get("dev_group"))); }},
  {"add_tgrp", Arg::kValue, add_tgrp},
  {"rem_tgrp", Arg::kValue, [](const Opts& o) -> Calls { NEED("dev_group");
     return one(change_call("DELETE", tgrp(o, o.name), std::nullopt, "target group " + o.name + " removed")); }},
  {"add_tgrp_tgt", Arg::kValue, add_tgrp_tgt},
  {"rem_tgrp_tgt", Arg::kValue, [](const Opts& o) -> Calls { NEED("dev_group", "tgt_group");
     return one(change_call("DELETE", tgrp(o, o.get("tgt_group")) + "/targets/" + seg(o.name), std::nullopt, "target " + o.name + " removed from " + o.get("tgt_group"))); }},
  {"set_tgrp_attr", Arg::kValue, set_tgrp_attr},
  {"list_dgrp", Arg::kOptional, [](const Opts& o) -> Calls { return one(read_call("/v1/alua/device-groups", View::kAluaList, o.name)); }},
  {"list_tgrp", Arg::kOptional, [](const Opts& o) -> Calls { NEED("dev_group");
     ApiCall c = read_call("/v1/alua/device-groups", View::kTgrpList, o.name);
     c.scope = o.get("dev_group");
     return one(std::move(c)); }},
  {"write_config", Arg::kValue, [](const Opts& o) -> Calls {
     return one(change_call("POST", "/v1/config/write", json{{"path", absolute_path(o.name, o.ctx->cwd)}}, "configuration written to " + o.name)); }},
  {"config", Arg::kOptional, [](const Opts& o) -> Calls {
     if (o.name.empty()) return one(change_call("POST", "/v1/config/reload", json::object(), "configuration reloaded"));
     ApiCall c = change_call("POST", "/v1/config/apply", std::nullopt, "configuration " + o.name + " applied");
     c.text_file = o.name;
     return one(std::move(c)); }},
  {"issue_lip", Arg::kOptional, [](const Opts&) -> Calls { return std::vector<ApiCall>{}; }},  // Fibre Channel only
  {"check_config", Arg::kOptional, nullptr}, {"clear_config", Arg::kFlag, nullptr},
  {"list_handler", Arg::kOptional, nullptr}, {"list_scst_attr", Arg::kFlag, nullptr},
  {"list_hnd_attr", Arg::kValue, nullptr}, {"list_dgrp_attr", Arg::kValue, nullptr},
  {"list_tgrp_attr", Arg::kValue, nullptr}, {"list_ttgt_attr", Arg::kValue, nullptr},
  {"list_grp_attr", Arg::kValue, nullptr}, {"list_lun_attr", Arg::kValue, nullptr},
  {"list_init_attr", Arg::kValue, nullptr}, {"set_scst_attr", Arg::kFlag, nullptr},
  {"set_hnd_attr", Arg::kValue, nullptr}, {"set_dgrp_attr", Arg::kValue, nullptr},
  {"set_ttgt_attr", Arg::kValue, [](const Opts&) -> Calls {
     return make_error(Errc::kInvalidArgument, "esan gives a target group member its rel_tgt_id when it is added: "
                                               "-add_tgrp_tgt T -dev_group DG -tgt_group TG -attributes rel_tgt_id=N"); }},
  {"set_grp_attr", Arg::kValue, nullptr},
  {"set_lun_attr", Arg::kValue, nullptr}, {"set_init_attr", Arg::kValue, nullptr},
  {"resync_dev", Arg::kValue, nullptr}, {"clear_inits", Arg::kFlag, nullptr},
  {"clear_luns", Arg::kFlag, nullptr},
};
// clang-format on

const char* const kParamNames[] = {"handler", "attributes", "driver", "target", "group", "to", "device", "dev_group", "tgt_group"};
const char* const kFlagNames[] = {"noprompt", "force", "nonkey", "cont_on_err", "no_lip", "debug"};

}  // namespace

const std::span<const Op> kOps(kTable);
const std::span<const char* const> kParams(kParamNames);
const std::span<const char* const> kFlags(kFlagNames);

}  // namespace esan::ctl::scst

// The Devices, Targets and Hosts menus (contract: actions.h).
#include "tui/form_kit.h"

namespace esan::tui::kit {
namespace {

using client::seg;

R add_device(const Values& v, const std::string& handler, const std::string& file_label = "") {
  TRY(name, need(v, "name", "Name"));
  json attrs = json::object();
  if (handler == "vdisk_nullio") {
    TRY(size, number(v, "size_mb", "Size (MiB)"));
    attrs["size_mb"] = std::to_string(*size);
  } else if (handler == "vdisk_rbd") {
    TRY(pool, need(v, "pool", "Pool"));
    TRY(image, need(v, "image", "Image"));
    attrs["pool"] = *pool;
    attrs["image"] = *image;
    for (const char* opt : {"ceph_conf", "ceph_user"})
      if (std::string s = trimmed(v, opt); !s.empty()) attrs[opt] = s;
  } else {
    TRY(file, need(v, "filename", file_label));
    attrs["filename"] = *file;
  }
  std::string bs = trimmed(v, "blocksize");
  if (!bs.empty()) {
    TRY(n, number(v, "blocksize", "Block size"));
    attrs["blocksize"] = std::to_string(*n);
  }
  if (trimmed(v, "read_only") == "yes") attrs["read_only"] = "1";
  return req("POST", "/v1/devices", json{{"name", *name}, {"handler", handler}, {"attributes", attrs}});
}

}  // namespace

Menu devices_menu() {
  return Menu{
      'd',
      "Devices",
      {
          view('l', "List devices", View::kDevices),
          view('v', "Device attributes", View::kAttributes),
          form(
              'f', "Add file device (vdisk_fileio)",
              {text("name", "Name"), text("filename", "File (absolute)"), text("blocksize", "Block size", "512"),
               fixed("read_only", "Read-only", kYesNo)},
              [](const Values& v) { return add_device(v, "vdisk_fileio", "File (absolute)"); },
              [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
          form(
              'b', "Add block device (vdisk_blockio)",
              {text("name", "Name"), text("filename", "Block device"), text("blocksize", "Block size", "512"),
               fixed("read_only", "Read-only", kYesNo)},
              [](const Values& v) { return add_device(v, "vdisk_blockio", "Block device"); },
              [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
          form(
              'n', "Add null device (vdisk_nullio)",
              {text("name", "Name"), text("size_mb", "Size (MiB)", "1024"), text("blocksize", "Block size", "512")},
              [](const Values& v) { return add_device(v, "vdisk_nullio"); },
              [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
          form(
              'c', "Add Ceph RBD image (vdisk_rbd)",
              {text("name", "Name"), text("pool", "Pool", "rbd"), text("image", "Image"),
               text("ceph_conf", "Ceph config", "/etc/ceph/ceph.conf"), text("ceph_user", "Ceph user"),
               text("blocksize", "Block size", "512"), fixed("read_only", "Read-only", kYesNo)},
              [](const Values& v) { return add_device(v, "vdisk_rbd"); },
              [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
          form(
              'r', "Remove device",
              {pick("device", "Device", Source::kDevices), fixed("force", "Unmap it first", kYesNo)},
              [](const Values& v) -> R {
                TRY(d, need(v, "device", "Device"));
                std::string p = "/v1/devices/" + seg(*d);
                if (trimmed(v, "force") == "yes") p += "?force=1";
                return req("DELETE", p);
              },
              [](const Values& v) { return "device " + trimmed(v, "device") + " closed"; }, true),
          form(
              'a', "Set device attribute",
              {pick("device", "Device", Source::kDevices), text("attr", "Attribute"), text("value", "Value")},
              [](const Values& v) -> R {
                TRY(d, need(v, "device", "Device"));
                TRY(a, need(v, "attr", "Attribute"));
                TRY(val, need(v, "value", "Value"));
                return req("PATCH", "/v1/devices/" + seg(*d), json{{"attributes", {{*a, *val}}}});
              },
              [](const Values& v) { return trimmed(v, "attr") + " of " + trimmed(v, "device") + " set"; }),
          form(
              'm', "Map a LUN",
              {pick("where", "Target / group", Source::kTargetGroups), text("lun", "LUN", "0"),
               pick("device", "Device", Source::kDevices), fixed("read_only", "Read-only", kYesNo)},
              [](const Values& v) -> R {
                TRY(w, need(v, "where", "Target / group"));
                TRY(lun, number(v, "lun", "LUN"));
                TRY(d, need(v, "device", "Device"));
                json body{{"lun", *lun}, {"device", *d}};
                if (trimmed(v, "read_only") == "yes") body["attributes"] = {{"read_only", "1"}};
                return req("POST", luns_path(*w), body);
              },
              [](const Values& v) { return "LUN " + trimmed(v, "lun") + " of " + trimmed(v, "where") + " added"; }),
          form(
              'u', "Unmap a LUN", {pick("where", "Target / group", Source::kTargetGroups), text("lun", "LUN", "0")},
              [](const Values& v) -> R {
                TRY(w, need(v, "where", "Target / group"));
                TRY(lun, number(v, "lun", "LUN"));
                return req("DELETE", luns_path(*w) + "/" + std::to_string(*lun));
              },
              [](const Values& v) { return "LUN " + trimmed(v, "lun") + " of " + trimmed(v, "where") + " removed"; },
              true),
      }};
}

Menu targets_menu() {
  return Menu{
      't',
      "Targets",
      {
          view('l', "List targets", View::kTargets),
          form(
              'a', "Add target", {text("name", "Name (IQN)"), fixed("enabled", "Enabled", kNoYes)},
              [](const Values& v) -> R {
                TRY(n, need(v, "name", "Name (IQN)"));
                json attrs = json::object();
                if (trimmed(v, "enabled") == "yes") attrs["enabled"] = "1";
                return req("POST", "/v1/targets", json{{"name", *n}, {"driver", "iscsi"}, {"attributes", attrs}});
              },
              [](const Values& v) { return "target " + trimmed(v, "name") + " added"; }),
          form(
              'r', "Remove target",
              {pick("target", "Target", Source::kTargets), fixed("force", "Close its sessions", kYesNo)},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                std::string p = "/v1/targets/" + seg(*t);
                if (trimmed(v, "force") == "yes") p += "?force=1";
                return req("DELETE", p);
              },
              [](const Values& v) { return "target " + trimmed(v, "target") + " removed"; }, true),
          form(
              'e', "Enable target", {pick("target", "Target", Source::kTargets)},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                return req("POST", "/v1/targets/" + seg(*t) + "/enable");
              },
              [](const Values& v) { return "target " + trimmed(v, "target") + " enabled"; }),
          form(
              'd', "Disable target", {pick("target", "Target", Source::kTargets)},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                return req("POST", "/v1/targets/" + seg(*t) + "/disable");
              },
              [](const Values& v) { return "target " + trimmed(v, "target") + " disabled"; }),
          form(
              'i', "Set rel_tgt_id", {pick("target", "Target", Source::kTargets), text("id", "rel_tgt_id")},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                TRY(id, number(v, "id", "rel_tgt_id"));
                return req("PATCH", "/v1/targets/" + seg(*t),
                           json{{"attributes", {{"rel_tgt_id", std::to_string(*id)}}}});
              },
              [](const Values& v) { return "rel_tgt_id of " + trimmed(v, "target") + " set"; }),
          form(
              't', "Set target attribute",
              {pick("target", "Target", Source::kTargets), text("attr", "Attribute"), text("value", "Value")},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                TRY(a, need(v, "attr", "Attribute"));
                TRY(val, need(v, "value", "Value"));
                return req("PATCH", "/v1/targets/" + seg(*t), json{{"attributes", {{*a, *val}}}});
              },
              [](const Values& v) { return trimmed(v, "attr") + " of " + trimmed(v, "target") + " set"; }),
          form(
              'c', "Add CHAP user",
              {pick("target", "Target", Source::kTargets), fixed("direction", "Direction", {"incoming", "outgoing"}),
               text("user", "User"), Field{"secret", "Secret", Source::kNone, {}, "", true}},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                TRY(u, need(v, "user", "User"));
                TRY(s, need(v, "secret", "Secret"));
                return req("POST", "/v1/targets/" + seg(*t) + "/users",
                           json{{"direction", trimmed(v, "direction")}, {"user", *u}, {"secret", *s}});
              },
              [](const Values& v) { return "CHAP user " + trimmed(v, "user") + " added"; }),
          form(
              'u', "Remove CHAP user", {pick("target", "Target", Source::kTargets), text("user", "User")},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                TRY(u, need(v, "user", "User"));
                return req("DELETE", "/v1/targets/" + seg(*t) + "/users/" + seg(*u));
              },
              [](const Values& v) { return "CHAP user " + trimmed(v, "user") + " removed"; }, true),
      }};
}

Menu hosts_menu() {
  return Menu{
      'h',
      "Hosts",
      {
          view('l', "List initiator groups", View::kGroups),
          form(
              'g', "Add initiator group", {pick("target", "Target", Source::kTargets), text("name", "Group name")},
              [](const Values& v) -> R {
                TRY(t, need(v, "target", "Target"));
                TRY(n, need(v, "name", "Group name"));
                return req("POST", "/v1/targets/" + seg(*t) + "/groups", json{{"name", *n}});
              },
              [](const Values& v) { return "group " + trimmed(v, "name") + " added"; }),
          form(
              'r', "Remove initiator group", {pick("group", "Target / group", Source::kGroups)},
              [](const Values& v) -> R {
                TRY(g, need(v, "group", "Target / group"));
                return req("DELETE", group_path(*g));
              },
              [](const Values& v) { return "group " + trimmed(v, "group") + " removed"; }, true),
          form(
              'i', "Add initiator", {pick("group", "Target / group", Source::kGroups), text("initiator", "Initiator")},
              [](const Values& v) -> R {
                TRY(g, need(v, "group", "Target / group"));
                TRY(i, need(v, "initiator", "Initiator"));
                return req("POST", group_path(*g) + "/initiators", json{{"initiator", *i}});
              },
              [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " added"; }),
          form(
              'd', "Remove initiator",
              {pick("group", "Target / group", Source::kGroups), text("initiator", "Initiator")},
              [](const Values& v) -> R {
                TRY(g, need(v, "group", "Target / group"));
                TRY(i, need(v, "initiator", "Initiator"));
                return req("DELETE", group_path(*g) + "/initiators/" + seg(*i));
              },
              [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " removed"; }, true),
          form(
              'm', "Move initiator to another group",
              {pick("group", "From target / group", Source::kGroups), text("initiator", "Initiator"),
               text("to", "To group")},
              [](const Values& v) -> R {
                TRY(g, need(v, "group", "From target / group"));
                TRY(i, need(v, "initiator", "Initiator"));
                TRY(to, need(v, "to", "To group"));
                return req("POST", group_path(*g) + "/initiators/move", json{{"initiator", *i}, {"to_group", *to}});
              },
              [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " moved to " + trimmed(v, "to"); }),
          form(
              'c', "Close a session", {pick("session", "Session", Source::kSessions)},
              [](const Values& v) -> R {
                TRY(s, need(v, "session", "Session"));
                std::string id = s->substr(0, s->find(':'));
                TRY(n, number(Values{{"id", id}}, "id", "Session"));
                return req("DELETE", "/v1/sessions/" + std::to_string(*n));
              },
              [](const Values& v) { return "session " + trimmed(v, "session") + " closed"; }, true),
          view('v', "List initiator aliases", View::kAliases),
          form(
              'a', "Set initiator alias", {text("initiator", "Initiator"), text("alias", "Alias")},
              [](const Values& v) -> R {
                TRY(i, need(v, "initiator", "Initiator"));
                TRY(a, need(v, "alias", "Alias"));
                return req("PUT", "/v1/aliases/" + seg(*i), json{{"alias", *a}});
              },
              [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " is now " + trimmed(v, "alias"); }),
          form(
              'x', "Remove initiator alias", {text("initiator", "Initiator")},
              [](const Values& v) -> R {
                TRY(i, need(v, "initiator", "Initiator"));
                return req("DELETE", "/v1/aliases/" + seg(*i));
              },
              [](const Values& v) { return "alias of " + trimmed(v, "initiator") + " removed"; }, true),
      }};
}

}  // namespace esan::tui::kit

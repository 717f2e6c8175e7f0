// parse_crm_mon(): crm_mon's XML -> ClusterStatus, with libxml2's tree
// API; see status.h.
#include "pacemaker/status.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

namespace esan::pacemaker {

namespace {

using Doc = std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)>;

bool is(const xmlNode* n, const char* name) {
  return n && n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, reinterpret_cast<const xmlChar*>(name));
}

std::string attr(const xmlNode* n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

bool flag(const xmlNode* n, const char* name) { return attr(n, name) == "true"; }

std::string text(const xmlNode* n) {
  xmlChar* v = xmlNodeGetContent(n);
  if (!v) return "";
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

const xmlNode* child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (is(c, name)) return c;
  return nullptr;
}

template <typename F>
void each(const xmlNode* n, const char* name, F f) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next)
    if (is(c, name)) f(c);
}

std::string role_name(std::string r) {
  if (r == "Master") return "Promoted";  // Pacemaker before 2.1
  if (r == "Slave") return "Unpromoted";
  return r;
}

void read_resource(const xmlNode* r, const std::string& clone, ClusterStatus& s) {
  Instance i;
  i.id = attr(r, "id");
  i.clone = clone;
  i.agent = attr(r, "resource_agent");
  i.role = role_name(attr(r, "role"));
  i.failed = flag(r, "failed");
  i.managed = attr(r, "managed") != "false";
  if (const xmlNode* on = child(r, "node")) i.node = attr(on, "name");
  s.resources.push_back(std::move(i));
}

void read_resources(const xmlNode* list, ClusterStatus& s) {
  for (const xmlNode* c = list ? list->children : nullptr; c; c = c->next) {
    if (is(c, "resource")) {
      read_resource(c, "", s);
    } else if (is(c, "clone")) {
      std::string id = attr(c, "id");
      bool promotable = flag(c, "multi_state");
      Promotable p{id, "", {}, {}};
      each(c, "resource", [&](const xmlNode* r) {
        read_resource(r, id, s);
        const Instance& i = s.resources.back();
        if (p.agent.empty()) p.agent = i.agent;
        if (i.node.empty()) return;
        if (i.role == "Promoted") p.promoted.push_back(i.node);
        if (i.role == "Unpromoted") p.unpromoted.push_back(i.node);
      });
      // A clone of a group: its members are one level down.
      each(c, "group",
           [&](const xmlNode* g) { each(g, "resource", [&](const xmlNode* r) { read_resource(r, id, s); }); });
      if (promotable) s.promotables.push_back(std::move(p));
    } else if (is(c, "group")) {
      each(c, "resource", [&](const xmlNode* r) { read_resource(r, "", s); });
    }
  }
}

}  // namespace

std::string Node::state() const {
  if (unclean) return "unclean";
  if (!online) return "offline";
  if (pending) return "pending";
  if (standby || standby_onfail) return "standby";
  if (maintenance) return "maintenance";
  return "online";
}

Result<ClusterStatus> parse_crm_mon(std::string_view xml) {
  if (xml.empty()) return make_error(Errc::kInvalidArgument, "crm_mon printed nothing");
  Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "crm_mon.xml", nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
          xmlFreeDoc);
  if (!doc) return make_error(Errc::kInvalidArgument, "crm_mon's output is not XML");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!is(root, "pacemaker-result") && !is(root, "crm_mon"))
    return make_error(Errc::kInvalidArgument, "crm_mon's XML has neither <pacemaker-result> nor <crm_mon>");
  ClusterStatus s;
  const xmlNode* summary = child(root, "summary");
  const xmlNode* st = child(root, "status");
  if (!summary) {
    if (!st) return make_error(Errc::kInvalidArgument, "crm_mon's XML has no <summary> and no <status>");
    s.reason = attr(st, "message");
    each(child(st, "errors"), "error", [&](const xmlNode* e) {
      std::string t = text(e);
      if (!t.empty()) s.reason += (s.reason.empty() ? "" : "; ") + t;
    });
    if (s.reason.empty()) s.reason = fmt::format("crm_mon status {}", attr(st, "code"));
    return s;
  }
  s.connected = true;
  if (const xmlNode* n = child(summary, "stack")) s.stack = attr(n, "type");
  if (const xmlNode* n = child(summary, "current_dc")) {
    s.dc = flag(n, "present") ? attr(n, "name") : "";
    s.quorum = flag(n, "with_quorum");
    s.version = attr(n, "version");
  }
  if (const xmlNode* n = child(summary, "last_update")) s.last_updated = attr(n, "time");
  each(child(root, "nodes"), "node", [&](const xmlNode* n) {
    Node x;
    x.name = attr(n, "name");
    x.id = attr(n, "id");
    x.online = flag(n, "online");
    x.standby = flag(n, "standby");
    x.standby_onfail = flag(n, "standby_onfail");
    x.maintenance = flag(n, "maintenance");
    x.pending = flag(n, "pending");
    x.unclean = flag(n, "unclean");
    x.shutdown = flag(n, "shutdown");
    x.is_dc = flag(n, "is_dc");
    s.nodes.push_back(std::move(x));
  });
  read_resources(child(root, "resources"), s);
  each(child(root, "fence_history"), "fence_event", [&](const xmlNode* e) {
    s.fencing.push_back(FenceEvent{attr(e, "target"), attr(e, "action"), attr(e, "status"), attr(e, "delegate"),
                                   attr(e, "client"), attr(e, "origin"),
                                   attr(e, "completed").empty() ? attr(e, "last-pending") : attr(e, "completed")});
  });
  return s;
}

}  // namespace esan::pacemaker

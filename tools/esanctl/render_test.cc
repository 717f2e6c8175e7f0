// Printing answers: tables hold the fields people look for, --json passes
// the server's JSON through, odd shapes fall back to JSON, errors show the
// server's message.
#include "tools/esanctl/render.h"

#include <gtest/gtest.h>

namespace esan::ctl {
namespace {

ApiCall view(View v, std::string filter = "", std::string scope = "") {
  ApiCall c;
  c.method = "GET";
  c.path = "/x";
  c.view = v;
  c.filter = std::move(filter);
  c.scope = std::move(scope);
  return c;
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
size_t lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

const char* kDevices = R"([
  {"name":"d0","handler":"vdisk_fileio","attributes":{"filename":"/srv/d0.img","blocksize":"512"},
   "size_bytes":1073741824,"mapped_by":[{"target":"iqn.x:t1","group":null,"lun":0},{"target":"iqn.x:t1","group":"hosts","lun":2}]},
  {"name":"n0","handler":"vdisk_nullio","attributes":{},"size_bytes":4096,"mapped_by":[]}])";

TEST(Render, DeviceTable) {
  std::string out = render(view(View::kDeviceList), kDevices, false);
  EXPECT_EQ(lines(out), 3u) << out;
  EXPECT_TRUE(has(out, "DEVICE")) << out;
  EXPECT_TRUE(has(out, "1.0 GiB")) << out;
  EXPECT_TRUE(has(out, "/srv/d0.img")) << out;
  EXPECT_TRUE(has(out, "iqn.x:t1 LUN 0, iqn.x:t1/hosts LUN 2")) << out;
  EXPECT_TRUE(has(out, "4.0 KiB")) << out;
  // The filter of "scstadmin -list_device NAME"-like views keeps one row.
  EXPECT_EQ(lines(render(view(View::kDeviceList, "n0"), kDevices, false)), 2u);
}

TEST(Render, DeviceHealthColumn) {
  const char* devs = R"([
    {"name":"d0","handler":"vdisk_fileio","attributes":{"filename":"/srv/d0.img"},"size_bytes":4096,"mapped_by":[],
     "health":{"state":"hung","error":"no answer from /srv/d0.img within 10000 ms","probe_seconds":11.0,"probes":2,"failures":1}},
    {"name":"d1","handler":"vdisk_fileio","attributes":{"filename":"/srv/d1.img"},"size_bytes":4096,"mapped_by":[],
     "health":{"state":"healthy","error":null,"probe_seconds":0.001,"probes":2,"failures":0}},
    {"name":"n0","handler":"vdisk_nullio","attributes":{},"size_bytes":4096,"mapped_by":[],"health":null}])";
  std::string out = render(view(View::kDeviceList), devs, false);
  EXPECT_TRUE(has(out, "DEVICE  HANDLER       HEALTH")) << out;
  EXPECT_TRUE(has(out, "d0      vdisk_fileio  hung ")) << out;
  EXPECT_TRUE(has(out, "d1      vdisk_fileio  healthy")) << out;
  EXPECT_TRUE(has(out, "n0      vdisk_nullio  -")) << out;
  out = render(view(View::kDevice), nlohmann::json::parse(devs)[0].dump(), false);
  EXPECT_TRUE(has(out, "hung: no answer from /srv/d0.img within 10000 ms")) << out;
  const char* health = R"({"ok":false,"devices":[{"name":"d0","handler":"vdisk_fileio","ok":false,"state":"hung",
    "path":"/srv/d0.img","error":"no answer from /srv/d0.img within 10000 ms","seconds":11.0}],"device_groups":[]})";
  out = render(view(View::kHealth), health, false);
  EXPECT_TRUE(has(out, "d0      vdisk_fileio  failed  hung: no answer")) << out;
}

TEST(Render, JsonPassesThrough) {
  std::string out = render(view(View::kDeviceList), kDevices, true);
  EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json::parse(kDevices));
  ApiCall change;
  change.method = "POST";
  change.path = "/v1/devices";
  change.done = "device d0 added";
  EXPECT_EQ(render(change, R"({"name":"d0"})", false), "device d0 added\n");
  EXPECT_EQ(nlohmann::json::parse(render(change, R"({"name":"d0"})", true)), nlohmann::json({{"name", "d0"}}));
  EXPECT_EQ(render(change, "", true), "{}\n");
}

TEST(Render, DeviceAndAttributes) {
  std::string one = nlohmann::json::parse(kDevices)[0].dump();
  std::string out = render(view(View::kDevice), one, false);
  EXPECT_TRUE(has(out, "vdisk_fileio")) << out;
  EXPECT_TRUE(has(out, "blocksize")) << out;
  out = render(view(View::kAttributes), one, false);
  EXPECT_EQ(lines(out), 3u) << out;
  EXPECT_TRUE(has(out, "filename   /srv/d0.img")) << out;
}

const char* kTargets = R"([
  {"name":"iqn.x:t1","enabled":"1","rel_tgt_id":1,"attributes":{},"incoming_users":["joe"],"outgoing_user":null,
   "luns":[{"lun":0,"device":"d0","read_only":false}],
   "groups":[{"name":"hosts","initiators":["iqn.h:1","iqn.h:2"],"luns":[{"lun":2,"device":"d0","read_only":true}]}],
   "sessions":2},
  {"name":"iqn.x:t2","enabled":"0","rel_tgt_id":2,"attributes":{},"incoming_users":[],"outgoing_user":null,
   "luns":[],"groups":[],"sessions":0}])";

TEST(Render, TargetsAndGroups) {
  std::string out = render(view(View::kTargetList), kTargets, false);
  EXPECT_EQ(lines(out), 3u) << out;
  EXPECT_TRUE(has(out, "iqn.x:t2")) << out;
  out = render(view(View::kTarget), nlohmann::json::parse(kTargets)[0].dump(), false);
  EXPECT_TRUE(has(out, "joe")) << out;
  EXPECT_TRUE(has(out, "hosts")) << out;
  EXPECT_TRUE(has(out, "iqn.h:1,iqn.h:2")) << out;
  out = render(view(View::kTargetGroups), kTargets, false);
  EXPECT_EQ(lines(out), 2u) << out;
  EXPECT_TRUE(has(out, "2=d0")) << out;
  EXPECT_EQ(lines(render(view(View::kTargetGroups, "nope"), kTargets, false)), 1u);
  std::string groups = nlohmann::json::parse(kTargets)[0]["groups"].dump();
  out = render(view(View::kGroupList, "", "iqn.x:t1"), groups, false);
  EXPECT_TRUE(has(out, "iqn.x:t1  hosts")) << out;
  out = render(view(View::kLunList), nlohmann::json::parse(kTargets)[0]["luns"].dump(), false);
  EXPECT_TRUE(has(out, "0    d0      no")) << out;
}

const char* kAlua = R"([{"name":"dg1","devices":["d0","d1"],"target_groups":[
  {"name":"local","group_id":1,"state":"active","targets":[{"target":"iqn.x:t1","rel_tgt_id":1}]},
  {"name":"remote","group_id":2,"state":"standby","targets":[{"target":"iqn.y:t1","rel_tgt_id":2}]}]},
  {"name":"dg2","devices":[],"target_groups":[]}])";

TEST(Render, Alua) {
  std::string out = render(view(View::kAluaList), kAlua, false);
  EXPECT_TRUE(has(out, "d0,d1")) << out;
  EXPECT_TRUE(has(out, "local,remote")) << out;
  EXPECT_TRUE(has(out, "standby")) << out;
  EXPECT_TRUE(has(out, "iqn.y:t1")) << out;
  out = render(view(View::kTgrpList, "remote", "dg1"), kAlua, false);
  EXPECT_EQ(lines(out), 2u) << out;
  EXPECT_TRUE(has(out, "remote")) << out;
  EXPECT_FALSE(has(out, "local")) << out;
  EXPECT_EQ(lines(render(view(View::kAluaList, "dg2"), kAlua, false)), 2u);
}

TEST(Render, SessionsStatsVersion) {
  std::string out = render(view(View::kSessionList), R"([{"id":5,"tsih":5,"initiator":"iqn.h:1","isid":"400001370000",
    "target":"iqn.x:t1","portal":"127.0.0.1:3260","peer":"127.0.0.1:5000","discovery":false,"params":{},
    "counters":{"commands":10,"read_commands":4,"write_commands":6,"read_bytes":16384,"write_bytes":24576,"errors":0,"in_flight":1}}])",
                                false);
  EXPECT_TRUE(has(out, "iqn.h:1")) << out;
  EXPECT_TRUE(has(out, "24576")) << out;
  out = render(view(View::kStats), R"({"devices":{"d0":{"commands":{"read":3,"write":5,"other":7},
      "bytes":{"read":1536,"write":2560},"errors":1,
      "latency_seconds":{"read":{"count":3,"sum_seconds":0.000375,"mean_seconds":0.000125,"buckets":[]},
                         "write":{"count":5,"sum_seconds":0.000015,"mean_seconds":0.000003,"buckets":[]},
                         "other":{"count":0,"sum_seconds":0,"mean_seconds":0,"buckets":[]}}}},
    "targets":{"iqn.x:t1":{"commands":{"read":3,"write":5,"other":7},"bytes":{"read":1536,"write":2560},
      "errors":1,"in_flight":2,"sessions":1}},
    "sessions":1,"connections":2,"reactors":[{"index":0,"busy_seconds":1.5,"busy_ratio":0.25}]})", false);
  EXPECT_TRUE(has(out, "READS")) << out;
  EXPECT_TRUE(has(out, "d0      3      5       7      1536        2560         1       125 us        3.0 us")) << out;
  EXPECT_TRUE(has(out, "iqn.x:t1  3      5       7      1536        2560         1       2          1")) << out;
  EXPECT_TRUE(has(out, "sessions: 1, connections: 2")) << out;
  EXPECT_TRUE(has(out, "0        25%   1.50")) << out;
  EXPECT_EQ(render(view(View::kVersion), R"({"version":"0.1.0","uptime_s":12})", false), "esand 0.1.0, up 12 s\n");
  EXPECT_EQ(render(view(View::kText), "HANDLER x {\n}", false), "HANDLER x {\n}\n");
}

TEST(Render, HistoryIsATableNewestFirst) {
  std::string body = R"({"repository":"/etc/esan/esan.conf.history","revisions":[
    {"rev":"0123456789abcdef0123456789abcdef01234567","time":1796529600,"author":"alice","message":"add target 'iqn.x:t1'"},
    {"rev":"89abcdef0123456789abcdef0123456789abcdef","time":1796529000,"author":"esand","message":"start with /etc/esan/esan.conf"}]})";
  std::string out = render(view(View::kHistory), body, false);
  EXPECT_EQ(out,
            "REV           TIME (UTC)           AUTHOR  MESSAGE\n"
            "0123456789ab  2026-12-06 04:00:00  alice   add target 'iqn.x:t1'\n"
            "89abcdef0123  2026-12-06 03:50:00  esand   start with /etc/esan/esan.conf\n");
  out = render(view(View::kHistory), R"({"revisions":[],"error":"disk full"})", false);
  EXPECT_TRUE(has(out, "history: the last change was applied but not recorded: disk full")) << out;
}

TEST(Render, EventsAndAlerts) {
  std::string page = R"({"events":[
    {"seq":7,"time":"2026-12-06T04:00:00.000Z","kind":"login_failed","severity":"warning","message":"login of iqn.a refused","fields":{}},
    {"seq":8,"time":"2026-12-06T04:00:01.000Z","kind":"login","severity":"info","message":"iqn.b logged in","fields":{}}],
    "next":9,"first":7,"missed":0})";
  EXPECT_EQ(render(view(View::kEvents), page, false),
            "7  2026-12-06T04:00:00.000Z  warning  login_failed  login of iqn.a refused\n"
            "8  2026-12-06T04:00:01.000Z  info  login  iqn.b logged in\n");
  EXPECT_EQ(render(view(View::kEvents), R"({"events":[],"next":9,"first":5,"missed":4})", false),
            "(4 earlier event(s) were dropped from esand's log)\n");
  std::string out = render(view(View::kAlerts), R"({"configured":true,"rules":2,"missed":0,"sinks":[
    {"name":"hook","type":"webhook","delivered":3,"failures":1,"dropped":0,"duplicates":2,"rate_limited":1,"queued":0,
     "last_error":"POST http://x/: Connection"}]})",
                           false);
  EXPECT_TRUE(has(out, "SINK  TYPE     DELIVERED  FAILURES  DROPPED  SUPPRESSED  QUEUED  LAST ERROR")) << out;
  EXPECT_TRUE(has(out, "hook  webhook  3          1         0        3           0       POST http://x/: Connection"))
      << out;
  EXPECT_TRUE(has(out, "2 rule(s)")) << out;
  EXPECT_EQ(render(view(View::kAlerts), R"({"configured":false,"sinks":[]})", false),
            "no alerts configured (esanctl alert set FILE)\n");
  EXPECT_EQ(render(view(View::kAlertConfig), R"({"configured":true,"file":{"path":"/etc/esan/alerts.conf","text":"retries 2"}})", false),
            "retries 2\n");
  EXPECT_EQ(render(view(View::kAlertConfig), R"({"configured":false,"file":{"path":"/etc/esan/alerts.conf","text":""}})", false),
            "# no alert rules configured; esanctl alert set FILE saves them to /etc/esan/alerts.conf\n");
  EXPECT_EQ(render(view(View::kAlertTest), R"({"ok":false,"results":[{"sink":"hook","ok":true,"error":null},
    {"sink":"ops","ok":false,"error":"msmtp failed"}]})",
                   false),
            "hook: ok\nops: failed: msmtp failed\n");
}

TEST(Render, UnexpectedShapesFallBackToJson) {
  std::string out = render(view(View::kDeviceList), R"({"surprise":true})", false);
  EXPECT_EQ(nlohmann::json::parse(out), nlohmann::json({{"surprise", true}}));
  EXPECT_EQ(render(view(View::kDeviceList), "not json", false), "not json\n");
}

TEST(Render, ErrorMessages) {
  EXPECT_EQ(error_message({409, R"({"error":{"code":"conflict","message":"device d0 is mapped by iqn.x:t1 LUN 0"}})"}),
            "device d0 is mapped by iqn.x:t1 LUN 0");
  EXPECT_EQ(error_message({404, ""}), "esand answered HTTP 404");
  EXPECT_EQ(error_message({500, "boom"}), "esand answered HTTP 500: boom");
}

TEST(Render, TableAlignsColumns) {
  EXPECT_EQ(table({{"A", "BB"}, {"ccc", "d"}}), "A    BB\nccc  d\n");
}

TEST(Render, HealthTablesOneWordPerCellForScripts) {
  const char* body = R"({"ok":false,
    "devices":[{"name":"d0","handler":"vdisk_fileio","ok":true,"path":"/srv/d0.img","error":null,"seconds":0.001},
               {"name":"d1","handler":"vdisk_blockio","ok":false,"path":"/dev/sdx","error":"cannot open /dev/sdx: No such file or directory","seconds":0.0},
               {"name":"n0","handler":"vdisk_nullio","ok":true,"path":null,"error":null,"seconds":0}],
    "device_groups":[{"name":"dg","ready":true,"cluster_group":null},
                     {"name":"ha","ready":false,"cluster_group":"san-ha","joined":true,"quorate":true,"nodeid":1,
                      "members":[{"nodeid":1,"pid":100},{"nodeid":2,"pid":200}]}]})";
  std::string out = render(view(View::kHealth), body, false);
  EXPECT_TRUE(has(out, "DEVICE  HANDLER")) << out;
  EXPECT_TRUE(has(out, "d0      vdisk_fileio   ok      /srv/d0.img")) << out;
  EXPECT_TRUE(has(out, "d1      vdisk_blockio  failed  cannot open /dev/sdx: No such file or directory")) << out;
  EXPECT_TRUE(has(out, "n0      vdisk_nullio   ok      -")) << out;
  EXPECT_TRUE(has(out, "DEVICE GROUP  STATUS")) << out;
  EXPECT_TRUE(has(out, "dg            ready      -              -     -")) << out;
  EXPECT_TRUE(has(out, "ha            not-ready  san-ha         1     1/100,2/200")) << out;
  EXPECT_TRUE(out.ends_with("health: failed\n")) << out;
  std::string good = R"({"ok":true,"devices":[],"device_groups":[]})";
  EXPECT_TRUE(render(view(View::kHealth), good, false).ends_with("health: ok\n"));
  EXPECT_EQ(render(view(View::kState), R"({"state":"transitioning","group_id":1})", false), "transitioning\n");
}

TEST(Render, ClusterAndAliases) {
  EXPECT_EQ(render(view(View::kCluster), R"({"running":false,"reason":"Not connected"})", false),
            "cluster: not running (Not connected)\n");
  std::string out = render(view(View::kCluster), R"({"running":true,"nodes":[{"name":"node1","state":"online","dc":true},
    {"name":"node3","state":"standby","dc":false}],"promotables":[{"clone":"ms_esan","promoted":["node1"]}],
    "fencing":[{"target":"node2","action":"reboot","status":"success","completed":"2026-12-06 13:00:00Z"}]})", false);
  EXPECT_NE(out.find("node1  online   yes"), std::string::npos) << out;
  EXPECT_NE(out.find("node3  standby  -"), std::string::npos) << out;
  EXPECT_NE(out.find("master of ms_esan: node1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("node2   reboot  success"), std::string::npos) << out;
  out = render(view(View::kAliasList), R"([{"initiator":"iqn.x:h1","alias":"db-1"}])", false);
  EXPECT_NE(out.find("iqn.x:h1   db-1"), std::string::npos) << out;
}

}  // namespace
}  // namespace esan::ctl

#include "tui/dashboard.h"

#include <gtest/gtest.h>

#include "tui/fake_api.h"

namespace esan::tui {
namespace {

using nlohmann::json;

bool has(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

Sample base(double t, double read_bytes, double lat_count, double lat_sum) {
  Sample s;
  s.time_s = t;
  s.version = json::parse(R"({"version":"0.1.0","uptime_s":3725})");
  s.sessions = json::parse(R"([
    {"id":1,"initiator":"iqn.1998-01.com.vmware:esx1","target":"iqn.x:t","discovery":false,
     "params":{"InitiatorAlias":"esx1"},"counters":{"commands":42,"read_bytes":1048576,"write_bytes":2048}},
    {"id":2,"initiator":"iqn.2026-01.org.other:h2","target":"iqn.x:t","discovery":false,"params":{},
     "counters":{"commands":1,"read_bytes":0,"write_bytes":0}},
    {"id":3,"initiator":"iqn.x:disc","target":"","discovery":true,"params":{},"counters":{}}])");
  s.targets = json::parse(R"([{"name":"iqn.x:t","luns":[{"lun":0,"device":"d0"}],
    "groups":[{"name":"esx","initiators":["iqn.1998-01.com.vmware:*"],"luns":[{"lun":0,"device":"d0"},{"lun":1,"device":"d1"}]}]}])");
  s.stats = json::object();
  s.stats["sessions"] = 2;
  s.stats["connections"] = 2;
  s.stats["reactors"] = json::parse(R"([{"index":0,"busy_ratio":0.25},{"index":1,"busy_ratio":0.0}])");
  s.stats["devices"]["d0"] = {{"commands", {{"read", read_bytes / 4096}, {"write", 0}, {"other", 0}}},
                              {"bytes", {{"read", read_bytes}, {"write", 0}}},
                              {"errors", 0},
                              {"latency_seconds", {{"read", {{"count", lat_count}, {"sum_seconds", lat_sum}}}}}};
  s.alua = json::parse(R"([{"name":"dg","target_groups":[
    {"name":"remote","state":"standby","targets":[{"target":"iqn.x:peer","rel_tgt_id":2}]},
    {"name":"local","state":"active","targets":[{"target":"iqn.x:t","rel_tgt_id":1}]}]}])");
  return s;
}

TEST(Dashboard, SessionsShowAliasTargetLunsAndCounters) {
  auto lines = dashboard(base(10, 0, 0, 0), nullptr, 120);
  std::string all = joined(lines);
  EXPECT_TRUE(has(lines, "esand 0.1.0  up 01:02:05  sessions 2  connections 2")) << all;
  EXPECT_TRUE(has(lines, "reactor load: r0 25% r1 0%")) << all;
  EXPECT_TRUE(has(lines, "esx1 (iqn.1998-01.com.vmware:esx1)")) << all;
  // The vmware host is in group esx (LUNs 0 and 1); the other sees the target's LUN 0.
  EXPECT_TRUE(has(lines, "iqn.x:t  0,1   42    1.0 MiB  2.0 KiB")) << all;
  EXPECT_TRUE(has(lines, "2   iqn.2026-01.org.other:h2            iqn.x:t  0     1     0 B")) << all;
  EXPECT_FALSE(has(lines, "iqn.x:disc")) << all;  // discovery sessions are not listed
}

TEST(Dashboard, DeviceRatesAndLatencyNeedTwoSamples) {
  Sample a = base(10, 0, 100, 0.1);
  Sample b = base(12, 4.0 * 1024 * 1024, 300, 0.5);  // 4 MiB in 2 s, 200 commands in 0.4 s
  auto first = dashboard(a, nullptr, 120);
  EXPECT_TRUE(has(first, "d0      -       -        -     -        0")) << joined(first);
  auto lines = dashboard(b, &a, 120);
  EXPECT_TRUE(has(lines, "d0      2.0 MiB/s  0 B/s    512   2.0 ms   0")) << joined(lines);
  Sample c = b;
  c.time_s += 2;
  auto idle = dashboard(c, &b, 120);
  EXPECT_TRUE(has(idle, "idle")) << joined(idle);
}

TEST(Dashboard, AluaRoleIsTheGroupHoldingThisNodesTarget) {
  auto lines = dashboard(base(1, 0, 0, 0), nullptr, 120);
  EXPECT_TRUE(has(lines, "dg            local      active  remote=standby")) << joined(lines);
}

TEST(Dashboard, ClusterOnlyForReplicatedGroups) {
  Sample s = base(1, 0, 0, 0);
  s.health = json::parse(R"({"ok":true,"device_groups":[{"name":"plain","ready":true}]})");
  EXPECT_FALSE(has(dashboard(s, nullptr, 120), "CLUSTER"));
  s.health = json::parse(R"({"ok":true,"device_groups":[{"name":"dg","ready":true,"cluster_group":"esan-dg",
    "joined":true,"quorate":false,"nodeid":1,"members":[{"nodeid":1,"pid":10},{"nodeid":2,"pid":20}]}]})");
  auto lines = dashboard(s, nullptr, 120);
  EXPECT_TRUE(has(lines, "CLUSTER")) << joined(lines);
  EXPECT_TRUE(has(lines, "dg            esan-dg        yes    yes     no       1     1,2")) << joined(lines);
}

TEST(Dashboard, NoLineIsWiderThanTheScreen) {
  for (int w : {80, 40}) {
    auto lines = dashboard(base(1, 0, 0, 0), nullptr, w);
    for (const auto& l : lines) EXPECT_LE(int(l.size()), w) << l;
  }
}

TEST(Sample, AsksTheApiAndPassesARefusalOn) {
  FakeApi api;
  for (auto p : {"/v1/version", "/v1/sessions", "/v1/stats", "/v1/targets", "/v1/alua/device-groups"})
    api.on(std::string("GET ") + p, 200, "[]");
  // First the next seq, then the newest few events from there.
  api.on("GET /v1/events?since=18446744073709551615&limit=1", 200, R"({"events":[],"next":12,"first":1,"missed":0})");
  api.on(
      "GET /v1/events?since=7&limit=1000", 200,
      R"({"events":[{"seq":10,"time":"2026-12-06T04:18:38.123Z","kind":"login","severity":"info","message":"login of h"}],
             "next":11,"first":1,"missed":0})");
  auto s = sample(api, 5, false, std::nullopt);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(api.calls.size(), 8u);
  EXPECT_FALSE(s->health);
  EXPECT_FALSE(s->cluster);  // GET /v1/cluster refused: no summary, the rest is there
  api.on("GET /v1/cluster", 200, R"({"running":false,"reason":"Not connected"})");
  EXPECT_EQ(s->events_next, 11u);
  ASSERT_EQ(s->events.size(), 1u);
  // Later refreshes ask from "next" on.
  api.on("GET /v1/events?since=11&limit=1000", 200, R"({"events":[],"next":11,"first":1,"missed":0})");
  api.on("GET /v1/health?timeout_ms=1000", 200, R"({"ok":true})");
  auto s2 = sample(api, 7, true, s->events_next);
  ASSERT_TRUE(s2);
  ASSERT_TRUE(s2->health);
  ASSERT_TRUE(s2->cluster);
  EXPECT_EQ(s2->cluster->value("reason", ""), "Not connected");
  api.on("GET /v1/stats", 401, R"({"error":{"code":"unauthorized","message":"missing or wrong bearer token"}})");
  s = sample(api, 9, false, 11);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "missing or wrong bearer token");
}

TEST(Dashboard, TheNewestEventsNewestLast) {
  Sample a = base(1, 0, 0, 0), b = base(3, 0, 0, 0);
  for (int i = 1; i <= 4; ++i)
    a.events.push_back({{"seq", i},
                        {"time", "2026-12-06T04:18:3" + std::to_string(i) + ".000Z"},
                        {"kind", "login"},
                        {"severity", "info"},
                        {"message", "login " + std::to_string(i)}});
  b.events = json::array();
  for (int i = 5; i <= 7; ++i)
    b.events.push_back({{"seq", i},
                        {"time", "2026-12-06T04:18:3" + std::to_string(i) + ".000Z"},
                        {"kind", "login_failed"},
                        {"severity", "warning"},
                        {"message", "failed " + std::to_string(i)}});
  keep_recent(b, &a);
  ASSERT_EQ(b.events.size(), kRecentEvents);
  EXPECT_EQ(b.events.front()["seq"], 3);
  EXPECT_EQ(b.events.back()["seq"], 7);
  auto lines = dashboard(b, &a, 120);
  EXPECT_TRUE(has(lines, "EVENTS")) << joined(lines);
  EXPECT_TRUE(has(lines, "04:18:37  warning  login_failed  failed 7")) << joined(lines);
  EXPECT_FALSE(has(lines, "login 2")) << joined(lines);
}

TEST(Format, BytesAndDurations) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
  EXPECT_EQ(human_duration(59), "00:00:59");
  EXPECT_EQ(human_duration(2 * 86400 + 3600 + 61), "2d 01:01:01");
}

TEST(Dashboard, AdminAliasComesBeforeTheInitiatorsOwn) {
  Sample s = base(1, 0, 0, 0);
  s.sessions[0]["alias"] = "db-server";
  s.sessions[1]["alias"] = "h2-admin";
  auto lines = dashboard(s, nullptr, 120);
  EXPECT_TRUE(has(lines, "db-server (iqn.1998-01.com.vmware:esx1)")) << joined(lines);
  EXPECT_TRUE(has(lines, "h2-admin (iqn.2026-01.org.other:h2)")) << joined(lines);
  EXPECT_FALSE(has(lines, "esx1 (")) << joined(lines);
}

TEST(Dashboard, PacemakerSummaryOnlyWhenAClusterRuns) {
  Sample s = base(1, 0, 0, 0);
  s.cluster = json::parse(R"({"running":false,"reason":"Pacemaker is not installed"})");
  EXPECT_FALSE(has(dashboard(s, nullptr, 120), "PACEMAKER"));
  s.cluster = json::parse(R"({"running":true,"quorum":true,"dc":"node2","nodes":[
    {"name":"node1","state":"online","dc":false},{"name":"node2","state":"online","dc":true},
    {"name":"node3","state":"standby","dc":false}],
    "promotables":[{"clone":"ms_esan","agent":"ocf:esan:target","promoted":["node1"],"unpromoted":["node2"]}],
    "fencing":[{"target":"node1","action":"reboot","status":"success","completed":"2026-12-06 13:50:01Z"}]})");
  auto lines = dashboard(s, nullptr, 120);
  EXPECT_TRUE(has(lines, "PACEMAKER")) << joined(lines);
  EXPECT_TRUE(has(lines, "  nodes: node1 online, node2 online (DC), node3 standby  [2/3 online]")) << joined(lines);
  EXPECT_TRUE(has(lines, "  master: ms_esan on node1")) << joined(lines);
  EXPECT_TRUE(has(lines, "  fencing: node1 reboot success 2026-12-06 13:50:01Z")) << joined(lines);
}

}  // namespace
}  // namespace esan::tui

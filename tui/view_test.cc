#include "tui/view.h"

#include <gtest/gtest.h>

#include "tui/fake_api.h"
#include "tui/options.h"

namespace esan::tui {
namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST(Views, DevicesShowWhereTheyAreMapped) {
  FakeApi api;
  api.on("GET /v1/devices", 200, R"([{"name":"d0","handler":"vdisk_fileio","size_bytes":8388608,
    "attributes":{"filename":"/srv/d0.img"},"mapped_by":[{"target":"iqn.x:t","group":"esx","lun":3}]}])");
  auto v = view_lines(api, View::kDevices, 100);
  ASSERT_TRUE(v);
  EXPECT_NE(joined(*v).find("d0      vdisk_fileio  8.0 MiB  /srv/d0.img  iqn.x:t/esx:3"), std::string::npos)
      << joined(*v);
}

TEST(Views, DeviceAttributesOnePerLine) {
  FakeApi api;
  api.on("GET /v1/devices", 200, R"([{"name":"d0","attributes":{"blocksize":"4096","read_only":"1"}}])");
  auto v = view_lines(api, View::kAttributes, 100);
  ASSERT_TRUE(v);
  std::string all = joined(*v);
  EXPECT_NE(all.find("d0      blocksize  4096"), std::string::npos) << all;
  EXPECT_NE(all.find("        read_only  1"), std::string::npos) << all;
}

TEST(Views, HistoryShowsRevisionsAndAFailedCommit) {
  FakeApi api;
  api.on("GET /v1/config/history?limit=200", 200, R"({"repository":"/etc/esan/esan.conf.history",
    "revisions":[{"rev":"0123456789abcdef0123","time":0,"author":"root","message":"open device 'd1'"}],"error":"disk full"})");
  auto v = view_lines(api, View::kHistory, 100);
  ASSERT_TRUE(v);
  std::string all = joined(*v);
  EXPECT_NE(all.find("0123456789ab  1970-01-01 00:00:00  root    open device 'd1'"), std::string::npos) << all;
  EXPECT_NE(all.find("last commit failed: disk full"), std::string::npos) << all;
}

TEST(Views, ClusterWithoutGetClusterStillShowsTheReplicatedGroups) {
  FakeApi api;  // an esand without GET /v1/cluster: the fake's 404
  api.on("GET /v1/health?timeout_ms=2000", 200, R"({"ok":true,"devices":[],"device_groups":[]})");
  auto v = view_lines(api, View::kCluster, 100);
  ASSERT_TRUE(v);
  EXPECT_NE(joined(*v).find("Pacemaker: esand did not say (no route /v1/cluster)."), std::string::npos) << joined(*v);
  EXPECT_NE(joined(*v).find("this esand runs alone"), std::string::npos);
}

TEST(Views, ARefusalIsTheServersMessage) {
  FakeApi api;
  api.on(
      "GET /v1/config/history?limit=200", 409,
      R"j({"error":{"code":"conflict","message":"there is no configuration history: write-back is off (--no-write-back)"}})j");
  auto v = view_lines(api, View::kHistory, 100);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "there is no configuration history: write-back is off (--no-write-back)");
}

TEST(Views, HelpAndAboutAskNothing) {
  FakeApi api;
  EXPECT_TRUE(view_lines(api, View::kHelp, 80));
  EXPECT_TRUE(view_lines(api, View::kAbout, 80));
  EXPECT_TRUE(api.calls.empty());
}

TEST(Options, ConnectionLikeEsanctl) {
  auto o = parse_options({"--url", "http://h:8080", "--token-file=/etc/esan/api.token"}, "/env.sock");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->conn.url, "http://h:8080");
  EXPECT_EQ(o->conn.token_file, "/etc/esan/api.token");
  EXPECT_EQ(o->conn.socket, "/env.sock");
  o = parse_options({"--socket", "/s"}, "");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->conn.socket, "/s");
  o = parse_options({}, "");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->conn.socket, "/run/esan/esand.sock");
  auto bad = parse_options({"--sockett", "/s"}, "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unknown option '--sockett' (see --help)");
  bad = parse_options({"--socket"}, "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "--socket needs a value");
  bad = parse_options({"--token-file", "/t"}, "");
  ASSERT_FALSE(bad);
}

TEST(Views, AliasesListAliasThenInitiator) {
  FakeApi api;
  api.on("GET /v1/aliases", 200, R"([{"initiator":"iqn.1998-01.com.vmware:esx1","alias":"esx-01"}])");
  auto v = view_lines(api, View::kAliases, 100);
  ASSERT_TRUE(v);
  EXPECT_NE(joined(*v).find("esx-01  iqn.1998-01.com.vmware:esx1"), std::string::npos) << joined(*v);
  api.on("GET /v1/aliases", 200, "[]");
  v = view_lines(api, View::kAliases, 100);
  ASSERT_TRUE(v);
  EXPECT_NE(joined(*v).find("No initiator has an alias"), std::string::npos) << joined(*v);
}

TEST(Views, ClusterShowsPacemakerThenReplicatedGroups) {
  FakeApi api;
  api.on("GET /v1/health?timeout_ms=2000", 200, R"({"ok":true,"device_groups":[]})");
  api.on("GET /v1/cluster", 200, R"({"running":false,"reason":"Pacemaker is not installed: no crm_mon in /usr/sbin"})");
  auto v = view_lines(api, View::kCluster, 100);
  ASSERT_TRUE(v);
  EXPECT_NE(joined(*v).find("Pacemaker: not running here (Pacemaker is not installed: no crm_mon in /usr/sbin)."),
            std::string::npos)
      << joined(*v);
  api.on("GET /v1/cluster", 200, R"({"running":true,"stack":"corosync","dc":"node2","quorum":true,
    "nodes":[{"name":"node1","state":"online","dc":false},{"name":"node2","state":"online","dc":true}],
    "resources":[{"id":"p_esan","clone":"ms_esan","agent":"ocf:esan:target","role":"Promoted","node":"node1"}],
    "promotables":[{"clone":"ms_esan","promoted":["node1"]}],"fencing":[]})");
  v = view_lines(api, View::kCluster, 100);
  ASSERT_TRUE(v);
  std::string all = joined(*v);
  EXPECT_NE(all.find("Pacemaker (crm_mon): stack corosync, DC node2, partition with quorum"), std::string::npos) << all;
  EXPECT_NE(all.find("node2  online  yes"), std::string::npos) << all;
  EXPECT_NE(all.find("p_esan    ms_esan  ocf:esan:target  Promoted  node1"), std::string::npos) << all;
  EXPECT_NE(all.find("Master of ms_esan: node1"), std::string::npos) << all;
  EXPECT_NE(all.find("Fencing: no events."), std::string::npos) << all;
  EXPECT_NE(all.find("No replicated device group"), std::string::npos) << all;
}

}  // namespace
}  // namespace esan::tui

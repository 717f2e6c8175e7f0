// stats_json() and sessions_json(): the shapes docs/API.md promises.
#include <gtest/gtest.h>

#include "mgmt/observe.h"

namespace esan::mgmt {
namespace {

using scsi::OpClass;

TEST(ObserveJson, StatsHaveDevicesTargetsSessionsReactors) {
  scsi::LuStats lu;
  for (int i = 0; i < 4; ++i) lu.record(OpClass::kRead, 4096, 2'000, false);
  lu.record(OpClass::kWrite, 512, 10'000, true);
  server::Observation o;
  o.devices.push_back({"d0", lu.snapshot()});
  iscsi::TargetTotals t;
  t.counters.commands = 7;
  t.counters.read_commands = 4;
  t.counters.write_commands = 1;
  t.counters.read_bytes = 16384;
  t.sessions = 2;
  o.targets["iqn.t"] = t;
  o.sessions = 2;
  o.connections = 3;
  o.reactors.push_back({0, 2.5, 0.75});
  nlohmann::json j = stats_json(o);
  EXPECT_EQ(j["devices"]["d0"]["commands"]["read"], 4);
  EXPECT_EQ(j["devices"]["d0"]["commands"]["write"], 1);
  EXPECT_EQ(j["devices"]["d0"]["commands"]["other"], 0);
  EXPECT_EQ(j["devices"]["d0"]["bytes"]["read"], 16384);
  EXPECT_EQ(j["devices"]["d0"]["errors"], 1);
  const auto& rl = j["devices"]["d0"]["latency_seconds"]["read"];
  EXPECT_EQ(rl["count"], 4);
  EXPECT_DOUBLE_EQ(rl["sum_seconds"].get<double>(), 8e-6);
  EXPECT_DOUBLE_EQ(rl["mean_seconds"].get<double>(), 2e-6);
  ASSERT_EQ(rl["buckets"].size(), size_t(scsi::kLatencyBounds));
  EXPECT_EQ(rl["buckets"][0]["count"], 0);  // le 1 us
  EXPECT_EQ(rl["buckets"][1]["count"], 4);  // le 2 us
  EXPECT_EQ(j["targets"]["iqn.t"]["commands"]["other"], 2);
  EXPECT_EQ(j["targets"]["iqn.t"]["bytes"]["read"], 16384);
  EXPECT_EQ(j["targets"]["iqn.t"]["sessions"], 2);
  EXPECT_EQ(j["sessions"], 2);
  EXPECT_EQ(j["connections"], 3);
  ASSERT_EQ(j["reactors"].size(), 1u);
  EXPECT_EQ(j["reactors"][0]["busy_ratio"], 0.75);
  EXPECT_EQ(j["reactors"][0]["busy_seconds"], 2.5);
}

TEST(ObserveJson, SessionsCarryIdentityParamsAndCounters) {
  iscsi::SessionInfo s;
  s.tsih = 7;
  s.initiator_name = "iqn.i";
  s.isid_hex = "800000000001";
  s.target_name = "iqn.t";
  s.peer = "10.0.0.2:51234";
  s.portal = "10.0.0.1:3260";
  s.params.header_digest = true;
  s.params.max_recv_dsl = 262144;
  s.params.max_xmit_dsl = 65536;
  s.params.auth_user = "alice";
  s.counters.commands = 5;
  s.counters.in_flight = 2;
  iscsi::SessionInfo disc;
  disc.tsih = 8;
  disc.discovery = true;
  nlohmann::json j = sessions_json({s, disc});
  ASSERT_EQ(j.size(), 2u);
  for (const char* k : {"id", "tsih", "initiator", "isid", "target", "portal", "peer", "discovery", "params", "counters"})
    EXPECT_TRUE(j[0].contains(k)) << k;
  EXPECT_EQ(j[0]["id"], 7);
  EXPECT_EQ(j[0]["isid"], "800000000001");
  EXPECT_EQ(j[0]["portal"], "10.0.0.1:3260");
  EXPECT_EQ(j[0]["chap_user"], "alice");
  EXPECT_EQ(j[0]["params"]["HeaderDigest"], "CRC32C");
  EXPECT_EQ(j[0]["params"]["MaxRecvDataSegmentLength"], 262144);
  EXPECT_EQ(j[0]["params"]["MaxXmitDataSegmentLength"], 65536);
  for (const char* k : {"commands", "read_commands", "write_commands", "read_bytes", "write_bytes", "errors", "in_flight"})
    EXPECT_TRUE(j[0]["counters"].contains(k)) << k;
  EXPECT_EQ(j[0]["counters"]["in_flight"], 2);
  EXPECT_TRUE(j[1]["discovery"].get<bool>());
  EXPECT_TRUE(j[1]["chap_user"].is_null());
  EXPECT_TRUE(sessions_json({}).is_array());
}

}  // namespace
}  // namespace esan::mgmt

// Issue 14: the resource agent under a real Pacemaker (pair.h: the seed's
// crm configuration, fencing by fence_esanlab), with libiscsi from the test
// process as the initiator. What a multipath initiator relies on, without
// the guest (guest/ has the Linux initiator's view):
//  - formation: node1 promoted (its preference), node2 unpromoted, both
//    esands agree: group 1 active, group 2 nonoptimized;
//  - a write through node2's port (non-optimized: shipped to node1) reads
//    back through node1's;
//  - kill -9 of node1's corosync: node1 fenced (nothing of it runs), node2
//    promoted; node2's esand: group 2 active, group 1 offline (the agent's
//    remote_inact_state for a peer that left); the data reads back
//    through node2;
//  - node1 booted: rejoins, takes the replicated state from node2 and is
//    promoted again (failback, the seed's preference); both esands show
//    group 1 active, group 2 nonoptimized, and the data is still there.
// esand's view of the cluster (issue 16, GET /v1/cluster through crm_mon on
// the node): all three nodes online and node1 promoted, node1's fencing
// after the failover; standby / online of the witness through node2's API
// show in crm_mon; moving the promoted instance to node2 through the API
// promotes node2, clearing the move brings it back to node1.
// With ESAN_CAPTURE_CRM_MON=DIR set, crm_mon's XML at those points is
// saved there (the fixtures of pacemaker/testdata were made so).
// The times are printed ([timing] lines).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/ha/ha_util.h"
#include "tests/ha/pair.h"
#include "tests/integration/mgmt_client.h"

namespace esan::ha {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

it::Context Session(HaPair& pair, int node) {
  std::string error;
  it::SessionOptions o;
  o.initiator = "iqn.2026-12.org.esan.test:pair";
  it::Context ctx = it::Login(pair.Portal(node), pair.Iqn(node), 0, o, &error);
  EXPECT_TRUE(ctx) << "login to node" << node << ": " << error;
  return ctx;
}

void Capture(const PacemakerLab& pcmk, const std::string& name) {
  const char* dir = std::getenv("ESAN_CAPTURE_CRM_MON");
  if (!dir) return;
  // What esand runs (pacemaker/cluster.h), on the witness.
  ExecResult r = pcmk.Run(3, {"crm_mon", "--output-as=xml", "--inactive", "--fence-history=2", "--one-shot"});
  std::ofstream(std::string(dir) + "/" + name + ".xml") << r.output;
}

// GET /v1/cluster of node's esand.
nlohmann::json ClusterView(HaPair& pair, int node) {
  it::HttpResult r = it::MgmtClient(pair.Socket(node)).Get("/v1/cluster");
  EXPECT_EQ(r.status, 200) << r.Describe();
  return r.json;
}

std::string NodeState(const nlohmann::json& c, const std::string& name) {
  for (const auto& n : c.value("nodes", nlohmann::json::array()))
    if (n.value("name", "") == name) return n.value("state", "");
  return "(absent)";
}

// The standby, online and move actions through node2's API.
void ClusterActionsThroughTheApi(HaPair& pair) {
  it::MgmtClient api(pair.Socket(2));
  auto r = api.Post("/v1/cluster/nodes/node3/standby");
  ASSERT_EQ(r.status, 200) << r.Describe();
  ASSERT_TRUE(pair.pcmk().WaitStatus(1, 30s, "node3 in standby", [](const ClusterStatus& s) {
    const PcmkNode* n = s.node("node3");
    return n && n->standby;
  }));
  Capture(pair.pcmk(), "standby");
  EXPECT_EQ(NodeState(ClusterView(pair, 1), "node3"), "standby");
  r = api.Post("/v1/cluster/nodes/node3/online");
  ASSERT_EQ(r.status, 200) << r.Describe();
  ASSERT_TRUE(pair.pcmk().WaitStatus(1, 30s, "node3 online again", [](const ClusterStatus& s) {
    const PcmkNode* n = s.node("node3");
    return n && n->online && !n->standby;
  }));
  r = api.Post("/v1/cluster/nodes/node9/standby");
  EXPECT_EQ(r.status, 404) << r.Describe();
  r = api.Post("/v1/cluster/resources/p_esan/move", {{"node", "node2"}});
  EXPECT_EQ(r.status, 400) << r.Describe();  // the primitive is not the promotable clone

  auto t = Clock::now();
  r = api.Post(std::string("/v1/cluster/resources/") + HaPair::kClone + "/move", {{"node", "node2"}});
  ASSERT_EQ(r.status, 200) << r.Describe();
  ASSERT_TRUE(pair.pcmk().WaitPromoted(3, HaPair::kClone, "node2", 60s));
  nlohmann::json c = ClusterView(pair, 1);
  ASSERT_TRUE(c.contains("promotables")) << c.dump();
  EXPECT_EQ(c["promotables"][0]["promoted"], nlohmann::json::array({"node2"})) << c.dump();
  r = api.Post(std::string("/v1/cluster/resources/") + HaPair::kClone + "/clear");
  ASSERT_EQ(r.status, 200) << r.Describe();
  ASSERT_TRUE(pair.pcmk().WaitPromoted(3, HaPair::kClone, "node1", 60s));  // its preference again
  std::printf("[timing] promoted moved to node2 and back through the API: %.1f s\n", Since(t));
}

TEST(HaPairPacemaker, AgentPromotesFailsOverWhenFencedAndFailsBack) {
  HaPair pair;
  auto t0 = Clock::now();
  ASSERT_TRUE(pair.Start());
  std::printf("[timing] cluster formed, configured, node1 promoted: %.1f s\n", Since(t0));
  EXPECT_NE(pair.EsandPid(1), 0);
  EXPECT_NE(pair.EsandPid(2), 0);
  {
    Capture(pair.pcmk(), "promoted");
    nlohmann::json c = ClusterView(pair, 2);
    EXPECT_EQ(c.value("running", false), true) << c.dump();
    for (const char* n : {"node1", "node2", "node3"}) EXPECT_EQ(NodeState(c, n), "online") << c.dump();
    ASSERT_TRUE(c.contains("promotables") && c["promotables"].size() == 1) << c.dump();
    EXPECT_EQ(c["promotables"][0]["clone"], HaPair::kClone);
    EXPECT_EQ(c["promotables"][0]["agent"], "ocf:esan:target");
    EXPECT_EQ(c["promotables"][0]["promoted"], nlohmann::json::array({"node1"})) << c.dump();
    EXPECT_EQ(c["promotables"][0]["unpromoted"], nlohmann::json::array({"node2"})) << c.dump();
  }

  const std::vector<uint8_t> data = it::TestData(64 * 512, 14);
  {
    it::Context s2 = Session(pair, 2);
    ASSERT_TRUE(s2);
    ASSERT_TRUE(WaitUsable(s2.get(), 30s));
    ASSERT_TRUE(it::Write16(s2.get(), 0, 1000, data.data(), data.size()));
    it::Context s1 = Session(pair, 1);
    ASSERT_TRUE(s1);
    ASSERT_TRUE(WaitUsable(s1.get(), 30s));
    std::vector<uint8_t> back;
    ASSERT_TRUE(it::Read16(s1.get(), 0, 1000, data.size(), &back));
    EXPECT_TRUE(back == data) << "first difference at byte " << it::FirstDifference(data, back) << ": node1 reads what node2 shipped";
  }

  // Unplanned: node1's corosync dies; the quorate side fences it and
  // promotes node2.
  auto t1 = Clock::now();
  pair.lab().KillCorosync(1);
  std::string promoted;
  ASSERT_TRUE(pair.pcmk().WaitPromoted(3, HaPair::kClone, "node2", 60s, &promoted));
  double failover = Since(t1);
  EXPECT_TRUE(pair.lab().Processes(1).empty()) << "node1 was fenced: nothing of it runs";
  bool fenced = false;
  for (const auto& e : pair.pcmk().FenceHistory(3, "node1")) fenced |= e.status == "success";
  EXPECT_TRUE(fenced) << pair.pcmk().FenceLog();
  ASSERT_TRUE(pair.WaitStates(2, "offline", "active", 30s));
  {
    Capture(pair.pcmk(), "fenced");
    nlohmann::json c = ClusterView(pair, 2);
    EXPECT_EQ(NodeState(c, "node1"), "offline") << c.dump();
    bool seen = false;
    for (const auto& f : c.value("fencing", nlohmann::json::array()))
      seen |= f.value("target", "") == "node1" && f.value("status", "") == "success";
    EXPECT_TRUE(seen) << "GET /v1/cluster shows node1's fencing: " << c.dump();
  }
  std::printf("[timing] corosync of node1 killed -> node2 promoted: %.1f s; ALUA states on node2 right: %.1f s\n",
              failover, Since(t1));
  {
    it::Context s2 = Session(pair, 2);
    ASSERT_TRUE(s2);
    ASSERT_TRUE(WaitUsable(s2.get(), 30s));
    std::vector<uint8_t> back;
    ASSERT_TRUE(it::Read16(s2.get(), 0, 1000, data.size(), &back));
    EXPECT_TRUE(back == data) << "first difference at byte " << it::FirstDifference(data, back) << ": node2 reads the shared disk";
  }

  // node1 comes back: a slave first, then promoted again (its preference).
  auto t2 = Clock::now();
  ASSERT_TRUE(pair.pcmk().Boot(1));
  ASSERT_TRUE(pair.pcmk().WaitPromoted(3, HaPair::kClone, "node1", 120s));
  ASSERT_TRUE(pair.pcmk().WaitRole(3, HaPair::kPrimitive, "node2", "Unpromoted", 60s));
  for (int n = 1; n <= 2; ++n) ASSERT_TRUE(pair.WaitStates(n, "active", "nonoptimized", 30s));
  std::printf("[timing] node1 booted -> promoted again, states right on both: %.1f s\n", Since(t2));
  {
    it::Context s1 = Session(pair, 1);
    ASSERT_TRUE(s1);
    ASSERT_TRUE(WaitUsable(s1.get(), 30s));
    std::vector<uint8_t> back;
    ASSERT_TRUE(it::Read16(s1.get(), 0, 1000, data.size(), &back));
    EXPECT_TRUE(back == data) << "first difference at byte " << it::FirstDifference(data, back);
  }
  ClusterActionsThroughTheApi(pair);
}

}  // namespace
}  // namespace esan::ha

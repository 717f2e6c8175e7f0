// parse_crm_mon() against crm_mon's real XML (Pacemaker 2.1.5), captured
// in the project's Pacemaker lab (tests/ha/pair_test.cc with
// ESAN_CAPTURE_CRM_MON): the esan pair promoted on node1, the witness in
// standby, node1 fenced; and crm_mon's answer on a machine with no cluster.
#include "pacemaker/status.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace esan::pacemaker {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream f(std::string(PACEMAKER_TESTDATA) + "/" + name);
  EXPECT_TRUE(f) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ClusterStatus parsed(const std::string& name) {
  auto s = parse_crm_mon(fixture(name));
  EXPECT_TRUE(s) << name << ": " << (s ? "" : s.error().message);
  return s ? *s : ClusterStatus{};
}

const Node* node(const ClusterStatus& s, const std::string& name) {
  for (const auto& n : s.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

TEST(CrmMon, PromotedOnNode1AllOnline) {
  ClusterStatus s = parsed("promoted.xml");
  ASSERT_TRUE(s.connected);
  EXPECT_EQ(s.stack, "corosync");
  EXPECT_TRUE(s.quorum);
  EXPECT_FALSE(s.dc.empty());
  ASSERT_EQ(s.nodes.size(), 3u);
  for (const char* n : {"node1", "node2", "node3"}) {
    ASSERT_TRUE(node(s, n)) << n;
    EXPECT_EQ(node(s, n)->state(), "online") << n;
  }
  int dcs = 0;
  for (const auto& n : s.nodes) dcs += n.is_dc && n.name == s.dc;
  EXPECT_EQ(dcs, 1);
  ASSERT_EQ(s.promotables.size(), 1u);
  EXPECT_EQ(s.promotables[0].clone, "ms_esan");
  EXPECT_EQ(s.promotables[0].agent, "ocf:esan:target");
  EXPECT_EQ(s.promotables[0].promoted, std::vector<std::string>{"node1"});
  EXPECT_EQ(s.promotables[0].unpromoted, std::vector<std::string>{"node2"});
  bool fence_agent = false;
  for (const auto& r : s.resources) fence_agent |= r.agent == "stonith:fence_esanlab" && !r.node.empty();
  EXPECT_TRUE(fence_agent);
}

TEST(CrmMon, StandbyNodeIsStandby) {
  ClusterStatus s = parsed("standby.xml");
  ASSERT_TRUE(node(s, "node3"));
  EXPECT_TRUE(node(s, "node3")->standby);
  EXPECT_EQ(node(s, "node3")->state(), "standby");
  EXPECT_EQ(node(s, "node1")->state(), "online");
}

TEST(CrmMon, FencedNodeIsOfflineAndInTheFencingHistory) {
  ClusterStatus s = parsed("fenced.xml");
  ASSERT_TRUE(node(s, "node1"));
  EXPECT_EQ(node(s, "node1")->state(), "offline");
  ASSERT_EQ(s.promotables.size(), 1u);
  EXPECT_EQ(s.promotables[0].promoted, std::vector<std::string>{"node2"});
  bool fenced = false;
  for (const auto& f : s.fencing)
    fenced |= f.target == "node1" && f.status == "success" && !f.action.empty() && !f.completed.empty();
  EXPECT_TRUE(fenced);
}

TEST(CrmMon, NoClusterIsAStatusWithCrmMonsReason) {
  ClusterStatus s = parsed("not_connected.xml");
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.reason,
            "Not connected; error: Could not connect to launcher: Connection refused; crm_mon: Connection to cluster "
            "failed: Connection refused");
  EXPECT_TRUE(s.nodes.empty());
}

TEST(CrmMon, OlderRoleNamesAndBadInput) {
  auto s = parse_crm_mon(R"(<crm_mon version="2.0.1"><summary><stack type="corosync"/>
    <current_dc present="true" name="a" with_quorum="true"/></summary>
    <nodes><node name="a" online="true" standby="false" is_dc="true"/><node name="b" online="false"/></nodes>
    <resources><clone id="ms" multi_state="true"><resource id="p" resource_agent="ocf:esan:target" role="Master">
    <node name="a"/></resource><resource id="p" resource_agent="ocf:esan:target" role="Slave"><node name="b"/>
    </resource></clone></resources></crm_mon>)");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->promotables.at(0).promoted, std::vector<std::string>{"a"});
  EXPECT_EQ(s->promotables.at(0).unpromoted, std::vector<std::string>{"b"});
  EXPECT_EQ(s->nodes.at(1).state(), "offline");
  EXPECT_EQ(parse_crm_mon("").error().message, "crm_mon printed nothing");
  EXPECT_EQ(parse_crm_mon("not xml <").error().message, "crm_mon's output is not XML");
  EXPECT_EQ(parse_crm_mon("<html/>").error().message, "crm_mon's XML has neither <pacemaker-result> nor <crm_mon>");
}

}  // namespace
}  // namespace esan::pacemaker

#include "tui/actions.h"

#include <gtest/gtest.h>

#include <set>

#include "tui/fake_api.h"

namespace esan::tui {
namespace {

using nlohmann::json;

const Action& item(char menu, char key) {
  for (const auto& m : menus())
    if (m.key == menu)
      for (const auto& a : m.items)
        if (a.key == key) return a;
  ADD_FAILURE() << "no item " << key << " in menu " << menu;
  static Action none;
  return none;
}

TEST(Menus, HotKeysAreUniqueAndEveryMenuOfTheIssueIsThere) {
  std::set<char> top;
  std::set<std::string> titles;
  for (const auto& m : menus()) {
    EXPECT_TRUE(top.insert(m.key).second) << m.title;
    titles.insert(m.title);
    EXPECT_FALSE(m.items.empty()) << m.title;
    std::set<char> keys;
    for (const auto& a : m.items) {
      EXPECT_TRUE(keys.insert(a.key).second) << m.title << ": " << a.label;
      EXPECT_TRUE(a.view != View::kNone || ((a.build || (a.edit && !a.base.empty())) && a.done) || a.run) << a.label;
    }
  }
  EXPECT_EQ(titles, (std::set<std::string>{"Devices", "Targets", "Hosts", "ALUA", "System", "Cluster", "Interface"}));
}

TEST(Menus, EveryRemovalAndClusterMoveAsksFirst) {
  for (const auto& m : menus())
    for (const auto& a : m.items)
      if (a.label.starts_with("Remove") || a.label.starts_with("Unmap") || a.label.starts_with("Roll") ||
          a.label.starts_with("Close") || a.label.starts_with("Put") || a.label.starts_with("Move the"))
        EXPECT_TRUE(a.confirm) << a.label;
      else
        EXPECT_FALSE(a.confirm) << a.label;
}

TEST(Forms, AddFileDeviceIsOnePost) {
  auto r = item('d', 'f').build(
      {{"name", " d1 "}, {"filename", "/srv/d1.img"}, {"blocksize", "4096"}, {"read_only", "yes"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/v1/devices");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"name":"d1","handler":"vdisk_fileio",
      "attributes":{"filename":"/srv/d1.img","blocksize":"4096","read_only":"1"}})"));
}

TEST(Forms, NullDeviceTakesASizeAndNoFile) {
  auto r = item('d', 'n').build({{"name", "n0"}, {"size_mb", "64"}, {"blocksize", ""}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::parse(r->body),
            json::parse(R"({"name":"n0","handler":"vdisk_nullio","attributes":{"size_mb":"64"}})"));
  auto bad = item('d', 'n').build({{"name", "n0"}, {"size_mb", "6x"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Size (MiB) must be a non-negative number, got '6x'");
}

TEST(Forms, RbdDeviceTakesPoolAndImageAndOptionalCephSettings) {
  auto r = item('d', 'c').build({{"name", "r0"}, {"pool", "rbd"}, {"image", "vm01"}, {"ceph_conf", ""},
                                 {"ceph_user", " esan "}, {"blocksize", "4096"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"name":"r0","handler":"vdisk_rbd",
      "attributes":{"pool":"rbd","image":"vm01","ceph_user":"esan","blocksize":"4096"}})"));
  auto bad = item('d', 'c').build({{"name", "r0"}, {"pool", "rbd"}, {"image", " "}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Image is required");
}

TEST(Forms, MissingOrMalformedFieldsAreNamedAndNothingIsBuilt) {
  auto r = item('d', 'f').build({{"name", "  "}, {"filename", "/x"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Name is required");
  r = item('d', 'f').build({{"name", "d1"}, {"filename", ""}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "File (absolute) is required");
  r = item('d', 'b').build({{"name", "d1"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Block device is required");
  r = item('d', 'm').build({{"where", "iqn.x:t"}, {"lun", "-1"}, {"device", "d0"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "LUN must be a non-negative number, got '-1'");
  r = item('d', 'm').build({{"where", "iqn.x:t"}, {"lun", "0"}, {"device", ""}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Device is required");
}

TEST(Forms, LunGoesToTheTargetOrTheChosenGroup) {
  auto r = item('d', 'm').build({{"where", "iqn.x:t"}, {"lun", "3"}, {"device", "d0"}, {"read_only", "no"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/targets/iqn.x:t/luns");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"lun":3,"device":"d0"})"));
  r = item('d', 'm').build({{"where", "iqn.x:t / hosts a"}, {"lun", "0"}, {"device", "d0"}, {"read_only", "yes"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/targets/iqn.x:t/groups/hosts%20a/luns");
  EXPECT_EQ(json::parse(r->body)["attributes"], json::parse(R"({"read_only":"1"})"));
  r = item('d', 'u').build({{"where", "iqn.x:t / g"}, {"lun", "7"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "DELETE");
  EXPECT_EQ(r->path, "/v1/targets/iqn.x:t/groups/g/luns/7");
}

TEST(Forms, RemovalsAndTheirForce) {
  auto r = item('d', 'r').build({{"device", "d 0"}, {"force", "yes"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path, "DELETE /v1/devices/d%200?force=1");
  r = item('t', 'r').build({{"target", "iqn.x:t"}, {"force", "no"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path, "DELETE /v1/targets/iqn.x:t");
  r = item('h', 'd').build({{"group", "iqn.x:t / g"}, {"initiator", "iqn.*"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path, "DELETE /v1/targets/iqn.x:t/groups/g/initiators/iqn.%2A");
}

TEST(Forms, TargetsHostsAluaAndSystem) {
  auto r = item('t', 'a').build({{"name", "iqn.x:t"}, {"enabled", "yes"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"name":"iqn.x:t","driver":"iscsi","attributes":{"enabled":"1"}})"));
  r = item('t', 'e').build({{"target", "iqn.x:t"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path, "POST /v1/targets/iqn.x:t/enable");
  r = item('t', 'i').build({{"target", "iqn.x:t"}, {"id", "12"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"attributes":{"rel_tgt_id":"12"}})"));
  r = item('t', 't').build({{"target", "iqn.x:t"}, {"attr", "MaxSessions"}, {"value", "4"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path + " " + r->body,
            R"(PATCH /v1/targets/iqn.x:t {"attributes":{"MaxSessions":"4"}})");
  r = item('t', 'c').build(
      {{"target", "iqn.x:t"}, {"direction", "incoming"}, {"user", "u"}, {"secret", "s3cret12345678"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/targets/iqn.x:t/users");
  r = item('h', 'g').build({{"target", "iqn.x:t"}, {"name", "esx"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path + " " + r->body, R"(POST /v1/targets/iqn.x:t/groups {"name":"esx"})");
  r = item('h', 'i').build({{"group", "iqn.x:t / esx"}, {"initiator", "iqn.1998-01.com.vmware:h1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/targets/iqn.x:t/groups/esx/initiators");
  r = item('a', 's').build({{"tg", "dg / tg1"}, {"state", "standby"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path + " " + r->body,
            R"(PUT /v1/alua/device-groups/dg/target-groups/tg1/state {"state":"standby"})");
  r = item('a', 't').build({{"dg", "dg"}, {"name", "tg1"}, {"id", "1"}, {"state", "active"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"name":"tg1","group_id":1,"state":"active"})"));
  r = item('s', 'r').build({{"rev", "1a2b3c"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path + " " + r->body, R"(POST /v1/config/rollback {"rev":"1a2b3c"})");
  r = item('s', 't').build({});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/alerts/test");
}

TEST(Choices, AreAskedOfEsand) {
  FakeApi api;
  api.on("GET /v1/targets", 200,
         R"([{"name":"iqn.x:a","groups":[{"name":"g1"},{"name":"g2"}]},{"name":"iqn.x:b","groups":[]}])");
  api.on("GET /v1/devices", 200, R"([{"name":"d0"},{"name":"d1"}])");
  api.on("GET /v1/alua/device-groups", 200, R"([{"name":"dg","target_groups":[{"name":"local"},{"name":"remote"}]}])");
  auto c = choices(api, Field{"w", "W", Source::kTargetGroups});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"iqn.x:a", "iqn.x:a / g1", "iqn.x:a / g2", "iqn.x:b"}));
  c = choices(api, Field{"g", "G", Source::kGroups});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"iqn.x:a / g1", "iqn.x:a / g2"}));
  c = choices(api, Field{"d", "D", Source::kDevices});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"d0", "d1"}));
  c = choices(api, Field{"t", "T", Source::kAluaGroups});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"dg / local", "dg / remote"}));
  for (const auto& r : api.calls) EXPECT_EQ(r.method, "GET");
}

TEST(Choices, SessionsAndClosingOne) {
  FakeApi api;
  api.on("GET /v1/sessions", 200, R"([{"id":7,"initiator":"iqn.x:h","target":"iqn.x:t","discovery":false},
    {"id":8,"initiator":"iqn.x:d","target":"","discovery":true}])");
  auto c = choices(api, Field{"s", "S", Source::kSessions});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"7: iqn.x:h -> iqn.x:t"}));
  auto r = item('h', 'c').build({{"session", (*c)[0]}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path, "DELETE /v1/sessions/7");
  r = item('h', 'm').build({{"group", "iqn.x:t / a"}, {"initiator", "iqn.x:h"}, {"to", "b"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method + " " + r->path + " " + r->body,
            R"(POST /v1/targets/iqn.x:t/groups/a/initiators/move {"initiator":"iqn.x:h","to_group":"b"})");
}

TEST(Choices, ARefusalIsTheServersMessage) {
  FakeApi api;
  api.on("GET /v1/devices", 500, R"({"error":{"code":"internal","message":"the sky fell"}})");
  auto c = choices(api, Field{"d", "D", Source::kDevices});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "the sky fell");
}

TEST(SplitPair, SplitsOnTheSeparatorOnly) {
  EXPECT_EQ(split_pair("a / b"), (std::pair<std::string, std::string>{"a", "b"}));
  EXPECT_EQ(split_pair("a/b"), (std::pair<std::string, std::string>{"a/b", ""}));
}

TEST(Forms, AliasSetIsOnePutAndRemoveOneDelete) {
  auto r = item('h', 'a').build({{"initiator", " iqn.1998-01.com.vmware:esx1 "}, {"alias", "esx-01"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "PUT");
  EXPECT_EQ(r->path, "/v1/aliases/iqn.1998-01.com.vmware:esx1");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"alias":"esx-01"})"));
  auto missing = item('h', 'a').build({{"initiator", "iqn.x"}, {"alias", " "}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("Alias"), std::string::npos) << missing.error().message;
  EXPECT_TRUE(item('h', 'x').confirm);
  auto d = item('h', 'x').build({{"initiator", "iqn.x:h"}});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->method, "DELETE");
  EXPECT_EQ(d->path, "/v1/aliases/iqn.x:h");
}

TEST(Forms, ClusterActionsAreOnePostEachAndChoicesComeFromTheCluster) {
  auto r = item('c', 'b').build({{"node", "node3"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/v1/cluster/nodes/node3/standby");
  EXPECT_TRUE(item('c', 'b').confirm);
  r = item('c', 'o').build({{"node", "node3"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/cluster/nodes/node3/online");
  EXPECT_FALSE(item('c', 'o').confirm);
  r = item('c', 'm').build({{"clone", "ms_esan"}, {"node", "node2"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/cluster/resources/ms_esan/move");
  EXPECT_EQ(json::parse(r->body), json::parse(R"({"node":"node2"})"));
  EXPECT_TRUE(item('c', 'm').confirm);
  r = item('c', 'c').build({{"clone", "ms_esan"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->path, "/v1/cluster/resources/ms_esan/clear");

  FakeApi api;
  api.on("GET /v1/cluster", 200, R"({"running":true,"nodes":[{"name":"node1"},{"name":"node2"}],
    "promotables":[{"clone":"ms_esan"}]})");
  auto c = choices(api, Field{"node", "Node", Source::kClusterNodes});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"node1", "node2"}));
  c = choices(api, Field{"clone", "C", Source::kPromotables});
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, (std::vector<std::string>{"ms_esan"}));
  api.on("GET /v1/cluster", 200, R"({"running":false,"reason":"Not connected"})");
  c = choices(api, Field{"node", "Node", Source::kClusterNodes});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "no cluster runs here: Not connected");
}

}  // namespace
}  // namespace esan::tui

// The management API's operations seen from initiators (docs/API.md):
// device attributes and resize, enable/disable, CHAP users, LUN maps,
// groups, ALUA states, config write/apply, forced removal, SIGHUP reload
// applying only the difference, and the TCP listener's bearer token.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
constexpr size_t kMiB = 1024 * 1024;
const std::string kT = "iqn.2026-11.org.esan:ops";

bool IsSense(const scsi_task* t, int key, int ascq) {
  return t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == key && t->sense.ascq == ascq;
}

class MgmtOps : public ::testing::Test {
 protected:
  void SetUp() override {
    img_ = esand_.Path("d0.img");
    ASSERT_TRUE(MakeSparseFile(img_, 8 * kMiB));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("d0", img_)) + Handler("vdisk_nullio", NullioDevice("n0", 4)) +
                       IscsiDriver(Target(kT, "        LUN 0 d0\n")));
    ASSERT_TRUE(esand_.Start());
    std::string err;
    s_ = Login(esand_.portal(), kT, 0, SessionOptions{}, &err);
    ASSERT_TRUE(s_) << err;
  }
  void TearDown() override {
    s_.reset();
    EXPECT_TRUE(esand_.Stop());
  }
  // The next command gets the unit attention `ascq` (asc<<8|ascq), then GOOD.
  ::testing::AssertionResult Attention(int ascq) {
    Task t(iscsi_testunitready_sync(s_.get(), 0));
    if (!IsSense(t.get(), SCSI_SENSE_UNIT_ATTENTION, ascq))
      return ::testing::AssertionFailure() << "expected UNIT ATTENTION " << std::hex << ascq << ", got "
                                           << Describe(s_.get(), t.get());
    return WaitReady(s_.get(), 0);
  }

  EsandProcess esand_{"mgmt-ops"};
  MgmtClient api_{esand_.mgmt_socket()};
  std::string img_;
  Context s_;
};

TEST_F(MgmtOps, DeviceAttributesAndResizeReachTheSession) {
  auto data = TestData(4096, 7);
  ASSERT_TRUE(Ok(api_.Patch("/v1/devices/d0", {{"attributes", {{"read_only", "1"}}}})));
  ASSERT_TRUE(Attention(0x2A01));  // MODE PARAMETERS CHANGED
  Task w(Write16Task(s_.get(), 0, 0, data.data(), data.size()));
  EXPECT_TRUE(IsSense(w.get(), SCSI_SENSE_DATA_PROTECTION, 0x2700)) << Describe(s_.get(), w.get());
  ASSERT_TRUE(Ok(api_.Patch("/v1/devices/d0", {{"attributes", {{"read_only", "0"}, {"prod_id", "OPSDISK"}}}})));
  EXPECT_TRUE(WaitReady(s_.get(), 0));
  EXPECT_TRUE(Write16(s_.get(), 0, 0, data.data(), data.size()));
  auto dev = api_.Get("/v1/devices/d0");
  EXPECT_EQ(dev.json["attributes"]["prod_id"], "OPSDISK");
  EXPECT_EQ(dev.json["attributes"]["read_only"], "0");

  auto r = api_.Post("/v1/devices/d0/resize", {{"size_mb", 16}});
  ASSERT_TRUE(Ok(r));
  EXPECT_EQ(r.json["size_bytes"], 16 * kMiB);
  ASSERT_TRUE(Attention(0x2A09));  // CAPACITY DATA HAS CHANGED
  uint64_t blocks = 0;
  uint32_t bs = 0;
  ASSERT_TRUE(ReadCapacity(s_.get(), 0, &blocks, &bs));
  EXPECT_EQ(blocks, 16 * kMiB / 512);
  EXPECT_TRUE(Write16(s_.get(), 0, blocks - 8, data.data(), data.size())) << "the new end is writable";
  struct stat st {};
  ASSERT_EQ(::stat(img_.c_str(), &st), 0);
  EXPECT_EQ(uint64_t(st.st_size), 16 * kMiB) << "the backing file was extended";
  EXPECT_NE(ReadFile(esand_.config_path()).find("size 16777216"), std::string::npos);
}

TEST_F(MgmtOps, LunsGroupsAndInitiators) {
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/luns", {{"lun", 1}, {"device", "n0"}})));
  ASSERT_TRUE(Attention(0x3F0E));  // REPORTED LUNS DATA HAS CHANGED
  std::vector<int> luns;
  ASSERT_TRUE(ReportLuns(s_.get(), &luns));
  EXPECT_EQ(luns, (std::vector<int>{0, 1}));
  auto put = api_.Put("/v1/targets/" + kT + "/luns/1", {{"device", "d0"}, {"attributes", {{"read_only", "1"}}}});
  ASSERT_TRUE(Ok(put));
  EXPECT_EQ(put.json, json::parse(R"([{"lun":0,"device":"d0","read_only":false},{"lun":1,"device":"d0","read_only":true}])"));
  ASSERT_TRUE(Ok(api_.Delete("/v1/targets/" + kT + "/luns/1")));
  EXPECT_TRUE(WaitReady(s_.get(), 0));
  ASSERT_TRUE(ReportLuns(s_.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{0});
  EXPECT_TRUE(Refused(api_.Delete("/v1/targets/" + kT + "/luns/1"), 404, "not_found"));

  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/groups", {{"name", "ga"}})));
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/groups", {{"name", "gb"}})));
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/groups/ga/initiators", {{"initiator", "iqn.x:host*"}})));
  EXPECT_TRUE(Refused(api_.Post("/v1/targets/" + kT + "/groups/gb/initiators", {{"initiator", "iqn.x:host*"}}), 409,
                      "conflict"));
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/groups/gb/luns", {{"lun", 5}, {"device", "n0"}})));
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/groups/ga/initiators/move",
                           {{"initiator", "iqn.x:host*"}, {"to_group", "gb"}})));
  SessionOptions host;
  host.initiator = "iqn.x:host7";
  std::string err;
  Context h = Login(esand_.portal(), kT, 5, host, &err);
  ASSERT_TRUE(h) << err;
  ASSERT_TRUE(ReportLuns(h.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{5}) << "the pattern moved to gb";
  ASSERT_TRUE(Ok(api_.Delete("/v1/targets/" + kT + "/groups/gb/initiators/iqn.x:host%2A")));
  EXPECT_TRUE(WaitReady(h.get(), 0)) << "LUN 0 of the target's own map now";
  ASSERT_TRUE(ReportLuns(h.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{0});
  auto groups = api_.Get("/v1/targets/" + kT + "/groups");
  ASSERT_TRUE(Ok(groups));
  EXPECT_EQ(groups.json.size(), 2u);
  ASSERT_TRUE(Ok(api_.Delete("/v1/targets/" + kT + "/groups/ga")));
  EXPECT_TRUE(WaitReady(s_.get(), 0)) << "the untouched session still works";
}

TEST_F(MgmtOps, EnableDisableUsersAndForcedRemoval) {
  ASSERT_TRUE(Ok(api_.Post("/v1/targets/" + kT + "/disable")));
  Task t(iscsi_testunitready_sync(s_.get(), 0));
  EXPECT_FALSE(t && t->status == SCSI_STATUS_GOOD) << "the session of a disabled target is closed";
  std::string err;
  EXPECT_FALSE(Login(esand_.portal(), kT, 0, SessionOptions{}, &err));
  auto en = api_.Post("/v1/targets/" + kT + "/enable");
  ASSERT_TRUE(Ok(en));
  EXPECT_EQ(en.json["enabled"], true);
  s_ = Login(esand_.portal(), kT, 0, SessionOptions{}, &err);
  ASSERT_TRUE(s_) << err;

  const std::string secret = "ops-secret-0123";
  auto u = api_.Post("/v1/targets/" + kT + "/users", {{"direction", "incoming"}, {"user", "joe"}, {"secret", secret}});
  ASSERT_TRUE(Ok(u));
  auto tj = api_.Get("/v1/targets/" + kT);
  EXPECT_EQ(tj.json["incoming_users"], json::array({"joe"}));
  EXPECT_EQ(tj.body.find(secret), std::string::npos) << "a secret in a listing";
  EXPECT_NE(ReadFile(esand_.config_path()).find("joe " + secret), std::string::npos) << "the file keeps the secret";
  EXPECT_FALSE(Login(esand_.portal(), kT, 0, SessionOptions{}, &err)) << "CHAP is now required";
  SessionOptions chap;
  chap.chap_user = "joe";
  chap.chap_secret = secret;
  EXPECT_TRUE(Login(esand_.portal(), kT, 0, chap, &err)) << err;
  ASSERT_TRUE(Ok(api_.Delete("/v1/targets/" + kT + "/users/joe")));
  EXPECT_TRUE(Login(esand_.portal(), kT, 0, SessionOptions{}, &err)) << err;
  EXPECT_TRUE(WaitReady(s_.get(), 0)) << "a session survives changes of its target's accounts";

  ASSERT_TRUE(Ok(api_.Patch("/v1/driver", {{"attributes", {{"MaxSessions", "50"}}}})));
  EXPECT_EQ(api_.Get("/v1/driver").json["attributes"]["MaxSessions"], "50");

  EXPECT_TRUE(Refused(api_.Delete("/v1/targets/" + kT), 409, "conflict"));
  ASSERT_TRUE(Ok(api_.Delete("/v1/targets/" + kT + "?force=1")));
  Task gone(iscsi_testunitready_sync(s_.get(), 0));
  EXPECT_FALSE(gone && gone->status == SCSI_STATUS_GOOD) << "forced removal closes the session";
  EXPECT_EQ(api_.Get("/v1/targets").json, json::array());
  ASSERT_TRUE(Ok(api_.Delete("/v1/devices/d0")));
  EXPECT_EQ(api_.Get("/v1/devices").json.size(), 1u);
}

TEST_F(MgmtOps, AluaStatesConfigWriteAndApply) {
  const std::string base = "/v1/alua/device-groups";
  ASSERT_TRUE(Ok(api_.Post(base, {{"name", "dg"}})));
  ASSERT_TRUE(Ok(api_.Post(base + "/dg/devices", {{"device", "d0"}})));
  ASSERT_TRUE(Ok(api_.Post(base + "/dg/target-groups", {{"name", "local"}, {"group_id", 1}})));
  ASSERT_TRUE(Ok(api_.Post(base + "/dg/target-groups/local/targets", {{"target", kT}})));
  EXPECT_TRUE(Refused(api_.Post(base + "/dg/target-groups/local/targets", {{"target", "iqn.remote"}}), 400,
                      "invalid_argument"))
      << "a remote port needs rel_tgt_id";
  ASSERT_TRUE(Ok(api_.Post(base + "/dg/target-groups", {{"name", "peer"}, {"group_id", 2}, {"state", "standby"}})));
  ASSERT_TRUE(Ok(api_.Post(base + "/dg/target-groups/peer/targets", {{"target", "iqn.remote"}, {"rel_tgt_id", 9}})));
  EXPECT_TRUE(WaitReady(s_.get(), 0));
  auto st = api_.Put(base + "/dg/target-groups/local/state", {{"state", "standby"}});
  ASSERT_TRUE(Ok(st));
  EXPECT_EQ(st.json[0]["target_groups"][0]["state"], "standby");
  std::vector<uint8_t> out;
  Task r;
  for (int i = 0; i < 5; ++i) {  // unit attentions first
    r = Read16Task(s_.get(), 0, 0, 512);
    if (!IsSense(r.get(), SCSI_SENSE_UNIT_ATTENTION, r ? r->sense.ascq : 0)) break;
  }
  EXPECT_TRUE(IsSense(r.get(), SCSI_SENSE_NOT_READY, 0x040B)) << Describe(s_.get(), r.get());
  EXPECT_TRUE(Refused(api_.Put(base + "/dg/target-groups/local/state", {{"state", "sleepy"}}), 400,
                      "invalid_argument"));
  ASSERT_TRUE(Ok(api_.Put(base + "/dg/target-groups/local/state", {{"state", "active"}})));
  EXPECT_TRUE(WaitReady(s_.get(), 0));
  EXPECT_TRUE(Read16(s_.get(), 0, 0, 512, &out));

  auto text = api_.Get("/v1/config");
  ASSERT_TRUE(Ok(text));
  EXPECT_NE(text.body.find("DEVICE_GROUP dg"), std::string::npos) << text.body;
  EXPECT_EQ(text.body, ReadFile(esand_.config_path()));
  const std::string copy = esand_.Path("copy.conf");
  ASSERT_TRUE(Ok(api_.Post("/v1/config/write", {{"path", copy}})));
  EXPECT_EQ(ReadFile(copy), text.body);

  std::string next = text.body + "HANDLER vdisk_nullio {\n\tDEVICE extra {\n\t\tsize_mb 2\n\t}\n}\n";
  ASSERT_TRUE(Ok(api_.Post("/v1/config/apply", {{"text", next}})));
  EXPECT_TRUE(Ok(api_.Get("/v1/devices/extra")));
  EXPECT_TRUE(Read16(s_.get(), 0, 0, 512, &out)) << "apply left the session alone";
  auto broken = api_.Post("/v1/config/apply", {{"text", "TARGET_DRIVER iscsi {\n TARGET t { LUN 0 nope }\n}\n"}});
  EXPECT_TRUE(Refused(broken, 400, "invalid_argument"));
  EXPECT_TRUE(Ok(api_.Get("/v1/devices/extra")));
}

// esan_alua_owner cluster: a state set through the API changes the running
// state (initiators see it) but never the file, and a reload keeps it.
TEST_F(MgmtOps, ClusterOwnedAluaStatesAreRuntimeOnly) {
  auto text = api_.Get("/v1/config");
  ASSERT_TRUE(Ok(text));
  const std::string with_dg = text.body +
                              "DEVICE_GROUP ha {\n\tesan_alua_owner cluster\n\tDEVICE d0\n"
                              "\tTARGET_GROUP local {\n\t\tgroup_id 1\n\t\tstate active\n\t\tTARGET " +
                              kT + "\n\t}\n}\n";
  ASSERT_TRUE(Ok(api_.Post("/v1/config/apply", {{"text", with_dg}})));
  const std::string file = ReadFile(esand_.config_path());
  ASSERT_NE(file.find("esan_alua_owner cluster"), std::string::npos) << file;
  EXPECT_TRUE(WaitReady(s_.get(), 0));

  auto st = api_.Put("/v1/alua/device-groups/ha/target-groups/local/state", {{"state", "standby"}});
  ASSERT_TRUE(Ok(st)) << st.body;
  EXPECT_EQ(st.json[0]["target_groups"][0]["state"], "standby") << "GET shows the running state";
  EXPECT_EQ(ReadFile(esand_.config_path()), file) << "a cluster-owned state is never written back";
  Task r;
  for (int i = 0; i < 5; ++i) {  // unit attentions first
    r = Read16Task(s_.get(), 0, 0, 512);
    if (!IsSense(r.get(), SCSI_SENSE_UNIT_ATTENTION, r ? r->sense.ascq : 0)) break;
  }
  EXPECT_TRUE(IsSense(r.get(), SCSI_SENSE_NOT_READY, 0x040B)) << Describe(s_.get(), r.get());
  EXPECT_TRUE(Refused(api_.Put("/v1/alua/device-groups/ha/target-groups/nope/state", {{"state", "active"}}), 404,
                      "not_found"));

  // A reload of the unchanged file keeps the cluster's state; another change
  // through the API does not write the running state into the file either.
  ASSERT_TRUE(Ok(api_.Post("/v1/config/reload", json::object())));
  EXPECT_EQ(api_.Get("/v1/alua/device-groups").json[0]["target_groups"][0]["state"], "standby");
  ASSERT_TRUE(Ok(api_.Patch("/v1/driver", {{"attributes", {{"MaxSessions", "60"}}}})));
  const std::string after = ReadFile(esand_.config_path());
  EXPECT_EQ(after.find("standby"), std::string::npos) << after;
  ASSERT_TRUE(Ok(api_.Put("/v1/alua/device-groups/ha/target-groups/local/state", {{"state", "active"}})));
  EXPECT_TRUE(WaitReady(s_.get(), 0));
}

TEST(MgmtReload, SighupAppliesOnlyTheDifference) {
  const std::string a = "iqn.2026-11.org.esan:a", b = "iqn.2026-11.org.esan:b", c = "iqn.2026-11.org.esan:c";
  EsandProcess esand("mgmt-reload");
  ASSERT_TRUE(MakeSparseFile(esand.Path("a.img"), 8 * kMiB));
  ASSERT_TRUE(MakeSparseFile(esand.Path("b.img"), 8 * kMiB));
  const std::string devices =
      Handler("vdisk_fileio", FileioDevice("na", esand.Path("a.img")) + FileioDevice("nb", esand.Path("b.img")));
  esand.WriteConfig(devices + IscsiDriver(Target(a, "        LUN 0 na\n") + Target(b, "        LUN 0 nb\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  std::string err;
  Context sa = Login(esand.portal(), a, 0, SessionOptions{}, &err);
  ASSERT_TRUE(sa) << err;
  Context sb = Login(esand.portal(), b, 0, SessionOptions{}, &err);
  ASSERT_TRUE(sb) << err;
  BackgroundIo io(std::move(sa));
  ASSERT_TRUE(io.Progressed(0));

  esand.WriteConfig(devices + IscsiDriver(Target(a, "        LUN 0 na\n") + Target(c, "        LUN 0 nb\n")));
  uint64_t before = io.rounds();
  esand.Signal(SIGHUP);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!Ok(api.Get("/v1/targets/" + c)) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(Ok(api.Get("/v1/targets/" + c))) << "SIGHUP did not apply the file";
  EXPECT_TRUE(Refused(api.Get("/v1/targets/" + b), 404, "not_found"));
  EXPECT_TRUE(io.Progressed(before));
  Task t(iscsi_testunitready_sync(sb.get(), 0));
  EXPECT_FALSE(t && t->status == SCSI_STATUS_GOOD) << "the removed target's session is closed";
  EXPECT_TRUE(Login(esand.portal(), c, 0, SessionOptions{}, &err)) << err;

  // A file with an error changes nothing and names file:line.
  auto good = api.Get("/v1/config").body;
  esand.WriteConfig(devices + IscsiDriver(Target(a, "        LUN 0 missing\n")));
  auto r = api.Post("/v1/config/reload");
  EXPECT_TRUE(Refused(r, 400, "invalid_argument"));
  EXPECT_NE(r.json["error"]["message"].get<std::string>().find(esand.config_path() + ":"), std::string::npos) << r.body;
  EXPECT_EQ(api.Get("/v1/config").body, good);
  io.Stop();
  EXPECT_EQ(io.failure(), "");
  EXPECT_TRUE(esand.Stop());
}

TEST(MgmtTcp, BearerTokenRequired) {
  EsandProcess esand("mgmt-tcp");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  ASSERT_TRUE(WriteFile(esand.Path("token"), "s3cret-token\n"));
  int port = FreeLoopbackPort();
  EsandProcess::Options opts;
  opts.extra_args = {"--mgmt-listen", "127.0.0.1:" + std::to_string(port), "--mgmt-token-file", esand.Path("token")};
  ASSERT_TRUE(esand.Start(opts));
  EXPECT_TRUE(Ok(MgmtClient("127.0.0.1", port, "s3cret-token").Get("/v1/version")));
  EXPECT_TRUE(Refused(MgmtClient("127.0.0.1", port, "").Get("/v1/version"), 401, "unauthorized"));
  EXPECT_TRUE(Refused(MgmtClient("127.0.0.1", port, "wrong").Get("/v1/targets"), 401, "unauthorized"));
  EXPECT_TRUE(Ok(MgmtClient(esand.mgmt_socket()).Get("/v1/version"))) << "no token on the unix socket";
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it

// esanctl and its scstadmin spelling driving a real esand through the
// management API: starting from a configuration with only the iSCSI driver
// enabled, build a file LU, a target, a LUN, a group and an initiator; a
// libiscsi client reads and writes it while another session keeps running;
// refusals exit 1 with esand's message and change nothing; the written-back
// configuration brings the same objects and data back after a restart.
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr size_t kMiB = 1024 * 1024;
const char* kDriverOnly = "TARGET_DRIVER iscsi {\n    enabled 1\n}\n";
const std::string kHost = "iqn.2026-11.org.esan.test:host1";
const std::string kStranger = "iqn.2026-11.org.esan.test:stranger";

// esand (the harness gives it a management socket in its directory) and
// the two spellings of the client pointed at that socket.
class Managed {
 public:
  explicit Managed(const std::string& tag) : esand_(tag) {}
  EsandProcess& esand() { return esand_; }
  // Start() returns once iSCSI and the management socket both accept.
  ::testing::AssertionResult Start() { return esand_.Start(); }

  CommandOutput Ctl(const std::string& args) const {
    return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand_.mgmt_socket() + " " + args);
  }
  // scstadmin finds the socket the way an SCST script's environment would.
  CommandOutput Scst(const std::string& args) const {
    return RunCommand("ESAN_SOCKET=" + esand_.mgmt_socket() + " " + SCSTADMIN_PATH + " " + args);
  }
  nlohmann::json Json(const std::string& args) const {
    auto r = Ctl("--json " + args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.output;
    return nlohmann::json::parse(r.output, nullptr, false);
  }

 private:
  EsandProcess esand_;
};

#define EXPECT_OK(run)                                           \
  do {                                                           \
    auto r_ = (run);                                             \
    EXPECT_EQ(r_.exit_code, 0) << #run << " said: " << r_.output; \
  } while (0)

// A refused change: exit 1, esand's message naming what is wrong.
#define EXPECT_REFUSED(run, words)                                               \
  do {                                                                           \
    auto r_ = (run);                                                             \
    EXPECT_EQ(r_.exit_code, 1) << #run << " said: " << r_.output;                \
    EXPECT_NE(r_.output.find(words), std::string::npos) << #run << " said: " << r_.output; \
  } while (0)

::testing::AssertionResult WriteRead(iscsi_context* ctx, int lun, uint64_t lba, uint64_t seed) {
  auto data = TestData(64 * 1024, seed);
  if (auto r = Write16(ctx, lun, lba, data.data(), data.size()); !r) return r;
  std::vector<uint8_t> back;
  if (auto r = Read16(ctx, lun, lba, data.size(), &back); !r) return r;
  if (FirstDifference(data, back) != std::string::npos) return ::testing::AssertionFailure() << "read back differs";
  return ::testing::AssertionSuccess();
}

TEST(Esanctl, BuildsAServedLunFromAnEmptyConfig) {
  const std::string t1 = "iqn.2026-11.org.esan:ctl1";
  const std::string t2 = "iqn.2026-11.org.esan:ctl2";
  Managed m("esanctl-modern");
  m.esand().WriteConfig(kDriverOnly);
  ASSERT_TRUE(m.Start());
  const std::string image = m.esand().Path("d0.img");
  const std::string other_image = m.esand().Path("f1.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  ASSERT_TRUE(MakeSparseFile(other_image, 16 * kMiB));

  // A plain target first, and a session on it that must not notice
  // anything that follows.
  EXPECT_OK(m.Ctl("device add f1 --handler vdisk_fileio filename=" + other_image));
  EXPECT_OK(m.Ctl("target add " + t2 + " enabled=1"));
  EXPECT_OK(m.Ctl("lun add " + t2 + " 0 f1"));
  std::string err;
  SessionOptions other;
  other.initiator = kStranger;
  Context bystander = Login(m.esand().portal(), t2, 0, other, &err);
  ASSERT_TRUE(bystander) << err;

  auto out = m.Ctl("device add d0 --handler vdisk_fileio filename=" + image);
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(out.output, "device d0 added\n");
  EXPECT_OK(m.Ctl("target add " + t1));
  EXPECT_OK(m.Ctl("group add " + t1 + " hosts"));
  EXPECT_OK(m.Ctl("initiator add " + t1 + " hosts " + kHost));
  EXPECT_OK(m.Ctl("lun add " + t1 + " 0 d0 --group hosts"));
  EXPECT_OK(m.Ctl("target enable " + t1));

  SessionOptions host;
  host.initiator = kHost;
  Context c = Login(m.esand().portal(), t1, 0, host, &err);
  ASSERT_TRUE(c) << err;
  std::vector<int> luns;
  ASSERT_TRUE(ReportLuns(c.get(), &luns));
  EXPECT_EQ(luns, std::vector<int>{0});
  ASSERT_TRUE(WriteRead(c.get(), 0, 100, 7));
  EXPECT_EQ(ReadFileRange(image, 100 * 512, 64 * 1024), TestData(64 * 1024, 7));
  EXPECT_TRUE(WriteRead(bystander.get(), 0, 0, 8)) << "the session on " << t2 << " was disturbed";

  // Counters rise with I/O, in both forms of esanctl stats.
  auto writes = [&m] {
    auto st = m.Json("stats");
    return st["devices"]["d0"]["commands"].value("write", uint64_t{0});
  };
  uint64_t writes_before = writes();
  EXPECT_GE(writes_before, 1u);
  ASSERT_TRUE(WriteRead(c.get(), 0, 300, 10));
  EXPECT_EQ(writes(), writes_before + 1);
  out = m.Ctl("stats --prometheus");
  EXPECT_NE(out.output.find("esan_device_commands_total{device=\"d0\",op=\"write\"} " +
                            std::to_string(writes_before + 1)),
            std::string::npos)
      << out.output;
  out = m.Ctl("stats");
  EXPECT_NE(out.output.find("WRITE LATENCY"), std::string::npos) << out.output;

  // What people and scripts see.
  auto devices = m.Json("device list");
  ASSERT_TRUE(devices.is_array());
  EXPECT_EQ(devices.size(), 2u);
  auto sessions = m.Json("session list");
  ASSERT_TRUE(sessions.is_array());
  std::string host_session;
  for (const auto& s : sessions)
    if (s.value("initiator", "") == kHost) host_session = s["id"].dump();
  ASSERT_FALSE(host_session.empty()) << sessions.dump();
  out = m.Ctl("session list");
  EXPECT_NE(out.output.find(kHost), std::string::npos) << out.output;
  out = m.Ctl("device list");
  EXPECT_NE(out.output.find(t1 + "/hosts LUN 0"), std::string::npos) << out.output;

  // Refusals: exit 1 with esand's message, and nothing changed.
  std::string before_conf = ReadFile(m.esand().config_path());
  auto before_devices = m.Json("device list");
  EXPECT_REFUSED(m.Ctl("device remove d0"), "d0");
  EXPECT_REFUSED(m.Ctl("device add bad --handler vdisk_fileio filename=" + image + " bogus_attr=1"), "bogus_attr");
  EXPECT_REFUSED(m.Ctl("target show iqn.2026-11.org.esan:nope"), "iqn.2026-11.org.esan:nope");
  EXPECT_REFUSED(m.Ctl("lun add " + t1 + " 0 f1 --group hosts"), "0");
  EXPECT_REFUSED(m.Ctl("device add f1 --handler vdisk_nullio"), "f1");
  EXPECT_EQ(m.Json("device list"), before_devices);
  EXPECT_EQ(ReadFile(m.esand().config_path()), before_conf);
  EXPECT_TRUE(WriteRead(c.get(), 0, 200, 9)) << "a refused change disturbed the session";
  EXPECT_EQ(m.Ctl("device frobnicate").exit_code, 2);
  EXPECT_EQ(RunCommand(std::string(ESANCTL_PATH) + " --socket " + m.esand().Path("none.sock") + " version").exit_code, 3);

  // The written-back configuration has it all.
  std::string conf = ReadFile(m.esand().config_path());
  for (const std::string& s : {std::string("DEVICE d0"), "filename " + image, "TARGET " + t1, std::string("GROUP hosts"),
                               "INITIATOR " + kHost, "TARGET " + t2})
    EXPECT_NE(conf.find(s), std::string::npos) << s << " not in\n" << conf;

  // Closing the session drops its connection.
  EXPECT_OK(m.Ctl("session close " + host_session));
  std::vector<uint8_t> ignored;
  EXPECT_FALSE(Read16(c.get(), 0, 0, 512, &ignored)) << "the closed session still works";
  c.reset();
  bystander.reset();

  // A fresh esand on the written-back file: same objects, data intact.
  ASSERT_TRUE(m.esand().Stop());
  ASSERT_TRUE(m.Start());
  EXPECT_EQ(m.Json("device list").size(), 2u);
  auto target = m.Json("target show " + t1);
  EXPECT_EQ(target["groups"][0]["initiators"], nlohmann::json::array({kHost})) << target.dump();
  c = Login(m.esand().portal(), t1, 0, host, &err);
  ASSERT_TRUE(c) << err;
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(c.get(), 0, 200, 64 * 1024, &back));
  EXPECT_EQ(back, TestData(64 * 1024, 9));
}

TEST(Esanctl, ScstadminSpelling) {
  const std::string t = "iqn.2026-11.org.esan:scst1";
  Managed m("esanctl-scstadmin");
  m.esand().WriteConfig(kDriverOnly);
  ASSERT_TRUE(m.Start());
  const std::string image = m.esand().Path("d1.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  const std::string drv = " -driver iscsi -target " + t;

  EXPECT_OK(m.Scst("-open_dev d1 -handler vdisk_fileio -attributes filename=" + image + ",blocksize=512"));
  EXPECT_OK(m.Scst("-add_target " + t + " -driver iscsi"));
  EXPECT_OK(m.Scst("-add_group hosts" + drv));
  EXPECT_OK(m.Scst("-add_init " + kHost + drv + " -group hosts"));
  EXPECT_OK(m.Scst("-add_lun 0" + drv + " -group hosts -device d1"));
  EXPECT_OK(m.Scst("-enable_target " + t + " -driver iscsi -noprompt"));

  std::string err;
  SessionOptions host;
  host.initiator = kHost;
  Context c = Login(m.esand().portal(), t, 0, host, &err);
  ASSERT_TRUE(c) << err;
  ASSERT_TRUE(WriteRead(c.get(), 0, 8, 21));

  auto out = m.Scst("-list_sessions");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find(kHost), std::string::npos) << out.output;
  out = m.Scst("-list_device");
  EXPECT_NE(out.output.find("d1"), std::string::npos) << out.output;
  out = m.Scst("-list_group hosts" + drv);
  EXPECT_NE(out.output.find(kHost), std::string::npos) << out.output;

  std::string before = ReadFile(m.esand().config_path());
  EXPECT_REFUSED(m.Scst("-close_dev d1 -handler vdisk_fileio"), "d1");
  EXPECT_REFUSED(m.Scst("-rem_target iqn.2026-11.org.esan:nope -driver iscsi"), "iqn.2026-11.org.esan:nope");
  EXPECT_REFUSED(m.Scst("-open_dev x -handler vdisk_fileio -attributes filename=" + image + ",bogus_attr=1"),
                 "bogus_attr");
  EXPECT_EQ(ReadFile(m.esand().config_path()), before);
  EXPECT_EQ(m.Scst("-open_dev x").exit_code, 2);

  // -write_config, then -config applies an edited copy (only the difference).
  const std::string saved = m.esand().Path("saved.conf");
  EXPECT_OK(m.Scst("-write_config " + saved));
  std::string text = ReadFile(saved);
  EXPECT_NE(text.find("DEVICE d1"), std::string::npos) << text;
  ASSERT_TRUE(WriteFile(saved, text + "HANDLER vdisk_nullio {\n    DEVICE n9 {\n        size_mb 8\n    }\n}\n"));
  EXPECT_OK(m.Scst("-config " + saved));
  out = m.Scst("-list_device");
  EXPECT_NE(out.output.find("n9"), std::string::npos) << out.output;
  EXPECT_TRUE(WriteRead(c.get(), 0, 16, 22)) << "applying an unrelated difference disturbed the session";

  // -force removes a mapped device (its LUN goes with it).
  EXPECT_OK(m.Scst("-close_dev d1 -handler vdisk_fileio -force"));
  out = m.Scst("-list_device");
  EXPECT_EQ(out.output.find("d1 "), std::string::npos) << out.output;
  EXPECT_EQ(ReadFile(m.esand().config_path()).find("DEVICE d1"), std::string::npos);
}

TEST(Esanctl, TcpListenerNeedsTheToken) {
  EsandProcess esand("esanctl-tcp");
  esand.WriteConfig(kDriverOnly);
  const int port = FreeLoopbackPort();
  const std::string token = esand.Path("token"), wrong = esand.Path("wrong");
  ASSERT_TRUE(WriteFile(token, "s3cr3t-token-for-the-test\n"));
  ASSERT_TRUE(WriteFile(wrong, "not-the-token\n"));
  EsandProcess::Options o;
  o.extra_args = {"--mgmt-listen", "127.0.0.1:" + std::to_string(port), "--mgmt-token-file", token};
  ASSERT_TRUE(esand.Start(o));
  const std::string ctl = std::string(ESANCTL_PATH) + " --url http://127.0.0.1:" + std::to_string(port);
  auto out = RunCommand(ctl + " --token-file " + token + " version");
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(out.output.rfind("esand ", 0), 0u) << out.output;
  EXPECT_REFUSED(RunCommand(ctl + " --token-file " + wrong + " device list"), "token");
  EXPECT_REFUSED(RunCommand(ctl + " device list"), "token");
  EXPECT_OK(RunCommand(ctl + " --token-file " + token + " device add n0 --handler vdisk_nullio"));
}

}  // namespace
}  // namespace esan::it

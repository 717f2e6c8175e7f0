// The observability functions against a real server::Server in this
// process (the code esand runs; there is no HTTP endpoint yet): I/O from
// libiscsi moves the device, target and session counters by exactly what
// was done; list_sessions() describes a session with the ISID and
// parameters our raw initiator declared; close_session() drops a session
// (the initiator sees its connection close) and a new one still works.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "config/model.h"
#include "server/runtime.h"
#include "server/server.h"
#include "mgmt/observe.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/raw_iscsi.h"

namespace esan::mgmt {
namespace {

using scsi::OpClass;
constexpr char kIqn[] = "iqn.2026-11.org.esan:observe";
constexpr char kIdleIqn[] = "iqn.2026-11.org.esan:observe-idle";
constexpr char kInitiator[] = "iqn.2026-11.org.esan.test:observer";

constexpr std::string_view kConf = R"(
HANDLER vdisk_nullio {
  DEVICE d0 { size_mb 16 }
  DEVICE d1 { size_mb 16 }
}
TARGET_DRIVER iscsi {
  enabled 1
  TARGET iqn.2026-11.org.esan:observe { enabled 1
    LUN 0 d0 }
  TARGET iqn.2026-11.org.esan:observe-idle { enabled 1
    LUN 0 d1 }
}
)";

class ObserveServer : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = config::parse_config(kConf, "observe.conf");
    ASSERT_TRUE(cfg) << cfg.error().message;
    auto rt = server::build_runtime(*cfg, "observe.conf");
    ASSERT_TRUE(rt) << rt.error().message;
    server::ServerOptions opts;
    opts.reactors = 2;
    opts.listen = {"127.0.0.1:0"};
    auto s = server::Server::start(std::move(*rt), opts);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
    portal_ = server_->portal_addresses().at(0);
    port_ = std::stoi(portal_.substr(portal_.rfind(':') + 1));
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  const server::Observation::Device& device(const server::Observation& o, const std::string& name) {
    for (const auto& d : o.devices)
      if (d.name == name) return d;
    ADD_FAILURE() << "no device " << name;
    return o.devices.at(0);
  }
  // Logs in to kIqn as kInitiator with libiscsi (a null context on failure,
  // after a test failure naming the reason).
  it::Context login() {
    it::SessionOptions so;
    so.initiator = kInitiator;
    std::string err;
    it::Context ctx = it::Login(portal_, kIqn, 0, so, &err);
    EXPECT_TRUE(ctx) << err;
    return ctx;
  }
  std::vector<iscsi::SessionInfo> sessions_of(const std::string& initiator) {
    std::vector<iscsi::SessionInfo> out;
    for (auto& s : server_->list_sessions())
      if (s.initiator_name == initiator) out.push_back(s);
    return out;
  }
  // Waits (bounded) until no TCP connection is left.
  bool wait_no_connections() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (server_->observe().connections != 0) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  std::unique_ptr<server::Server> server_;
  std::string portal_;
  int port_ = 0;
};

TEST_F(ObserveServer, IoMovesDeviceTargetAndSessionCountersExactly) {
  it::Context ctx = login();
  ASSERT_TRUE(ctx);
  auto listed = sessions_of(kInitiator);
  ASSERT_EQ(listed.size(), 1u);
  server::Observation before = server_->observe();
  iscsi::SessionCountersSnapshot s0 = listed[0].counters;

  std::vector<uint8_t> data(4096, 0x5a), back;
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(it::Read16(ctx.get(), 0, uint64_t(i) * 8, 4096, &back));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(it::Write16(ctx.get(), 0, uint64_t(i) * 8, data.data(), 4096));
  // One read beyond the end of the 16 MiB LU: CHECK CONDITION.
  it::Task bad = it::Read16Task(ctx.get(), 0, 16 * 2048, 4096);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, SCSI_STATUS_CHECK_CONDITION);

  server::Observation after = server_->observe();
  const auto& d0 = device(before, "d0").stats;
  const auto& d1 = device(after, "d0").stats;
  EXPECT_EQ(d1[OpClass::kRead].commands - d0[OpClass::kRead].commands, 11u);
  EXPECT_EQ(d1[OpClass::kRead].bytes - d0[OpClass::kRead].bytes, 40960u);
  EXPECT_EQ(d1[OpClass::kWrite].commands - d0[OpClass::kWrite].commands, 3u);
  EXPECT_EQ(d1[OpClass::kWrite].bytes - d0[OpClass::kWrite].bytes, 12288u);
  EXPECT_EQ(d1.errors - d0.errors, 1u);
  EXPECT_EQ(device(after, "d1").stats[OpClass::kRead].commands, 0u) << "the other LU saw nothing";

  const auto& t0 = before.targets.at(kIqn).counters;
  const auto& t1 = after.targets.at(kIqn).counters;
  EXPECT_EQ(t1.read_commands - t0.read_commands, 11u);
  EXPECT_EQ(t1.read_bytes - t0.read_bytes, 40960u);
  EXPECT_EQ(t1.write_commands - t0.write_commands, 3u);
  EXPECT_EQ(t1.write_bytes - t0.write_bytes, 12288u);
  EXPECT_EQ(t1.errors - t0.errors, 1u);
  EXPECT_EQ(t1.commands - t0.commands, 14u);
  EXPECT_EQ(after.targets.at(kIqn).sessions, 1u);
  EXPECT_EQ(after.targets.at(kIdleIqn).sessions, 0u);
  EXPECT_EQ(after.targets.at(kIdleIqn).counters.commands, 0u);
  EXPECT_EQ(after.sessions, 1u);
  EXPECT_EQ(after.connections, 1u);
  ASSERT_EQ(after.reactors.size(), 2u);
  EXPECT_GT(after.reactors[0].busy_seconds + after.reactors[1].busy_seconds, 0.0);

  auto now = sessions_of(kInitiator);
  ASSERT_EQ(now.size(), 1u);
  const auto& s1 = now[0].counters;
  EXPECT_EQ(s1.read_commands - s0.read_commands, 11u);
  EXPECT_EQ(s1.read_bytes - s0.read_bytes, 40960u);
  EXPECT_EQ(s1.write_commands - s0.write_commands, 3u);
  EXPECT_EQ(s1.write_bytes - s0.write_bytes, 12288u);
  EXPECT_EQ(s1.errors - s0.errors, 1u);
  EXPECT_EQ(s1.in_flight, 0u) << "synchronous client: nothing outstanding";

  // The same figures through the renderers.
  std::string text = metrics_text(after);
  EXPECT_NE(text.find("esan_device_bytes_total{device=\"d0\",op=\"read\"} " +
                      std::to_string(d1[OpClass::kRead].bytes) + "\n"),
            std::string::npos);
  EXPECT_NE(text.find(std::string("esan_target_sessions{target=\"") + kIqn + "\"} 1\n"), std::string::npos);
  nlohmann::json st = stats_json(after);
  EXPECT_EQ(st["devices"]["d0"]["bytes"]["read"], d1[OpClass::kRead].bytes);
  EXPECT_EQ(st["targets"][kIqn]["sessions"], 1);
  EXPECT_EQ(st["sessions"], 1);

  // Counters of a session that ended stay in its target's totals.
  ctx.reset();  // logout
  ASSERT_TRUE(wait_no_connections());
  server::Observation gone = server_->observe();
  EXPECT_EQ(gone.targets.at(kIqn).sessions, 0u);
  EXPECT_GE(gone.targets.at(kIqn).counters.read_commands, t1.read_commands);
  EXPECT_GE(gone.targets.at(kIqn).counters.read_bytes, t1.read_bytes);
  EXPECT_EQ(gone.sessions, 0u);
}

TEST_F(ObserveServer, ListShowsTheNegotiatedParametersOfASession) {
  it::raw::Session raw;
  it::raw::Session::Params p;
  p.initiator = "iqn.2026-11.org.esan.test:raw-observer";
  p.target = kIqn;
  p.isid = {0x80, 0xab, 0xcd, 0xef, 0x12, 0x34};
  p.header_digest = "CRC32C";
  p.initial_r2t = "No";
  p.max_recv_dsl = 16384;
  std::map<std::string, std::string> keys;
  ASSERT_TRUE(raw.Login(port_, p, &keys));
  auto listed = sessions_of(p.initiator);
  ASSERT_EQ(listed.size(), 1u);
  const iscsi::SessionInfo& s = listed[0];
  EXPECT_NE(s.tsih, 0);
  EXPECT_EQ(s.isid_hex, "80abcdef1234");
  EXPECT_EQ(s.target_name, kIqn);
  EXPECT_EQ(s.portal, portal_);
  EXPECT_TRUE(s.peer.starts_with("127.0.0.1:")) << s.peer;
  EXPECT_FALSE(s.discovery);

  nlohmann::json j = session_json(s);
  EXPECT_EQ(j["id"], s.tsih);
  EXPECT_EQ(j["initiator"], p.initiator);
  EXPECT_EQ(j["params"]["HeaderDigest"], "CRC32C");
  EXPECT_EQ(j["params"]["DataDigest"], "None");
  EXPECT_EQ(j["params"]["MaxXmitDataSegmentLength"], 16384) << "what the initiator declared";
  EXPECT_EQ(j["params"]["MaxRecvDataSegmentLength"], raw.target_mrdsl()) << "what esand declared";
  EXPECT_EQ(j["params"]["InitialR2T"], raw.initial_r2t() ? "Yes" : "No");
  EXPECT_EQ(j["params"]["InitialR2T"], keys.at("InitialR2T"));
  EXPECT_EQ(j["params"]["FirstBurstLength"], raw.first_burst());
  EXPECT_EQ(j["params"]["MaxBurstLength"], std::stoul(keys.at("MaxBurstLength")));
  EXPECT_EQ(j["params"]["ImmediateData"], keys.at("ImmediateData"));
  EXPECT_EQ(j["params"]["MaxOutstandingR2T"], 1) << "RFC default, the initiator did not offer one";
}

TEST_F(ObserveServer, CloseSessionDropsItAndANewSessionWorks) {
  it::Context ctx = login();
  ASSERT_TRUE(ctx);
  auto listed = sessions_of(kInitiator);
  ASSERT_EQ(listed.size(), 1u);
  uint16_t tsih = listed[0].tsih;

  EXPECT_EQ(server_->close_session(uint16_t(tsih + 100)).error().code, Errc::kNotFound);
  ASSERT_TRUE(server_->close_session(tsih));
  EXPECT_TRUE(sessions_of(kInitiator).empty()) << "a closed session leaves the list at once";
  auto again = server_->close_session(tsih);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kNotFound);

  // The initiator sees its connection go: once the server has dropped it,
  // the next command fails (libiscsi does not reconnect in these tests).
  ASSERT_TRUE(wait_no_connections());
  std::vector<uint8_t> back;
  it::Task t = it::Read16Task(ctx.get(), 0, 0, 4096);
  EXPECT_TRUE(!t || t->status != SCSI_STATUS_GOOD) << "a command on the closed session succeeded";
  ctx.reset();

  it::Context ctx2 = login();
  ASSERT_TRUE(ctx2);
  EXPECT_TRUE(it::Read16(ctx2.get(), 0, 0, 4096, &back));
  auto now = sessions_of(kInitiator);
  ASSERT_EQ(now.size(), 1u);
  EXPECT_NE(now[0].tsih, tsih);
  EXPECT_EQ(now[0].counters.read_commands, 1u) << "a new session counts from zero";
}

TEST_F(ObserveServer, RawSessionSeesTheCloseOnItsSocket) {
  it::raw::Session raw;
  it::raw::Session::Params p;
  p.initiator = "iqn.2026-11.org.esan.test:raw-closed";
  p.target = kIqn;
  ASSERT_TRUE(raw.Login(port_, p));
  auto listed = sessions_of(p.initiator);
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_TRUE(server_->close_session(listed[0].tsih));
  EXPECT_TRUE(raw.conn()->WaitClosed(std::chrono::seconds(10))) << "the connection was not closed";
}

TEST_F(ObserveServer, CommandWaitingForDataIsInFlightAndAbortedByClose) {
  it::raw::Session raw;
  it::raw::Session::Params p;
  p.initiator = "iqn.2026-11.org.esan.test:raw-inflight";
  p.target = kIqn;
  p.immediate_data = "No";  // with InitialR2T=Yes every data byte waits for an R2T
  ASSERT_TRUE(raw.Login(port_, p));
  ASSERT_TRUE(raw.WaitReady(0));
  uint64_t writes_before = device(server_->observe(), "d0").stats[OpClass::kWrite].commands;

  it::raw::Pdu cmd;
  cmd.bhs[0] = 0x01;                // SCSI Command
  cmd.bhs[1] = 0x80 | 0x20 | 0x01;  // F, W, SIMPLE
  cmd.Set32(16, 0x1234);            // ITT
  cmd.Set32(20, 8192);              // expected data transfer length
  cmd.Set32(24, raw.cmdsn());
  cmd.Set32(28, raw.expstatsn());
  std::vector<uint8_t> cdb = it::raw::Cdb16(0x8a, 0, 16);  // WRITE(16), 16 x 512 bytes
  std::copy(cdb.begin(), cdb.end(), cmd.bhs.begin() + 32);
  ASSERT_TRUE(raw.conn()->SendPdu(cmd));
  it::raw::Pdu r2t;
  std::string why;
  ASSERT_EQ(raw.conn()->ReadPdu(&r2t, std::chrono::seconds(10), &why), it::raw::Conn::Recv::kOk) << why;
  ASSERT_EQ(r2t.opcode(), 0x31) << "expected an R2T";

  auto listed = sessions_of(p.initiator);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].counters.in_flight, 1u);
  EXPECT_EQ(sessions_json(listed)[0]["counters"]["in_flight"], 1);
  EXPECT_EQ(server_->observe().targets.at(kIqn).counters.in_flight, 1u);

  ASSERT_TRUE(server_->close_session(listed[0].tsih));
  EXPECT_TRUE(raw.conn()->WaitClosed(std::chrono::seconds(10)));
  ASSERT_TRUE(wait_no_connections());
  server::Observation after = server_->observe();
  EXPECT_EQ(device(after, "d0").stats[OpClass::kWrite].commands, writes_before) << "the write never ran";
  EXPECT_EQ(after.targets.at(kIqn).counters.in_flight, 0u);
  EXPECT_EQ(after.targets.at(kIqn).sessions, 0u);
}

TEST(ObserveSessionId, Parse) {
  EXPECT_EQ(*parse_session_id("1"), 1);
  EXPECT_EQ(*parse_session_id("65535"), 65535);
  for (const char* bad : {"", "0", "65536", "-1", "12a", " 3", "0x10"})
    EXPECT_EQ(parse_session_id(bad).error().code, Errc::kInvalidArgument) << bad;
}

}  // namespace
}  // namespace esan::mgmt

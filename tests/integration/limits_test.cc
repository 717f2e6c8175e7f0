// Resource limits under load: QueuedCommands (CmdSN window, TASK SET FULL),
// the per-connection data budget (R2T floods), idle connection floods, a
// reader that never reads, login floods and MaxSessions. Every limit is
// met with the protocol's refusal; afterwards esand serves a normal session
// with bounded VmRSS and its descriptors back at the idle baseline.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/abuse_util.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;
using abuse::RawSession;
constexpr char kIqn[] = "iqn.2026-11.org.esan:limits";
constexpr char kOutOfResources[] = "status class 3 detail 2";

class Limits : public ::testing::Test {
 protected:
  void Start(const std::string& driver_lines, const std::string& target_lines) {
    std::string image = esand_.Path("disk0.img");
    ASSERT_TRUE(MakeSparseFile(image, 16 << 20));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                       IscsiDriver(driver_lines + Target(kIqn, "        LUN 0 disk0\n" + target_lines)));
    EsandProcess::Options o;
    o.login_timeout = 60;
    o.log_level = "info";
    ASSERT_TRUE(esand_.Start(o));
    baseline_ = abuse::IdleFds(esand_);
    ASSERT_GT(baseline_, 0);
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }
  ::testing::AssertionResult Healthy(const std::string& label) {
    return abuse::Healthy(esand_, kIqn, baseline_, label);
  }

  EsandProcess esand_{"limits"};
  int baseline_ = 0;
};

size_t CountStatus(const std::vector<raw::Pdu>& pdus, uint8_t status) {
  size_t n = 0;
  for (const auto& p : pdus) n += p.opcode() == raw::kScsiResponse && p.bhs[3] == status;
  return n;
}
size_t Count(const std::vector<raw::Pdu>& pdus, uint8_t opcode) {
  size_t n = 0;
  for (const auto& p : pdus) n += p.opcode() == opcode;
  return n;
}

TEST_F(Limits, QueuedCommandsSizesTheWindowAndExtraCommandsGetTaskSetFull) {
  ASSERT_NO_FATAL_FAILURE(Start("", "        QueuedCommands 8\n"));
  RawSession s;
  ASSERT_TRUE(s.Login(esand_.port(), kIqn));
  raw::Pdu nop = s.NopOut();
  ASSERT_TRUE(s.Send(nop));
  raw::Pdu in;
  ASSERT_EQ(s.Next(&in), raw::Conn::Recv::kOk);
  ASSERT_EQ(in.opcode(), raw::kNopIn);
  EXPECT_EQ(in.Get32(32) - in.Get32(28) + 1, 8u) << "MaxCmdSN - ExpCmdSN + 1";
  // 8 WRITEs fill the window; 12 immediate ones (outside the window) go
  // beyond QueuedCommands. None sends its data.
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(s.Send(s.Command(true, 128, 65536)));
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(s.Send(s.Command(true, 128, 65536, true)));
  std::vector<raw::Pdu> got;
  ASSERT_TRUE(s.Ping(&got));
  std::printf("[limits] QueuedCommands 8: %zu R2Ts, %zu TASK SET FULL\n", Count(got, raw::kR2T),
              CountStatus(got, 0x28));
  EXPECT_EQ(Count(got, raw::kR2T), 8u);
  EXPECT_EQ(CountStatus(got, 0x28), 12u);
  EXPECT_EQ(Count(got, raw::kReject), 0u);
  // The window is closed while 8 commands are in flight.
  ASSERT_TRUE(s.Send(s.NopOut()));
  ASSERT_EQ(s.Next(&in), raw::Conn::Recv::kOk);
  ASSERT_EQ(in.opcode(), raw::kNopIn);
  EXPECT_EQ(in.Get32(32) + 1, in.Get32(28)) << "MaxCmdSN + 1 == ExpCmdSN";
  s = RawSession();  // drop the session with 8 tasks waiting for data
  EXPECT_TRUE(Healthy("QueuedCommands flood"));
}

TEST_F(Limits, R2TFloodMeetsTheDataBudget) {
  ASSERT_NO_FATAL_FAILURE(Start("    esan_max_buffered_mb 16\n", ""));
  RawSession s;
  ASSERT_TRUE(s.Login(esand_.port(), kIqn));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s.Send(s.Command(true, 2048, 1 << 20)));
  std::vector<raw::Pdu> got;
  ASSERT_TRUE(s.Ping(&got));
  std::printf("[limits] 16 MiB budget, 20 x 1 MiB WRITEs: %zu R2Ts, %zu TASK SET FULL\n",
              Count(got, raw::kR2T), CountStatus(got, 0x28));
  EXPECT_EQ(Count(got, raw::kR2T), 16u);
  EXPECT_EQ(CountStatus(got, 0x28), 4u);
  // A WRITE expecting more than any command may carry: CHECK CONDITION.
  ASSERT_TRUE(s.Send(s.Command(true, 2048, 64 << 20)));
  raw::Pdu rsp;
  ASSERT_EQ(s.Next(&rsp), raw::Conn::Recv::kOk);
  ASSERT_EQ(rsp.opcode(), raw::kScsiResponse);
  EXPECT_EQ(rsp.bhs[3], 0x02);
  ASSERT_GE(rsp.data.size(), 16u);
  EXPECT_EQ(rsp.data[2 + 2] & 0x0f, 0x05) << "ILLEGAL REQUEST";
  EXPECT_EQ(rsp.data[2 + 12], 0x24) << "INVALID FIELD IN CDB";
  s = RawSession();
  EXPECT_TRUE(Healthy("R2T flood"));
}

TEST_F(Limits, ThousandIdleConnections) {
  ASSERT_NO_FATAL_FAILURE(Start("", ""));
  constexpr int kConns = 1000;
  std::vector<std::unique_ptr<raw::Conn>> idle;
  std::string err;
  for (int i = 0; i < kConns; ++i) {
    auto c = raw::Conn::Connect(esand_.port(), &err);
    ASSERT_TRUE(c) << "connection " << i << ": " << err;
    idle.push_back(std::move(c));
  }
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (abuse::OpenSockets(esand_.pid()) < kConns + abuse::kListeningSockets && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  int sockets = abuse::OpenSockets(esand_.pid());
  long rss = abuse::VmRssKib(esand_.pid());
  std::printf("[limits] %d idle connections: esand holds %d sockets, VmRSS %ld KiB\n", kConns,
              sockets, rss);
  EXPECT_EQ(sockets, kConns + abuse::kListeningSockets);
  EXPECT_LT(rss, abuse::kRssLimitKib);
  // Beyond esan_max_connections_per_initiator (default 256) a login is
  // refused with "out of resources", not dropped.
  RawSession s;
  auto r = s.Login(esand_.port(), kIqn);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find(kOutOfResources), std::string::npos) << r.message();
  s = RawSession();
  // Idle connections beyond the limit are closed after 5 s (they never sent
  // the Login Request that would be refused); the 256 within it are kept.
  deadline = std::chrono::steady_clock::now() + 20s;
  while (abuse::OpenSockets(esand_.pid()) > 256 + abuse::kListeningSockets && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  sockets = abuse::OpenSockets(esand_.pid());
  std::printf("[limits] after the refused-login deadline esand holds %d sockets\n", sockets);
  EXPECT_EQ(sockets, 256 + abuse::kListeningSockets);
  idle.clear();
  // The limit holds until esand has seen the idle connections go.
  EXPECT_TRUE(abuse::WaitIdle(esand_.pid(), 15s));
  EXPECT_TRUE(Healthy("1000 idle connections"));
}

TEST_F(Limits, ReaderThatNeverReadsIsNotBufferedWithoutBound) {
  ASSERT_NO_FATAL_FAILURE(Start("", ""));
  RawSession s;
  ASSERT_TRUE(s.Login(esand_.port(), kIqn));
  int fd = s.conn()->fd();
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Immediate READs of 64 KiB each, never reading an answer.
  constexpr size_t kBatch = 1000, kMaxBatches = 1000;
  size_t sent_bytes = 0, batches = 0;
  bool stalled = false;
  std::vector<uint8_t> wire;
  for (; batches < kMaxBatches && !stalled; ++batches) {
    wire.clear();
    for (size_t i = 0; i < kBatch; ++i) {
      raw::Pdu cmd = s.Command(false, 128, 65536, true);
      wire.insert(wire.end(), cmd.bhs.begin(), cmd.bhs.end());
    }
    for (size_t off = 0; off < wire.size();) {
      ssize_t n = ::send(fd, wire.data() + off, wire.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += size_t(n), sent_bytes += size_t(n);
        continue;
      }
      ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << "send: " << errno;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 2000) == 0) {  // no room for 2 s: esand stopped reading
        stalled = true;
        break;
      }
    }
  }
  long rss = abuse::VmRssKib(esand_.pid());
  std::printf("[limits] slow reader: %zu commands (%zu KiB) sent before esand stopped reading, VmRSS %ld KiB\n",
              sent_bytes / 48, sent_bytes / 1024, rss);
  EXPECT_TRUE(stalled) << "esand read " << sent_bytes << " bytes without stopping";
  EXPECT_LT(rss, abuse::kRssLimitKib);
  s = RawSession();
  EXPECT_TRUE(Healthy("slow reader"));
}

TEST_F(Limits, LoginFlood) {
  ASSERT_NO_FATAL_FAILURE(Start("", ""));
  int ok = 0;
  for (int i = 0; i < 400; ++i) {  // half reinstate one ISID, half use new ones
    RawSession s;
    ok += bool(s.Login(esand_.port(), kIqn, uint8_t(i % 2 ? 1 : i / 2)));
  }
  std::printf("[limits] login flood: %d of 400 logins succeeded\n", ok);
  EXPECT_EQ(ok, 400);
  EXPECT_TRUE(Healthy("login flood"));
}

TEST_F(Limits, MaxSessionsPerTarget) {
  ASSERT_NO_FATAL_FAILURE(Start("", "        MaxSessions 2\n"));
  auto s1 = std::make_unique<RawSession>(), s2 = std::make_unique<RawSession>();
  ASSERT_TRUE(s1->Login(esand_.port(), kIqn, 1));
  ASSERT_TRUE(s2->Login(esand_.port(), kIqn, 2));
  {
    RawSession s3;
    auto r = s3.Login(esand_.port(), kIqn, 3);
    ASSERT_FALSE(r) << "a third session was let in";
    EXPECT_NE(std::string(r.message()).find(kOutOfResources), std::string::npos) << r.message();
  }
  // Reinstating an existing session (same initiator and ISID) is allowed.
  auto again = std::make_unique<RawSession>();
  EXPECT_TRUE(again->Login(esand_.port(), kIqn, 1));
  s1.reset();
  s2.reset();
  // Once s2 is gone there is room again.
  bool in = false;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!in && std::chrono::steady_clock::now() < deadline) {
    RawSession s3;
    in = bool(s3.Login(esand_.port(), kIqn, 3));
    if (!in) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(in) << "no session slot freed after a session closed";
  again.reset();
  // The sessions just closed free their slots once esand has seen the
  // connections end: a health check's login may have to wait for that.
  bool healthy = false;
  deadline = std::chrono::steady_clock::now() + 10s;
  while (!healthy && std::chrono::steady_clock::now() < deadline) {
    healthy = Healthy("MaxSessions");
    if (!healthy) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(healthy);
}

}  // namespace
}  // namespace esan::it

// Hostile input on the wire: garbage, truncated and oversized PDUs, AHS
// junk, opcodes that do not belong to the phase, CmdSNs outside the
// window, Data-Out for unknown tasks. After every case esand still serves a
// normal session, its VmRSS stays bounded and its descriptors return to the
// idle baseline (abuse_util.h). MalformedPdus in protocol_test.cc covers
// the login-phase basics (garbage BHS, oversized login, command before
// login) with a session running alongside.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "tests/integration/abuse_util.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;
using abuse::RawSession;
constexpr char kIqn[] = "iqn.2026-11.org.esan:abuse";

class WireAbuse : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string image = esand_.Path("disk0.img");
    ASSERT_TRUE(MakeSparseFile(image, 16 << 20));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                       IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
    EsandProcess::Options o;
    o.login_timeout = 60;  // closes seen below are not the login timer
    o.log_level = "info";
    ASSERT_TRUE(esand_.Start(o));
    baseline_ = abuse::IdleFds(esand_);
    ASSERT_GT(baseline_, 0);
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }
  ::testing::AssertionResult Healthy(const std::string& label) {
    return abuse::Healthy(esand_, kIqn, baseline_, label);
  }
  std::unique_ptr<raw::Conn> Connect() {
    std::string err;
    auto c = raw::Conn::Connect(esand_.port(), &err);
    EXPECT_TRUE(c) << err;
    return c;
  }

  EsandProcess esand_{"abuse"};
  int baseline_ = 0;
};

// A bare 48-byte header with opcode `op` and an ITT.
raw::Pdu Bare(uint8_t op, uint32_t itt, uint32_t cmdsn) {
  raw::Pdu p;
  p.bhs[0] = op;
  p.bhs[1] = 0x80;
  p.Set32(16, itt);
  p.Set32(20, 0xffffffff);
  p.Set32(24, cmdsn);
  return p;
}

size_t Count(const std::vector<raw::Pdu>& pdus, uint8_t opcode) {
  size_t n = 0;
  for (const auto& p : pdus) n += p.opcode() == opcode;
  return n;
}

TEST_F(WireAbuse, GarbageAndTruncatedHeaders) {
  for (int i = 0; i < 10; ++i) {
    auto c = Connect();
    ASSERT_TRUE(c);
    std::vector<uint8_t> junk = TestData(64 * 1024, 100 + i);
    junk[0] = 0x1e;  // no initiator opcode
    c->SendAll(junk.data(), junk.size());  // esand may close midway
    EXPECT_TRUE(c->WaitClosed(5s)) << "garbage connection " << i << " still open";
  }
  {
    std::vector<std::unique_ptr<raw::Conn>> held;
    for (size_t n = 1; n < 48; n += 3) {  // truncated BHS, some closed, some held open
      auto c = Connect();
      ASSERT_TRUE(c);
      raw::Pdu login = raw::LoginRequest({0x80, 0, 0, 0, 0, 7}, 1, 1, 0, 1, 3, true, {});
      ASSERT_TRUE(c->SendAll(login.bhs.data(), n));
      if (n % 2) held.push_back(std::move(c));
    }
  }  // the held ones close here
  EXPECT_TRUE(Healthy("garbage+truncated"));
}

TEST_F(WireAbuse, DataSegmentLongerThanNegotiated) {
  const uint32_t lengths[] = {262144 + 512, 0xffffff};  // target MRDSL 262144; 16 MiB - 1
  for (uint32_t dsl : lengths) {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn));
    raw::Pdu cmd = s.Command(true, 8, 4096);
    cmd.SetDsl(dsl);
    ASSERT_TRUE(s.Send(cmd));
    std::vector<uint8_t> some(4096, 0xab);  // far less than announced
    s.conn()->SendAll(some.data(), some.size());
    std::vector<uint8_t> got;
    EXPECT_TRUE(s.conn()->WaitClosed(5s, &got)) << "DSL " << dsl << ": connection kept";
    ASSERT_GE(got.size(), 48u) << "DSL " << dsl << ": no Reject before the close";
    EXPECT_EQ(got[0] & 0x3f, raw::kReject);
  }
  EXPECT_TRUE(Healthy("oversized data segment"));
}

TEST_F(WireAbuse, AhsJunk) {
  {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn));
    for (int i = 0; i < 20; ++i) {
      raw::Pdu cmd = s.Command(false, 8, 4096);
      size_t words = i == 0 ? 255 : 1 + size_t(i) * 12;  // TotalAHSLength, 4-byte words
      cmd.ahs = TestData(words * 4, 500 + i);
      if (i % 2) {  // an extended-CDB AHS claiming more bytes than sent
        cmd.ahs[0] = 0xff;
        cmd.ahs[1] = uint8_t(i);
        cmd.ahs[2] = 0x01;
      }
      if (i == 3) cmd.ahs[0] = cmd.ahs[1] = 0;  // AHSLength 0
      cmd.bhs[4] = uint8_t(words);
      ASSERT_TRUE(s.Send(cmd));
      raw::Pdu answer;
      EXPECT_TRUE(s.Await(cmd.Get32(16), &answer)) << "case " << i;
      ASSERT_TRUE(s.Ping()) << "case " << i;
    }
  }
  EXPECT_TRUE(Healthy("AHS junk"));
}

TEST_F(WireAbuse, OpcodesOutOfPhase) {
  // Login phase: anything but a Login Request ends the connection.
  const uint8_t login_phase[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x10, 0x1c,
                                 0x1e, 0x20, 0x21, 0x23, 0x31, 0x3f};
  for (uint8_t op : login_phase) {
    auto c = Connect();
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->SendPdu(Bare(op, 9, 1)));
    std::vector<uint8_t> got;
    EXPECT_TRUE(c->WaitClosed(5s, &got)) << "opcode " << int(op) << " in login phase";
    if (got.size() >= 48) {
      EXPECT_NE(got[0] & 0x3f, raw::kLoginResponse) << int(op);
    }
  }
  // Full feature phase: a Reject, and the session carries on.
  const uint8_t ffp[] = {0x03, 0x07, 0x08, 0x0f, 0x10, 0x1c, 0x1d, 0x1e, 0x20,
                         0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f};
  {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn));
    for (uint8_t op : ffp) {
      ASSERT_TRUE(s.Send(Bare(op, s.next_itt(), s.cmdsn())));
      std::vector<raw::Pdu> before;
      ASSERT_TRUE(s.Ping(&before)) << "opcode " << int(op);
      EXPECT_EQ(Count(before, raw::kReject), 1u) << "opcode " << int(op);
    }
  }
  EXPECT_TRUE(Healthy("opcodes out of phase"));
}

TEST_F(WireAbuse, CmdSnFarOutsideTheWindow) {
  {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn));
    uint32_t sn = s.cmdsn();
    const uint32_t offsets[] = {1000, 100000, 0x7fffffff, 0x80000000u, uint32_t(-1), uint32_t(-1000)};
    for (int round = 0; round < 200; ++round)
      for (uint32_t off : offsets) {
        s.set_cmdsn(sn + off);
        ASSERT_TRUE(s.Send(s.Command(false, 8, 4096)));
      }
    s.set_cmdsn(sn);
    std::vector<raw::Pdu> before;
    ASSERT_TRUE(s.Ping(&before));
    EXPECT_TRUE(before.empty()) << before.size() << " answers to commands outside the window";
    // The window did not move: the next in-order command runs.
    raw::Pdu cmd = s.Command(false, 8, 4096);
    ASSERT_TRUE(s.Send(cmd));
    raw::Pdu answer;
    ASSERT_TRUE(s.Await(cmd.Get32(16), &answer));
    EXPECT_NE(answer.opcode(), raw::kReject);
    EXPECT_EQ(answer.Get32(28), sn + 1) << "ExpCmdSN";
  }
  EXPECT_TRUE(Healthy("CmdSN outside window"));
}

TEST_F(WireAbuse, DataOutForUnknownTasks) {
  RawSession s;
  ASSERT_TRUE(s.Login(esand_.port(), kIqn));
  for (uint32_t i = 0; i < 1000; ++i) {
    raw::Pdu d = Bare(raw::kDataOut, 0x7000000 + i, 0);
    d.bhs[0] = raw::kDataOut;
    d.Set32(20, i % 2 ? 0xffffffff : 0x5000 + i);  // TTT
    d.Set32(40, i * 512);                           // buffer offset
    d.data = TestData(512, i);
    d.SetDsl(512);
    ASSERT_TRUE(s.Send(d));
  }
  std::vector<raw::Pdu> before;
  ASSERT_TRUE(s.Ping(&before)) << "session dropped by Data-Out for unknown ITTs";
  EXPECT_TRUE(before.empty());
  // A known ITT with a TTT the target never gave is a protocol error.
  raw::Pdu cmd = s.Command(true, 8, 4096);
  ASSERT_TRUE(s.Send(cmd));
  raw::Pdu r2t;
  ASSERT_EQ(s.Next(&r2t), raw::Conn::Recv::kOk);
  ASSERT_EQ(r2t.opcode(), raw::kR2T);
  raw::Pdu d = Bare(raw::kDataOut, cmd.Get32(16), 0);
  d.Set32(20, r2t.Get32(20) ^ 0x55);
  d.data = TestData(4096, 1);
  d.SetDsl(4096);
  ASSERT_TRUE(s.Send(d));
  std::vector<uint8_t> got;
  EXPECT_TRUE(s.conn()->WaitClosed(5s, &got));
  ASSERT_GE(got.size(), 48u);
  EXPECT_EQ(got[0] & 0x3f, raw::kReject);
  EXPECT_TRUE(Healthy("Data-Out unknown task"));
}

// A 256 KiB Data-Out whose header and first 8 KiB arrive, then a pause:
// esand receives the rest straight into the task's buffer (the direct
// receive, docs/ARCHITECTURE.md "Data path"). Returns the WRITE's ITT.
uint32_t StartLargeDataOut(RawSession& s, std::vector<uint8_t>* rest) {
  constexpr uint32_t kLen = 256 * 1024;
  raw::Pdu cmd = s.Command(true, kLen / 512, kLen);
  EXPECT_TRUE(s.Send(cmd));
  raw::Pdu r2t;
  EXPECT_EQ(s.Next(&r2t), raw::Conn::Recv::kOk);
  EXPECT_EQ(r2t.opcode(), raw::kR2T);
  raw::Pdu d = Bare(raw::kDataOut, cmd.Get32(16), 0);
  d.bhs[0] = raw::kDataOut;
  d.Set32(20, r2t.Get32(20));  // TTT
  d.Set32(40, 0);              // buffer offset
  d.SetDsl(kLen);
  std::vector<uint8_t> data = TestData(kLen, 7);
  EXPECT_TRUE(s.conn()->SendAll(d.bhs.data(), d.bhs.size()));
  EXPECT_TRUE(s.conn()->SendAll(data.data(), 8192));
  rest->assign(data.begin() + 8192, data.end());
  return cmd.Get32(16);
}

// The task a direct receive writes into is aborted meanwhile (PREEMPT AND
// ABORT from another session) and then its data arrives: the buffer stays
// valid until the receive ends (ASan would see it otherwise), the aborted
// WRITE gets no response, the session goes on. A second session closes in
// the middle of such a receive: nothing leaks.
TEST_F(WireAbuse, AbortAndCloseDuringADirectDataOutReceive) {
  auto a_owner = std::make_unique<RawSession>();
  RawSession& a = *a_owner;
  ASSERT_TRUE(a.Login(esand_.port(), kIqn, 1, "iqn.2026-11.org.esan.test:direct-a"));
  // A registers key 0xA (PERSISTENT RESERVE OUT, REGISTER, 24 bytes
  // immediate); the first try may meet the power-on unit attention.
  raw::Pdu answer;
  for (int i = 0; i < 3; ++i) {
    raw::Pdu reg = a.Command(true, 0, 24);
    std::fill(reg.bhs.begin() + 32, reg.bhs.end(), 0);
    reg.bhs[32] = 0x5f;
    reg.bhs[40] = 24;  // parameter list length (bytes 5-8)
    reg.data.assign(24, 0);
    reg.data[15] = 0x0a;  // service action reservation key
    reg.SetDsl(24);
    ASSERT_TRUE(a.Send(reg));
    ASSERT_TRUE(a.Await(reg.Get32(16), &answer));
    ASSERT_EQ(answer.opcode(), raw::kScsiResponse);
    if (answer.bhs[3] == 0) break;
  }
  ASSERT_EQ(answer.bhs[3], 0) << "A's REGISTER";

  SessionOptions ob;
  ob.initiator = "iqn.2026-11.org.esan.test:direct-b";
  std::string err;
  Context b = Login(esand_.portal(), kIqn, 0, ob, &err);
  ASSERT_TRUE(b) << err;
  scsi_persistent_reserve_out_basic p{};
  p.service_action_reservation_key = 0xb;
  Task t(iscsi_persistent_reserve_out_sync(b.get(), 0, SCSI_PERSISTENT_RESERVE_REGISTER, 0, 1, &p));
  ASSERT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(b.get(), t.get());

  std::vector<uint8_t> rest;
  uint32_t write_itt = StartLargeDataOut(a, &rest);
  std::this_thread::sleep_for(300ms);  // esand is in the direct receive now
  p.reservation_key = 0xb;
  p.service_action_reservation_key = 0xa;
  Task pa(iscsi_persistent_reserve_out_sync(b.get(), 0, SCSI_PERSISTENT_RESERVE_PREEMPT_AND_ABORT, 0, 1, &p));
  ASSERT_TRUE(pa && pa->status == SCSI_STATUS_GOOD) << Describe(b.get(), pa.get());
  std::this_thread::sleep_for(100ms);  // the abort reaches A's connection
  ASSERT_TRUE(a.conn()->SendAll(rest.data(), rest.size()));
  std::vector<raw::Pdu> before;
  ASSERT_TRUE(a.Ping(&before)) << "A's session after its aborted WRITE's data arrived";
  for (const auto& pdu : before)
    EXPECT_FALSE(pdu.opcode() == raw::kScsiResponse && pdu.Get32(16) == write_itt) << "an aborted task answered";

  {
    RawSession c;
    ASSERT_TRUE(c.Login(esand_.port(), kIqn, 3, "iqn.2026-11.org.esan.test:direct-c"));
    std::vector<uint8_t> unused;
    StartLargeDataOut(c, &unused);
    std::this_thread::sleep_for(300ms);
  }  // closed in the middle of the receive
  b = Context();
  a_owner.reset();
  EXPECT_TRUE(Healthy("direct Data-Out receive aborted and closed"));
}

// A WRITE of `data` at `lba` whose immediate data is all of it (F bit).
raw::Pdu ImmediateWrite(RawSession& s, uint64_t lba, const std::vector<uint8_t>& data) {
  raw::Pdu cmd = s.Command(true, uint32_t(data.size() / 512), uint32_t(data.size()));
  for (int i = 0; i < 8; ++i) cmd.bhs[34 + i] = uint8_t(lba >> (56 - 8 * i));
  cmd.SetDsl(uint32_t(data.size()));
  return cmd;
}

// Sends the command's header and the first 4 KiB of its immediate data,
// waits, then the rest: esand has the header long before the data.
::testing::AssertionResult SendSplit(RawSession& s, const raw::Pdu& cmd, const std::vector<uint8_t>& data) {
  if (!s.conn()->SendAll(cmd.bhs.data(), cmd.bhs.size()) || !s.conn()->SendAll(data.data(), 4096))
    return ::testing::AssertionFailure() << "send of the header and first part";
  std::this_thread::sleep_for(200ms);
  if (!s.conn()->SendAll(data.data() + 4096, data.size() - 4096))
    return ::testing::AssertionFailure() << "send of the rest";
  return ::testing::AssertionSuccess();
}

// Immediate data that arrives well after its header lands where it should
// whether the command runs at once, waits in the CmdSN queue for a gap to
// fill, or is refused; a close in the middle of it leaks nothing.
TEST_F(WireAbuse, ImmediateDataArrivingAfterItsHeader) {
  constexpr size_t kLen = 64 * 1024;  // FirstBurstLength 64 KiB (the default)
  const std::vector<uint8_t> a = TestData(kLen, 11), b = TestData(kLen, 12), c = TestData(kLen, 13);
  {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn, 5, "iqn.2026-11.org.esan.test:immediate"));
    raw::Pdu answer;
    raw::Pdu first = s.Command(false, 8, 4096);  // takes the power-on unit attention
    ASSERT_TRUE(s.Send(first));
    ASSERT_TRUE(s.Await(first.Get32(16), &answer));

    raw::Pdu wa = ImmediateWrite(s, 0, a);
    ASSERT_TRUE(SendSplit(s, wa, a));
    ASSERT_TRUE(s.Await(wa.Get32(16), &answer));
    ASSERT_EQ(answer.opcode(), raw::kScsiResponse);
    EXPECT_EQ(answer.bhs[3], 0) << "status of the WRITE at LBA 0";

    // CmdSN n+1 arrives before n: it waits in the queue.
    raw::Pdu wb = ImmediateWrite(s, 128, b), wc = ImmediateWrite(s, 256, c);
    ASSERT_TRUE(SendSplit(s, wc, c));
    ASSERT_TRUE(SendSplit(s, wb, b));
    for (const raw::Pdu* w : {&wb, &wc}) {
      ASSERT_TRUE(s.Await(w->Get32(16), &answer));
      ASSERT_EQ(answer.opcode(), raw::kScsiResponse);
      EXPECT_EQ(answer.bhs[3], 0) << "status of ITT " << w->Get32(16);
    }

    // The reserved ITT is refused after its data is in; the session goes on.
    raw::Pdu bad = ImmediateWrite(s, 384, a);
    bad.Set32(16, 0xffffffff);
    ASSERT_TRUE(SendSplit(s, bad, a));
    std::vector<raw::Pdu> before;
    ASSERT_TRUE(s.Ping(&before)) << "session after a refused command with immediate data";
    EXPECT_EQ(Count(before, raw::kReject), 1u);
  }
  std::string err;
  Context r = Login(esand_.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(r) << err;
  ASSERT_TRUE(WaitReady(r.get(), 0));
  const std::pair<uint64_t, const std::vector<uint8_t>*> expect[] = {{0, &a}, {128, &b}, {256, &c}};
  for (const auto& [lba, want] : expect) {
    std::vector<uint8_t> got;
    ASSERT_TRUE(Read16(r.get(), 0, lba, kLen, &got));
    EXPECT_TRUE(got == *want) << "data at LBA " << lba;
  }
  std::vector<uint8_t> refused;
  ASSERT_TRUE(Read16(r.get(), 0, 384, kLen, &refused));
  EXPECT_TRUE(std::all_of(refused.begin(), refused.end(), [](uint8_t v) { return v == 0; }))
      << "the refused WRITE wrote";
  r = Context();
  {
    RawSession s;
    ASSERT_TRUE(s.Login(esand_.port(), kIqn, 6, "iqn.2026-11.org.esan.test:immediate-close"));
    raw::Pdu w = ImmediateWrite(s, 512, a);
    ASSERT_TRUE(s.conn()->SendAll(w.bhs.data(), w.bhs.size()));
    ASSERT_TRUE(s.conn()->SendAll(a.data(), 4096));
    std::this_thread::sleep_for(300ms);
  }  // closed in the middle of the immediate data
  EXPECT_TRUE(Healthy("immediate data after its header"));
}

}  // namespace
}  // namespace esan::it

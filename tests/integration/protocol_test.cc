// iSCSI protocol robustness: malformed PDUs on raw sockets while a real
// session keeps working, and session reinstatement.
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/raw_iscsi.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;
constexpr char kIqn[] = "iqn.2026-11.org.esan:proto";
constexpr size_t kMiB = 1024 * 1024;

std::string OneLuConfig(const std::string& image) {
  return Handler("vdisk_fileio", FileioDevice("disk0", image)) +
         IscsiDriver(Target(kIqn, "        LUN 0 disk0\n"));
}

// A libiscsi session doing write / read-back / compare in a loop on its own
// thread.  ops() counts verified round trips.
class BackgroundIo {
 public:
  BackgroundIo(const std::string& portal) {
    SessionOptions o;
    o.initiator = "iqn.2026-11.org.esan.test:steady";
    std::string err;
    ctx_ = Login(portal, kIqn, 0, o, &err);
    if (!ctx_) {
      Fail("login: " + err);
      return;
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~BackgroundIo() { StopAndJoin(); }

  void StopAndJoin() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t ops() const { return ops_; }
  std::vector<std::string> errors() {
    std::lock_guard lk(mu_);
    return errors_;
  }
  // Waits until at least n more round trips have completed.
  bool Advance(uint64_t n, std::chrono::milliseconds timeout) {
    uint64_t target = ops_ + n;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (ops_ < target) {
      if (std::chrono::steady_clock::now() > deadline || failed_) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

 private:
  void Fail(const std::string& e) {
    std::lock_guard lk(mu_);
    errors_.push_back(e);
    failed_ = true;
  }
  void Run() {
    std::vector<uint8_t> buf(64 * 1024), back;
    for (uint64_t i = 0; !stop_; ++i) {
      uint64_t lba = (i % 64) * 128;
      FillTestData(buf.data(), buf.size(), 9000 + i);
      if (auto r = Write16(ctx_.get(), 0, lba, buf.data(), buf.size()); !r) return Fail(r.message());
      if (auto r = Read16(ctx_.get(), 0, lba, buf.size(), &back); !r) return Fail(r.message());
      if (back != buf) return Fail("read-back mismatch at op " + std::to_string(i));
      ++ops_;
    }
  }

  Context ctx_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> ops_{0};
  std::mutex mu_;
  std::vector<std::string> errors_;
};

// Opcode of the first PDU in bytes received, or -1.
int FirstOpcode(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 48 ? (bytes[0] & 0x3f) : -1;
}

TEST(MalformedPdus, TargetDropsBadConnectionsAndOtherSessionsKeepWorking) {
  EsandProcess esand("malformed");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  EsandProcess::Options opts;
  opts.login_timeout = 60;  // a close within 5 s below is not the login timer
  ASSERT_TRUE(esand.Start(opts));

  BackgroundIo io(esand.portal());
  ASSERT_TRUE(io.Advance(3, 10s)) << "background session not working before the test";
  std::string err;

  {
    SCOPED_TRACE("(a) 48 bytes of garbage");
    auto c = raw::Conn::Connect(esand.port(), &err);
    ASSERT_TRUE(c) << err;
    std::vector<uint8_t> junk = TestData(48, 0xbad);
    junk[0] = 0x1e;  // not an opcode an initiator may send
    ASSERT_TRUE(c->SendAll(junk.data(), junk.size()));
    std::vector<uint8_t> got;
    EXPECT_TRUE(c->WaitClosed(5s, &got)) << "connection still open 5 s after a garbage BHS";
    if (FirstOpcode(got) == raw::kLoginResponse) {
      EXPECT_NE(got[36], 0) << "garbage answered with a successful Login Response";
    }
    EXPECT_TRUE(esand.Running());
    EXPECT_TRUE(io.Advance(3, 10s)) << "background session stalled after (a)";
  }
  {
    SCOPED_TRACE("(b) Login Request with DataSegmentLength 0xFFFFFF");
    auto c = raw::Conn::Connect(esand.port(), &err);
    ASSERT_TRUE(c) << err;
    raw::Pdu login = raw::LoginRequest({0x80, 0, 0, 0, 0, 0xb}, 1, 1, 0, 1, 3, true,
                                       raw::TextData({{"InitiatorName", "iqn.2026-11.org.esan.test:b"},
                                                      {"TargetName", kIqn},
                                                      {"SessionType", "Normal"}}));
    std::vector<uint8_t> wire(login.bhs.begin(), login.bhs.end());
    wire[5] = wire[6] = wire[7] = 0xff;  // claims 16 MiB - 1 of login data
    wire.insert(wire.end(), login.data.begin(), login.data.end());  // sends far less
    ASSERT_TRUE(c->SendAll(wire.data(), wire.size()));
    std::vector<uint8_t> got;
    bool closed = c->WaitClosed(5s, &got);
    int op = FirstOpcode(got);
    if (op == raw::kLoginResponse) {
      EXPECT_NE(got[36], 0) << "oversized login answered with success";
    } else {
      EXPECT_TRUE(closed) << "no Login reject and connection still open 5 s after an oversized "
                             "DataSegmentLength";
    }
    EXPECT_TRUE(esand.Running());
    EXPECT_TRUE(io.Advance(3, 10s)) << "background session stalled after (b)";
  }
  {
    SCOPED_TRACE("(c) SCSI Command before login");
    auto c = raw::Conn::Connect(esand.port(), &err);
    ASSERT_TRUE(c) << err;
    raw::Pdu cmd;
    cmd.bhs[0] = raw::kScsiCommand;
    cmd.bhs[1] = 0x80 | 0x40 | 0x01;  // F, R, simple
    cmd.Set32(16, 7);                 // ITT
    cmd.Set32(20, 4096);              // EDTL
    cmd.Set32(24, 1);                 // CmdSN
    auto cdb = raw::Cdb16(0x88, 0, 8);  // READ16 lba 0, 8 blocks
    std::copy(cdb.begin(), cdb.end(), cmd.bhs.begin() + 32);
    ASSERT_TRUE(c->SendPdu(cmd));
    std::vector<uint8_t> got;
    EXPECT_TRUE(c->WaitClosed(5s, &got)) << "connection still open 5 s after a SCSI Command "
                                            "sent before login";
    int op = FirstOpcode(got);
    EXPECT_NE(op, raw::kDataIn) << "target returned data without a login";
    EXPECT_NE(op, raw::kScsiResponse) << "target executed a command without a login";
    EXPECT_TRUE(esand.Running());
    EXPECT_TRUE(io.Advance(3, 10s)) << "background session stalled after (c)";
  }
  {
    SCOPED_TRACE("(d) truncated BHS, then close");
    for (int i = 0; i < 3; ++i) {
      auto c = raw::Conn::Connect(esand.port(), &err);
      ASSERT_TRUE(c) << err;
      raw::Pdu login = raw::LoginRequest({0x80, 0, 0, 0, 0, 0xd}, 1, 1, 0, 1, 3, true, {});
      ASSERT_TRUE(c->SendAll(login.bhs.data(), 20 + 10 * i));
    }  // closed here
    EXPECT_TRUE(esand.Running());
    EXPECT_TRUE(io.Advance(3, 10s)) << "background session stalled after (d)";
  }

  io.StopAndJoin();
  for (const auto& e : io.errors()) ADD_FAILURE() << "background session: " << e;
  EXPECT_GT(io.ops(), 12u);
  // The target still accepts new sessions.
  Context fresh = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  EXPECT_TRUE(fresh) << err;
  fresh.reset();
  EXPECT_TRUE(esand.Stop());
}

TEST(SessionReinstatement, SameInitiatorAndIsidReplacesTheOldSession) {
  EsandProcess esand("reinstate");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  ASSERT_TRUE(esand.Start());

  // The raw initiator keeps full control of the ISID and never reconnects
  // behind the test's back (libiscsi 1.19 also crashes destroying a context
  // whose session the target closed).
  raw::Session::Params p;
  p.target = kIqn;
  p.initiator = "iqn.2026-11.org.esan.test:reinstate";
  p.isid = {0x80, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e};
  raw::Session first;
  ASSERT_TRUE(first.Login(esand.port(), p));
  ASSERT_TRUE(first.WaitReady(0));
  std::vector<uint8_t> marker = TestData(4096, 31337), back;
  ASSERT_TRUE(first.Write16(0, 64, marker));

  // Same InitiatorName + ISID, TSIH 0: session reinstatement.
  raw::Session second;
  ASSERT_TRUE(second.Login(esand.port(), p)) << "reinstating login failed";
  ASSERT_TRUE(second.WaitReady(0));

  // The old session is gone: its next command gets no GOOD answer.
  raw::CommandResult r;
  auto sent = first.Command(0, raw::Cdb16(0x8a, 64, 8), std::vector<uint8_t>(4096, 0x11), 0, &r);
  EXPECT_FALSE(sent && r.status == 0) << "old session still wrote after reinstatement";

  // The new one works and sees the data written through the old one.
  ASSERT_TRUE(second.Read16(0, 64, 4096, &back));
  EXPECT_EQ(back, marker);

  // A different ISID with the same name is a second session, not a
  // reinstatement: both keep working.
  raw::Session::Params p2 = p;
  p2.isid[5] = 0x5f;
  raw::Session third;
  ASSERT_TRUE(third.Login(esand.port(), p2));
  ASSERT_TRUE(third.WaitReady(0));
  EXPECT_TRUE(second.Read16(0, 64, 4096, &back)) << "session closed by a login with another ISID";
  EXPECT_TRUE(third.Read16(0, 64, 4096, &back));
  EXPECT_TRUE(esand.Stop());
}

// Unit attentions belong to the I_T nexus (SAM-5), not to the session: one
// still pending when the session is reinstated is reported on the new one.
TEST(SessionReinstatement, PendingUnitAttentionsFollowTheNexus) {
  EsandProcess esand("reinstate-ua");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  ASSERT_TRUE(esand.Start());

  raw::Session::Params p;
  p.target = kIqn;
  p.initiator = "iqn.2026-11.org.esan.test:reinstate-ua";
  p.isid = {0x80, 0x1a, 0x2b, 0x3c, 0x4d, 0x60};
  raw::Session first;
  ASSERT_TRUE(first.Login(esand.port(), p));
  ASSERT_TRUE(first.WaitReady(0));

  // Another initiator changes the caching page: MODE PARAMETERS CHANGED is
  // owed to the first one's nexus (SPC-4).
  raw::Session::Params po;
  po.target = kIqn;
  po.initiator = "iqn.2026-11.org.esan.test:reinstate-other";
  raw::Session other;
  ASSERT_TRUE(other.Login(esand.port(), po));
  ASSERT_TRUE(other.WaitReady(0));
  raw::CommandResult ms;
  ASSERT_TRUE(other.Command(0, {0x1A, 0x08, 0x08, 0, 255, 0}, {}, 255, &ms));  // MODE SENSE(6), DBD, caching
  ASSERT_EQ(ms.status, 0);
  ASSERT_GE(ms.data.size(), 4u + 20u);
  std::vector<uint8_t> list = {0, 0, 0, 0};
  list.insert(list.end(), ms.data.begin() + 4, ms.data.begin() + 4 + 20);
  list[4 + 2] ^= 0x04;  // WCE
  raw::CommandResult sel;
  ASSERT_TRUE(other.Command(0, {0x15, 0x10, 0, 0, uint8_t(list.size()), 0}, list, 0, &sel));
  ASSERT_EQ(sel.status, 0) << "MODE SELECT: sense key " << int(sel.sense_key()) << " asc " << sel.asc_ascq();

  // Same InitiatorName + ISID, TSIH 0: the first session is reinstated
  // before it saw the condition.
  raw::Session second;
  ASSERT_TRUE(second.Login(esand.port(), p));
  std::vector<uint8_t> tur(16, 0);
  raw::CommandResult r;
  ASSERT_TRUE(second.Command(0, tur, {}, 0, &r));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.sense_key(), 0x6);
  EXPECT_EQ(r.asc_ascq(), 0x2900) << "a new session's POWER ON, RESET first";
  ASSERT_TRUE(second.Command(0, tur, {}, 0, &r));
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.sense_key(), 0x6);
  EXPECT_EQ(r.asc_ascq(), 0x2A01) << "MODE PARAMETERS CHANGED lost with the old session";
  ASSERT_TRUE(second.Command(0, tur, {}, 0, &r));
  EXPECT_EQ(r.status, 0);
  // The initiator that made the change is owed nothing.
  ASSERT_TRUE(other.Command(0, tur, {}, 0, &r));
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(esand.Stop());
}

TEST(NopPing, AnsweredPingsKeepTheConnectionUnansweredOnesDropIt) {
  EsandProcess esand("nop");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  EsandProcess::Options opts;
  opts.nop_interval = 1;
  opts.nop_timeout = 2;
  ASSERT_TRUE(esand.Start(opts));

  raw::Session s;
  raw::Session::Params p;
  p.target = kIqn;
  ASSERT_TRUE(s.Login(esand.port(), p));
  ASSERT_TRUE(s.WaitReady(0));

  // Answer every ping for 4 s: the connection must stay up.
  int pings = 0;
  auto until = std::chrono::steady_clock::now() + 4s;
  while (std::chrono::steady_clock::now() < until) {
    raw::Pdu in;
    std::string why;
    auto r = s.conn()->ReadPdu(&in, 200ms, &why);
    if (r == raw::Conn::Recv::kTimeout) continue;
    ASSERT_EQ(r, raw::Conn::Recv::kOk) << "connection lost while answering pings " << why;
    ASSERT_EQ(in.opcode(), raw::kNopIn) << "unexpected PDU from an idle session";
    ASSERT_NE(in.Get32(20), 0xffffffffu) << "a ping must carry a Target Transfer Tag";
    ++pings;
    raw::Pdu out;  // NOP-Out answering the ping
    out.bhs[0] = 0x40 | raw::kNopOut;
    out.bhs[1] = 0x80;
    std::copy(in.bhs.begin() + 8, in.bhs.begin() + 16, out.bhs.begin() + 8);  // LUN
    out.Set32(16, 0xffffffffu);
    out.Set32(20, in.Get32(20));
    out.Set32(24, in.Get32(28));  // CmdSN = ExpCmdSN
    out.Set32(28, in.Get32(24));  // ExpStatSN = StatSN (not advanced by pings)
    ASSERT_TRUE(s.conn()->SendPdu(out));
  }
  EXPECT_GE(pings, 2) << "expected a NOP-In about every second with --nop-interval 1";
  std::vector<uint8_t> back;
  EXPECT_TRUE(s.Read16(0, 0, 4096, &back)) << "session unusable after answered pings";

  // Stop answering: the target must drop the connection after the timeout.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s.conn()->WaitClosed(8s)) << "connection still open 8 s after pings stopped "
                                           "being answered (--nop-interval 1 --nop-timeout 2)";
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_GE(took.count(), 1500) << "dropped sooner than the NOP timeout allows";
  EXPECT_TRUE(esand.Stop());
}

// InitialR2T=No: the initiator may send the first FirstBurstLength bytes of a
// write without waiting for an R2T, as immediate data and/or unsolicited
// Data-Out PDUs (TTT 0xffffffff, DataSN from 0); the rest is solicited.
TEST(DataOut, UnsolicitedDataOutWithInitialR2TNo) {
  EsandProcess esand("unsolicited");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  ASSERT_TRUE(esand.Start());

  for (const char* immediate : {"No", "Yes"}) {
    SCOPED_TRACE(std::string("ImmediateData=") + immediate);
    raw::Session s;
    raw::Session::Params p;
    p.target = kIqn;
    p.initial_r2t = "No";
    p.immediate_data = immediate;
    std::map<std::string, std::string> keys;
    ASSERT_TRUE(s.Login(esand.port(), p, &keys));
    // esand prefers InitialR2T=No, so the negotiated value is No.
    ASSERT_FALSE(s.initial_r2t()) << "target answered InitialR2T=" << keys["InitialR2T"];
    ASSERT_TRUE(s.WaitReady(0));
    s.data_out_limit = 8192;  // several Data-Out PDUs per sequence
    const uint32_t fb = s.first_burst();
    ASSERT_GE(fb, 16384u) << "FirstBurstLength too small for this test";
    // Exactly one first burst: no R2T needed at all.
    std::vector<uint8_t> a = TestData(fb, 61);
    ASSERT_TRUE(s.Write16(0, 1000, a)) << fb << "-byte write sent unsolicited";
    EXPECT_EQ(s.last_r2t_count(), 0) << "target sent an R2T for data it allowed unsolicited";
    // More than a first burst: the remainder is solicited.
    std::vector<uint8_t> b = TestData(fb + 128 * 1024, 62);
    ASSERT_TRUE(s.Write16(0, 3000, b)) << "first burst unsolicited, rest on R2T";
    EXPECT_GE(s.last_r2t_count(), 1);
    std::vector<uint8_t> back;
    ASSERT_TRUE(s.Read16(0, 1000, a.size(), &back));
    EXPECT_EQ(FirstDifference(back, a), std::string::npos);
    ASSERT_TRUE(s.Read16(0, 3000, b.size(), &back));
    EXPECT_EQ(FirstDifference(back, b), std::string::npos);
  }
  EXPECT_TRUE(esand.Stop());
}

TEST(DataOut, UnsolicitedDataOutWithWrongDataSnIsNotAccepted) {
  EsandProcess esand("bad-datasn");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneLuConfig(image));
  ASSERT_TRUE(esand.Start());

  for (uint32_t bad : {1u, 27u, 0xffffffffu}) {
    SCOPED_TRACE("first unsolicited Data-Out with DataSN " + std::to_string(bad));
    raw::Session s;
    raw::Session::Params p;
    p.target = kIqn;
    p.initial_r2t = "No";
    p.immediate_data = "No";
    ASSERT_TRUE(s.Login(esand.port(), p));
    ASSERT_FALSE(s.initial_r2t()) << "target refused InitialR2T=No";
    ASSERT_TRUE(s.WaitReady(0));
    s.mutate_data_out = [bad](raw::Pdu& d, bool unsolicited) {
      if (unsolicited && d.Get32(36) == 0) d.Set32(36, bad);
    };
    std::vector<uint8_t> data = TestData(4096, 70 + bad), back;
    raw::CommandResult r;
    auto sent = s.Command(0, raw::Cdb16(0x8a, 500, 8), data, 0, &r);
    // Acceptable: the connection is dropped (ERL 0), or the command fails.
    if (sent) {
      EXPECT_NE(r.status, 0) << "WRITE16 with an out-of-sequence DataSN completed GOOD";
    }
    EXPECT_TRUE(esand.Running());
  }
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it

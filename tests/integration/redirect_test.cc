// I/O redirect of the HA pair (docs/ARCHITECTURE.md, "I/O redirect"): two
// real esand processes on 127.0.0.1 sharing one backing file, each with a
// public target and an internal one. A's target group is active/optimized,
// B's non-optimized: B forwards reads and writes to A's internal target.
// No corosync: each node owns its ALUA states (set through its management
// API). ctest label `ha`.
#include <signal.h>

#include <atomic>
#include <barrier>
#include <cstring>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqnA[] = "iqn.2026-12.org.esan:node-a";
constexpr char kIqnB[] = "iqn.2026-12.org.esan:node-b";
constexpr char kChapUser[] = "peer";
constexpr char kChapSecret[] = "peer-secret-0123";
constexpr int kBlocks = 16384;  // 8 MiB of 512-byte blocks

std::string Internal(const char* iqn) { return std::string(iqn) + "-internal"; }

struct Node {
  const char* iqn;
  int rel_tgt_id, internal_id, group_id;
};
constexpr Node kA{kIqnA, 1, 11, 1}, kB{kIqnB, 2, 12, 2};

// One node's config: its public and internal targets, the device group with
// its own target group and the other node's (with the peer portal).
std::string NodeConfig(const Node& self, const Node& peer, int peer_port, const std::string& file,
                       const std::string& self_state, const std::string& peer_state,
                       const std::string& extra_targets = "", const std::string& dg_lines = "") {
  std::string chap = std::string("\"") + kChapUser + " " + kChapSecret + "\"";
  return Handler("vdisk_fileio", FileioDevice("disk0", file)) +
         IscsiDriver(Target(self.iqn, "        rel_tgt_id " + std::to_string(self.rel_tgt_id) +
                                          "\n        LUN 0 disk0\n") +
                     Target(Internal(self.iqn), "        rel_tgt_id " + std::to_string(self.internal_id) +
                                                    "\n        esan_internal 1\n        esan_peer_address 127.0.0.1\n"
                                                    "        IncomingUser " + chap +
                                                    "\n        QueuedCommands 512\n        LUN 0 disk0\n") +
                     extra_targets) +
         "DEVICE_GROUP dg {\n    DEVICE disk0\n" + dg_lines +
         "    TARGET_GROUP local {\n        group_id " + std::to_string(self.group_id) + "\n        state " +
         self_state + "\n        TARGET " + self.iqn + "\n    }\n"
         "    TARGET_GROUP peer {\n        group_id " + std::to_string(peer.group_id) + "\n        state " +
         peer_state + "\n        esan_peer_portal 127.0.0.1:" + std::to_string(peer_port) +
         "\n        esan_peer_target " + Internal(peer.iqn) + "\n        esan_peer_chap " + chap +
         "\n        TARGET " + peer.iqn + " {\n            rel_tgt_id " + std::to_string(peer.rel_tgt_id) +
         "\n        }\n    }\n}\n";
}

bool IsSense(const scsi_task* t, int key, int ascq) {
  return t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == key && t->sense.ascq == ascq;
}
bool IsRetryable(const scsi_task* t) { return IsSense(t, SCSI_SENSE_NOT_READY, 0x040A); }

std::vector<uint8_t> Pattern(uint64_t seed, size_t len) {
  std::vector<uint8_t> v(len);
  std::mt19937_64 rng(seed);
  for (auto& b : v) b = uint8_t(rng());
  return v;
}

Task CompareAndWrite(iscsi_context* ctx, uint64_t lba, const std::vector<uint8_t>& cmp,
                     const std::vector<uint8_t>& wr) {
  uint8_t cdb[16] = {0x89};
  for (int i = 0; i < 8; ++i) cdb[2 + i] = uint8_t(lba >> (56 - 8 * i));
  cdb[13] = 1;
  std::vector<uint8_t> data(cmp);
  data.insert(data.end(), wr.begin(), wr.end());
  Task t(scsi_create_task(16, cdb, SCSI_XFER_WRITE, int(data.size())));
  if (!t) return nullptr;
  iscsi_data d{data.size(), data.data()};
  if (!iscsi_scsi_command_sync(ctx, 0, t.get(), &d)) return nullptr;
  return t;
}

class RedirectIt : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = a_.Path("shared.img");
    ASSERT_TRUE(MakeSparseFile(file_, off_t(kBlocks) * 512));
    a_.ChoosePort();
    b_.ChoosePort();
    WriteConfigs("active", "nonoptimized");
    ASSERT_TRUE(a_.Start());
    ASSERT_TRUE(b_.Start());
  }

  void WriteConfigs(const std::string& a_state, const std::string& b_state, const std::string& a_extra = "") {
    a_.WriteConfig(NodeConfig(kA, kB, b_.port(), file_, a_state, b_state, a_extra));
    b_.WriteConfig(NodeConfig(kB, kA, a_.port(), file_, b_state, a_state, "", b_dg_lines_));
  }

  Context LoginTo(EsandProcess& p, const char* iqn, const std::string& initiator) {
    SessionOptions o;
    o.initiator = initiator;
    std::string err;
    Context c = Login(p.portal(), iqn, 0, o, &err);
    EXPECT_TRUE(c) << err;
    return c;
  }

  static ::testing::AssertionResult SetState(EsandProcess& p, const std::string& tg, const std::string& state) {
    MgmtClient api(p.mgmt_socket());
    auto r = api.Put("/v1/alua/device-groups/dg/target-groups/" + tg + "/state", {{"state", state}});
    if (r.status / 100 == 2) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << r.Describe();
  }
  static std::string State(EsandProcess& p, const std::string& tg) {
    MgmtClient api(p.mgmt_socket());
    auto r = api.Get("/v1/alua/device-groups/dg/target-groups/" + tg + "/state");
    return r.status == 200 ? r.json.value("state", "") : r.Describe();
  }

  EsandProcess a_{"redirect-a"};
  EsandProcess b_{"redirect-b"};
  std::string file_;
  std::string b_dg_lines_;  // B's extra DEVICE_GROUP attributes
};

// B holds commands that no node can take for 300 ms only (the default is 10 s).
class RedirectShortHoldIt : public RedirectIt {
 protected:
  RedirectShortHoldIt() { b_dg_lines_ = "    esan_redirect_hold_ms 300\n"; }
};

// Writes through each node read back through the other, while both paths
// carry load at once.
TEST_F(RedirectIt, WritesReadBackThroughTheOtherNodeUnderLoad) {
  constexpr int kThreads = 2, kRounds = 150;
  std::atomic<int> failures{0};
  auto worker = [&](int id) {
    // Thread 0 writes through A (optimized) and reads through B (redirect);
    // thread 1 the reverse. Each has its own region.
    EsandProcess& w = id == 0 ? a_ : b_;
    EsandProcess& r = id == 0 ? b_ : a_;
    std::string ini = "iqn.2026-12.org.esan.test:load-" + std::to_string(id);
    Context wc = LoginTo(w, id == 0 ? kIqnA : kIqnB, ini);
    Context rc = LoginTo(r, id == 0 ? kIqnB : kIqnA, ini + "-r");
    if (!wc || !rc) return ++failures, void();
    std::mt19937 rng(id);
    for (int i = 0; i < kRounds; ++i) {
      uint64_t lba = uint64_t(id) * (kBlocks / 2) + rng() % (kBlocks / 2 - 64);
      size_t len = 512 * (1 + rng() % 64);
      auto data = Pattern(uint64_t(id) << 32 | uint32_t(i), len);
      if (!Write16(wc.get(), 0, lba, data.data(), len)) return ++failures, void();
      std::vector<uint8_t> back;
      auto read = Read16(rc.get(), 0, lba, len, &back);
      if (!read || back != data) {
        ADD_FAILURE() << "thread " << id << " round " << i << ": read back through the other node differs: "
                      << (read ? "other data" : read.message());
        return ++failures, void();
      }
    }
  };
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i) ts.emplace_back(worker, i);
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  // B's reads and writes ran on A, through A's internal target.
  auto stats = MgmtClient(a_.mgmt_socket()).Get("/v1/stats");
  ASSERT_EQ(stats.status, 200) << stats.Describe();
  const auto& internal = stats.json["targets"][Internal(kIqnA)]["commands"];
  EXPECT_GE(internal["read"].get<int>(), kRounds);
  EXPECT_GE(internal["write"].get<int>(), kRounds);
}

// COMPARE AND WRITE from both paths at once on one LBA: each round exactly
// one wins, and the medium holds the winner's block.
TEST_F(RedirectIt, CompareAndWriteIsAtomicAcrossPaths) {
  Context ca = LoginTo(a_, kIqnA, "iqn.2026-12.org.esan.test:caw-a");
  Context cb = LoginTo(b_, kIqnB, "iqn.2026-12.org.esan.test:caw-b");
  ASSERT_TRUE(ca && cb);
  constexpr uint64_t kLba = 100;
  std::vector<uint8_t> current(512, 0);  // the sparse file reads zeros
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<uint8_t> wa = Pattern(2 * uint64_t(round), 512), wb = Pattern(2 * uint64_t(round) + 1, 512);
    std::barrier sync(2);
    int result[2] = {-1, -1};  // 1 won, 0 miscompare
    auto run = [&](int who) {
      iscsi_context* c = who == 0 ? ca.get() : cb.get();
      sync.arrive_and_wait();
      for (int tries = 0; tries < 200; ++tries) {
        Task t = CompareAndWrite(c, kLba, current, who == 0 ? wa : wb);
        if (!t) return;
        if (t->status == SCSI_STATUS_BUSY) continue;  // overlapping CAW: the initiator retries
        if (t->status == SCSI_STATUS_GOOD) result[who] = 1;
        else if (IsSense(t.get(), SCSI_SENSE_MISCOMPARE, 0x1D00)) result[who] = 0;
        else ADD_FAILURE() << "round " << round << " path " << who << ": " << Describe(c, t.get());
        return;
      }
    };
    std::thread ta(run, 0), tb(run, 1);
    ta.join();
    tb.join();
    ASSERT_EQ(result[0] + result[1], 1) << "round " << round << ": A " << result[0] << ", B " << result[1];
    const auto& winner = result[0] == 1 ? wa : wb;
    std::vector<uint8_t> via_a, via_b;
    ASSERT_TRUE(Read16(ca.get(), 0, kLba, 512, &via_a));
    ASSERT_TRUE(Read16(cb.get(), 0, kLba, 512, &via_b));
    ASSERT_EQ(via_a, winner) << "round " << round;
    ASSERT_EQ(via_b, winner) << "round " << round;
    current = winner;
  }
}

// The active node dies: redirected commands in flight and new ones are
// held, and end with the retryable 04h/0Ah once their hold is over (300 ms
// here), never GOOD, until B's group becomes active; then B serves locally.
TEST_F(RedirectShortHoldIt, ActiveNodeKilledFailsRedirectedCommandsRetryably) {
  constexpr int kThreads = 4;
  std::atomic<bool> killed{false}, stop{false};
  std::atomic<int> good_after{0}, retryable{0}, other{0}, good_before{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < kThreads; ++i) {
    ts.emplace_back([&, i] {
      Context c = LoginTo(b_, kIqnB, "iqn.2026-12.org.esan.test:kill-" + std::to_string(i));
      if (!c) return ++other, void();
      auto data = Pattern(uint64_t(i), 64 * 512);
      for (uint64_t n = 0; !stop.load(); ++n) {
        bool after = killed.load();
        Task t = n % 2 ? Write16Task(c.get(), 0, uint64_t(i) * 1024, data.data(), data.size())
                       : Read16Task(c.get(), 0, uint64_t(i) * 1024, data.size());
        if (!t) return ++other, void();
        if (t->status == SCSI_STATUS_GOOD) (after ? good_after : good_before)++;
        else if (IsRetryable(t.get())) ++retryable;
        else ++other, ADD_FAILURE() << Describe(c.get(), t.get());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  a_.Signal(SIGKILL);
  a_.WaitExit(std::chrono::seconds(5));
  // Commands issued from here on can only have failed or run after the
  // kill: none may be GOOD while A is gone and B is non-optimized.
  killed = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : ts) t.join();
  EXPECT_GT(good_before.load(), 0);
  EXPECT_EQ(good_after.load(), 0);
  EXPECT_GT(retryable.load(), 0);
  EXPECT_EQ(other.load(), 0);

  // New commands too, then the role change.
  Context c = LoginTo(b_, kIqnB, "iqn.2026-12.org.esan.test:after");
  ASSERT_TRUE(c);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsRetryable(Read16Task(c.get(), 0, 0, 512).get()));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250)) << "held first";
  ASSERT_TRUE(SetState(b_, "local", "active"));
  // One owner: the redirect's device group never has two active/optimized
  // groups, so the peer's group stepped down in the same change.
  EXPECT_EQ(State(b_, "peer"), "nonoptimized");
  EXPECT_EQ(State(b_, "local"), "active");
  // The state change queued ASYMMETRIC ACCESS STATE CHANGED.
  Task ua = Read16Task(c.get(), 0, 0, 512);
  EXPECT_TRUE(IsSense(ua.get(), SCSI_SENSE_UNIT_ATTENTION, 0x2A06)) << Describe(c.get(), ua.get());
  auto data = Pattern(99, 4096);
  EXPECT_TRUE(Write16(c.get(), 0, 2000, data.data(), data.size()));
  std::vector<uint8_t> back;
  EXPECT_TRUE(Read16(c.get(), 0, 2000, data.size(), &back));
  EXPECT_EQ(back, data);
}

// With the default hold (10 s), commands that reach B while no node can
// take them -- A killed, B still non-optimized -- wait instead of failing,
// and are served by B as soon as its group becomes active/optimized: what
// a failover looks like to an initiator on B's path.
TEST_F(RedirectIt, CommandsWaitingForAnOwnerRunOnceThisNodeTakesOver) {
  Context c = LoginTo(b_, kIqnB, "iqn.2026-12.org.esan.test:held");
  ASSERT_TRUE(c);
  auto before = Pattern(7, 4096);
  ASSERT_TRUE(Write16(c.get(), 0, 3000, before.data(), before.size())) << "forwarded to A";
  a_.Signal(SIGKILL);
  a_.WaitExit(std::chrono::seconds(5));
  auto data = Pattern(8, 4096);
  std::atomic<bool> done{false};
  Task write;
  auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    write = Write16Task(c.get(), 0, 3000, data.data(), data.size());
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(done.load()) << "held while no node owns the medium";
  ASSERT_TRUE(SetState(b_, "local", "active"));
  writer.join();
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, std::chrono::seconds(8)) << "ended by the takeover, not by its hold";
  // Executed again from the start once B owns the medium, never failed with
  // 04h/0Ah. The role change queues its unit attention as it is made: a
  // re-execution that starts after that meets it, one already past the check
  // runs and the next command meets it. The attention is reported once either way.
  ASSERT_TRUE(write);
  bool attention = IsSense(write.get(), SCSI_SENSE_UNIT_ATTENTION, 0x2A06);
  EXPECT_TRUE(attention || write->status == SCSI_STATUS_GOOD) << Describe(c.get(), write.get());
  if (attention) {
    ASSERT_TRUE(Write16(c.get(), 0, 3000, data.data(), data.size())) << "B serves it locally now";
  } else {
    Task next = Read16Task(c.get(), 0, 0, 512);
    EXPECT_TRUE(IsSense(next.get(), SCSI_SENSE_UNIT_ATTENTION, 0x2A06)) << Describe(c.get(), next.get());
  }
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(c.get(), 0, 3000, data.size(), &back));
  EXPECT_EQ(back, data);
}

// The internal target: not in SendTargets, no login without the peer's
// CHAP or from another address, and forwarded commands never see (or
// consume) the active node's unit attentions.
TEST_F(RedirectIt, InternalTargetIsHiddenAuthenticatedAndTrusted) {
  ASSERT_TRUE(a_.Stop());
  std::string chap = std::string("\"") + kChapUser + " " + kChapSecret + "\"";
  WriteConfigs("active", "nonoptimized",
               Target("iqn.2026-12.org.esan:elsewhere",
                      "        esan_internal 1\n        esan_peer_address 192.0.2.7\n        IncomingUser " + chap +
                          "\n        LUN 0 disk0\n"));
  ASSERT_TRUE(a_.Start());

  std::string err;
  Context disc = LoginDiscovery(a_.portal(), "iqn.2026-12.org.esan.test:disc", &err);
  ASSERT_TRUE(disc) << err;
  std::vector<std::string> names;
  ASSERT_TRUE(DiscoverTargets(disc.get(), &names));
  EXPECT_EQ(names, std::vector<std::string>{kIqnA});

  SessionOptions plain;
  plain.initiator = "iqn.2026-12.org.esan.test:intruder";
  EXPECT_FALSE(Login(a_.portal(), Internal(kIqnA), -1, plain, &err)) << "login without CHAP accepted";
  SessionOptions wrong = plain;
  wrong.chap_user = kChapUser;
  wrong.chap_secret = "not-the-secret-1";
  EXPECT_FALSE(Login(a_.portal(), Internal(kIqnA), -1, wrong, &err)) << "login with a wrong secret accepted";
  SessionOptions right = plain;
  right.chap_user = kChapUser;
  right.chap_secret = kChapSecret;
  EXPECT_FALSE(Login(a_.portal(), "iqn.2026-12.org.esan:elsewhere", -1, right, &err))
      << "login from an address not in esan_peer_address accepted";
  // The trusted nexus runs only what the peer forwards.
  Context trusted = Login(a_.portal(), Internal(kIqnA), -1, right, &err);
  ASSERT_TRUE(trusted) << err;
  Task pr(iscsi_persistent_reserve_in_sync(trusted.get(), 0, 0, 1024));
  EXPECT_TRUE(IsSense(pr.get(), SCSI_SENSE_ILLEGAL_REQUEST, 0x2000)) << Describe(trusted.get(), pr.get());

  // Unit attentions: a state change on A queues 2A/06 for every nexus of
  // disk0 there; B's forwarded commands must not meet it.
  Context on_b = LoginTo(b_, kIqnB, "iqn.2026-12.org.esan.test:ua-b");
  Context on_a = LoginTo(a_, kIqnA, "iqn.2026-12.org.esan.test:ua-a");
  ASSERT_TRUE(on_b && on_a);
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(on_b.get(), 0, 0, 512, &back));  // B's session to A is up
  ASSERT_TRUE(SetState(a_, "peer", "standby"));
  Task ua = Read16Task(on_a.get(), 0, 0, 512);
  EXPECT_TRUE(IsSense(ua.get(), SCSI_SENSE_UNIT_ATTENTION, 0x2A06)) << Describe(on_a.get(), ua.get());
  for (int i = 0; i < 4; ++i) {
    Task t = Read16Task(on_b.get(), 0, 0, 512);
    EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(on_b.get(), t.get());
  }
}

}  // namespace
}  // namespace esan::it

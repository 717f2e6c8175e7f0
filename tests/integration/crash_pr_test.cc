// Crash consistency of persistent reservation state (APTPL=1, files in
// --state-dir/pr/): one initiator port runs PERSISTENT RESERVE OUT commands
// back to back -- REGISTER AND IGNORE EXISTING KEY with a new key, RESERVE,
// REGISTER AND IGNORE again while reserved, RELEASE, and so on -- esand is
// killed with SIGKILL at a random moment, restarted, and the state read
// back (READ KEYS, READ RESERVATION) must be the one after the last
// acknowledged command or after the one in flight, nothing else (no lost
// update, no mix, no unreadable file stopping esand).
// Rounds: ESAN_CRASH_ROUNDS (default 20); seed: ESAN_CRASH_SEED.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <random>
#include <thread>

#include "tests/integration/crash_util.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:crash-pr";
constexpr int kWriteExclusive = 1;

// State after the i-th command of the cycle (i >= 1): register, reserve,
// register (key change while reserved), release.
struct PrView {
  uint64_t key = 0;
  bool reserved = false;
  bool operator==(const PrView&) const = default;
};
uint64_t KeyOf(uint64_t i) { return 0xC0DE0000ull + i; }
uint64_t LastRegister(uint64_t i) { return i % 2 == 1 ? i : i - 1; }  // odd commands register
PrView StateAfter(uint64_t i) {
  if (i == 0) return {};
  return PrView{KeyOf(LastRegister(i)), i % 4 == 2 || i % 4 == 3};
}

// Sends command i; the held key is the one registered before it.
Task Command(iscsi_context* ctx, uint64_t i) {
  scsi_persistent_reserve_out_basic p{};
  int sa = 0, type = 0;
  switch (i % 4) {
    case 1:
    case 3:
      sa = SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY;
      p.service_action_reservation_key = KeyOf(i);
      p.aptpl = 1;
      break;
    case 2:
      sa = SCSI_PERSISTENT_RESERVE_RESERVE;
      type = kWriteExclusive;
      p.reservation_key = KeyOf(i - 1);
      break;
    default:
      sa = SCSI_PERSISTENT_RESERVE_RELEASE;
      type = kWriteExclusive;
      p.reservation_key = KeyOf(i - 1);
      break;
  }
  return Task(iscsi_persistent_reserve_out_sync(ctx, 0, sa, 0, type, &p));
}

::testing::AssertionResult ReadState(iscsi_context* ctx, PrView* out) {
  Task k(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_KEYS, 4096));
  if (!k || k->status != SCSI_STATUS_GOOD) return ::testing::AssertionFailure() << "READ KEYS: " << Describe(ctx, k.get());
  auto* rk = static_cast<scsi_persistent_reserve_in_read_keys*>(scsi_datain_unmarshall(k.get()));
  if (!rk || rk->num_keys > 1) return ::testing::AssertionFailure() << "READ KEYS: not at most one key";
  Task r(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 4096));
  if (!r || r->status != SCSI_STATUS_GOOD) return ::testing::AssertionFailure() << "READ RESERVATION: " << Describe(ctx, r.get());
  auto* rr = static_cast<scsi_persistent_reserve_in_read_reservation*>(scsi_datain_unmarshall(r.get()));
  if (!rr) return ::testing::AssertionFailure() << "READ RESERVATION: bad data";
  out->key = rk->num_keys ? rk->keys[0] : 0;
  out->reserved = rr->reserved != 0;
  if (out->reserved && (rr->reservation_key != out->key || rr->pr_type != kWriteExclusive))
    return ::testing::AssertionFailure() << "reservation held by key 0x" << std::hex << rr->reservation_key
                                         << " type " << int(rr->pr_type) << " with registered key 0x" << out->key;
  return ::testing::AssertionSuccess();
}

TEST(CrashConsistency, PersistentReservationStateSurvivesSigkill) {
  const int rounds = EnvInt("ESAN_CRASH_ROUNDS", 20);
  const uint64_t seed = uint64_t(EnvInt("ESAN_CRASH_SEED", int(std::random_device{}() & 0x7fffffff)));
  std::printf("[crash-pr] %d rounds, seed %llu (ESAN_CRASH_SEED)\n", rounds, (unsigned long long)seed);
  std::mt19937_64 rng(seed);

  EsandProcess esand("crash-pr");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 1 << 20));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                    IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  ASSERT_TRUE(esand.Start(QuietOptions()));

  uint64_t done = 0;  // index of the command whose state is on disk
  int clean_rounds = 0, landed_total = 0;
  for (int round = 1; round <= rounds; ++round) {
    Context ctx = CrashSession(esand, kIqn, 0);  // the same I_T nexus every round
    ASSERT_TRUE(ctx);
    std::atomic<uint64_t> acked_count{0};
    uint64_t acked = done, sent = done, bad = 0;
    std::thread driver([&] {
      for (uint64_t i = done + 1;; ++i) {
        sent = i;
        Task t = Command(ctx.get(), i);
        if (!t || t->status != SCSI_STATUS_GOOD) {
          if (t && t->status < SCSI_STATUS_CANCELLED) bad = t->status;
          return;
        }
        acked = i;
        acked_count.fetch_add(1);
      }
    });
    auto kill = KillAtRandomMoment(esand, acked_count, 3, rng);
    driver.join();
    ctx.reset();
    ASSERT_TRUE(kill) << "round " << round << ": " << kill.error;
    EXPECT_EQ(bad, 0u) << "round " << round << ": command " << sent << " got SCSI status " << bad;

    ASSERT_TRUE(esand.Start(QuietOptions())) << "restart after round " << round;
    Context check = CrashSession(esand, kIqn, 0);
    ASSERT_TRUE(check);
    PrView got;
    ASSERT_TRUE(ReadState(check.get(), &got)) << "round " << round;
    bool ok = true;
    if (got == StateAfter(acked)) {
      done = acked;
    } else if (sent > acked && got == StateAfter(sent)) {
      done = sent;
      ++landed_total;
    } else {
      ok = false;
      ADD_FAILURE() << "round " << round << ": state key 0x" << std::hex << got.key << " reserved " << got.reserved
                    << "; acknowledged command " << std::dec << acked << " (key 0x" << std::hex
                    << StateAfter(acked).key << " reserved " << StateAfter(acked).reserved << "), in flight "
                    << std::dec << sent;
    }
    std::printf("[crash-pr] round %d: killed after %lld ms, %llu commands acknowledged, %s\n", round,
                (long long)*kill.ms, (unsigned long long)acked_count.load(),
                !ok ? "WRONG STATE" : done == sent && sent > acked ? "the command in flight landed" : "state = last acknowledged");
    if (!ok) return;
    if (bad == 0) ++clean_rounds;
  }
  std::printf("[crash-pr] %d of %d kill-and-restart rounds kept the last acknowledged PR state "
              "(%d times the command in flight had landed too)\n",
              clean_rounds, rounds, landed_total);
  EXPECT_EQ(clean_rounds, rounds);
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it

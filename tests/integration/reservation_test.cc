// Reservations against a real esand with two initiators (libiscsi): PR
// conflicts between initiators, SPC-2 RESERVE(6) released by logout, and
// persistent reservations made with APTPL=1 surviving an esand restart
// (and ones made without it not surviving).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:pr";
constexpr char kInitA[] = "iqn.2026-11.org.esan.test:pr-a";
constexpr char kInitB[] = "iqn.2026-11.org.esan.test:pr-b";
constexpr int kWriteExclusive = 1, kExclusiveAccess = 3;

struct PrEsand {
  EsandProcess esand{"pr"};
  std::string image = esand.Path("disk0.img");

  ::testing::AssertionResult Start() {
    if (!std::filesystem::exists(image) && !MakeSparseFile(image, 16 << 20))
      return ::testing::AssertionFailure() << "cannot create " << image;
    esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                      IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
    return esand.Start();
  }

  // A session with a fixed ISID, so that a later session is the same I_T
  // nexus (same initiator port) as far as PR is concerned.
  Context Session(const char* initiator, uint32_t isid_rnd) {
    SessionOptions o;
    o.initiator = initiator;
    o.isid_random = std::make_pair(isid_rnd, 1u);
    std::string err;
    Context c = Login(esand.portal(), kIqn, 0, o, &err);
    EXPECT_TRUE(c) << err;
    return c;
  }
};

int Status(const Task& t) { return t ? t->status : -1; }

Task ProutTask(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key, bool aptpl = false) {
  scsi_persistent_reserve_out_basic p{};
  p.reservation_key = key;
  p.service_action_reservation_key = sa_key;
  p.aptpl = aptpl ? 1 : 0;
  return Task(iscsi_persistent_reserve_out_sync(ctx, 0, sa, 0, type, &p));
}

::testing::AssertionResult Prout(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key,
                                 bool aptpl = false) {
  Task t = ProutTask(ctx, sa, type, key, sa_key, aptpl);
  if (t && t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "PR OUT sa " << sa << ": " << Describe(ctx, t.get());
}

std::vector<uint64_t> ReadKeys(iscsi_context* ctx, uint32_t* generation = nullptr) {
  Task t(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_KEYS, 4096));
  EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx, t.get());
  if (!t || t->status != SCSI_STATUS_GOOD) return {};
  auto* rk = static_cast<scsi_persistent_reserve_in_read_keys*>(scsi_datain_unmarshall(t.get()));
  if (!rk) return {};
  if (generation) *generation = rk->prgeneration;
  return std::vector<uint64_t>(rk->keys, rk->keys + rk->num_keys);
}

// Returns {reserved, key, type}.
std::tuple<bool, uint64_t, int> ReadReservation(iscsi_context* ctx) {
  Task t(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 4096));
  EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx, t.get());
  if (!t || t->status != SCSI_STATUS_GOOD) return {false, 0, 0};
  auto* rr = static_cast<scsi_persistent_reserve_in_read_reservation*>(scsi_datain_unmarshall(t.get()));
  if (!rr) return {false, 0, 0};
  return {rr->reserved != 0, rr->reservation_key, rr->pr_type};
}

TEST(Reservations, PersistentReservationConflictsBetweenInitiators) {
  PrEsand e;
  ASSERT_TRUE(e.Start());
  Context a = e.Session(kInitA, 1), b = e.Session(kInitB, 2);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, 0xA1));
  ASSERT_TRUE(Prout(b.get(), SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, 0xB2));
  ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_RESERVE, kWriteExclusive, 0xA1, 0));
  std::vector<uint8_t> data = TestData(4096, 7);
  EXPECT_TRUE(Write16(a.get(), 0, 8, data.data(), data.size()));
  Task w = Write16Task(b.get(), 0, 8, data.data(), data.size());
  EXPECT_EQ(Status(w), SCSI_STATUS_RESERVATION_CONFLICT) << Describe(b.get(), w.get());
  std::vector<uint8_t> back;
  EXPECT_TRUE(Read16(b.get(), 0, 8, 4096, &back)) << "Write Exclusive lets others read";
  EXPECT_EQ(back, data);
  // B reserving too conflicts; B preempts A and now A is the one locked out.
  EXPECT_EQ(Status(ProutTask(b.get(), SCSI_PERSISTENT_RESERVE_RESERVE, kWriteExclusive, 0xB2, 0)),
            SCSI_STATUS_RESERVATION_CONFLICT);
  ASSERT_TRUE(Prout(b.get(), SCSI_PERSISTENT_RESERVE_PREEMPT, kExclusiveAccess, 0xB2, 0xA1));
  Task ua = Read16Task(a.get(), 0, 8, 4096);
  ASSERT_TRUE(ua);
  EXPECT_EQ(ua->status, SCSI_STATUS_CHECK_CONDITION);
  EXPECT_EQ(ua->sense.key, SCSI_SENSE_UNIT_ATTENTION);
  EXPECT_EQ(ua->sense.ascq, 0x2A05) << "REGISTRATIONS PREEMPTED";
  Task r = Read16Task(a.get(), 0, 8, 4096);
  EXPECT_EQ(Status(r), SCSI_STATUS_RESERVATION_CONFLICT) << Describe(a.get(), r.get());
  EXPECT_TRUE(Write16(b.get(), 0, 8, data.data(), data.size()));
  EXPECT_EQ(ReadKeys(b.get()), std::vector<uint64_t>{0xB2});
  EXPECT_TRUE(e.esand.Stop());
}

TEST(Reservations, Reserve6ConflictsUntilTheHolderLogsOut) {
  PrEsand e;
  ASSERT_TRUE(e.Start());
  Context a = e.Session(kInitA, 1), b = e.Session(kInitB, 2);
  ASSERT_TRUE(a && b);
  Task t(iscsi_reserve6_sync(a.get(), 0));
  ASSERT_EQ(Status(t), SCSI_STATUS_GOOD) << Describe(a.get(), t.get());
  Task c(iscsi_reserve6_sync(b.get(), 0));
  EXPECT_EQ(Status(c), SCSI_STATUS_RESERVATION_CONFLICT);
  Task rd = Read16Task(b.get(), 0, 0, 512);
  EXPECT_EQ(Status(rd), SCSI_STATUS_RESERVATION_CONFLICT);
  ASSERT_EQ(iscsi_logout_sync(a.get()), 0);
  a.reset();
  // The I_T nexus (and its reservation) is gone once the Logout Response
  // has arrived.
  Task again(iscsi_reserve6_sync(b.get(), 0));
  EXPECT_EQ(Status(again), SCSI_STATUS_GOOD) << Describe(b.get(), again.get());
  Task rel(iscsi_release6_sync(b.get(), 0));
  EXPECT_EQ(Status(rel), SCSI_STATUS_GOOD);
  EXPECT_TRUE(e.esand.Stop());
}

TEST(Reservations, AptplRegistrationsAndReservationSurviveRestart) {
  PrEsand e;
  ASSERT_TRUE(e.Start());
  {
    Context a = e.Session(kInitA, 1), b = e.Session(kInitB, 2);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, 0xA1, true));
    ASSERT_TRUE(Prout(b.get(), SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, 0xB2, true));
    ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_RESERVE, kExclusiveAccess, 0xA1, 0));
  }
  std::string file = e.esand.state_dir() + "/pr/disk0";
  ASSERT_TRUE(std::filesystem::exists(file));
  ASSERT_TRUE(e.esand.Stop());
  ASSERT_TRUE(e.Start());
  Context a = e.Session(kInitA, 1), b = e.Session(kInitB, 2);
  ASSERT_TRUE(a && b);
  uint32_t gen = 0;
  std::vector<uint64_t> keys = ReadKeys(a.get(), &gen);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<uint64_t>{0xA1, 0xB2}));
  EXPECT_EQ(gen, 2u);
  auto [reserved, key, type] = ReadReservation(b.get());
  EXPECT_TRUE(reserved);
  EXPECT_EQ(key, 0xA1u);
  EXPECT_EQ(type, kExclusiveAccess);
  std::vector<uint8_t> data = TestData(512, 3);
  EXPECT_EQ(Status(Write16Task(b.get(), 0, 0, data.data(), 512)), SCSI_STATUS_RESERVATION_CONFLICT);
  EXPECT_TRUE(Write16(a.get(), 0, 0, data.data(), 512)) << "the same initiator port still holds it";
  // A third initiator port (same name, other ISID) is another I_T nexus.
  Context a2 = e.Session(kInitA, 9);
  ASSERT_TRUE(a2);
  EXPECT_EQ(Status(Write16Task(a2.get(), 0, 0, data.data(), 512)), SCSI_STATUS_RESERVATION_CONFLICT);
  EXPECT_TRUE(e.esand.Stop());
}

TEST(Reservations, StateWithoutAptplIsDroppedAtRestart) {
  PrEsand e;
  ASSERT_TRUE(e.Start());
  {
    Context a = e.Session(kInitA, 1);
    ASSERT_TRUE(a);
    ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, 0xA1, false));
    ASSERT_TRUE(Prout(a.get(), SCSI_PERSISTENT_RESERVE_RESERVE, kExclusiveAccess, 0xA1, 0));
  }
  ASSERT_TRUE(e.esand.Stop());
  ASSERT_TRUE(e.Start());
  Context b = e.Session(kInitB, 2);
  ASSERT_TRUE(b);
  EXPECT_TRUE(ReadKeys(b.get()).empty());
  EXPECT_FALSE(std::get<0>(ReadReservation(b.get())));
  std::vector<uint8_t> data = TestData(512, 3);
  EXPECT_TRUE(Write16(b.get(), 0, 0, data.data(), 512));
  EXPECT_TRUE(e.esand.Stop());
}

TEST(Reservations, CorruptStateFileStopsEsandNamingTheFile) {
  PrEsand e;
  ASSERT_TRUE(MakeSparseFile(e.image, 16 << 20));
  e.esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", e.image)) +
                      IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  std::filesystem::create_directories(e.esand.state_dir() + "/pr");
  std::string file = e.esand.state_dir() + "/pr/disk0";
  ASSERT_TRUE(WriteFile(file, "esan-pr 1\ndevice disk0\ngeneration x\n"));
  ExitInfo info = e.esand.RunToExit();
  ASSERT_TRUE(info.exited);
  EXPECT_NE(info.exit_code, 0);
  EXPECT_FALSE(info.accepted_connections);
  EXPECT_NE(info.output.find(file), std::string::npos) << info.output;
}

TEST(Reservations, UnusableStateDirStopsEsand) {
  PrEsand e;
  ASSERT_TRUE(MakeSparseFile(e.image, 16 << 20));
  e.esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", e.image)) +
                      IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  ASSERT_TRUE(WriteFile(e.esand.state_dir(), "a file where the directory should be"));
  ExitInfo info = e.esand.RunToExit();
  ASSERT_TRUE(info.exited);
  EXPECT_NE(info.exit_code, 0);
  EXPECT_NE(info.output.find("cannot create state directory"), std::string::npos) << info.output;
}

}  // namespace
}  // namespace esan::it

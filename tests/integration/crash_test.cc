// Crash consistency of a write_through file LU: several sessions write
// numbered, checksummed blocks with FUA (block_load.h: sequence number,
// LBA, CRC-32), esand is killed with SIGKILL at a random moment, restarted,
// and the whole region is read back. Every block must be intact (nothing
// torn or garbage) and hold either the last write acknowledged with GOOD
// before the kill or the write that was in flight on it -- never anything
// older (a lost acknowledged write). Each round starts from what the
// previous one left on disk.
// Rounds: ESAN_CRASH_ROUNDS (default 20); seed: ESAN_CRASH_SEED.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/integration/block_load.h"
#include "tests/integration/crash_util.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:crash";

TEST(CrashConsistency, AcknowledgedWritesSurviveSigkill) {
  const int rounds = EnvInt("ESAN_CRASH_ROUNDS", 20);
  const uint64_t seed = uint64_t(EnvInt("ESAN_CRASH_SEED", int(std::random_device{}() & 0x7fffffff)));
  std::printf("[crash] %d rounds, seed %llu (ESAN_CRASH_SEED)\n", rounds, (unsigned long long)seed);
  std::mt19937_64 rng(seed);
  const BlockLayout layout{4, 8, 32};
  const size_t bytes = size_t(layout.blocks()) * kCheckBlock;

  EsandProcess esand("crash");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, off_t(2 * bytes)));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image, {"write_through 1"})) +
                    IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  ASSERT_TRUE(esand.Start(QuietOptions()));

  std::vector<Expect> expect(layout.blocks());
  int clean_rounds = 0;
  uint64_t acked_all = 0, landed_all = 0, pending_all = 0;
  for (int round = 1; round <= rounds; ++round) {
    std::atomic<uint64_t> acked{0};
    std::vector<std::unique_ptr<BlockWorker>> workers;
    std::vector<Context> ctxs;
    for (int k = 0; k < layout.sessions; ++k) {
      ctxs.push_back(CrashSession(esand, kIqn, k));
      ASSERT_TRUE(ctxs.back()) << "round " << round;
      workers.push_back(std::make_unique<BlockWorker>(layout, k, uint64_t(round), &expect, rng(), 0, true, &acked));
    }
    std::vector<std::thread> threads;
    std::vector<PumpResult> results(layout.sessions);
    for (int k = 0; k < layout.sessions; ++k)
      threads.emplace_back([&, k] { results[k] = workers[k]->Run(std::move(ctxs[k])); });
    // The kill lands at a random point once writes are flowing.
    auto kill = KillAtRandomMoment(esand, acked, uint64_t(layout.sessions), rng);
    for (auto& t : threads) t.join();
    ASSERT_TRUE(kill) << "round " << round << ": " << kill.error;

    uint64_t bad = 0, in_flight = 0;
    for (auto& w : workers) bad += w->bad_status();
    for (auto& r : results) in_flight += r.unanswered;
    EXPECT_EQ(bad, 0u) << "round " << round << ": writes answered with an error status before the kill";

    ASSERT_TRUE(esand.Start(QuietOptions())) << "restart after round " << round;
    std::string err;
    Context check = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
    ASSERT_TRUE(check) << err;
    std::vector<uint8_t> data;
    ASSERT_TRUE(Read16(check.get(), 0, 0, bytes, &data));
    EXPECT_EQ(data, ReadFileRange(image, 0, bytes)) << "served data differs from the file";
    VerifyCounts v = VerifyBlocks(data, &expect, "round " + std::to_string(round));
    std::printf("[crash] round %d: killed after %lld ms, %llu writes acknowledged, %llu in flight "
                "(%llu blocks pending, %llu of them landed), %llu torn, %llu lost\n",
                round, (long long)*kill.ms, (unsigned long long)acked.load(), (unsigned long long)in_flight,
                (unsigned long long)v.pending, (unsigned long long)v.landed, (unsigned long long)v.torn,
                (unsigned long long)v.lost);
    EXPECT_GT(acked.load(), 0u) << "round " << round << ": nothing was acknowledged before the kill";
    acked_all += acked.load();
    landed_all += v.landed;
    pending_all += v.pending;
    if (v.torn == 0 && v.lost == 0 && bad == 0) ++clean_rounds;
  }
  std::printf("[crash] %d of %d kill-and-restart rounds lost no acknowledged write and tore no block "
              "(%llu writes acknowledged; %llu blocks in flight at a kill, %llu of them landed)\n",
              clean_rounds, rounds, (unsigned long long)acked_all, (unsigned long long)pending_all,
              (unsigned long long)landed_all);
  EXPECT_EQ(clean_rounds, rounds);
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it

// Graceful stop under load: SIGTERM while several sessions run reads and
// writes at QD32 on a (write-back) file LU. esand must finish or cleanly
// abort every command and exit 0 within 5 s, without hitting its drain
// deadline; every read answered GOOD returned exactly the acknowledged
// data, and afterwards every acknowledged write is in the file (writes in
// flight at the signal may or may not be, but no block is torn).
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "tests/integration/block_load.h"
#include "tests/integration/crash_util.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;

constexpr char kIqn[] = "iqn.2026-11.org.esan:stop";

TEST(GracefulStop, SigtermUnderLoadExitsZeroWithin5s) {
  const BlockLayout layout{4, 32, 64};
  const size_t bytes = size_t(layout.blocks()) * kCheckBlock;
  EsandProcess esand("stop");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, off_t(bytes)));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                    IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  ASSERT_TRUE(esand.Start(QuietOptions()));

  std::vector<Expect> expect(layout.blocks());
  std::atomic<uint64_t> acked{0};
  std::vector<std::unique_ptr<BlockWorker>> workers;
  std::vector<Context> ctxs;
  std::mt19937_64 rng(std::random_device{}());
  for (int k = 0; k < layout.sessions; ++k) {
    ctxs.push_back(CrashSession(esand, kIqn, k));
    ASSERT_TRUE(ctxs.back());
    workers.push_back(std::make_unique<BlockWorker>(layout, k, 1, &expect, rng(), 50, false, &acked));
  }
  std::vector<PumpResult> results(layout.sessions);
  std::vector<std::thread> threads;
  for (int k = 0; k < layout.sessions; ++k)
    threads.emplace_back([&, k] { results[k] = workers[k]->Run(std::move(ctxs[k])); });

  // Heavy I/O first: a few thousand writes acknowledged (at most 30 s).
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (acked.load() < 2000 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  uint64_t acked_at_signal = acked.load();
  auto t0 = std::chrono::steady_clock::now();
  esand.Signal(SIGTERM);
  ExitInfo info = esand.WaitExit(15s);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  for (auto& t : threads) t.join();

  uint64_t in_flight = 0, completed = 0, reads = 0, read_errors = 0, error_status = 0;
  for (auto& r : results) in_flight += r.unanswered, completed += r.completed;
  for (auto& w : workers) {
    reads += w->reads_checked();
    read_errors += w->read_errors();
    error_status += w->bad_status();
    EXPECT_EQ(w->read_errors(), 0u) << w->first_error();
  }
  std::printf("[stop] SIGTERM after %llu writes acknowledged: esand exited %s%d in %lld ms; %llu commands "
              "answered (%llu reads checked, %llu with an error status), %llu cut off by the close\n",
              (unsigned long long)acked_at_signal, info.signaled ? "by signal " : "with status ",
              info.signaled ? info.signal : info.exit_code, (long long)ms, (unsigned long long)completed,
              (unsigned long long)reads, (unsigned long long)error_status, (unsigned long long)in_flight);
  EXPECT_GE(acked_at_signal, 2000u) << "the load never got going";
  ASSERT_TRUE(info.exited) << "esand did not exit within 15 s of SIGTERM";
  EXPECT_FALSE(info.signaled) << "signal " << info.signal;
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_LT(ms, 5000) << "esand took " << ms << " ms to stop";
  EXPECT_EQ(esand.Output().find("still draining"), std::string::npos) << "esand hit its drain deadline";
  EXPECT_EQ(read_errors, 0u);

  // Acknowledged writes are in the file (the backend was flushed at exit).
  VerifyCounts v = VerifyBlocks(ReadFileRange(image, 0, bytes), &expect, "after SIGTERM");
  std::printf("[stop] file: %llu blocks pending at the signal (%llu landed), %llu torn, %llu lost\n",
              (unsigned long long)v.pending, (unsigned long long)v.landed, (unsigned long long)v.torn,
              (unsigned long long)v.lost);
  EXPECT_EQ(v.torn, 0u);
  EXPECT_EQ(v.lost, 0u);
}

}  // namespace
}  // namespace esan::it

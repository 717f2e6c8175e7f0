// Data path: bulk integrity (with and without digests), concurrent sessions,
// and SIGTERM during heavy I/O.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <barrier>
#include <chrono>
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

constexpr char kIqn[] = "iqn.2026-11.org.esan:io";
constexpr size_t kMiB = 1024 * 1024;

// One thin-provisioned file LU of `size` bytes as LUN 0 of kIqn.
std::string OneFileLuConfig(const std::string& image, const std::vector<std::string>& attrs) {
  return Handler("vdisk_fileio", FileioDevice("disk0", image, attrs)) +
         IscsiDriver(Target(kIqn, "        LUN 0 disk0\n"));
}

// Writes `total` bytes of fresh random data in `chunk`-byte WRITE16s, reads
// everything back in chunk-sized READ16s and compares; then compares the
// backing file.
void WriteReadCompare(EsandProcess& esand, const std::string& image, const SessionOptions& opts,
                      size_t total, size_t chunk, uint64_t seed) {
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, opts, &err);
  ASSERT_TRUE(ctx) << err;
  std::vector<uint8_t> data = TestData(total, seed);
  for (size_t off = 0; off < total; off += chunk) {
    ASSERT_TRUE(Write16(ctx.get(), 0, off / 512, data.data() + off, chunk));
  }
  std::vector<uint8_t> back;
  for (size_t off = 0; off < total; off += chunk) {
    ASSERT_TRUE(Read16(ctx.get(), 0, off / 512, chunk, &back));
    std::vector<uint8_t> want(data.begin() + static_cast<long>(off),
                              data.begin() + static_cast<long>(off + chunk));
    size_t d = FirstDifference(back, want);
    ASSERT_EQ(d, std::string::npos) << "READ16 data differs from what was written at byte "
                                    << off + d;
  }
  std::vector<uint8_t> file = ReadFileRange(image, 0, total);
  size_t d = FirstDifference(file, data);
  EXPECT_EQ(d, std::string::npos) << "backing file differs at byte " << d;
}

TEST(DataIntegrity, Write64MiBInOneMiBCommandsAndReadBack) {
  EsandProcess esand("bulk");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 64 * kMiB));
  esand.WriteConfig(OneFileLuConfig(image, {"thin_provisioned 1"}));
  ASSERT_TRUE(esand.Start());
  WriteReadCompare(esand, image, SessionOptions{}, 64 * kMiB, kMiB, 1);
  EXPECT_TRUE(esand.Stop());
}

TEST(DataIntegrity, Write64MiBWithHeaderDigestCrc32c) {
  // libiscsi 1.19 can request HeaderDigest only (it has no data digest);
  // DataDigest is covered by RawSession.HeaderAndDataDigestCrc32c.
  EsandProcess esand("bulk-hd");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 64 * kMiB));
  esand.WriteConfig(OneFileLuConfig(image, {"thin_provisioned 1"}));
  ASSERT_TRUE(esand.Start());
  SessionOptions opts;
  opts.header_digest_crc32c = true;  // libiscsi offers HeaderDigest=CRC32C only
  WriteReadCompare(esand, image, opts, 64 * kMiB, kMiB, 2);
  EXPECT_TRUE(esand.Stop());
}

TEST(RawSession, HeaderAndDataDigestCrc32c) {
  EsandProcess esand("raw-digest");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 16 * kMiB));
  esand.WriteConfig(OneFileLuConfig(image, {}));
  ASSERT_TRUE(esand.Start());

  raw::Session s;
  raw::Session::Params p;
  p.target = kIqn;
  p.header_digest = "CRC32C,None";
  p.data_digest = "CRC32C,None";
  std::map<std::string, std::string> keys;
  ASSERT_TRUE(s.Login(esand.port(), p, &keys));
  // The target supports CRC32C, so it must pick the first offered value.
  EXPECT_EQ(keys["HeaderDigest"], "CRC32C");
  EXPECT_EQ(keys["DataDigest"], "CRC32C");
  ASSERT_TRUE(s.conn()->header_digest && s.conn()->data_digest)
      << "digests not negotiated; the rest of this test needs them";
  ASSERT_TRUE(s.WaitReady(0));

  // Small (immediate data) and large (R2T + several Data-Out / Data-In PDUs)
  // transfers; every PDU from the target has its digests checked.
  for (size_t len : {size_t{4096}, size_t{1} * kMiB}) {
    std::vector<uint8_t> data = TestData(len, 300 + len);
    uint64_t lba = 2048;
    ASSERT_TRUE(s.Write16(0, lba, data)) << "len " << len;
    std::vector<uint8_t> back;
    ASSERT_TRUE(s.Read16(0, lba, len, &back)) << "len " << len;
    ASSERT_EQ(FirstDifference(back, data), std::string::npos) << "len " << len;
    EXPECT_EQ(FirstDifference(ReadFileRange(image, lba * 512, len), data), std::string::npos);
  }
  EXPECT_TRUE(esand.Stop());
}

TEST(ConcurrentSessions, FourSessionsWriteAndVerifyOwnRegions) {
  constexpr int kThreads = 4;
  constexpr size_t kRegion = 16 * kMiB;
  constexpr size_t kChunk = 256 * 1024;
  EsandProcess esand("concurrent");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, kThreads * kRegion));
  esand.WriteConfig(OneFileLuConfig(image, {"thin_provisioned 1"}));
  ASSERT_TRUE(esand.Start());

  std::mutex mu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& e) {
    std::lock_guard lk(mu);
    errors.push_back(e);
  };
  std::barrier start(kThreads);
  auto seed_of = [](int t, size_t chunk, int pass) { return 1000000ull * t + 1000 * chunk + pass; };

  auto worker = [&](int t) {
    SessionOptions opts;
    opts.initiator = "iqn.2026-11.org.esan.test:worker-" + std::to_string(t);
    std::string err;
    Context ctx = Login(esand.portal(), kIqn, 0, opts, &err);
    start.arrive_and_wait();
    if (!ctx) return fail("thread " + std::to_string(t) + ": " + err);
    const uint64_t base = t * kRegion;
    std::vector<uint8_t> buf(kChunk), back;
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t c = 0; c < kRegion / kChunk; ++c) {
        FillTestData(buf.data(), kChunk, seed_of(t, c, pass));
        uint64_t lba = (base + c * kChunk) / 512;
        if (auto r = Write16(ctx.get(), 0, lba, buf.data(), kChunk); !r) return fail(r.message());
        if (auto r = Read16(ctx.get(), 0, lba, kChunk, &back); !r) return fail(r.message());
        if (size_t d = FirstDifference(back, buf); d != std::string::npos) {
          return fail("thread " + std::to_string(t) + " pass " + std::to_string(pass) +
                      ": read-after-write differs at byte " + std::to_string(c * kChunk + d) +
                      " of its region");
        }
      }
    }
    // Re-read the whole region after every thread has been writing.
    for (size_t c = 0; c < kRegion / kChunk; ++c) {
      FillTestData(buf.data(), kChunk, seed_of(t, c, 1));
      if (auto r = Read16(ctx.get(), 0, (base + c * kChunk) / 512, kChunk, &back); !r) {
        return fail(r.message());
      }
      if (size_t d = FirstDifference(back, buf); d != std::string::npos) {
        return fail("thread " + std::to_string(t) + ": final re-read differs at region byte " +
                    std::to_string(c * kChunk + d));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  for (const auto& e : errors) ADD_FAILURE() << e;

  // The backing file holds exactly each thread's last pass.
  std::vector<uint8_t> want(kChunk);
  for (int t = 0; t < kThreads && errors.empty(); ++t) {
    for (size_t c = 0; c < kRegion / kChunk; ++c) {
      FillTestData(want.data(), kChunk, seed_of(t, c, 1));
      auto got = ReadFileRange(image, t * kRegion + c * kChunk, kChunk);
      ASSERT_EQ(FirstDifference(got, want), std::string::npos)
          << "backing file, thread " << t << " chunk " << c;
    }
  }
  EXPECT_TRUE(esand.Stop());
}

TEST(Shutdown, SigtermDuringHeavyIoExitsPromptlyAndKeepsAcknowledgedWrites) {
  // Each thread rewrites its own region round and round (write n goes to
  // chunk n % kChunks with data seeded by n), so I/O is in flight whenever
  // the signal comes.  Since a thread has one write outstanding at a time,
  // acked[t] == F means writes 0..F-1 were acknowledged, write F may have
  // been in flight, and every chunk except F % kChunks must hold the data of
  // the last acknowledged write to it.
  constexpr int kThreads = 4;
  constexpr size_t kChunk = 64 * 1024;
  constexpr size_t kChunks = 128;  // 8 MiB per thread
  constexpr size_t kRegion = kChunk * kChunks;
  EsandProcess esand("sigterm");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, kThreads * kRegion));
  esand.WriteConfig(OneFileLuConfig(image, {"write_through 1"}));
  ASSERT_TRUE(esand.Start());

  auto seed_of = [](int t, uint64_t n) { return 7000000000ull * (t + 1) + n; };
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked[kThreads];
  for (auto& a : acked) a = 0;
  std::mutex mu;
  std::vector<std::string> login_errors;
  std::barrier start(kThreads + 1);

  auto worker = [&](int t) {
    SessionOptions opts;
    opts.initiator = "iqn.2026-11.org.esan.test:busy-" + std::to_string(t);
    opts.timeout_s = 5;
    std::string err;
    Context ctx = Login(esand.portal(), kIqn, 0, opts, &err);
    if (!ctx) {
      std::lock_guard lk(mu);
      login_errors.push_back(err);
    }
    start.arrive_and_wait();
    if (!ctx) return;
    std::vector<uint8_t> buf(kChunk);
    for (uint64_t n = 0; !stop; ++n) {
      FillTestData(buf.data(), kChunk, seed_of(t, n));
      uint64_t lba = (t * kRegion + (n % kChunks) * kChunk) / 512;
      Task task = Write16Task(ctx.get(), 0, lba, buf.data(), kChunk);
      if (!task || task->status != SCSI_STATUS_GOOD) return;  // target going away
      acked[t].store(n + 1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  start.arrive_and_wait();
  for (const auto& e : login_errors) ADD_FAILURE() << e;

  // Let every thread get going (at least two passes over its region), then
  // signal while the I/O is in full flow.
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 20s) {
    bool busy = true;
    for (auto& a : acked) busy = busy && a.load() >= 2 * kChunks;
    if (busy && std::chrono::steady_clock::now() - t0 > 1s) break;
    std::this_thread::sleep_for(10ms);
  }
  uint64_t acked_before[kThreads];
  for (int t = 0; t < kThreads; ++t) acked_before[t] = acked[t].load();
  auto sig_at = std::chrono::steady_clock::now();
  esand.Signal(SIGTERM);
  ExitInfo info = esand.WaitExit(5s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sig_at);
  stop = true;
  for (auto& th : threads) th.join();

  std::printf("[ shutdown ] acknowledged 64 KiB writes at SIGTERM: %llu/%llu/%llu/%llu, in all: "
              "%llu/%llu/%llu/%llu; exit %s after %lld ms\n",
              (unsigned long long)acked_before[0], (unsigned long long)acked_before[1],
              (unsigned long long)acked_before[2], (unsigned long long)acked_before[3],
              (unsigned long long)acked[0].load(), (unsigned long long)acked[1].load(),
              (unsigned long long)acked[2].load(), (unsigned long long)acked[3].load(),
              info.exited ? std::to_string(info.exit_code).c_str() : "(none: killed)",
              static_cast<long long>(took.count()));
  EXPECT_TRUE(info.exited) << "esand did not exit within 5 s of SIGTERM under load (killed)";
  if (info.exited) {
    EXPECT_FALSE(info.signaled) << "esand died of signal " << info.signal;
    EXPECT_EQ(info.exit_code, 0) << "exit status after SIGTERM (" << took.count() << " ms)";
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_GE(acked_before[t], 2 * kChunks) << "thread " << t << " was not busy at the signal";
  }

  // Every acknowledged write is in the backing file (unless a later
  // acknowledged write replaced it).
  std::vector<uint8_t> want(kChunk);
  for (int t = 0; t < kThreads; ++t) {
    const uint64_t f = acked[t].load();
    for (uint64_t c = 0; c < kChunks; ++c) {
      if (c == f % kChunks) continue;  // write f may have been in flight
      if (c >= f) {
        std::fill(want.begin(), want.end(), 0);
      } else {
        uint64_t last = c + ((f - 1 - c) / kChunks) * kChunks;
        FillTestData(want.data(), kChunk, seed_of(t, last));
      }
      auto got = ReadFileRange(image, t * kRegion + c * kChunk, kChunk);
      ASSERT_EQ(FirstDifference(got, want), std::string::npos)
          << "thread " << t << " chunk " << c << ": the backing file does not hold the last "
          << "acknowledged write to it (" << f << " writes acknowledged)";
    }
  }
}

}  // namespace
}  // namespace esan::it

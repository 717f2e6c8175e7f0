// esan-bench against a real esand: a verified mixed workload over several
// sessions completes without errors and reports both reads and writes, and
// --verify does catch data that is not what was written (a null LU reads
// back zeros); a target that dies mid-run ends the run with an error.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <future>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/integration/esand_process.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:bench";

std::string Bench(const std::string& args) { return std::string(ESAN_BENCH_PATH) + " " + args; }

// The JSON object esan-bench printed last (stderr progress lines precede it).
nlohmann::json LastJson(const std::string& out) {
  size_t at = out.find('{');
  if (at == std::string::npos) return {};
  return nlohmann::json::parse(out.substr(at), nullptr, false);
}

TEST(EsanBench, VerifiedMixedWorkloadOverSessions) {
  EsandProcess esand("bench");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, 64 << 20));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image)) +
                    Handler("vdisk_nullio", NullioDevice("null0", 64)) +
                    IscsiDriver(Target(kIqn, "        LUN 0 disk0\n        LUN 1 null0\n")));
  ASSERT_TRUE(esand.Start());

  auto r = RunCommand(Bench(esand.Url(kIqn, 0) +
                            " --rw rw70 --bs 4k --qd 8 --sessions 3 --time 2s --range 16m --verify --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = LastJson(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_EQ(j["errors"], 0);
  EXPECT_EQ(j["miscompares"], 0);
  EXPECT_EQ(j["sessions"], 3);
  EXPECT_GT(j["reads"].get<uint64_t>(), 100u);
  EXPECT_GT(j["writes"].get<uint64_t>(), 30u);
  EXPECT_GT(j["iops"].get<double>(), 0.0);
  EXPECT_GE(j["latency_us"]["p99"].get<double>(), j["latency_us"]["p50"].get<double>());
  EXPECT_GE(j["latency_us"]["max"].get<double>(), j["latency_us"]["p99_9"].get<double>());
  // Progress lines went to stderr, one per second.
  EXPECT_NE(r.output.find("1s"), std::string::npos) << r.output;

  // Sequential 1 MiB reads, the shape bench/compare uses for bandwidth.
  auto seq = RunCommand(Bench(esand.Url(kIqn, 0) + " --rw read --bs 1m --qd 4 --time 1s --quiet --json"));
  ASSERT_EQ(seq.exit_code, 0) << seq.output;
  EXPECT_GT(LastJson(seq.output)["mb_per_s"].get<double>(), 0.0);

  // A null LU discards writes and reads zeros: --verify must notice.
  auto bad = RunCommand(Bench(esand.Url(kIqn, 1) + " --rw randread --qd 4 --time 500ms --range 1m --verify --json"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  auto bj = LastJson(bad.output);
  ASSERT_TRUE(bj.is_object()) << bad.output;
  EXPECT_GT(bj["miscompares"].get<uint64_t>(), 0u);

  // Bad arguments and an unknown LUN are refused with exit status 2.
  EXPECT_EQ(RunCommand(Bench(esand.Url(kIqn, 0) + " --bs 1000")).exit_code, 2);
  EXPECT_EQ(RunCommand(Bench(esand.Url(kIqn, 9) + " --time 1s")).exit_code, 2);
  ASSERT_TRUE(esand.Stop());
}

// The target going away mid-run ends the run at once with an error (no
// reconnect loop spinning until --time and the drain deadline have passed).
TEST(EsanBench, EndsWithAnErrorWhenTheTargetGoesAway) {
  EsandProcess esand("bench-gone");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("null0", 64)) +
                    IscsiDriver(Target(kIqn, "        LUN 0 null0\n")));
  ASSERT_TRUE(esand.Start());
  auto start = std::chrono::steady_clock::now();
  auto run = std::async(std::launch::async, [&] {
    return RunCommand(Bench(esand.Url(kIqn, 0) + " --rw randread --bs 4k --qd 8 --time 60s --quiet --json"));
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(::kill(esand.pid(), SIGKILL), 0);
  ASSERT_EQ(run.wait_for(std::chrono::seconds(50)), std::future_status::ready)
      << "esan-bench still running 50 s after its target died";
  CommandOutput r = run.get();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(30)) << "it waited for --time (60 s) instead of ending";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  auto j = LastJson(r.output);
  ASSERT_TRUE(j.is_object()) << r.output;
  EXPECT_GT(j["errors"].get<uint64_t>(), 0u);
  EXPECT_NE(j.value("first_error", std::string()), "") << r.output;
  esand.Stop();  // reaps the killed process
}

}  // namespace
}  // namespace esan::it

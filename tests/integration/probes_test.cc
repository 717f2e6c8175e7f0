// Scheduled backend probes end to end (label chores): a file LU backed by a
// file on a FUSE file system this test controls (fuse_disk.cc). Its reads
// are made to hang, to fail with EIO and to answer again; the test waits
// (with a generous margin, not as a speed check) for the hung, failed and
// recovered events and checks each state in GET /v1/health, `esanctl
// device list`, `esanctl health` and GET /metrics. The last case stops esand
// while a probe still hangs. Needs root and /dev/fuse: without them the
// test fails saying so.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/integration/esand_process.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kDiskMb = 16;
const std::string kIqn = "iqn.2026-12.org.esan:probes";

template <class P>
bool WaitFor(P pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// fuse_disk mounted on dir/mnt, its mode in dir/mode. The destructor
// releases any hang, stops the server and unmounts, whatever happened.
class FuseDisk {
 public:
  explicit FuseDisk(std::string dir) : dir_(std::move(dir)) {
    if (::geteuid() != 0) {
      error_ = "the FUSE probe test needs root (it mounts a FUSE file system); run it as root";
      return;
    }
    if (::access("/dev/fuse", R_OK | W_OK) != 0) {
      error_ = std::string("the FUSE probe test needs /dev/fuse: ") + std::strerror(errno);
      return;
    }
    ::mkdir(mnt().c_str(), 0755);
    SetMode("ok");
    std::vector<std::string> args{FUSE_DISK_PATH, mnt(), dir_ + "/mode", std::to_string(kDiskMb)};
    std::string out = dir_ + "/fuse_disk.out";
    int rc = 0;
    pid_ = SpawnToFile(args, out, &rc);
    if (pid_ < 0) {
      error_ = std::string("cannot start fuse_disk: ") + std::strerror(rc);
      return;
    }
    bool up = WaitFor(
        [&] {
          struct stat st {};
          return ::stat(path().c_str(), &st) == 0 && st.st_size == off_t(kDiskMb) << 20;
        },
        10s);
    if (!up) error_ = "fuse_disk did not mount " + mnt() + ": " + ReadFile(out);
  }
  ~FuseDisk() {
    SetMode("ok");
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);  // fuse_main unmounts and exits
      bool gone = WaitFor([&] { return ::waitpid(pid_, nullptr, WNOHANG) == pid_; }, 5s);
      if (!gone) {
        ::kill(pid_, SIGKILL);  // closing /dev/fuse ends every request still open
        ::waitpid(pid_, nullptr, 0);
      }
    }
    ::umount2(mnt().c_str(), MNT_DETACH);  // in case it is still mounted; an error is fine
  }
  const std::string& error() const { return error_; }
  std::string mnt() const { return dir_ + "/mnt"; }
  std::string path() const { return mnt() + "/disk"; }
  void SetMode(const std::string& m) { WriteFile(dir_ + "/mode", m + "\n"); }

 private:
  std::string dir_, error_;
  pid_t pid_ = -1;
};

// Releases the hang first whatever happens (declared after esand, so it
// runs before esand is stopped).
struct Release {
  FuseDisk& disk;
  ~Release() { disk.SetMode("ok"); }
};

class ProbesTest : public ::testing::Test {
 protected:
  CommandOutput Ctl(const std::string& args) {
    return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand_.mgmt_socket() + " " + args);
  }
  json Health() {
    auto r = api().Get("/v1/health?timeout_ms=3000");
    return r.json;
  }
  json DeviceHealth(const json& health, const std::string& dev) {
    for (const auto& d : health.value("devices", json::array()))
      if (d.value("name", "") == dev) return d;
    return json();
  }
  // The first event of `kind` for device fz0 with seq >= since whose `key` field is `value`.
  json WaitEvent(const std::string& kind, const std::string& key, const std::string& value, uint64_t since) {
    json found;
    WaitFor(
        [&] {
          auto r = api().Get("/v1/events?since=" + std::to_string(since));
          for (const auto& e : r.json.value("events", json::array())) {
            if (e.value("kind", "") != kind) continue;
            const json& f = e.value("fields", json::object());
            if (f.value("device", "") == "fz0" && f.value(key, "") == value) {
              found = e;
              return true;
            }
          }
          return false;
        },
        30s);
    return found;
  }
  uint64_t NextSeq() {
    auto r = api().Get("/v1/events?since=0");
    return r.json.value("next", uint64_t{1});
  }
  // The esan_device_healthy sample of fz0, or "" when there is none.
  std::string HealthyMetric() {
    auto r = api().Get("/metrics");
    const std::string key = "esan_device_healthy{device=\"fz0\"} ";
    auto at = r.body.find(key);
    if (at == std::string::npos) return "";
    return r.body.substr(at + key.size(), r.body.find('\n', at) - at - key.size());
  }
  std::string DeviceRow() {
    auto out = Ctl("device list");
    auto at = out.output.find("fz0 ");
    return at == std::string::npos ? out.output : out.output.substr(at, out.output.find('\n', at) - at);
  }
  MgmtClient api() { return MgmtClient(esand_.mgmt_socket()); }

  EsandProcess esand_{"probes"};
};

TEST_F(ProbesTest, HungFailedAndRecoveredBackendOnFuse) {
  FuseDisk disk(esand_.dir());
  ASSERT_TRUE(disk.error().empty()) << disk.error();
  Release release{disk};
  esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("fz0", disk.path())) +
                     Handler("vdisk_nullio", NullioDevice("nul0", 8)) +
                     IscsiDriver(Target(kIqn, "        LUN 0 fz0\n        LUN 1 nul0\n")));
  EsandProcess::Options o;
  o.log_level = "info";
  o.extra_args = {"--probe-interval", "1", "--probe-hang-limit", "2"};
  ASSERT_TRUE(esand_.Start(o));

  // Healthy first.
  ASSERT_TRUE(WaitFor([&] { return DeviceHealth(Health(), "fz0").value("state", "") == "healthy"; }, 30s))
      << Health().dump();
  EXPECT_EQ(Health().value("ok", false), true);
  EXPECT_NE(DeviceRow().find("healthy"), std::string::npos) << DeviceRow();
  EXPECT_EQ(HealthyMetric(), "1");

  // Reads hang: a hung event; unhealthy everywhere; GET /v1/health still answers.
  uint64_t seq = NextSeq();
  disk.SetMode("hang");
  json hung = WaitEvent("health_failed", "state", "hung", seq);
  ASSERT_FALSE(hung.is_null()) << "no hung event within 30 s";
  EXPECT_EQ(hung.value("severity", ""), "error");
  json h = Health();
  EXPECT_EQ(h.value("ok", true), false) << h.dump();
  EXPECT_EQ(DeviceHealth(h, "fz0").value("state", ""), "hung") << h.dump();
  EXPECT_EQ(DeviceHealth(h, "nul0").value("ok", false), true) << h.dump();
  EXPECT_NE(DeviceRow().find("hung"), std::string::npos) << DeviceRow();
  auto ctl_health = Ctl("health");
  EXPECT_NE(ctl_health.output.find("fz0     vdisk_fileio  failed  hung: no answer"), std::string::npos)
      << ctl_health.output;
  EXPECT_NE(ctl_health.output.find("health: failed"), std::string::npos) << ctl_health.output;
  EXPECT_EQ(HealthyMetric(), "0");

  // The hung read now fails with EIO: failed.
  seq = NextSeq();
  disk.SetMode("eio");
  json failed = WaitEvent("health_failed", "state", "failed", seq);
  ASSERT_FALSE(failed.is_null()) << "no failed event within 30 s";
  EXPECT_NE(failed["fields"].value("error", "").find("Input/output error"), std::string::npos) << failed.dump();
  EXPECT_TRUE(WaitFor([&] { return DeviceRow().find("failed") != std::string::npos; }, 10s)) << DeviceRow();
  EXPECT_EQ(DeviceHealth(Health(), "fz0").value("state", ""), "failed");
  EXPECT_EQ(HealthyMetric(), "0");

  // Released: recovered, healthy again.
  seq = NextSeq();
  disk.SetMode("ok");
  json rec = WaitEvent("health_recovered", "was", "failed", seq);
  ASSERT_FALSE(rec.is_null()) << "no recovered event within 30 s";
  EXPECT_EQ(rec.value("severity", ""), "info");
  h = Health();
  EXPECT_EQ(h.value("ok", false), true) << h.dump();
  EXPECT_NE(DeviceRow().find("healthy"), std::string::npos) << DeviceRow();
  EXPECT_EQ(HealthyMetric(), "1");

  // Hung straight back to healthy: recovered (was hung).
  seq = NextSeq();
  disk.SetMode("hang");
  ASSERT_FALSE(WaitEvent("health_failed", "state", "hung", seq).is_null());
  seq = NextSeq();
  disk.SetMode("ok");
  EXPECT_FALSE(WaitEvent("health_recovered", "was", "hung", seq).is_null());

  // esand stops although a probe hangs (its read is interrupted when the
  // process exits; the scheduler never waits for it).
  seq = NextSeq();
  disk.SetMode("hang");
  ASSERT_FALSE(WaitEvent("health_failed", "state", "hung", seq).is_null());
  EXPECT_TRUE(esand_.Stop(30s));
}

TEST_F(ProbesTest, BadSettingsAreRefusedWithAClearMessage) {
  esand_.WriteConfig(Handler("vdisk_nullio", NullioDevice("nul0", 8)));
  auto run = [&](const std::string& flags) {
    return RunCommand(std::string(ESAND_PATH) + " --config " + esand_.config_path() +
                      " --listen 127.0.0.1:" + std::to_string(FreeLoopbackPort()) + " --mgmt-socket '' --state-dir " +
                      esand_.state_dir() + " " + flags);
  };
  auto r = run("--probe-interval 7200");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the probe interval must be from 1 to 3600 seconds (0 = no scheduled probes), not 7200 s"),
            std::string::npos)
      << r.output;
  r = run("--probe-hang-limit 0");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the probe hang limit must be from 1 to 600 seconds, not 0 s"), std::string::npos)
      << r.output;
  r = run("--probe-interval -1");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--probe-interval"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace esan::it

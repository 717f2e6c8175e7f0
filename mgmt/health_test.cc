// probe_backends() and health_json(): the answers GET /v1/health gives the
// resource agent (mgmt/health.h), on real files.
#include "mgmt/health.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace esan::mgmt {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char t[] = "/tmp/esan-health.XXXXXX";
    path = ::mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
};

config::DeviceConfig device(std::string name, config::Handler h, std::string file) {
  config::DeviceConfig d;
  d.name = std::move(name);
  d.handler = h;
  d.filename = std::move(file);
  return d;
}

TEST(Health, ReadableFilesAnswerMissingAndUnreadableOnesDoNot) {
  TempDir t;
  std::string img = t.path / "d0.img", gone = t.path / "gone.img", dir = t.path / "dir";
  std::ofstream(img) << std::string(8192, 'x');
  fs::create_directory(dir);
  auto probes = probe_backends({device("d0", config::Handler::kFileIo, img),
                                device("b0", config::Handler::kBlockIo, img),  // O_DIRECT (or buffered on tmpfs)
                                device("gone", config::Handler::kFileIo, gone),
                                device("dir", config::Handler::kFileIo, dir),
                                device("n0", config::Handler::kNullIo, "")},
                               std::chrono::milliseconds(2000));
  ASSERT_EQ(probes.size(), 5u);
  EXPECT_TRUE(probes[0].ok) << probes[0].error;
  EXPECT_EQ(probes[0].handler, "vdisk_fileio");
  EXPECT_EQ(probes[0].path, img);
  EXPECT_TRUE(probes[1].ok) << probes[1].error;
  EXPECT_FALSE(probes[2].ok);
  EXPECT_EQ(probes[2].error, "cannot open " + gone + ": No such file or directory");
  EXPECT_FALSE(probes[3].ok);
  EXPECT_EQ(probes[3].error, "cannot read " + dir + ": Is a directory");
  EXPECT_TRUE(probes[4].ok);
  EXPECT_EQ(probes[4].handler, "vdisk_nullio");
}

TEST(Health, AReadThatHangsIsReportedAtTheTimeout) {
  TempDir t;
  std::string fifo = t.path / "fifo";  // opening a FIFO for reading blocks until a writer comes
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto t0 = std::chrono::steady_clock::now();
  auto probes = probe_backends({device("hung", config::Handler::kFileIo, fifo)}, std::chrono::milliseconds(200));
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(probes.size(), 1u);
  EXPECT_FALSE(probes[0].ok);
  EXPECT_EQ(probes[0].error, "no answer from " + fifo + " within 200 ms");
  EXPECT_GE(took, std::chrono::milliseconds(200));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  // Let the probe's thread finish: a writer unblocks its open, the read sees EOF.
  int w = ::open(fifo.c_str(), O_WRONLY);
  ASSERT_GE(w, 0);
  ::close(w);
}

TEST(Health, ScheduledStatesAreTheAnswerInConfigOrder) {
  std::vector<config::DeviceConfig> devs{
      device("d0", config::Handler::kFileIo, "/srv/d0.img"), device("d1", config::Handler::kBlockIo, "/dev/sdx"),
      device("d2", config::Handler::kFileIo, "/srv/d2.img"), device("n0", config::Handler::kNullIo, "")};
  auto targets = probe_targets(devs);
  ASSERT_EQ(targets.size(), 4u);
  EXPECT_EQ(targets[1], (probes::Target{"d1", "/dev/sdx", true}));
  EXPECT_EQ(targets[3].path, "") << "a null device has nothing to probe";
  std::vector<probes::DeviceHealth> h(4);
  h[0] = {"d1", "/dev/sdx", probes::State::kHung, "no answer from /dev/sdx within 10000 ms", 12.5, 1, 1, true};
  h[1] = {"d0", "/srv/d0.img", probes::State::kHealthy, "", 0.002, 3, 0, false};
  h[2] = {"n0", "", probes::State::kHealthy, "", 0, 0, 0, false};
  // Its probe did not answer within the request's time: the request's own hang.
  h[3] = {"d2", "/srv/d2.img", probes::State::kHealthy, "", 0.001, 1, 0, true, false};
  auto b = scheduled_backends(devs, h, std::chrono::milliseconds(5000));
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b[0].device, "d0");
  EXPECT_TRUE(b[0].ok);
  EXPECT_EQ(b[0].state, "healthy");
  EXPECT_FALSE(b[1].ok);
  EXPECT_EQ(b[1].state, "hung");
  EXPECT_EQ(b[1].error, "no answer from /dev/sdx within 10000 ms");
  EXPECT_FALSE(b[2].ok) << "a device that did not answer in time counted as healthy";
  EXPECT_EQ(b[2].state, "hung");
  EXPECT_EQ(b[2].error, "no answer from /srv/d2.img within 5000 ms");
  // A device the scheduler does not know (yet) is no better.
  EXPECT_FALSE(scheduled_backends(devs, {}, std::chrono::milliseconds(5000))[0].ok);
  EXPECT_TRUE(b[3].ok);
  Json j = health_json(b, {});
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["devices"][1]["state"], "hung");
}

TEST(Health, JsonIsOkOnlyWhenEveryBackendAnswersAndEveryGroupIsReady) {
  BackendProbe good{"d0", "vdisk_fileio", "/srv/d0.img", true, "", 0.001, "healthy"};
  BackendProbe bad{"d1", "vdisk_blockio", "/dev/sdx", false, "cannot open /dev/sdx: No such file or directory", 0,
                   "failed"};
  GroupHealth plain{"dg", "", true, false, false, 0, {}};
  GroupHealth syncing{"ha", "san-ha", false, true, true, 1, {{1, 100}, {2, 200}}};
  GroupHealth synced = syncing;
  synced.ready = true;

  Json j = health_json({good}, {plain, synced});
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["devices"][0]["name"], "d0");
  EXPECT_EQ(j["devices"][0]["ok"], true);
  EXPECT_TRUE(j["devices"][0]["error"].is_null());
  EXPECT_EQ(j["device_groups"][0]["name"], "dg");
  EXPECT_TRUE(j["device_groups"][0]["cluster_group"].is_null());
  EXPECT_FALSE(j["device_groups"][0].contains("members"));
  EXPECT_EQ(j["device_groups"][1]["cluster_group"], "san-ha");
  EXPECT_EQ(j["device_groups"][1]["nodeid"], 1);
  EXPECT_EQ(j["device_groups"][1]["members"], Json::parse(R"([{"nodeid":1,"pid":100},{"nodeid":2,"pid":200}])"));

  j = health_json({good, bad}, {plain});
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["devices"][1]["error"], "cannot open /dev/sdx: No such file or directory");
  EXPECT_EQ(health_json({good}, {plain, syncing})["ok"], false);
  EXPECT_EQ(health_json({}, {})["ok"], true);
}

TEST(Health, UnreplicatedGroupsAreReady) {
  config::Config cfg;
  config::DeviceGroupConfig dg;
  dg.name = "default";
  cfg.device_groups.push_back(dg);
  server::Runtime rt;  // no clusters
  auto g = group_health(cfg, rt);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].name, "default");
  EXPECT_TRUE(g[0].ready);
  EXPECT_TRUE(g[0].cluster_group.empty());
  // A device group the runtime says is replicated, without its state (cannot
  // happen in a running esand): reported not ready rather than guessed.
  rt.cluster_assignment.device_groups["default"] = "san-x";
  g = group_health(cfg, rt);
  EXPECT_FALSE(g[0].ready);
  EXPECT_EQ(g[0].cluster_group, "san-x");
}

}  // namespace
}  // namespace esan::mgmt

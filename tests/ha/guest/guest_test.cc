// Issue 14 with a real Linux initiator: a qemu guest (guest.h) running
// Debian's kernel, open-iscsi and dm-multipath logs in to both nodes of an
// HA pair in the lab (lab.h) and runs fio with verification on the
// multipath map while the ALUA roles are switched on the host.
//
// The pair: node1 and node2 run esand with disk0 (one shared file) in
// DEVICE_GROUP dg (esan_cluster_group: states replicated; target group g1 =
// node1's port, active, g2 = node2's, nonoptimized), each with an internal
// target the other's redirect forwards to (docs/HA.md). The guest reaches
// the nodes' front addresses through qemu's user networking (the test
// process's namespace has an address on the front network).
//
// Checked: one multipath map with two paths, hwhandler 1 alua, node1's path
// in the priority 50 (active/optimized) group and node2's in the priority 10
// group; fio randwrite with crc32c verify passes while node1 is demoted and
// node2 promoted through the API during the writes; afterwards node2's path
// is in the active priority 50 group, and node2's target took writes. The
// longest pause in fio's completions is printed (issue 14 reports it).
// One boot for the whole test. ctest labels ha and guest.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/ha/guest/fio_log.h"
#include "tests/ha/guest/guest.h"
#include "tests/ha/guest/multipath_status.h"
#include "tests/ha/ha_util.h"
#include "tests/ha/lab.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/mgmt_client.h"

namespace esan::ha {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kFioMiB = 48;  // of the 64 MiB LU; 4 KiB random writes, then their verification

// Node's config: NodeConfig's cluster device group, plus the redirect (an
// internal target for the peer's forwarder; the peer's portal, internal
// target and CHAP in the peer's target group).
std::string RedirectConfig(Lab& lab, EsandNodes& esands, int node) {
  int peer = node == 1 ? 2 : 1;
  std::string s = NodeConfig(node, esands.image(), /*cluster=*/true);
  std::string internal = InternalTarget(node, lab.FrontAddress(peer));
  // The internal target goes into TARGET_DRIVER iscsi, before its closing brace.
  size_t driver = s.find("TARGET_DRIVER iscsi");
  size_t close = s.find("\n}\n", driver);
  if (driver == std::string::npos || close == std::string::npos) return "";
  s.insert(close + 1, internal);
  // The peer's target group: where to forward.
  std::string group = "TARGET_GROUP g" + std::to_string(peer) + " {\n";
  size_t g = s.find(group);
  if (g == std::string::npos) return "";
  s.insert(g + group.size(),
           PeerRedirectLines(peer, lab.FrontAddress(peer) + ":" + std::to_string(esands.esand(peer).port())));
  return s;
}

// The guest's part: wait for the host's portals, log in to both, wait
// until multipath uses the priority 50 group, show the map, run fio
// (marking when it is under way and when the host's switch is seen), then
// show the map every second until the host has seen what it waits for.
std::string GuestScript() {
  return R"SH(. /lab/lib.sh
wait_host targets 180 || exit 20
. /lab/targets
iscsi_login $PORTALS || exit 21
wait_paths 2 60 || exit 22
mark paths "$(path_table)"
show_alua
wait_active_prio 50 20 || exit 25
mark multipath-before "$(multipath -ll)"
dev=$(map_device) || exit 23
dm=$(basename "$(readlink -f "$dev")")
echo "run.sh: fio on $dev ($dm)"
# When the host says it switched, note when (uptime, s).
( wait_host switched 600 >/dev/null && mark switch-seen "$(cut -d' ' -f1 /proc/uptime)" ) &
fio --name=failover --filename="$dev" --rw=randwrite --bs=4k --ioengine=libaio --iodepth=8 --direct=1 \
    --size=${FIO_MIB}m --verify=crc32c --do_verify=1 --verify_fatal=1 \
    --write_lat_log=/lab/fio --log_avg_msec=0 --output=/lab/fio.out &
fio=$!
# Under way: 200 writes completed on the map (field 5 of its stat).
for i in $(seq 300); do
  [ "$(awk '{ print $5 }' /sys/block/$dm/stat)" -ge 200 ] && break
  kill -0 $fio 2>/dev/null || break
  sleep 0.1
done
mark fio-running "$(cut -d' ' -f1 /proc/uptime)"
wait $fio
status=$?
echo "run.sh: fio exited $status"
cat /lab/fio.out
mark fio-done $status
until [ -e /lab/host-done ]; do
  mark multipath-now "$(multipath -ll)"
  [ $SECONDS -lt 600 ] || exit 24
  sleep 1
done
exit $status
)SH";
}

::testing::AssertionResult SetState(EsandProcess& e, const std::string& tg, const std::string& state) {
  auto r = it::MgmtClient(e.mgmt_socket()).Put("/v1/alua/device-groups/dg/target-groups/" + tg + "/state",
                                               {{"state", state}});
  if (r.status / 100 == 2) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "PUT " << tg << " state " << state << ": " << r.Describe();
}

// "g1 active, g2 nonoptimized": device group dg's running states on a node.
std::string AluaStates(EsandProcess& e) {
  auto r = it::MgmtClient(e.mgmt_socket()).Get("/v1/alua/device-groups");
  if (r.status != 200 || !r.json.is_array()) return "GET /v1/alua/device-groups: " + r.Describe();
  std::string out;
  for (const auto& dg : r.json)
    if (dg.value("name", "") == "dg")
      for (const auto& tg : dg["target_groups"])
        out += (out.empty() ? "" : ", ") + tg.value("name", "?") + " " + tg.value("state", "?");
  return out;
}

// The sdX of the path to node's target, from lib.sh's path_table lines
// "sdX TARGET ADDRESS:PORT".
std::string DevOf(const std::string& table, int node) {
  std::istringstream in(table);
  for (std::string dev, target, portal; in >> dev >> target >> portal;)
    if (target == TargetIqn(node)) return dev;
  return "";
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Bad options are refused before anything starts, each saying what is wrong.
TEST(HaGuest, BadOptionsAreRefused) {
  // The checks come before the image is used: empty files stand for it.
  std::string fake = it::MakeTempDir("guest-fake-image");
  ASSERT_FALSE(fake.empty());
  for (const char* f : {"vmlinuz", "initrd.img", "root.img"}) ASSERT_TRUE(it::WriteFile(fake + "/" + f, ""));
  auto refused = [&](Guest::Options o, const std::string& want) -> ::testing::AssertionResult {
    Guest g(std::move(o));
    auto r = g.Start();
    if (r) return ::testing::AssertionFailure() << "started; expected a refusal with '" << want << "'";
    if (std::string(r.message()).find(want) == std::string::npos)
      return ::testing::AssertionFailure() << "refused with '" << r.message() << "'; expected '" << want << "'";
    if (!g.work_dir().empty()) return ::testing::AssertionFailure() << "left a work directory " << g.work_dir();
    return ::testing::AssertionSuccess();
  };
  Guest::Options good;
  good.image_dir = fake;
  good.script = "exit 0\n";
  Guest::Options o = good;
  o.script.clear();
  EXPECT_TRUE(refused(o, "script is empty"));
  o = good;
  o.cpus = 0;
  EXPECT_TRUE(refused(o, "cpus 0"));
  o = good;
  o.memory_mb = 64;
  EXPECT_TRUE(refused(o, "memory_mb 64"));
  o = good;
  o.timeout = 0s;
  EXPECT_TRUE(refused(o, "timeout must be positive"));
  o = good;
  o.env = {{"PORTALS", "x"}, {"1BAD", "y"}};
  EXPECT_TRUE(refused(o, "'1BAD' is not a variable name"));
  o = good;
  o.image_dir = "/nonexistent";
  EXPECT_TRUE(refused(o, "has no vmlinuz"));
  Guest idle(good);
  EXPECT_FALSE(idle.WaitFile("x", 1s));
  EXPECT_FALSE(idle.Mark("x"));
  std::filesystem::remove_all(fake);
}

TEST(HaGuest, MultipathFollowsAluaSwitchUnderFio) {
  auto t0 = Clock::now();
  GuestImage image;
  ASSERT_TRUE(PrepareGuestImage(&image));
  std::printf("guest image %s: %s in %.1f s\n", image.dir.c_str(), image.built ? "built" : "cached",
              image.took.count() / 1000.0);

  Guest::Options go;
  go.image_dir = image.dir;
  go.script = GuestScript();
  go.env = {{"GUEST_INITIATOR", "iqn.2026-12.org.esan.test:guest"}, {"FIO_MIB", std::to_string(kFioMiB)}};
  Guest guest(go);
  // The guest boots (10-15 s) while the lab and the esands start.
  auto boot = Clock::now();
  ASSERT_TRUE(guest.Start());

  Lab lab;
  ASSERT_TRUE(lab.Start());
  EsandNodes esands(lab, /*cluster=*/true);
  // Ports first: each config names the peer's portal.
  esands.esand(1).ChoosePort(lab.FrontAddress(1));
  esands.esand(2).ChoosePort(lab.FrontAddress(2));
  for (int n : {1, 2}) {
    std::string conf = RedirectConfig(lab, esands, n);
    ASSERT_FALSE(conf.empty()) << "NodeConfig changed shape: " << NodeConfig(n, esands.image(), true);
    esands.esand(n).WriteConfig(conf);
  }
  ASSERT_TRUE(esands.StartAll());
  ASSERT_TRUE(guest.Mark("targets", "PORTALS='" + esands.Portal(1) + " " + esands.Portal(2) + "'\n"));
  std::printf("lab and esands up %.1f s after the boot began\n", Seconds(Clock::now() - boot));

  ASSERT_TRUE(guest.WaitFile("multipath-before", 180s));
  std::printf("guest: booted, logged in to both nodes and has its map %.1f s after the boot began\n",
              Seconds(Clock::now() - boot));
  std::string paths = guest.File("paths");
  std::string dev1 = DevOf(paths, 1), dev2 = DevOf(paths, 2);
  ASSERT_FALSE(dev1.empty() || dev2.empty()) << "paths:\n" << paths;
  std::vector<MultipathMap> maps;
  std::string err;
  std::string before = guest.File("multipath-before");
  std::printf("multipath -ll before:\n%s", before.c_str());
  ASSERT_TRUE(ParseMultipathLl(before, &maps, &err)) << err;
  ASSERT_EQ(maps.size(), 1u) << ToString(maps);
  const MultipathMap& m = maps[0];
  EXPECT_EQ(m.hwhandler, "1 alua") << ToString(maps);
  ASSERT_EQ(m.groups.size(), 2u) << ToString(maps);
  const MultipathGroup* g1 = m.GroupOf(dev1);
  const MultipathGroup* g2 = m.GroupOf(dev2);
  ASSERT_TRUE(g1 && g2) << dev1 << ", " << dev2 << ": " << ToString(maps);
  EXPECT_EQ(g1->prio, 50) << "node1's path (" << dev1 << ", active/optimized): " << ToString(maps);
  EXPECT_EQ(g2->prio, 10) << "node2's path (" << dev2 << ", active/non-optimized): " << ToString(maps);
  EXPECT_EQ(g1->paths.size(), 1u);
  EXPECT_EQ(g2->paths.size(), 1u);
  EXPECT_EQ(m.ActiveGroup(), g1) << ToString(maps);
  // Logging in changed no state (esand reports implicit ALUA only for the
  // replicated group, so Linux's ALUA handler, with its defaults, sends no
  // SET TARGET PORT GROUPS for a non-optimized path).
  EXPECT_EQ(AluaStates(esands.esand(1)), "g1 active, g2 nonoptimized");
  EXPECT_EQ(AluaStates(esands.esand(2)), "g1 active, g2 nonoptimized");

  // The switch, while fio writes: node1 demoted first, then node2 promoted
  // (as a resource agent does: never two active/optimized groups).
  ASSERT_TRUE(guest.WaitFile("fio-running", 60s));
  long node2_writes_before = TargetWrites(esands.esand(2).mgmt_socket(), TargetIqn(2));
  ASSERT_GE(node2_writes_before, 0) << "GET /v1/stats on node2";
  std::this_thread::sleep_for(2s);
  auto sw = Clock::now();
  ASSERT_TRUE(SetState(esands.esand(1), "g1", "nonoptimized"));
  ASSERT_TRUE(SetState(esands.esand(1), "g2", "active"));
  ASSERT_TRUE(guest.Mark("switched"));
  std::printf("ALUA switch (node1 nonoptimized, node2 active) through node1's API took %.3f s, %.1f s after the boot began\n",
              Seconds(Clock::now() - sw), Seconds(sw - boot));

  ASSERT_TRUE(guest.WaitFile("fio-done", 300s));
  std::printf("fio:\n%s", guest.File("fio.out").c_str());
  EXPECT_EQ(guest.File("fio-done"), "0\n") << "fio's exit status; its output:\n" << guest.File("fio.out");

  // multipathd follows: node2's path is now the active group's, priority 50.
  std::string now;
  EXPECT_TRUE(Eventually(30s, [&]() -> ::testing::AssertionResult {
    now = guest.File("multipath-now");
    std::vector<MultipathMap> after;
    std::string e;
    if (!ParseMultipathLl(now, &after, &e)) return ::testing::AssertionFailure() << e;
    if (after.size() != 1) return ::testing::AssertionFailure() << ToString(after);
    const MultipathGroup* a = after[0].ActiveGroup();
    const MultipathGroup* n1 = after[0].GroupOf(dev1);
    if (a && a->prio == 50 && after[0].GroupOf(dev2) == a && n1 && n1->prio == 10)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "after the switch: " << ToString(after);
  }));
  std::printf("multipath -ll after:\n%s", now.c_str());
  EXPECT_EQ(AluaStates(esands.esand(1)), "g1 nonoptimized, g2 active");
  EXPECT_EQ(AluaStates(esands.esand(2)), "g1 nonoptimized, g2 active");
  ASSERT_TRUE(guest.Mark("host-done"));
  ASSERT_TRUE(guest.Wait(120s));

  // node2's own target took the writes after the switch.
  long node2_writes_after = TargetWrites(esands.esand(2).mgmt_socket(), TargetIqn(2));
  EXPECT_GT(node2_writes_after, node2_writes_before + 100)
      << "writes through node2's target: before the switch " << node2_writes_before << ", at the end "
      << node2_writes_after;

  FioLogSummary s;
  ASSERT_TRUE(ParseFioLog(guest.File("fio_clat.1.log"), &s, &err)) << err;
  constexpr uint64_t kBlocks = uint64_t(kFioMiB) << 20 >> 12;
  EXPECT_EQ(s.writes, kBlocks) << "every 4 KiB block written once";
  EXPECT_EQ(s.reads, kBlocks) << "and read back by the verification";
  std::printf("fio: %llu I/Os completed (%llu writes, %llu verify reads) in %.1f s; longest pause without a "
              "completion: %llu ms, from %.3f s into the job\n",
              (unsigned long long)s.completions, (unsigned long long)s.writes, (unsigned long long)s.reads,
              (s.last_ms - s.first_ms) / 1000.0, (unsigned long long)s.longest_gap_ms, s.gap_start_ms / 1000.0);
  // The pause around the switch, in fio's clock: the guest marked
  // fio-running right after the 200th write completed (it polls every
  // 0.1 s) and saw the host's "switched" at most ~0.3 s after the switch
  // (it polls every 0.2 s); both times are its uptime.
  ASSERT_TRUE(guest.WaitFile("switch-seen", 1s));
  ASSERT_GE(s.times.size(), 200u);
  double running_at = std::stod(guest.File("fio-running")), seen_at = std::stod(guest.File("switch-seen"));
  ASSERT_GT(seen_at, running_at);
  uint64_t seen = s.times[199] + uint64_t((seen_at - running_at) * 1000);
  FioGap around = LongestGapAround(s, seen > 1000 ? seen - 1000 : 0, seen + 2000);
  EXPECT_GT(s.times.back(), seen + 2000) << "fio still ran 2 s after the switch";
  std::printf("the switch was about %.1f s into the job; longest pause from 1 s before to 2 s after: %llu ms, from "
              "%.3f s\n",
              seen / 1000.0, (unsigned long long)around.length_ms, around.start_ms / 1000.0);
  std::printf("---- guest log\n%s---- end of guest log\n", guest.Log().c_str());
  std::printf("test took %.1f s (image %s %.1f s)\n", Seconds(Clock::now() - t0), image.built ? "built" : "cached",
              image.took.count() / 1000.0);
}

}  // namespace
}  // namespace esan::ha

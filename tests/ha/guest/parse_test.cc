// The guest harness's parsers: fio's per-I/O completion log and
// `multipath -ll`. No guest, no root.
#include <gtest/gtest.h>

#include "tests/ha/guest/fio_log.h"
#include "tests/ha/guest/multipath_status.h"

namespace esan::ha {
namespace {

TEST(FioLog, CountsByDirectionAndFindsTheLongestPause) {
  // fio 3.33's clat log with log_offset off: time, ns, direction, bs, prio.
  const std::string log =
      "3, 812345, 1, 4096, 0\n"
      "5, 700000, 1, 4096, 0\n"
      "5, 690000, 1, 4096, 0\n"
      "1850, 1845000000, 1, 4096, 0\n"  // 1845 ms after the one before: the pause
      "1851, 900000, 1, 4096, 0\n"
      "2400, 300000, 0, 4096, 0\n"
      "2400, 310000, 0, 4096, 0\n";
  FioLogSummary s;
  std::string err;
  ASSERT_TRUE(ParseFioLog(log, &s, &err)) << err;
  EXPECT_EQ(s.completions, 7u);
  EXPECT_EQ(s.writes, 5u);
  EXPECT_EQ(s.reads, 2u);
  EXPECT_EQ(s.trims, 0u);
  EXPECT_EQ(s.first_ms, 3u);
  EXPECT_EQ(s.last_ms, 2400u);
  EXPECT_EQ(s.longest_gap_ms, 1845u);
  EXPECT_EQ(s.gap_start_ms, 5u);
}

TEST(FioLog, LongestGapAroundAMoment) {
  // Completions at 0, 10, 20, 500 (a 480 ms pause), 510, 2000 (1490 ms).
  FioLogSummary s;
  std::string err;
  ASSERT_TRUE(ParseFioLog("0,1,1,4096\n10,1,1,4096\n20,1,1,4096\n500,1,1,4096\n510,1,1,4096\n2000,1,0,4096\n",
                          &s, &err)) << err;
  EXPECT_EQ(s.times, (std::vector<uint64_t>{0, 10, 20, 500, 510, 2000}));
  EXPECT_EQ(s.longest_gap_ms, 1490u);
  FioGap g = LongestGapAround(s, 100, 200);  // inside the 480 ms pause
  EXPECT_EQ(g.start_ms, 20u);
  EXPECT_EQ(g.length_ms, 480u);
  g = LongestGapAround(s, 0, 15);  // gaps touching the window: 0-10, 10-20
  EXPECT_EQ(g.start_ms, 0u);
  EXPECT_EQ(g.length_ms, 10u);
  g = LongestGapAround(s, 505, 1000);  // 500-510 and the start of 510-2000
  EXPECT_EQ(g.start_ms, 510u);
  EXPECT_EQ(g.length_ms, 1490u);
  g = LongestGapAround(s, 3000, 4000);  // after the last completion
  EXPECT_EQ(g.length_ms, 0u);
}

TEST(FioLog, OrderOfLinesDoesNotMatterAndOffsetsAreAccepted) {
  // With log_offset=1: time, ns, direction, bs, offset, prio; out of order.
  const std::string log =
      "45, 1, 2, 4096, 8192, 0\r\n"
      "\n"
      "10, 1, 1, 4096, 0, 0\n"
      "   25 , 1 , 1 , 4096 , 4096 , 0\n";
  FioLogSummary s;
  std::string err;
  ASSERT_TRUE(ParseFioLog(log, &s, &err)) << err;
  EXPECT_EQ(s.completions, 3u);
  EXPECT_EQ(s.trims, 1u);
  EXPECT_EQ(s.writes, 2u);
  EXPECT_EQ(s.first_ms, 10u);
  EXPECT_EQ(s.last_ms, 45u);
  EXPECT_EQ(s.longest_gap_ms, 20u);
  EXPECT_EQ(s.gap_start_ms, 25u);
}

TEST(FioLog, EmptyAndSingleCompletionHaveNoPause) {
  FioLogSummary s;
  std::string err;
  ASSERT_TRUE(ParseFioLog("", &s, &err)) << err;
  EXPECT_EQ(s.completions, 0u);
  EXPECT_EQ(s.longest_gap_ms, 0u);
  ASSERT_TRUE(ParseFioLog("7, 1, 0, 512\n", &s, &err)) << err;
  EXPECT_EQ(s.completions, 1u);
  EXPECT_EQ(s.first_ms, 7u);
  EXPECT_EQ(s.longest_gap_ms, 0u);
}

TEST(FioLog, BadLinesAreRefusedAndLeaveTheSummaryAlone) {
  FioLogSummary s;
  s.completions = 99;
  std::string err;
  EXPECT_FALSE(ParseFioLog("1, 2, 1, 4096\nfio: bad\n", &s, &err));
  EXPECT_NE(err.find("line 2"), std::string::npos) << err;
  EXPECT_FALSE(ParseFioLog("1, 2, 1\n", &s, &err));
  EXPECT_NE(err.find("fewer than 4"), std::string::npos) << err;
  EXPECT_FALSE(ParseFioLog("1, 2, 3, 4096\n", &s, &err));
  EXPECT_NE(err.find("direction 3"), std::string::npos) << err;
  EXPECT_FALSE(ParseFioLog("1, -2, 1, 4096\n", &s, &err));
  EXPECT_FALSE(ParseFioLog("1,, 1, 4096\n", &s, &err));
  EXPECT_EQ(s.completions, 99u);
}

// multipath-tools 0.9.4 as the guest prints it.
constexpr char kTwoGroups[] =
    "mpatha (360014053a1b2c3d4e5f60718293a4b5c) dm-0 ESAN,esan-disk\n"
    "size=64M features='1 queue_if_no_path' hwhandler='1 alua' wp=rw\n"
    "|-+- policy='service-time 0' prio=50 status=active\n"
    "| `- 2:0:0:0 sda 8:0  active ready running\n"
    "`-+- policy='service-time 0' prio=10 status=enabled\n"
    "  `- 3:0:0:0 sdb 8:16 active ready running\n";

TEST(MultipathLl, TwoPathGroupsByPriority) {
  std::vector<MultipathMap> maps;
  std::string err;
  ASSERT_TRUE(ParseMultipathLl(kTwoGroups, &maps, &err)) << err;
  ASSERT_EQ(maps.size(), 1u);
  const MultipathMap& m = maps[0];
  EXPECT_EQ(m.name, "mpatha");
  EXPECT_EQ(m.wwid, "360014053a1b2c3d4e5f60718293a4b5c");
  EXPECT_EQ(m.vendor_product, "ESAN,esan-disk");
  EXPECT_EQ(m.features, "1 queue_if_no_path");
  EXPECT_EQ(m.hwhandler, "1 alua");
  ASSERT_EQ(m.groups.size(), 2u);
  EXPECT_EQ(m.groups[0].prio, 50);
  EXPECT_EQ(m.groups[0].status, "active");
  ASSERT_EQ(m.groups[0].paths.size(), 1u);
  EXPECT_EQ(m.groups[0].paths[0].hctl, "2:0:0:0");
  EXPECT_EQ(m.groups[0].paths[0].dev, "sda");
  EXPECT_EQ(m.groups[0].paths[0].dm_state, "active");
  EXPECT_EQ(m.groups[0].paths[0].checker_state, "ready");
  EXPECT_EQ(m.groups[0].paths[0].online, "running");
  EXPECT_EQ(m.groups[1].prio, 10);
  EXPECT_EQ(m.groups[1].status, "enabled");
  EXPECT_EQ(m.GroupOf("sdb"), &m.groups[1]);
  EXPECT_EQ(m.GroupOf("sdc"), nullptr);
  EXPECT_EQ(m.ActiveGroup(), &m.groups[0]);
  EXPECT_EQ(ToString(maps),
            "mpatha (hwhandler '1 alua'): [prio 50 active: sda(active ready)] [prio 10 enabled: sdb(active ready)];");
}

TEST(MultipathLl, FailedPathsNamesWithoutWwidAndNoise) {
  const std::string text =
      "Dec 06 00:30:01 | sdc: prio = const (setting: emergency fallback - alua failed)\n"
      "mpathb dm-1 ESAN,esan-disk\n"
      "size=8.0G features='0' hwhandler='1 alua' wp=rw\n"
      "`-+- policy='service-time 0' prio=0 status=enabled\n"
      "  |- 4:0:0:1 sdc 8:32 failed faulty running\n"
      "  `- 5:0:0:1 sdd 8:48 active ghost running\n";
  std::vector<MultipathMap> maps;
  std::string err;
  ASSERT_TRUE(ParseMultipathLl(text, &maps, &err)) << err;
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].name, "mpathb");
  EXPECT_EQ(maps[0].wwid, "mpathb");
  ASSERT_EQ(maps[0].groups.size(), 1u);
  EXPECT_EQ(maps[0].ActiveGroup(), nullptr);
  ASSERT_EQ(maps[0].groups[0].paths.size(), 2u);
  EXPECT_EQ(maps[0].groups[0].paths[0].dm_state, "failed");
  EXPECT_EQ(maps[0].groups[0].paths[0].checker_state, "faulty");
  EXPECT_EQ(maps[0].groups[0].paths[1].checker_state, "ghost");
}

TEST(MultipathLl, EmptyOutputHasNoMapsAndBrokenTreesAreRefused) {
  std::vector<MultipathMap> maps;
  std::string err;
  ASSERT_TRUE(ParseMultipathLl("", &maps, &err)) << err;
  EXPECT_TRUE(maps.empty());
  EXPECT_EQ(ToString(maps), "no maps");
  EXPECT_FALSE(ParseMultipathLl("|-+- policy='service-time 0' prio=50 status=active\n", &maps, &err));
  EXPECT_NE(err.find("before any map"), std::string::npos) << err;
  EXPECT_FALSE(ParseMultipathLl("mpatha (1) dm-0 ESAN,x\n| `- 2:0:0:0 sda 8:0 active ready running\n", &maps, &err));
  EXPECT_NE(err.find("before any path group"), std::string::npos) << err;
  EXPECT_FALSE(ParseMultipathLl("mpatha (1) dm-0 ESAN,x\n`-+- policy='x' prio=high status=active\n", &maps, &err));
  EXPECT_NE(err.find("prio is not a number"), std::string::npos) << err;
  EXPECT_FALSE(ParseMultipathLl("mpatha (1) dm-0 ESAN,x\n`-+- policy='x' prio=1 status=active\n  `- 2:0:0:0 sda\n",
                                &maps, &err));
  EXPECT_NE(err.find("fewer than six"), std::string::npos) << err;
}

}  // namespace
}  // namespace esan::ha

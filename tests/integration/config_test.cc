// What the configuration promises, seen from an initiator: discovery of
// enabled targets, LUN masking by initiator name, read-only LUNs, and
// rejection of bad configurations.
#include <set>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using namespace std::chrono_literals;
constexpr size_t kMiB = 1024 * 1024;

// ------------------------------------------------------------- discovery --

TEST(Discovery, ListsExactlyTheEnabledTargetsWithThePortal) {
  const std::string alpha = "iqn.2026-11.org.esan:alpha";
  const std::string beta = "iqn.2026-11.org.esan:beta";
  const std::string gamma = "iqn.2026-11.org.esan:gamma-disabled";
  EsandProcess esand("discovery");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("null0", 64) + NullioDevice("null1", 64)) +
                    IscsiDriver(Target(alpha, "        LUN 0 null0\n") +
                                Target(beta, "        LUN 0 null1\n") +
                                Target(gamma, "        LUN 0 null0\n", /*enabled=*/false)));
  ASSERT_TRUE(esand.Start());

  std::string err;
  Context disc = LoginDiscovery(esand.portal(), "iqn.2026-11.org.esan.test:discoverer", &err);
  ASSERT_TRUE(disc) << err;
  iscsi_discovery_address* list = iscsi_discovery_sync(disc.get());
  ASSERT_NE(list, nullptr) << "SendTargets failed: " << iscsi_get_error(disc.get());
  std::set<std::string> names;
  for (auto* a = list; a != nullptr; a = a->next) {
    names.insert(a->target_name);
    int nportals = 0;
    for (auto* p = a->portals; p != nullptr; p = p->next) {
      ++nportals;
      std::string portal = p->portal;
      // TargetAddress=127.0.0.1:PORT,TPGT
      EXPECT_EQ(portal.rfind(esand.portal() + ",", 0), 0u)
          << a->target_name << " advertised portal '" << portal << "', expected '"
          << esand.portal() << ",<tpgt>'";
    }
    EXPECT_EQ(nportals, 1) << a->target_name;
  }
  iscsi_free_discovery_data(disc.get(), list);
  EXPECT_EQ(names, (std::set<std::string>{alpha, beta}));

  // The disabled target cannot be logged in to; the enabled ones can.
  SessionOptions opts;
  Context g = Login(esand.portal(), gamma, -1, opts, &err);
  EXPECT_FALSE(g) << "login to a disabled target succeeded";
  Context a = Login(esand.portal(), alpha, 0, opts, &err);
  EXPECT_TRUE(a) << err;
  Context none = Login(esand.portal(), "iqn.2026-11.org.esan:no-such-target", -1, opts, &err);
  EXPECT_FALSE(none) << "login to an unknown target succeeded";
  EXPECT_TRUE(esand.Stop());
}

// ----------------------------------------------------------- LUN masking --

TEST(LunMasking, GroupInitiatorPatternSelectsTheLunSet) {
  const std::string iqn = "iqn.2026-11.org.esan:masked";
  EsandProcess esand("masking");
  const std::string a_img = esand.Path("a.img"), b_img = esand.Path("b.img");
  ASSERT_TRUE(MakeSparseFile(a_img, 8 * kMiB));
  ASSERT_TRUE(MakeSparseFile(b_img, 8 * kMiB));
  // Everyone: LUN 0 = diskA, LUN 1 = diskB.
  // Group g1 (initiators matching ...:spec?al-*): LUN 0 = diskB, LUN 5 = diskA.
  esand.WriteConfig(
      Handler("vdisk_fileio", FileioDevice("diskA", a_img) + FileioDevice("diskB", b_img)) +
      IscsiDriver(Target(iqn,
                         "        LUN 0 diskA\n"
                         "        LUN 1 diskB\n"
                         "        GROUP g1 {\n"
                         "            LUN 0 diskB\n"
                         "            LUN 5 diskA\n"
                         "            INITIATOR iqn.2026-11.org.test:spec?al-*\n"
                         "        }\n")));
  ASSERT_TRUE(esand.Start());

  auto luns_of = [&](const std::string& initiator) {
    SessionOptions o;
    o.initiator = initiator;
    std::string err;
    Context c = Login(esand.portal(), iqn, -1, o, &err);
    std::vector<int> luns;
    EXPECT_TRUE(c) << initiator << ": " << err;
    if (c) {
      // REPORT LUNS is answered despite the power-on unit attention.
      EXPECT_TRUE(ReportLuns(c.get(), &luns)) << initiator;
    }
    return luns;
  };
  const std::vector<int> everyone = {0, 1}, group = {0, 5};
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:special-host1"), group);
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:spec-al-x"), group);  // ? matches '-'
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:other"), everyone);
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:specal-host"), everyone);    // ? needs one char
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:speccial-host"), everyone);  // ... exactly one
  EXPECT_EQ(luns_of("iqn.2026-11.org.test:special"), everyone);        // no "-" for the *

  SessionOptions plain, special;
  plain.initiator = "iqn.2026-11.org.test:other";
  special.initiator = "iqn.2026-11.org.test:special-host1";
  std::string err;
  Context p0 = Login(esand.portal(), iqn, 0, plain, &err);
  ASSERT_TRUE(p0) << err;
  ASSERT_TRUE(WaitReady(p0.get(), 1));
  Context s0 = Login(esand.portal(), iqn, 0, special, &err);
  ASSERT_TRUE(s0) << err;
  ASSERT_TRUE(WaitReady(s0.get(), 5));

  // A marker written by the plain initiator to its LUN 0 (diskA) is what the
  // group initiator reads at LUN 5, and lands in a.img.
  std::vector<uint8_t> ma = TestData(4096, 501), mb = TestData(4096, 502), back;
  ASSERT_TRUE(Write16(p0.get(), 0, 100, ma.data(), ma.size()));
  ASSERT_TRUE(Read16(s0.get(), 5, 100, 4096, &back));
  EXPECT_EQ(back, ma) << "group LUN 5 does not show diskA";
  EXPECT_EQ(ReadFileRange(a_img, 100 * 512, 4096), ma);
  // And the group's LUN 0 is diskB: written there, read by the plain
  // initiator at LUN 1, found in b.img and not in a.img.
  ASSERT_TRUE(Write16(s0.get(), 0, 200, mb.data(), mb.size()));
  ASSERT_TRUE(Read16(p0.get(), 1, 200, 4096, &back));
  EXPECT_EQ(back, mb) << "everyone's LUN 1 does not show diskB";
  EXPECT_EQ(ReadFileRange(b_img, 200 * 512, 4096), mb);
  EXPECT_EQ(ReadFileRange(a_img, 200 * 512, 4096), std::vector<uint8_t>(4096, 0));
  ASSERT_TRUE(Read16(p0.get(), 0, 200, 4096, &back));
  EXPECT_EQ(back, std::vector<uint8_t>(4096, 0)) << "everyone's LUN 0 should be diskA";

  // LUN 5 does not exist for the plain initiator.
  Task t(iscsi_testunitready_sync(p0.get(), 5));
  ASSERT_TRUE(t) << iscsi_get_error(p0.get());
  EXPECT_EQ(t->status, SCSI_STATUS_CHECK_CONDITION) << Describe(p0.get(), t.get());
  EXPECT_EQ(t->sense.key, SCSI_SENSE_ILLEGAL_REQUEST) << Describe(p0.get(), t.get());
  EXPECT_EQ(t->sense.ascq, SCSI_SENSE_ASCQ_LOGICAL_UNIT_NOT_SUPPORTED) << Describe(p0.get(), t.get());
  EXPECT_TRUE(esand.Stop());
}

// ------------------------------------------------------------- read-only --

TEST(ReadOnly, LunLineReadOnlyRefusesWritesWithDataProtect) {
  const std::string iqn = "iqn.2026-11.org.esan:ro";
  EsandProcess esand("readonly");
  const std::string img = esand.Path("ro.img");
  // Prefill the backing file with a known pattern.
  std::vector<uint8_t> content = TestData(4 * kMiB, 77);
  ASSERT_TRUE(WriteFile(img, std::string(content.begin(), content.end())));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", img)) +
                    Handler("vdisk_nullio", NullioDevice("null0", 64)) +
                    IscsiDriver(Target(iqn,
                                       "        LUN 0 disk0 {\n"
                                       "            read_only 1\n"
                                       "        }\n"
                                       "        LUN 1 null0 {\n"
                                       "            read_only 1\n"
                                       "        }\n")));
  ASSERT_TRUE(esand.Start());
  std::string err;
  Context c = Login(esand.portal(), iqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(c) << err;
  ASSERT_TRUE(WaitReady(c.get(), 1));

  std::vector<uint8_t> junk(8192, 0xee);
  for (int lun : {0, 1}) {
    Task t = Write16Task(c.get(), lun, 8, junk.data(), junk.size());
    ASSERT_TRUE(t) << iscsi_get_error(c.get());
    EXPECT_EQ(t->status, SCSI_STATUS_CHECK_CONDITION) << "LUN " << lun << ": " << Describe(c.get(), t.get());
    EXPECT_EQ(t->sense.key, SCSI_SENSE_DATA_PROTECTION) << "LUN " << lun << ": " << Describe(c.get(), t.get());
    EXPECT_EQ(t->sense.ascq >> 8, 0x27) << "LUN " << lun << ": expected ASC 0x27 (write protected): "
                                        << Describe(c.get(), t.get());
  }
  // Reads work and the medium is unchanged.
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(c.get(), 0, 0, 4 * kMiB, &back));
  EXPECT_EQ(FirstDifference(back, content), std::string::npos);
  EXPECT_EQ(FirstDifference(ReadFileRange(img, 0, 4 * kMiB), content), std::string::npos);
  EXPECT_TRUE(esand.Stop());
}

// ----------------------------------------------------------- bad configs --

// Runs esand on a config given as lines and expects it to exit non-zero
// without ever listening, naming CONFIG:LINE for one of the accepted lines.
void ExpectRejected(const std::vector<std::string>& lines, std::vector<int> accepted_lines,
                    const std::string& tag) {
  EsandProcess esand(tag);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  esand.WriteConfig(text);
  ExitInfo info = esand.RunToExit(10s);
  ASSERT_TRUE(info.exited) << "esand did not exit within 10 s on a bad config";
  EXPECT_FALSE(info.signaled) << "esand died of signal " << info.signal;
  EXPECT_NE(info.exit_code, 0) << "esand accepted a bad config";
  EXPECT_FALSE(info.accepted_connections) << "esand listened before rejecting the config";
  bool found = false;
  std::string wanted;
  for (int line : accepted_lines) {
    std::string loc = esand.config_path() + ":" + std::to_string(line) + ":";
    wanted += (wanted.empty() ? "" : " or ") + loc;
    found = found || info.output.find(loc) != std::string::npos;
  }
  EXPECT_TRUE(found) << "stderr does not name " << wanted << "; it says:\n" << info.output;
}

TEST(BadConfig, SyntaxErrorNamesFileAndLine) {
  ExpectRejected({"HANDLER vdisk_nullio {",               // 1
                  "    DEVICE null0 {",                   // 2
                  "        size_mb 64",                   // 3
                  "    }",                                // 4
                  "}",                                    // 5
                  "TARGET_DRIVER iscsi {",                // 6
                  "    enabled 1",                        // 7
                  "    TARGET iqn.2026-11.org.esan:x {",  // 8
                  "        enabled 1",                    // 9
                  "        LUN 0 null0",                  // 10
                  "    }",                                // 11: closes TARGET
                  "}",                                    // 12: closes TARGET_DRIVER
                  "}"},                                   // 13: one brace too many
                 {13}, "bad-syntax");
}

TEST(BadConfig, UnknownDeviceInLunLineNamesFileAndLine) {
  ExpectRejected({"HANDLER vdisk_nullio {",              // 1
                  "    DEVICE null0 {",                  // 2
                  "        size_mb 64",                  // 3
                  "    }",                               // 4
                  "}",                                   // 5
                  "TARGET_DRIVER iscsi {",               // 6
                  "    enabled 1",                       // 7
                  "    TARGET iqn.2026-11.org.esan:x {",  // 8
                  "        enabled 1",                   // 9
                  "        LUN 0 null0",                 // 10
                  "        LUN 1 no_such_device",        // 11
                  "    }",                               // 12
                  "}"},                                  // 13
                 {11}, "bad-device");
}

TEST(BadConfig, MissingBackingFileNamesFileAndLine) {
  const std::string missing = "/nonexistent-esan-it-dir/disk.img";
  ExpectRejected({"HANDLER vdisk_fileio {",              // 1
                  "    DEVICE disk0 {",                  // 2
                  "        filename " + missing,         // 3
                  "    }",                               // 4
                  "}",                                   // 5
                  "TARGET_DRIVER iscsi {",               // 6
                  "    enabled 1",                       // 7
                  "    TARGET iqn.2026-11.org.esan:x {",  // 8
                  "        enabled 1",                   // 9
                  "        LUN 0 disk0",                 // 10
                  "    }",                               // 11
                  "}"},                                  // 12
                 {2, 3}, "bad-file");
}

}  // namespace
}  // namespace esan::it

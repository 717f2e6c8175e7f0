// ALUA against a real esand: one LU behind two targets (relative target
// ports 1 and 2) in two target groups of one device group -- "active"
// (group 1) and "standby" (group 2, which also lists the other HA node's
// port 9). Checked with libiscsi: INQUIRY TPGS and page 83h designators,
// REPORT TARGET PORT GROUPS from each target, READ refused on the standby
// path, and SET TARGET PORT GROUPS failing over with the state-change unit
// attention on the other path.
#include <cstring>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqnA[] = "iqn.2026-11.org.esan:alua-a";
constexpr char kIqnB[] = "iqn.2026-11.org.esan:alua-b";

std::string AluaConfig() {
  return Handler("vdisk_nullio", NullioDevice("disk0", 16)) +
         IscsiDriver(Target(kIqnA, "        rel_tgt_id 1\n        LUN 0 disk0\n") +
                     Target(kIqnB, "        rel_tgt_id 2\n        LUN 0 disk0\n")) +
         "DEVICE_GROUP dg {\n    DEVICE disk0\n"
         "    TARGET_GROUP tg-a {\n        group_id 1\n        state active\n        TARGET " +
         kIqnA +
         "\n    }\n"
         "    TARGET_GROUP tg-b {\n        group_id 2\n        state standby\n        TARGET " +
         kIqnB +
         "\n        TARGET iqn.2026-11.org.esan:other-node {\n            rel_tgt_id 9\n        }\n"
         "    }\n}\n";
}

// Runs a CDB; data_out (if any) is sent as Data-Out. Null on transport failure.
Task RunCdb(iscsi_context* ctx, std::vector<uint8_t> cdb, int dir, int xfer_len,
         std::vector<uint8_t> data_out = {}) {
  Task t(scsi_create_task(int(cdb.size()), cdb.data(), dir, xfer_len));
  if (!t) return nullptr;
  iscsi_data d{data_out.size(), data_out.empty() ? nullptr : data_out.data()};
  if (iscsi_scsi_command_sync(ctx, 0, t.get(), data_out.empty() ? nullptr : &d) == nullptr) return nullptr;
  return t;
}

Task Read10(iscsi_context* ctx) {
  return RunCdb(ctx, {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, SCSI_XFER_READ, 512);
}

std::vector<uint8_t> Rtpg(iscsi_context* ctx) {
  Task t = RunCdb(ctx, {0xA3, 0x0A, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0}, SCSI_XFER_READ, 1024);
  EXPECT_TRUE(t) << iscsi_get_error(ctx);
  if (!t) return {};
  EXPECT_EQ(t->status, SCSI_STATUS_GOOD) << Describe(ctx, t.get());
  return {t->datain.data, t->datain.data + t->datain.size};
}

bool IsSense(const scsi_task* t, int key, int ascq) {
  return t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == key && t->sense.ascq == ascq;
}

// Consumes pending unit attentions with READ CAPACITY(10), which every
// state but unavailable/offline/transitioning allows.
::testing::AssertionResult ClearUnitAttentions(iscsi_context* ctx) {
  for (int i = 0; i < 10; ++i) {
    Task t(iscsi_readcapacity10_sync(ctx, 0, 0, 0));
    if (!t) return ::testing::AssertionFailure() << iscsi_get_error(ctx);
    if (t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
    if (t->sense.key != SCSI_SENSE_UNIT_ATTENTION) return ::testing::AssertionFailure() << Describe(ctx, t.get());
  }
  return ::testing::AssertionFailure() << "unit attentions never cleared";
}

// Page 83h designators of a given type (low 4 bits of byte 1): their last two bytes.
std::vector<int> DesignatorIds(iscsi_context* ctx, int type) {
  Task t(iscsi_inquiry_sync(ctx, 0, 1, 0x83, 1024));
  EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx, t.get());
  std::vector<int> out;
  if (!t || t->status != SCSI_STATUS_GOOD) return out;
  const uint8_t* d = t->datain.data;
  size_t end = 4 + (size_t(d[2]) << 8 | d[3]);
  for (size_t off = 4; off + 4 <= end && off + 4 <= size_t(t->datain.size); off += 4 + d[off + 3])
    if ((d[off + 1] & 0x0F) == type && d[off + 3] == 4) out.push_back(d[off + 6] << 8 | d[off + 7]);
  return out;
}

struct Group {
  int state, supported, id, status;
  std::vector<int> ports;
  bool operator==(const Group&) const = default;
};
std::vector<Group> ParseRtpg(const std::vector<uint8_t>& d) {
  std::vector<Group> out;
  if (d.size() < 4) return out;
  size_t end = 4 + (size_t(d[0]) << 24 | size_t(d[1]) << 16 | size_t(d[2]) << 8 | d[3]);
  EXPECT_EQ(end, d.size());
  for (size_t off = 4; off + 8 <= d.size();) {
    Group g{d[off] & 0x0F, d[off + 1], d[off + 2] << 8 | d[off + 3], d[off + 5], {}};
    int n = d[off + 7];
    off += 8;
    for (int i = 0; i < n && off + 4 <= d.size(); ++i, off += 4) g.ports.push_back(d[off + 2] << 8 | d[off + 3]);
    out.push_back(g);
  }
  return out;
}

class AluaIt : public ::testing::Test {
 protected:
  void SetUp() override {
    esand.WriteConfig(AluaConfig());
    ASSERT_TRUE(esand.Start());
    std::string err;
    a = Login(esand.portal(), kIqnA, -1, SessionOptions{}, &err);
    ASSERT_TRUE(a) << err;
    SessionOptions other;
    other.initiator = "iqn.2026-11.org.esan.test:initiator-b";
    b = Login(esand.portal(), kIqnB, -1, other, &err);
    ASSERT_TRUE(b) << err;
    ASSERT_TRUE(ClearUnitAttentions(a.get()));
    ASSERT_TRUE(ClearUnitAttentions(b.get()));
  }
  void TearDown() override {
    a.reset();
    b.reset();
    EXPECT_TRUE(esand.Stop());
  }

  EsandProcess esand{"alua"};
  Context a, b;
};

TEST_F(AluaIt, InquiryReportsTpgsAndDesignatorsPerPath) {
  for (iscsi_context* ctx : {a.get(), b.get()}) {
    Task t(iscsi_inquiry_sync(ctx, 0, 0, 0, 96));
    ASSERT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx, t.get());
    ASSERT_GE(t->datain.size, 6);
    EXPECT_EQ((t->datain.data[5] >> 4) & 3, 3) << "TPGS: implicit and explicit";
  }
  EXPECT_EQ(DesignatorIds(a.get(), 4), std::vector<int>{1});  // relative target port
  EXPECT_EQ(DesignatorIds(a.get(), 5), std::vector<int>{1});  // target port group
  EXPECT_EQ(DesignatorIds(b.get(), 4), std::vector<int>{2});
  EXPECT_EQ(DesignatorIds(b.get(), 5), std::vector<int>{2});
}

TEST_F(AluaIt, ReportTargetPortGroupsIsTheSameFromEachTarget) {
  const std::vector<Group> want = {{0x0, 0xCF, 1, 0, {1}}, {0x2, 0xCF, 2, 0, {2, 9}}};
  std::vector<uint8_t> from_a = Rtpg(a.get());
  EXPECT_EQ(ParseRtpg(from_a), want);
  EXPECT_EQ(Rtpg(b.get()), from_a);
}

TEST_F(AluaIt, StandbyPathRefusesReadsActivePathServes) {
  Task ra = Read10(a.get());
  ASSERT_TRUE(ra);
  EXPECT_EQ(ra->status, SCSI_STATUS_GOOD) << Describe(a.get(), ra.get());
  Task rb = Read10(b.get());
  ASSERT_TRUE(rb);
  EXPECT_TRUE(IsSense(rb.get(), SCSI_SENSE_NOT_READY, 0x040B)) << Describe(b.get(), rb.get());
  Task tur(iscsi_testunitready_sync(b.get(), 0));
  EXPECT_TRUE(IsSense(tur.get(), SCSI_SENSE_NOT_READY, 0x040B)) << Describe(b.get(), tur.get());
}

TEST_F(AluaIt, SetTargetPortGroupsFailsOverAndRaisesUnitAttention) {
  // From path A: group 2 active/optimized, group 1 standby.
  std::vector<uint8_t> params = {0, 0, 0, 0, 0x0, 0, 0, 2, 0x2, 0, 0, 1};
  Task s = RunCdb(a.get(), {0xA4, 0x0A, 0, 0, 0, 0, 0, 0, 0, uint8_t(params.size()), 0, 0}, SCSI_XFER_WRITE,
               int(params.size()), params);
  ASSERT_TRUE(s) << iscsi_get_error(a.get());
  ASSERT_EQ(s->status, SCSI_STATUS_GOOD) << Describe(a.get(), s.get());

  // Path B is told first, then serves reads.
  Task ua = Read10(b.get());
  EXPECT_TRUE(IsSense(ua.get(), SCSI_SENSE_UNIT_ATTENTION, 0x2A06)) << Describe(b.get(), ua.get());
  Task rb = Read10(b.get());
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->status, SCSI_STATUS_GOOD) << Describe(b.get(), rb.get());
  // Path A (the requester, no unit attention) is now standby.
  Task ra = Read10(a.get());
  EXPECT_TRUE(IsSense(ra.get(), SCSI_SENSE_NOT_READY, 0x040B)) << Describe(a.get(), ra.get());

  const std::vector<Group> want = {{0x2, 0xCF, 1, 0x01, {1}}, {0x0, 0xCF, 2, 0x01, {2, 9}}};
  EXPECT_EQ(ParseRtpg(Rtpg(b.get())), want);
}

// esan_alua_access implicit through a config apply: INQUIRY reports
// implicit ALUA only, SET TARGET PORT GROUPS is refused and changes nothing,
// the API and the written-back file show it.
TEST_F(AluaIt, ImplicitAccessRefusesSetTargetPortGroups) {
  std::string conf = AluaConfig();
  const std::string at = "    DEVICE disk0\n";
  conf.insert(conf.find(at) + at.size(), "    esan_alua_access implicit\n");
  MgmtClient api(esand.mgmt_socket());
  auto applied = api.Post("/v1/config/apply", {{"text", conf}});
  ASSERT_EQ(applied.status / 100, 2) << applied.Describe();
  auto groups = api.Get("/v1/alua/device-groups");
  EXPECT_EQ(groups.json[0]["alua_access"], "implicit") << groups.body;
  EXPECT_NE(ReadFile(esand.config_path()).find("esan_alua_access implicit"), std::string::npos);

  Task inq(iscsi_inquiry_sync(a.get(), 0, 0, 0, 96));
  ASSERT_TRUE(inq && inq->status == SCSI_STATUS_GOOD) << Describe(a.get(), inq.get());
  EXPECT_EQ((inq->datain.data[5] >> 4) & 3, 1) << "TPGS: implicit only";
  ASSERT_TRUE(ClearUnitAttentions(a.get()));  // INQUIRY DATA HAS CHANGED
  ASSERT_TRUE(ClearUnitAttentions(b.get()));
  std::vector<uint8_t> params = {0, 0, 0, 0, 0x0, 0, 0, 2};
  Task s = RunCdb(a.get(), {0xA4, 0x0A, 0, 0, 0, 0, 0, 0, 0, uint8_t(params.size()), 0, 0}, SCSI_XFER_WRITE,
                  int(params.size()), params);
  EXPECT_TRUE(IsSense(s.get(), SCSI_SENSE_ILLEGAL_REQUEST, 0x2400)) << Describe(a.get(), s.get());
  const std::vector<Group> unchanged = {{0x0, 0xCF, 1, 0, {1}}, {0x2, 0xCF, 2, 0, {2, 9}}};
  EXPECT_EQ(ParseRtpg(Rtpg(b.get())), unchanged);
}

}  // namespace
}  // namespace esan::it

#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

const std::vector<uint8_t> kTur = {0x00, 0, 0, 0, 0, 0};

std::vector<uint8_t> report_luns(uint8_t select, uint32_t alloc) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kReportLuns;
  c[2] = select;
  store_be32(&c[6], alloc);
  return c;
}
std::vector<uint8_t> ssu(uint8_t b4, uint8_t immed = 0) { return {op::kStartStopUnit, immed, 0, 0, b4, 0}; }
std::vector<uint8_t> prevent(uint8_t p) { return {op::kPreventAllow, 0, 0, 0, p, 0}; }
std::vector<uint8_t> rc16(uint32_t alloc) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kServiceActionIn16;
  c[1] = op::kSaReadCapacity16;
  store_be32(&c[10], alloc);
  return c;
}
std::vector<uint8_t> rsoc(uint8_t options, uint8_t opcode = 0, uint16_t sa = 0, bool rctd = false) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedOpcodes;
  c[2] = uint8_t((rctd ? 0x80 : 0) | options);
  c[3] = opcode;
  store_be16(&c[4], sa);
  store_be32(&c[6], 65535);
  return c;
}

LuConfig removable() {
  LuConfig c = named("cd");
  c.removable = true;
  return c;
}

TEST(Spc, TestUnitReady) {
  Fixture f;
  expect_good(f.run(kTur));
}

TEST(Spc, ReportLuns) {
  Fixture f;
  auto other = *make_logical_unit(named("x"), std::make_unique<MemDevice>(1 << 20));
  auto map = std::make_shared<LunMap>(*f.nexus->luns);
  (*map)[7] = LunMapping{other, false};
  (*map)[300] = LunMapping{other, true};
  f.nexus->luns = map;
  Task t = f.run(report_luns(0, 4096), DataDir::kIn, {}, 4096);
  expect_good(t);
  const uint8_t* d = t.data.data();
  ASSERT_EQ(t.data.size(), 8u + 3 * 8);
  EXPECT_EQ(load_be32(d), 24u);
  EXPECT_EQ(load_be16(d + 8), 0);
  EXPECT_EQ(load_be16(d + 16), 7);
  EXPECT_EQ(load_be16(d + 24), 0x4000 | 300);  // flat space addressing
  Task two = f.run(report_luns(2, 4096), DataDir::kIn, {}, 4096);
  EXPECT_EQ(two.data.size(), t.data.size());
  Task wk = f.run(report_luns(1, 4096), DataDir::kIn, {}, 4096);
  expect_good(wk);
  EXPECT_EQ(load_be32(wk.data.data()), 0u);
  Task trunc = f.run(report_luns(0, 16), DataDir::kIn, {}, 16);
  EXPECT_EQ(trunc.data.size(), 16u);
  EXPECT_EQ(load_be32(trunc.data.data()), 24u);
}

TEST(Spc, ReportLunsInvalid) {
  Fixture f;
  expect_invalid_cdb(f.run(report_luns(0, 15), DataDir::kIn, {}, 15), 6);
  expect_invalid_cdb(f.run(report_luns(3, 4096), DataDir::kIn, {}, 4096), 2);
}

TEST(Spc, RequestSenseHonoursDescBitAndAllocLength) {
  Fixture f;
  f.lu->ua_queue(f.nexus->id, asc::kModeParametersChanged);
  Task t = f.run({op::kRequestSense, 0x01, 0, 0, 252, 0}, DataDir::kIn, {}, 252);
  expect_good(t);
  ASSERT_GE(t.data.size(), 8u);
  EXPECT_EQ(t.data.data()[0], 0x72);
  EXPECT_EQ(t.data.data()[1], 0x06);
  EXPECT_EQ(t.data.data()[2], 0x2A);
  Task s = f.run({op::kRequestSense, 0, 0, 0, 8, 0}, DataDir::kIn, {}, 8);
  EXPECT_EQ(s.data.size(), 8u);
  EXPECT_EQ(s.data.data()[0], 0x70);
  EXPECT_EQ(s.data.data()[2], 0x00);  // NO SENSE
}

TEST(Spc, ReadCapacity10And16) {
  Fixture f(named("d"), 5000);
  Task t = f.run({op::kReadCapacity10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, DataDir::kIn, {}, 8);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 8u);
  EXPECT_EQ(load_be32(t.data.data()), 4999u);
  EXPECT_EQ(load_be32(t.data.data() + 4), 512u);
  Task l = f.run(rc16(32), DataDir::kIn, {}, 32);
  expect_good(l);
  ASSERT_EQ(l.data.size(), 32u);
  EXPECT_EQ(load_be64(l.data.data()), 4999u);
  EXPECT_EQ(load_be32(l.data.data() + 8), 512u);
  EXPECT_EQ(l.data.data()[12], 0);  // no protection
  EXPECT_EQ(l.data.data()[13], 3);  // LBPPBE: 512-byte blocks on 4096-byte physical blocks
  EXPECT_EQ(l.data.data()[14], 0);  // not thin
  for (uint32_t a = 0; a < 16; ++a) {
    Task s = f.run(rc16(a), DataDir::kIn, {}, a);
    expect_good(s);
    EXPECT_EQ(s.data.size(), a);
  }
  expect_invalid_cdb(f.run({op::kReadCapacity10, 0, 0, 0, 0, 1, 0, 0, 0, 0}, DataDir::kIn, {}, 8), 2);
  auto bad_sa = rc16(32);
  bad_sa[1] = 0x11;
  Task b = f.run(bad_sa, DataDir::kIn, {}, 32);
  expect_invalid_cdb(b, 1, 4);
}

TEST(Spc, ReadCapacity10SaturatesForHugeLu) {
  Fixture f;
  uint64_t blocks = (1ull << 33) + 5;
  auto huge = *make_logical_unit(named("huge"), backend::make_null_device(blocks * 512));
  auto map = std::make_shared<LunMap>();
  (*map)[1] = LunMapping{huge, false};
  auto n = f.make_nexus(map, false);
  huge->ua_take(n->id);
  Task t = f.run({op::kReadCapacity10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, DataDir::kIn, {}, 8, n.get(), 1);
  expect_good(t);
  EXPECT_EQ(load_be32(t.data.data()), 0xFFFFFFFFu);
  Task l = f.run(rc16(32), DataDir::kIn, {}, 32, n.get(), 1);
  EXPECT_EQ(load_be64(l.data.data()), blocks - 1);
  Task ms = f.run({op::kModeSense6, 0, 0x3F, 0, 255, 0}, DataDir::kIn, {}, 255, n.get(), 1);
  EXPECT_EQ(load_be32(ms.data.data() + 4), 0xFFFFFFFFu);
}

TEST(Spc, ReadCapacity16ThinBits) {
  LuConfig c = named("thin");
  c.thin_provisioned = true;
  Fixture f(c);
  Task l = f.run(rc16(32), DataDir::kIn, {}, 32);
  EXPECT_EQ(l.data.data()[14] & 0xC0, 0xC0);
}

TEST(Spc, RemovableEjectLoadFlow) {
  Fixture f(removable());
  expect_good(f.run(ssu(0x02, 1)));  // eject, IMMED
  expect_sense(f.run(kTur), SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen);
  expect_sense(f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512), SenseKey::kNotReady,
               asc::kMediumNotPresentTrayOpen);
  expect_sense(f.run(cdb10(op::kWrite10, 0, 1), DataDir::kOut, pattern(512, 0), 512), SenseKey::kNotReady,
               asc::kMediumNotPresentTrayOpen);
  expect_sense(f.run({op::kReadCapacity10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, DataDir::kIn, {}, 8), SenseKey::kNotReady,
               asc::kMediumNotPresentTrayOpen);
  expect_sense(f.run(cdb10(op::kSyncCache10, 0, 1)), SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen);
  expect_sense(f.run(cdb16(op::kPrefetch16, 0, 1)), SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen);
  expect_good(f.run({0x12, 0, 0, 0, 36, 0}, DataDir::kIn, {}, 36));  // INQUIRY still works
  expect_good(f.run(ssu(0x02)));                                      // eject again: fine
  expect_good(f.run(ssu(0x03)));                                      // load
  expect_good(f.run(kTur));
}

TEST(Spc, EjectFlushesFirst) {
  Fixture f(removable());
  expect_good(f.run(ssu(0x02)));
  ASSERT_FALSE(f.dev->log.empty());
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  expect_good(f.run(ssu(0x03)));
  size_t n = f.dev->log.size();
  expect_good(f.run(ssu(0x06)));  // NO_FLUSH + LOEJ
  EXPECT_EQ(f.dev->log.size(), n);
  EXPECT_FALSE(f.lu->medium_present());
}

TEST(Spc, PreventBlocksEjectAndLoad) {
  Fixture f(removable());
  expect_good(f.run(prevent(1)));
  Task t = f.run(ssu(0x02));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kMediumRemovalPrevented);
  expect_good(f.run(kTur));
  expect_good(f.run(prevent(0)));
  expect_good(f.run(ssu(0x02)));
  expect_sense(f.run(kTur), SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen);
  expect_good(f.run(prevent(1)));
  expect_sense(f.run(ssu(0x03)), SenseKey::kIllegalRequest, asc::kMediumRemovalPrevented);
  expect_good(f.run(prevent(0)));
  expect_good(f.run(ssu(0x03)));
  expect_good(f.run(kTur));
}

TEST(Spc, PreventSeenByOtherNexusAndClearedByNexusLoss) {
  Fixture f(removable());
  auto n2 = f.make_nexus(f.nexus->luns);
  expect_good(f.run(prevent(1)));
  expect_sense(f.run(ssu(0x02), DataDir::kNone, {}, 0, n2.get()), SenseKey::kIllegalRequest,
               asc::kMediumRemovalPrevented);
  nexus_detached(*f.nexus);
  f.settle();
  expect_good(f.run(ssu(0x02), DataDir::kNone, {}, 0, n2.get()));
}

TEST(Spc, PowerConditionAndNoLoejIgnoreEject) {
  Fixture f(removable());
  for (uint8_t pc = 1; pc < 16; ++pc) {
    expect_good(f.run(ssu(uint8_t(pc << 4 | 0x02), 1)));
    expect_good(f.run(kTur));
  }
  for (uint8_t b4 : {0x00, 0x01, 0x04, 0x05}) {
    expect_good(f.run(ssu(b4)));
    expect_good(f.run(kTur));
  }
}

TEST(Spc, NonRemovable) {
  Fixture f;
  expect_good(f.run(ssu(0x02)));  // accepted, nothing happens
  expect_good(f.run(kTur));
  expect_good(f.run(prevent(0)));
  expect_invalid_cdb(f.run(prevent(1)), 4, 0);
  expect_invalid_cdb(f.run(prevent(2)), 4, 1);
}

TEST(Spc, ReportSupportedOpcodesAll) {
  Fixture f;
  Task t = f.run(rsoc(0), DataDir::kIn, {}, 65535);
  expect_good(t);
  const uint8_t* d = t.data.data();
  uint32_t len = load_be32(d);
  ASSERT_EQ(len + 4, t.data.size());
  ASSERT_EQ(len % 8, 0u);
  bool saw_read10 = false, saw_rc16 = false;
  for (uint32_t off = 4; off < len + 4; off += 8) {
    if (d[off] == op::kRead10) saw_read10 = true;
    if (d[off] == op::kServiceActionIn16)
      saw_rc16 = saw_rc16 || (load_be16(d + off + 2) == op::kSaReadCapacity16 && (d[off + 5] & 1));
    if (!(d[off + 5] & 1)) {
      EXPECT_EQ(load_be16(d + off + 2), 0);  // SA 0 when SERVACTV clear
    }
    EXPECT_EQ(d[off + 5] & 0x02, 0);  // no CTDP without RCTD
  }
  EXPECT_TRUE(saw_read10);
  EXPECT_TRUE(saw_rc16);
  Task r = f.run(rsoc(0, 0, 0, true), DataDir::kIn, {}, 65535);
  EXPECT_EQ(load_be32(r.data.data()) % 20, 0u);
  EXPECT_EQ(r.data.data()[4 + 5] & 0x02, 0x02);
  EXPECT_EQ(load_be16(r.data.data() + 4 + 8), 0x0A);
}

TEST(Spc, ReportSupportedOpcodesOneCommand) {
  Fixture f;
  Task t = f.run(rsoc(1, op::kWrite10), DataDir::kIn, {}, 65535);
  expect_good(t);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(d[1] & 0x07, 0x03);
  EXPECT_EQ(load_be16(d + 2), 10);
  EXPECT_EQ(d[4], op::kWrite10);
  EXPECT_EQ(d[5] & 0x18, 0x18);  // DPO, FUA usable
  Task v = f.run(rsoc(1, op::kVerify10), DataDir::kIn, {}, 65535);
  EXPECT_EQ(v.data.data()[5] & 0x10, 0x10);
  Task unsup = f.run(rsoc(1, 0xC0), DataDir::kIn, {}, 65535);
  expect_good(unsup);
  EXPECT_EQ(unsup.data.data()[1] & 0x07, 0x01);
  expect_invalid_cdb(f.run(rsoc(1, op::kServiceActionIn16, 0x10), DataDir::kIn, {}, 65535), 2, 2);
  expect_invalid_cdb(f.run(rsoc(2, op::kRead10), DataDir::kIn, {}, 65535), 2, 2);
  Task sa = f.run(rsoc(2, op::kServiceActionIn16, 0x10), DataDir::kIn, {}, 65535);
  expect_good(sa);
  EXPECT_EQ(sa.data.data()[4], op::kServiceActionIn16);
  EXPECT_EQ(load_be16(sa.data.data() + 2), 16);
}

}  // namespace
}  // namespace esan::scsi

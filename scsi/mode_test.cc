#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> sense6(uint8_t pc_page, uint8_t sub = 0, uint8_t alloc = 255, bool dbd = false) {
  return {op::kModeSense6, uint8_t(dbd ? 0x08 : 0), pc_page, sub, alloc, 0};
}
std::vector<uint8_t> sense10(uint8_t pc_page, uint16_t alloc = 1024, uint8_t b1 = 0) {
  return {op::kModeSense10, b1, pc_page, 0, 0, 0, 0, uint8_t(alloc >> 8), uint8_t(alloc), 0};
}
std::vector<uint8_t> select6(uint8_t len, uint8_t b1 = 0x10) { return {op::kModeSelect6, b1, 0, 0, len, 0}; }
std::vector<uint8_t> select10(uint16_t len, uint8_t b1 = 0x10) {
  return {op::kModeSelect10, b1, 0, 0, 0, 0, 0, uint8_t(len >> 8), uint8_t(len), 0};
}

// Finds page `code` in MODE SENSE(6) data; returns its offset or 0.
size_t find_page6(const Task& t, uint8_t code) {
  const uint8_t* d = t.data.data();
  size_t end = size_t(d[0]) + 1;
  for (size_t off = 4 + d[3]; off + 2 <= end; off += 2 + d[off + 1])
    if ((d[off] & 0x3F) == code) return off;
  return 0;
}

TEST(ModeSense, AllPagesWithBlockDescriptor) {
  Fixture f(named("d"), 1000);
  Task t = f.run(sense6(0x3F), DataDir::kIn, {}, 255);
  expect_good(t);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(size_t(d[0]) + 1, t.data.size());
  EXPECT_EQ(d[2], 0x10);  // DPOFUA, not WP
  ASSERT_EQ(d[3], 8);
  EXPECT_EQ(load_be32(d + 4), 1000u);
  EXPECT_EQ(load_be24(d + 9), 512u);
  size_t caching = find_page6(t, 0x08), control = find_page6(t, 0x0A), iec = find_page6(t, 0x1C);
  ASSERT_TRUE(caching && control && iec);
  EXPECT_LT(caching, control);
  EXPECT_LT(control, iec);
  EXPECT_EQ(d[caching + 1], 0x12);
  EXPECT_EQ(d[caching + 2] & 0x04, 0x04);  // WCE
  EXPECT_EQ(d[control + 1], 0x0A);
  EXPECT_EQ(d[control + 2] & 0x04, 0);  // D_SENSE
  EXPECT_EQ(d[control + 2] >> 5, 0);    // TST
  EXPECT_EQ(t.data.size(), 4u + 8 + 20 + 12 + 12);
}

TEST(ModeSense, SubpageFFAndDbd) {
  Fixture f;
  Task a = f.run(sense6(0x3F, 0xFF, 255, true), DataDir::kIn, {}, 255);
  expect_good(a);
  EXPECT_EQ(a.data.data()[3], 0);
  EXPECT_EQ(a.data.size(), 4u + 20 + 12 + 12);
  expect_invalid_cdb(f.run(sense6(0x08, 0x01), DataDir::kIn, {}, 255), 3);
}

TEST(ModeSense, SinglePageAndUnknownPage) {
  Fixture f;
  Task t = f.run(sense6(0x0A, 0, 255, true), DataDir::kIn, {}, 255);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 4u + 12);
  EXPECT_EQ(t.data.data()[4], 0x0A);
  expect_invalid_cdb(f.run(sense6(0x19), DataDir::kIn, {}, 255), 2, 5);
}

TEST(ModeSense, PageControlValues) {
  LuConfig c = named("d");
  Fixture f(c);
  f.lu->set_wce(false);
  Task cur = f.run(sense6(0x08, 0, 255, true), DataDir::kIn, {}, 255);
  EXPECT_EQ(cur.data.data()[6] & 0x04, 0);
  Task chg = f.run(sense6(0x40 | 0x08, 0, 255, true), DataDir::kIn, {}, 255);
  EXPECT_EQ(chg.data.data()[6], 0x04);  // only WCE changeable
  Task chg_ctl = f.run(sense6(0x40 | 0x0A, 0, 255, true), DataDir::kIn, {}, 255);
  EXPECT_EQ(chg_ctl.data.data()[6], 0x04);     // D_SENSE changeable
  EXPECT_EQ(chg_ctl.data.data()[4 + 4], 0x08);  // and SWP
  Task def = f.run(sense6(0x80 | 0x08, 0, 255, true), DataDir::kIn, {}, 255);
  EXPECT_EQ(def.data.data()[6] & 0x04, 0x04);
  expect_sense(f.run(sense6(0xC0 | 0x08), DataDir::kIn, {}, 255), SenseKey::kIllegalRequest,
               asc::kSavingParametersNotSupported);
}

TEST(ModeSense, WriteProtectBitForReadOnly) {
  LuConfig c = named("ro");
  c.read_only = true;
  Fixture ro(c);
  EXPECT_EQ(ro.run(sense6(0x3F), DataDir::kIn, {}, 255).data.data()[2] & 0x80, 0x80);
  Fixture map_ro(named("rw"), 100, true);
  EXPECT_EQ(map_ro.run(sense6(0x3F), DataDir::kIn, {}, 255).data.data()[2] & 0x80, 0x80);
}

TEST(ModeSense, TruncatedToAllocationLength) {
  Fixture f;
  Task t = f.run(sense6(0x3F, 0, 4), DataDir::kIn, {}, 4);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 4u);
  EXPECT_EQ(t.data.data()[0], 4 + 8 + 20 + 12 + 12 - 1);  // full length still reported
}

TEST(ModeSense, TenByteWithLongLba) {
  Fixture f(named("d"), 1000);
  Task t = f.run(sense10(0x08), DataDir::kIn, {}, 1024);
  expect_good(t);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(load_be16(d) + 2u, t.data.size());
  EXPECT_EQ(d[3], 0x10);
  EXPECT_EQ(load_be16(d + 6), 8);
  EXPECT_EQ(d[16], 0x08);
  Task l = f.run(sense10(0x08, 1024, 0x10), DataDir::kIn, {}, 1024);
  const uint8_t* e = l.data.data();
  EXPECT_EQ(e[4] & 1, 1);  // LONGLBA
  EXPECT_EQ(load_be16(e + 6), 16);
  EXPECT_EQ(load_be64(e + 8), 1000u);
  EXPECT_EQ(load_be32(e + 20), 512u);
}

// A MODE SELECT(6) parameter list: header (no block descriptor) + page.
std::vector<uint8_t> current_page(Fixture& f, uint8_t page) {
  Task t = f.run(sense6(page, 0, 255, true), DataDir::kIn, {}, 255);
  std::vector<uint8_t> p(t.data.data() + 4, t.data.data() + t.data.size());
  return p;
}
std::vector<uint8_t> plist6(const std::vector<uint8_t>& page) {
  std::vector<uint8_t> v = {0, 0, 0, 0};
  v.insert(v.end(), page.begin(), page.end());
  return v;
}

TEST(ModeSelect, ChangingWceTakesEffect) {
  Fixture f;
  auto page = current_page(f, 0x08);
  page[2] &= ~0x04;
  auto pl = plist6(page);
  expect_good(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())));
  EXPECT_FALSE(f.lu->wce());
  expect_good(f.run(testing::cdb10(op::kWrite10, 0, 1), DataDir::kOut, pattern(512, 0), 512));
  EXPECT_TRUE(f.dev->log.back().fua);
  EXPECT_EQ(current_page(f, 0x08)[2] & 0x04, 0);
}

TEST(ModeSelect, DSenseSwitchesSenseFormat) {
  Fixture f;
  auto page = current_page(f, 0x0A);
  page[2] |= 0x04;
  auto pl = plist6(page);
  expect_good(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())));
  EXPECT_TRUE(f.lu->d_sense());
  Task t = f.run(cdb16(op::kRead16, ~0ull, 1), DataDir::kIn, {}, 512);
  EXPECT_EQ(t.sense[0], 0x72);
  expect_sense(t, SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
}

TEST(ModeSelect, SoftwareWriteProtectAppliesToEveryNexusUntilReset) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  auto page = current_page(f, 0x0A);
  page[4] |= 0x08;  // SWP
  auto pl = plist6(page);
  expect_good(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size()), n2.get()));
  EXPECT_TRUE(f.lu->swp());
  expect_sense(f.run({0, 0, 0, 0, 0, 0}), SenseKey::kUnitAttention, asc::kModeParametersChanged);
  expect_sense(f.run(testing::cdb10(op::kWrite10, 0, 1), DataDir::kOut, pattern(512, 0), 512),
               SenseKey::kDataProtect, asc::kWriteProtected);
  Task ms = f.run(sense6(0x0A, 0, 255, true), DataDir::kIn, {}, 255);
  EXPECT_EQ(ms.data.data()[2] & 0x80, 0x80);  // WP in the device specific parameter
  expect_good(f.run(testing::cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512));
  f.reset_lun(*n2, 0);
  EXPECT_FALSE(f.lu->swp());
  f.run({0, 0, 0, 0, 0, 0});  // the reset's unit attention
  expect_good(f.run(testing::cdb10(op::kWrite10, 0, 1), DataDir::kOut, pattern(512, 0), 512));
}

TEST(ModeSelect, OtherNexusGetsModeParametersChanged) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  auto page = current_page(f, 0x08);
  page[2] &= ~0x04;
  auto pl = plist6(page);
  expect_good(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())));
  expect_good(f.run({0, 0, 0, 0, 0, 0}));
  expect_sense(f.run({0, 0, 0, 0, 0, 0}, DataDir::kNone, {}, 0, n2.get()), SenseKey::kUnitAttention,
               asc::kModeParametersChanged);
}

TEST(ModeSelect, UnchangeableFieldIsInvalidFieldInParameterList) {
  Fixture f;
  auto page = current_page(f, 0x0A);
  page[2] |= 0x02;  // GLTSD
  auto pl = plist6(page);
  Task t = f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size()));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0], 0x80 | 0x08 | 1);  // parameter list, bit 1
  EXPECT_EQ(load_be16(s.sks + 1), 4 + 2);
  EXPECT_FALSE(f.lu->d_sense());
}

TEST(ModeSelect, NothingAppliedWhenALaterPageIsBad) {
  Fixture f;
  auto caching = current_page(f, 0x08);
  caching[2] &= ~0x04;
  auto iec = current_page(f, 0x1C);
  iec[3] = 0x06;  // MRIE not changeable
  auto pl = plist6(caching);
  pl.insert(pl.end(), iec.begin(), iec.end());
  expect_sense(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInParameterList);
  EXPECT_TRUE(f.lu->wce());
}

TEST(ModeSelect, CdbChecks) {
  Fixture f;
  auto pl = plist6(current_page(f, 0x08));
  expect_invalid_cdb(f.run(select6(uint8_t(pl.size()), 0x11), DataDir::kOut, pl, uint32_t(pl.size())), 1, 0);
  expect_invalid_cdb(f.run(select6(uint8_t(pl.size()), 0x00), DataDir::kOut, pl, uint32_t(pl.size())), 1, 4);
  expect_good(f.run(select6(0), DataDir::kOut, {}, 0));
}

TEST(ModeSelect, TruncatedListIsParameterListLengthError) {
  Fixture f;
  auto pl = plist6(current_page(f, 0x08));
  pl.resize(10);
  expect_sense(f.run(select6(10), DataDir::kOut, pl, 10), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  expect_sense(f.run(select6(2), DataDir::kOut, {0, 0}, 2), SenseKey::kIllegalRequest,
               asc::kParameterListLengthError);
}

TEST(ModeSelect, BadPageLengthOrUnknownPage) {
  Fixture f;
  auto page = current_page(f, 0x08);
  page[1] = 0x10;
  auto pl = plist6(page);
  Task t = f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size()));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  EXPECT_EQ(load_be16(sense_of(t).sks + 1), 5);
  std::vector<uint8_t> unk = {0, 0, 0, 0, 0x19, 0x02, 0, 0};
  expect_sense(f.run(select6(8), DataDir::kOut, unk, 8), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInParameterList);
}

TEST(ModeSelect, BlockDescriptorChecks) {
  Fixture f(named("d"), 1000);
  auto page = current_page(f, 0x08);
  std::vector<uint8_t> pl = {0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0x02, 0x00};  // 0 blocks, 512
  pl.insert(pl.end(), page.begin(), page.end());
  expect_good(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())));
  pl[10] = 0x10;  // 4096-byte blocks: not supported
  Task t = f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size()));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  EXPECT_EQ(load_be16(sense_of(t).sks + 1), 9);
}

TEST(ModeSelect, TenByteVariant) {
  Fixture f;
  auto page = current_page(f, 0x0A);
  page[2] |= 0x04;
  std::vector<uint8_t> pl(8, 0);
  pl.insert(pl.end(), page.begin(), page.end());
  expect_good(f.run(select10(uint16_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())));
  EXPECT_TRUE(f.lu->d_sense());
}

TEST(ModeSelect, WriteThroughWceNotChangeable) {
  LuConfig c = named("wt");
  c.write_through = true;
  Fixture f(c);
  auto page = current_page(f, 0x08);
  EXPECT_EQ(page[2] & 0x04, 0);
  page[2] |= 0x04;
  auto pl = plist6(page);
  expect_sense(f.run(select6(uint8_t(pl.size())), DataDir::kOut, pl, uint32_t(pl.size())), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInParameterList);
}

}  // namespace
}  // namespace esan::scsi

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "scsi/alua.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> inq(uint8_t evpd, uint8_t page, uint16_t alloc) {
  return {0x12, evpd, page, uint8_t(alloc >> 8), uint8_t(alloc), 0};
}

TEST(Inquiry, StandardData) {
  LuConfig c = named("d");
  c.removable = true;
  c.prod_id = "my product";
  Fixture f(c);
  Task t = f.run(inq(0, 0, 255), DataDir::kIn, {}, 255);
  expect_good(t);
  const uint8_t* d = t.data.data();
  ASSERT_EQ(t.data.size(), 96u);
  EXPECT_EQ(d[0], 0x00);
  EXPECT_EQ(d[1], 0x80);         // RMB
  EXPECT_EQ(d[2], 0x06);         // SPC-4
  EXPECT_EQ(d[3] & 0x0F, 0x02);  // response data format
  EXPECT_EQ(d[3] & 0xC0, 0);     // no AERC/TRMTSK
  EXPECT_EQ(d[4], 91);           // additional length
  EXPECT_EQ(d[5] & 0x30, 0);     // TPGS = 0
  EXPECT_EQ(d[7] & 0x02, 0x02);  // CmdQue
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d + 8), 8), "ESAN    ");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d + 16), 16), "my product      ");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(d + 32), 4), "0100");
  std::set<uint16_t> versions;
  for (int i = 0; i < 8; ++i) versions.insert(load_be16(d + 58 + 2 * i));
  EXPECT_TRUE(versions.count(0x0460));  // SPC-4
  EXPECT_TRUE(versions.count(0x04C0));  // SBC-3
}

TEST(Inquiry, MultiPWhenMoreThanOneTargetPortExportsTheLu) {
  Fixture f;
  auto multip = [&] {
    Task t = f.run(inq(0, 0, 36), DataDir::kIn, {}, 36);
    expect_good(t);
    return (t.data.data()[6] & 0x10) != 0;
  };
  EXPECT_FALSE(multip()) << "one port";
  f.lu->set_target_ports(2);  // two local targets map it
  EXPECT_TRUE(multip());
  f.lu->set_target_ports(1);
  EXPECT_FALSE(multip());
  // An ALUA device group with this node's port and the HA peer's.
  auto dg = make_device_group("dg", {{"local", 1, AluaState::kActiveOptimized, {1}},
                                     {"peer", 2, AluaState::kStandby, {2}}});
  ASSERT_TRUE(dg.has_value());
  join_device_group(*dg, f.lu);
  EXPECT_TRUE(multip());
}

TEST(Inquiry, NonRemovableHasNoRmb) {
  Fixture f;
  Task t = f.run(inq(0, 0, 36), DataDir::kIn, {}, 36);
  EXPECT_EQ(t.data.data()[1], 0);
}

TEST(Inquiry, AllocationLengthTruncatesAndUses16Bits) {
  Fixture f;
  Task t5 = f.run(inq(0, 0, 5), DataDir::kIn, {}, 5);
  expect_good(t5);
  EXPECT_EQ(t5.data.size(), 5u);
  Task t0 = f.run(inq(0, 0, 0), DataDir::kIn, {}, 0);
  expect_good(t0);
  EXPECT_EQ(t0.data.size(), 0u);
  Task a = f.run(inq(0, 0, 511), DataDir::kIn, {}, 511);
  Task b = f.run(inq(0, 0, 512), DataDir::kIn, {}, 512);
  EXPECT_EQ(bytes_of(a), bytes_of(b));
  EXPECT_EQ(a.data.size(), 96u);
}

TEST(Inquiry, EvpdZeroWithPageCodeIsInvalidField) {
  Fixture f;
  expect_invalid_cdb(f.run(inq(0, 0x80, 255), DataDir::kIn, {}, 255), 2);
}

TEST(Inquiry, CmdDtIsInvalidField) {
  Fixture f;
  expect_invalid_cdb(f.run(inq(0x02, 0, 255), DataDir::kIn, {}, 255), 1, 1);
}

TEST(Inquiry, UnsupportedVpdPage) {
  Fixture f;
  expect_invalid_cdb(f.run(inq(1, 0xB2, 255), DataDir::kIn, {}, 255), 2);  // not thin
  expect_invalid_cdb(f.run(inq(1, 0x81, 255), DataDir::kIn, {}, 255), 2);
}

std::vector<uint8_t> supported_pages(Fixture& f) {
  Task t = f.run(inq(1, 0, 255), DataDir::kIn, {}, 255);
  EXPECT_EQ(t.status, kGood);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(d[1], 0x00);
  return {d + 4, d + 4 + load_be16(d + 2)};
}

TEST(Inquiry, SupportedPagesListedExactlyAndSorted) {
  Fixture f;
  EXPECT_EQ(supported_pages(f), (std::vector<uint8_t>{0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0, 0xB1}));
  LuConfig c = named("thin");
  c.thin_provisioned = true;
  Fixture thin(c);
  auto pages = supported_pages(thin);
  EXPECT_EQ(pages, (std::vector<uint8_t>{0x00, 0x80, 0x83, 0x86, 0x8F, 0xB0, 0xB1, 0xB2}));
  for (uint8_t p : pages) {
    Task t = thin.run(inq(1, p, 255), DataDir::kIn, {}, 255);
    expect_good(t);
    EXPECT_EQ(t.data.data()[1], p);
    EXPECT_EQ(load_be16(t.data.data() + 2) + 4u, t.data.size());
  }
}

TEST(Inquiry, UnitSerialNumber) {
  LuConfig c = named("d");
  c.usn = "SER123";
  Fixture f(c);
  Task t = f.run(inq(1, 0x80, 255), DataDir::kIn, {}, 255);
  ASSERT_EQ(t.data.size(), 10u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(t.data.data() + 4), 6), "SER123");
}

struct Designator {
  uint8_t proto_codeset, piv_assoc_type;
  std::vector<uint8_t> value;
};

std::vector<Designator> designators(const Task& t) {
  std::vector<Designator> out;
  const uint8_t* d = t.data.data();
  size_t end = 4 + load_be16(d + 2);
  EXPECT_EQ(end, t.data.size());
  for (size_t off = 4; off + 4 <= end;) {
    size_t n = d[off + 3];
    EXPECT_LE(off + 4 + n, end);
    out.push_back({d[off], d[off + 1], {d + off + 4, d + off + 4 + n}});
    off += 4 + n;
  }
  return out;
}

TEST(Inquiry, DeviceIdentification) {
  LuConfig c = named("vol7");
  c.naa_id = 0xAABBCCDD00112233ull;
  Fixture f(c);
  f.nexus->rel_tgt_id = 3;
  f.nexus->tpg_tag = 2;
  Task t = f.run(inq(1, 0x83, 1024), DataDir::kIn, {}, 1024);
  expect_good(t);
  auto ds = designators(t);
  ASSERT_GE(ds.size(), 4u);
  // NAA-6, binary, LU association.
  EXPECT_EQ(ds[0].proto_codeset & 0x0F, 1);
  EXPECT_EQ(ds[0].piv_assoc_type, 0x03);
  ASSERT_EQ(ds[0].value.size(), 16u);
  EXPECT_EQ(ds[0].value[0] >> 4, 6);
  EXPECT_EQ(load_be64(ds[0].value.data() + 8), 0xAABBCCDD00112233ull);
  // T10 vendor id, ASCII.
  EXPECT_EQ(ds[1].proto_codeset & 0x0F, 2);
  EXPECT_EQ(ds[1].piv_assoc_type & 0x0F, 1);
  EXPECT_EQ(std::string(ds[1].value.begin(), ds[1].value.end()), "ESAN    vol7");
  // Relative target port, target port association.
  EXPECT_EQ(ds[2].piv_assoc_type & 0x3F, 0x14);
  EXPECT_EQ(load_be16(ds[2].value.data() + 2), 3);
  // No target port group designator without ALUA (alua_test.cc covers it);
  // then the SCSI name string of the target port.
  EXPECT_EQ(ds[3].piv_assoc_type & 0x3F, 0x18);
  EXPECT_EQ(ds[3].proto_codeset & 0x0F, 3);
  EXPECT_EQ(ds[3].value.size() % 4, 0u);
  EXPECT_STREQ(reinterpret_cast<const char*>(ds[3].value.data()), "iqn.2024-01.test:target,t,0x0002");
  for (const auto& d : ds) EXPECT_NE(d.piv_assoc_type & 0x3F, 0x15);
}

TEST(Inquiry, BlockLimits) {
  Fixture f;
  Task t = f.run(inq(1, 0xB0, 255), DataDir::kIn, {}, 255);
  expect_good(t);
  const uint8_t* d = t.data.data();
  ASSERT_EQ(t.data.size(), 64u);
  EXPECT_EQ(d[3], 0x3C);
  EXPECT_EQ(load_be16(d + 6), 8);                        // 4 KiB granularity at 512
  EXPECT_EQ(load_be32(d + 8), kMaxTransferBytes / 512);  // max transfer length
  EXPECT_EQ(load_be32(d + 20), 0u);                      // no unmap when not thin
  EXPECT_EQ(load_be32(d + 24), 0u);

  LuConfig c = named("thin");
  c.thin_provisioned = true;
  Fixture thin(c);
  Task tt = thin.run(inq(1, 0xB0, 255), DataDir::kIn, {}, 255);
  EXPECT_GT(load_be32(tt.data.data() + 20), 0u);
  EXPECT_LE(load_be32(tt.data.data() + 20), 1024u * 1024);
  EXPECT_GT(load_be32(tt.data.data() + 24), 0u);
}

TEST(Inquiry, BlockDeviceCharacteristicsRotation) {
  Fixture ssd;
  Task t = ssd.run(inq(1, 0xB1, 255), DataDir::kIn, {}, 255);
  EXPECT_EQ(load_be16(t.data.data() + 4), 1);
  LuConfig c = named("hdd");
  c.rotational = true;
  Fixture hdd(c);
  Task h = hdd.run(inq(1, 0xB1, 255), DataDir::kIn, {}, 255);
  EXPECT_NE(load_be16(h.data.data() + 4), 1);
}

TEST(Inquiry, LogicalBlockProvisioning) {
  LuConfig c = named("thin");
  c.thin_provisioned = true;
  Fixture f(c);
  Task t = f.run(inq(1, 0xB2, 255), DataDir::kIn, {}, 255);
  expect_good(t);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(d[5] & 0xE4, 0xE4);  // LBPU, LBPWS, LBPWS10, LBPRZ
  EXPECT_EQ(d[6] & 0x07, 0x02);  // thin
}

TEST(Inquiry, VpdAllocationTruncates) {
  Fixture f;
  Task t = f.run(inq(1, 0xB0, 4), DataDir::kIn, {}, 4);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 4u);
  EXPECT_EQ(t.data.data()[3], 0x3C);
}

}  // namespace
}  // namespace esan::scsi

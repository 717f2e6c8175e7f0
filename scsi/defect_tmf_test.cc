// READ DEFECT DATA(10/12), REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS, and the
// consistency of REPORT SUPPORTED OPERATION CODES with the dispatcher.
#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> rdd10(uint8_t flags, uint16_t alloc) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kReadDefectData10;
  c[2] = flags;
  store_be16(&c[7], alloc);
  return c;
}
std::vector<uint8_t> rdd12(uint8_t flags, uint32_t alloc) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kReadDefectData12;
  c[1] = flags;
  store_be32(&c[6], alloc);
  return c;
}
std::vector<uint8_t> rstmf(uint8_t b2, uint32_t alloc) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedTmfs;
  c[2] = b2;
  store_be32(&c[6], alloc);
  return c;
}

TEST(ReadDefectData, HeaderOnlyWhenNoListRequested) {
  Fixture f;
  Task t = f.run(rdd10(0, 32), DataDir::kIn, {}, 32);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 4u);
  EXPECT_EQ(bytes_of(t), (std::vector<uint8_t>{0, 0, 0, 0}));
  Task u = f.run(rdd12(0, 32), DataDir::kIn, {}, 32);
  expect_good(u);
  ASSERT_EQ(u.data.size(), 8u);
  EXPECT_EQ(bytes_of(u), std::vector<uint8_t>(8, 0));
}

TEST(ReadDefectData, RequestedListsAreEmptyAndValid) {
  Fixture f;
  Task t = f.run(rdd10(0x18 | 0x05, 32), DataDir::kIn, {}, 32);  // PLIST, GLIST, physical sector format
  expect_good(t);
  ASSERT_EQ(t.data.size(), 4u);
  EXPECT_EQ(t.data.data()[1], 0x1D);  // PLISTV, GLISTV, format echoed
  EXPECT_EQ(load_be16(t.data.data() + 2), 0);
  Task u = f.run(rdd12(0x10 | 0x03, 32), DataDir::kIn, {}, 32);  // PLIST, long block format
  expect_good(u);
  EXPECT_EQ(u.data.data()[1], 0x13);
  EXPECT_EQ(load_be32(u.data.data() + 4), 0u);
}

TEST(ReadDefectData, ReservedFormatAndBits) {
  Fixture f;
  expect_invalid_cdb(f.run(rdd10(0x07, 32), DataDir::kIn, {}, 32), 2, 2);
  expect_invalid_cdb(f.run(rdd10(0x20, 32), DataDir::kIn, {}, 32), 2, 5);
  expect_invalid_cdb(f.run(rdd12(0x07, 32), DataDir::kIn, {}, 32), 1, 2);
}

TEST(ReadDefectData, TruncatedToAllocationLength) {
  Fixture f;
  Task t = f.run(rdd12(0x18, 2), DataDir::kIn, {}, 2);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 2u);
}

TEST(ReportSupportedTmfs, ReportsWhatTheTransportImplements) {
  Fixture f;
  Task t = f.run(rstmf(0, 64), DataDir::kIn, {}, 64);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 4u);
  // ATS, ATSS, CTSS, LURS, TRS; no CACAS (ACA), QTS, WAKES.
  EXPECT_EQ(t.data.data()[0], 0x80 | 0x40 | 0x10 | 0x08 | 0x02);
  EXPECT_EQ(t.data.data()[1], 0);  // no QUERY TASK SET, QUERY ASYNC EVENT, I_T NEXUS RESET
  EXPECT_EQ(t.data.data()[3], 0);
}

TEST(ReportSupportedTmfs, ExtendedFormat) {
  Fixture f;
  Task t = f.run(rstmf(0x80, 64), DataDir::kIn, {}, 64);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 16u);
  EXPECT_EQ(t.data.data()[3], 0x0C);
  Task s = f.run(rstmf(0x80, 4), DataDir::kIn, {}, 4);
  EXPECT_EQ(s.data.size(), 4u);
  expect_invalid_cdb(f.run(rstmf(0x01, 64), DataDir::kIn, {}, 64), 2, 0);
}

// Every command REPORT SUPPORTED OPERATION CODES lists must reach a handler:
// none may answer INVALID COMMAND OPERATION CODE or an invalid service action.
TEST(ReportSupportedOpcodes, EveryListedCommandIsDispatched) {
  LuConfig cfg = named("thin");
  cfg.thin_provisioned = true;
  Fixture f(cfg);
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedOpcodes;
  store_be32(&c[6], 65535);
  Task all = f.run(c, DataDir::kIn, {}, 65535);
  expect_good(all);
  const uint8_t* d = all.data.data();
  uint32_t len = load_be32(d);
  ASSERT_GT(len, 0u);
  for (uint32_t off = 4; off < len + 4; off += 8) {
    uint8_t opcode = d[off];
    uint16_t sa = load_be16(d + off + 2);
    bool servactv = d[off + 5] & 1;
    std::vector<uint8_t> cdb(16, 0);
    cdb[0] = opcode;
    if (servactv) cdb[1] = uint8_t(sa);
    Task t = f.run(cdb, DataDir::kNone, {}, 0);
    if (t.status == kCheckCondition) {
      ParsedSense s = sense_of(t);
      EXPECT_NE(s.asc, asc::kInvalidCommandOperationCode) << std::hex << "opcode " << int(opcode);
      if (servactv && s.asc == asc::kInvalidFieldInCdb && s.sksv) {
        EXPECT_FALSE(load_be16(s.sks + 1) == 1 && (s.sks[0] & 0x08) && (s.sks[0] & 7) == 4)
            << std::hex << "opcode " << int(opcode) << " sa " << sa << " rejected as a service action";
      }
    }
  }
}

}  // namespace
}  // namespace esan::scsi

// Data-Out commands whose Data-Out differs from what the CDB announces (the
// iSCSI Expected Data Transfer Length was smaller or larger): GOOD only for
// data that is on the medium, whole blocks only, and nothing half-applied.
#include <gtest/gtest.h>

#include <algorithm>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"
#include "scsi/xcopy_test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

void expect_iu_refused(const Task& t) {
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInInformationUnit);
}

size_t writes(const MemDevice& d) {
  return size_t(std::count_if(d.log.begin(), d.log.end(), [](auto& op) { return op.op != IoOp::kRead; }));
}

TEST(DataOutLength, WriteOfPartOfABlockIsRefusedAndWritesNothing) {
  Fixture f;
  for (uint8_t opc : {op::kWrite10, op::kWriteVerify10}) {
    Task t = f.run(cdb10(opc, 0, 1), DataDir::kOut, pattern(200, 1), 200);
    expect_iu_refused(t);
    EXPECT_EQ(t.out_wanted, 512u) << "the transport reports the 312-byte overflow from this";
    Task two = f.run(cdb10(opc, 0, 2), DataDir::kOut, pattern(700, 1), 700);
    expect_iu_refused(two);
  }
  Task w16 = f.run(cdb16(op::kWrite16, 0, 4), DataDir::kOut, pattern(4 * 512 - 1, 1), 4 * 512 - 1);
  expect_iu_refused(w16);
  EXPECT_TRUE(f.dev->log.empty());
  EXPECT_TRUE(std::all_of(f.dev->mem.begin(), f.dev->mem.end(), [](uint8_t b) { return b == 0; }));
}

TEST(DataOutLength, WriteOfWholeBlocksWritesExactlyThose) {
  Fixture f;
  auto data = pattern(512, 9);
  Task t = f.run(cdb10(op::kWrite10, 10, 2), DataDir::kOut, data, 512);  // EDTL one block of two
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 1024u);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), f.dev->mem.begin() + 10 * 512));
  EXPECT_EQ(f.dev->mem[11 * 512], 0) << "the block not sent is not written";
  ASSERT_EQ(writes(*f.dev), 1u);
  EXPECT_EQ(f.dev->log[0].len, 512u);
  // No data at all (EDTL 0): nothing to write, GOOD with the overflow.
  f.dev->log.clear();
  Task none = f.run(cdb10(op::kWrite10, 20, 1), DataDir::kNone, {}, 0);
  expect_good(none);
  EXPECT_EQ(none.out_wanted, 512u);
  EXPECT_TRUE(f.dev->log.empty());
  // More data than the CDB asks for: only the CDB's blocks are written.
  Task more = f.run(cdb10(op::kWrite10, 30, 1), DataDir::kOut, pattern(1024, 3), 1024);
  expect_good(more);
  ASSERT_EQ(writes(*f.dev), 1u);
  EXPECT_EQ(f.dev->log[0].len, 512u);
  EXPECT_EQ(f.dev->mem[31 * 512], 0);
}

TEST(DataOutLength, VerifyBytchkAndOrwriteFollowTheSameRule) {
  Fixture f;
  expect_iu_refused(f.run(cdb10(op::kVerify10, 0, 2, 0x02), DataDir::kOut, pattern(700, 1), 700));
  expect_iu_refused(f.run(cdb16(op::kOrWrite16, 0, 2), DataDir::kOut, pattern(700, 1), 700));
  EXPECT_TRUE(f.dev->log.empty());
  Task orw = f.run(cdb16(op::kOrWrite16, 0, 2), DataDir::kOut, pattern(512, 1), 512);
  expect_good(orw);
  EXPECT_EQ(writes(*f.dev), 1u);
  EXPECT_EQ(f.dev->mem[512], 0);
}

TEST(DataOutLength, WriteAtomicNeedsAllItsData) {
  Fixture f;
  uint32_t n = f.lu->lbppb();  // one atomic granule
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kWriteAtomic16;
  store_be16(&c[12], uint16_t(n));
  expect_iu_refused(f.run(c, DataDir::kOut, pattern(size_t(n) * 512 - 512, 1), uint32_t(n) * 512 - 512));
  expect_iu_refused(f.run(c, DataDir::kOut, pattern(size_t(n) * 512 - 1, 1), uint32_t(n) * 512 - 1));
  EXPECT_TRUE(f.dev->log.empty());
}

std::vector<uint8_t> caw_cdb(uint64_t lba, uint8_t blocks) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kCompareAndWrite;
  store_be64(&c[2], lba);
  c[13] = blocks;
  return c;
}

TEST(DataOutLength, CompareAndWriteOfTheWrongSizeIsRefusedBeforeAnyCompare) {
  Fixture f;
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0x5A);  // would miscompare with anything below
  for (size_t n : {size_t(0), size_t(512), size_t(1023), size_t(1025), size_t(3 * 512), size_t(4 * 512)}) {
    Task t = f.run(caw_cdb(0, 1), n ? DataDir::kOut : DataDir::kNone, pattern(n, 2), uint32_t(n));
    EXPECT_EQ(t.status, kCheckCondition) << n;
    EXPECT_EQ(int(sense_of(t).key), int(SenseKey::kIllegalRequest)) << n << ": not MISCOMPARE";
    EXPECT_EQ(t.out_wanted, 1024u);
  }
  EXPECT_TRUE(f.dev->log.empty()) << "nothing read, compared or written";
}

TEST(DataOutLength, WriteSameNeedsExactlyOneBlock) {
  Fixture f;
  for (size_t n : {size_t(0), size_t(200), size_t(513), size_t(1024)}) {
    Task t = f.run(cdb10(op::kWriteSame10, 0, 4), n ? DataDir::kOut : DataDir::kNone, pattern(n, 2), uint32_t(n));
    expect_iu_refused(t);
  }
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(DataOutLength, TruncatedUnmapListUnmapsNothing) {
  LuConfig c = named("thin");
  c.thin_provisioned = true;
  Fixture f(c);
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0xAB);
  // Two descriptors announced (PARAMETER LIST LENGTH 40), one sent.
  std::vector<uint8_t> p(40, 0);
  store_be16(&p[0], 38);
  store_be16(&p[2], 32);
  store_be64(&p[8], 0);
  store_be32(&p[16], 4);
  store_be64(&p[24], 100);
  store_be32(&p[32], 4);
  std::vector<uint8_t> cdb(10, 0);
  cdb[0] = op::kUnmap;
  store_be16(&cdb[7], 40);
  p.resize(24);
  expect_iu_refused(f.run(cdb, DataDir::kOut, p, 24));
  EXPECT_TRUE(f.dev->log.empty());
  EXPECT_EQ(f.dev->mem[0], 0xAB);
}

TEST(DataOutLength, TruncatedModeSelectChangesNothing) {
  Fixture f;
  ASSERT_TRUE(f.lu->wce());
  // MODE SELECT(6) header + caching page with WCE=0, PARAMETER LIST LENGTH
  // four bytes longer than what is sent.
  std::vector<uint8_t> sense_cdb = {op::kModeSense6, 0x08, 0x08, 0, 255, 0};
  Task ms = f.run(sense_cdb, DataDir::kIn, {}, 255);
  expect_good(ms);
  ASSERT_GE(ms.data.size(), 4u + 20u);
  std::vector<uint8_t> pl(4, 0);
  pl.insert(pl.end(), ms.data.data() + 4, ms.data.data() + 4 + 20);
  pl[4] &= 0x3F;   // PS bit off
  pl[6] &= ~0x04;  // WCE=0
  std::vector<uint8_t> cdb = {op::kModeSelect6, 0x10, 0, 0, uint8_t(pl.size() + 4), 0};
  expect_iu_refused(f.run(cdb, DataDir::kOut, pl, uint32_t(pl.size())));
  EXPECT_TRUE(f.lu->wce()) << "a page of a truncated list is not applied";
  cdb[4] = uint8_t(pl.size());
  expect_good(f.run(cdb, DataDir::kOut, pl, uint32_t(pl.size())));
  EXPECT_FALSE(f.lu->wce());
}

TEST(DataOutLength, TruncatedPersistentReserveOutRegistersNothing) {
  Fixture f;
  std::vector<uint8_t> cdb(10, 0);
  cdb[0] = op::kPersistentReserveOut;
  cdb[1] = 0x00;  // REGISTER
  store_be32(&cdb[5], 24);
  std::vector<uint8_t> p(24, 0);
  store_be64(&p[8], 0x1234);
  p.resize(20);
  expect_iu_refused(f.run(cdb, DataDir::kOut, p, 20));
  std::vector<uint8_t> in(10, 0);
  in[0] = op::kPersistentReserveIn;
  in[8] = 64;  // READ KEYS
  Task keys = f.run(in, DataDir::kIn, {}, 64);
  expect_good(keys);
  ASSERT_GE(keys.data.size(), 8u);
  EXPECT_EQ(load_be32(keys.data.data() + 4), 0u) << "no key registered";
}

TEST(DataOutLength, TruncatedExtendedCopyListCopiesNothing) {
  TwoLus f;
  auto p = xcopy_list(1, 0, {cscd_e4(*f.lu)}, {seg_b2b(0, 0, 1, 0, 1)});  // one block, LUN 0 to itself
  f.dev->log.clear();
  // The descriptors are complete, but fewer bytes came than announced.
  auto cdb = xcopy_cdb(uint32_t(p.size() + 16));
  expect_iu_refused(f.run(cdb, DataDir::kOut, p, uint32_t(p.size())));
  EXPECT_TRUE(f.dev->log.empty());
}

}  // namespace
}  // namespace esan::scsi

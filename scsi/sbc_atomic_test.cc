#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> caw(uint64_t lba, uint8_t n, uint8_t b1 = 0) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kCompareAndWrite;
  c[1] = b1;
  store_be64(&c[2], lba);
  c[13] = n;
  return c;
}

std::vector<uint8_t> concat(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  std::vector<uint8_t> v = a;
  v.insert(v.end(), b.begin(), b.end());
  return v;
}

TEST(CompareAndWrite, WritesWhenEqual) {
  Fixture f;
  auto old = pattern(2 * 512, 'A'), fresh = pattern(2 * 512, 'B');
  std::copy(old.begin(), old.end(), f.dev->mem.begin() + 5 * 512);
  Task t = f.run(caw(5, 2), DataDir::kOut, concat(old, fresh), 2048);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 2048u);
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), f.dev->mem.begin() + 5 * 512));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kWrite);
  EXPECT_EQ(f.dev->log.back().offset, 5u * 512);
  EXPECT_FALSE(f.dev->log.back().fua);
  expect_good(f.run(caw(5, 2, 0x08), DataDir::kOut, concat(fresh, old), 2048));
  EXPECT_TRUE(f.dev->log.back().fua);
}

TEST(CompareAndWrite, MiscompareReportsOffsetAndWritesNothing) {
  Fixture f;
  auto old = pattern(2 * 512, 'A');
  std::copy(old.begin(), old.end(), f.dev->mem.begin());
  auto verify = old;
  verify[2 * 512 - 27] ^= 1;
  Task t = f.run(caw(0, 2), DataDir::kOut, concat(verify, pattern(1024, 'B')), 2048);
  expect_sense(t, SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
  ParsedSense s = sense_of(t);
  EXPECT_TRUE(s.info_valid);
  EXPECT_EQ(s.information, 2u * 512 - 27);
  EXPECT_TRUE(std::equal(old.begin(), old.end(), f.dev->mem.begin()));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kRead);
}

TEST(CompareAndWrite, Checks) {
  Fixture f;
  expect_invalid_cdb(f.run(caw(0, 1, 0x20), DataDir::kOut, pattern(1024, 0), 1024), 1, 7);
  // 256 blocks wrap to N=0 but arrive with Data-Out: inconsistent.
  expect_invalid_cdb(f.run(caw(0, 0), DataDir::kOut, pattern(1024, 0), 1024), 13);
  expect_good(f.run(caw(0, 0), DataDir::kOut, {}, 0));
  expect_invalid_cdb(f.run(caw(0, 1), DataDir::kOut, pattern(512, 0), 512), 13);  // short Data-Out
  expect_sense(f.run(caw(2047, 2), DataDir::kOut, pattern(2048, 0), 2048), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  LuConfig c = named("ro");
  c.read_only = true;
  Fixture ro(c);
  expect_sense(ro.run(caw(0, 1), DataDir::kOut, pattern(1024, 0), 1024), SenseKey::kDataProtect,
               asc::kWriteProtected);
}

TEST(CompareAndWrite, OverlappingRangeIsBusyUntilDone) {
  Fixture f;
  f.dev->deferred = true;
  Task a;
  auto c = caw(10, 4);
  std::copy(c.begin(), c.end(), a.cdb);
  a.cdb_len = 16;
  a.dir = DataDir::kOut;
  a.owner = &f.owner;
  a.executor = &f.exec;
  a.data.assign_zero(4096);
  execute(*f.nexus, a);
  EXPECT_EQ(f.owner.done, 0);
  f.dev->deferred = false;
  Task b = f.run(caw(12, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024);
  EXPECT_EQ(b.status, kBusy);
  EXPECT_EQ(b.sense_len, 0);
  expect_good(f.run(caw(14, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024));  // disjoint
  f.dev->run_pending();  // a: read done -> write submitted inline
  EXPECT_EQ(f.owner.done, 3);
  expect_good(a);
  expect_good(f.run(caw(12, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024));
}

TEST(CompareAndWrite, ReadErrorReleasesRange) {
  Fixture f;
  f.dev->fail_next(IoOp::kRead, -EIO);
  expect_sense(f.run(caw(0, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024), SenseKey::kMediumError,
               asc::kUnrecoveredReadError);
  expect_good(f.run(caw(0, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024));
}

// A backend that compares and writes itself (rbd through librbd): one
// kCompareAndWrite request, no read; its miscompare offset is INFORMATION.
TEST(CompareAndWrite, BackendComparesAndWritesWhereItCan) {
  Fixture f;
  f.dev->caw = true;
  auto old = pattern(2 * 512, 'A'), fresh = pattern(2 * 512, 'B');
  std::copy(old.begin(), old.end(), f.dev->mem.begin() + 5 * 512);
  expect_good(f.run(caw(5, 2, 0x08), DataDir::kOut, concat(old, fresh), 2048));
  ASSERT_EQ(f.dev->log.size(), 1u);
  EXPECT_EQ(f.dev->log[0].op, IoOp::kCompareAndWrite);
  EXPECT_EQ(f.dev->log[0].offset, 5u * 512);
  EXPECT_EQ(f.dev->log[0].len, 2u * 512);
  EXPECT_TRUE(f.dev->log[0].fua);
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), f.dev->mem.begin() + 5 * 512));

  auto verify = fresh;
  verify[700] ^= 1;
  Task t = f.run(caw(5, 2), DataDir::kOut, concat(verify, old), 2048);
  expect_sense(t, SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
  ParsedSense s = sense_of(t);
  EXPECT_TRUE(s.info_valid);
  EXPECT_EQ(s.information, 700u);
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), f.dev->mem.begin() + 5 * 512));
  EXPECT_EQ(f.dev->log.size(), 2u);

  // A backend error other than a miscompare: as a failed write; the range is free again.
  f.dev->fail_next(IoOp::kCompareAndWrite, -EIO);
  expect_sense(f.run(caw(5, 2), DataDir::kOut, concat(fresh, old), 2048), SenseKey::kMediumError,
               asc::kWriteError);
  expect_good(f.run(caw(5, 2), DataDir::kOut, concat(fresh, old), 2048));
}

// The backend path holds the range too: an overlapping write meanwhile is BUSY.
TEST(CompareAndWrite, BackendPathHoldsTheRange) {
  Fixture f;
  f.dev->caw = true;
  f.dev->deferred = true;
  Task a;
  auto c = caw(10, 4);
  std::copy(c.begin(), c.end(), a.cdb);
  a.cdb_len = 16;
  a.dir = DataDir::kOut;
  a.owner = &f.owner;
  a.executor = &f.exec;
  a.data.assign_zero(4096);
  execute(*f.nexus, a);
  EXPECT_EQ(f.owner.done, 0);
  f.dev->deferred = false;
  Task b = f.run(cdb10(op::kWrite10, 12, 1), DataDir::kOut, pattern(512, 1), 512);
  EXPECT_EQ(b.status, kBusy);
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 2);
  expect_good(a);
  expect_good(f.run(cdb10(op::kWrite10, 12, 1), DataDir::kOut, pattern(512, 1), 512));
}

TEST(OrWrite, OrsDataIntoMedium) {
  Fixture f;
  std::fill(f.dev->mem.begin(), f.dev->mem.begin() + 1024, 0xA5);
  Task t = f.run(cdb16(op::kOrWrite16, 0, 2), DataDir::kOut, std::vector<uint8_t>(1024, 0x5A), 1024);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 1024u);
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(f.dev->mem[i], 0xFF) << i;
  EXPECT_EQ(f.dev->mem[1024], 0);
  expect_good(f.run(cdb16(op::kOrWrite16, 0, 0), DataDir::kOut, {}, 0));
  expect_sense(f.run(cdb16(op::kOrWrite16, 2049, 0), DataDir::kOut, {}, 0), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_invalid_cdb(f.run(cdb16(op::kOrWrite16, 0, 1, 0x40), DataDir::kOut, pattern(512, 0), 512), 1, 7);
}

}  // namespace
}  // namespace esan::scsi

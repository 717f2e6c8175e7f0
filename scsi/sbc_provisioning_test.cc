#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr uint32_t kBlocks = 2048;

LuConfig thin_cfg() {
  LuConfig c = named("thin");
  c.thin_provisioned = true;
  return c;
}

std::vector<uint8_t> ws10(uint32_t lba, uint16_t n, uint8_t b1 = 0) { return cdb10(op::kWriteSame10, lba, n, b1); }
std::vector<uint8_t> ws16(uint64_t lba, uint32_t n, uint8_t b1 = 0) { return cdb16(op::kWriteSame16, lba, n, b1); }

std::vector<uint8_t> unmap_cdb(uint16_t plen, uint8_t b1 = 0) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kUnmap;
  c[1] = b1;
  store_be16(&c[7], plen);
  return c;
}
std::vector<uint8_t> unmap_list(std::initializer_list<std::pair<uint64_t, uint32_t>> ranges) {
  std::vector<uint8_t> p(8, 0);
  for (auto [lba, n] : ranges) {
    uint8_t d[16] = {};
    store_be64(d, lba);
    store_be32(d + 8, n);
    p.insert(p.end(), d, d + 16);
  }
  store_be16(&p[0], uint16_t(p.size() - 2));
  store_be16(&p[2], uint16_t(p.size() - 8));
  return p;
}

bool range_is(const MemDevice& d, uint64_t off, size_t n, uint8_t v) {
  for (size_t i = 0; i < n; ++i)
    if (d.mem[off + i] != v) return false;
  return true;
}

TEST(WriteSame, PatternReplicated) {
  Fixture f;
  auto block = pattern(512, 7);
  Task t = f.run(ws10(100, 5), DataDir::kOut, block, 512);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 512u);
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(std::equal(block.begin(), block.end(), f.dev->mem.begin() + (100 + i) * 512)) << i;
  EXPECT_EQ(f.dev->mem[105 * 512], 0);
}

TEST(WriteSame, LargeRangeInChunks) {
  Fixture f;
  auto block = pattern(512, 1);
  expect_good(f.run(ws16(0, kBlocks), DataDir::kOut, block, 512));  // 1 MiB: one chunk
  Fixture g(named("g"), 8192);
  expect_good(g.run(ws16(0, 8192), DataDir::kOut, block, 512));  // 4 MiB: 4 chunks
  size_t writes = 0;
  for (auto& op : g.dev->log) writes += op.op == IoOp::kWrite;
  EXPECT_EQ(writes, 4u);
  EXPECT_TRUE(std::equal(block.begin(), block.end(), g.dev->mem.begin() + 8191 * 512));
}

TEST(WriteSame, ZeroBlockUsesWriteZeroes) {
  Fixture f;
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0xEE);
  expect_good(f.run(ws10(10, 4), DataDir::kOut, std::vector<uint8_t>(512, 0), 512));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kWriteZeroes);
  EXPECT_TRUE(range_is(*f.dev, 10 * 512, 4 * 512, 0));
  EXPECT_EQ(f.dev->mem[14 * 512], 0xEE);
}

TEST(WriteSame, WriteZeroesFallbackToWrites) {
  Fixture f;
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0xEE);
  f.dev->fail_next(IoOp::kWriteZeroes, -EOPNOTSUPP);
  expect_good(f.run(ws10(10, 4), DataDir::kOut, std::vector<uint8_t>(512, 0), 512));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kWrite);
  EXPECT_TRUE(range_is(*f.dev, 10 * 512, 4 * 512, 0));
}

TEST(WriteSame, ZeroLengthMeansToEnd) {
  Fixture f;
  auto block = pattern(512, 3);
  expect_good(f.run(ws10(kBlocks - 3, 0), DataDir::kOut, block, 512));
  EXPECT_TRUE(std::equal(block.begin(), block.end(), f.dev->mem.begin() + (kBlocks - 1) * 512));
  EXPECT_EQ(f.dev->mem[(kBlocks - 4) * 512], 0);
  expect_sense(f.run(ws10(kBlocks + 1, 0), DataDir::kOut, block, 512), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_good(f.run(ws10(kBlocks, 0), DataDir::kOut, block, 512));
}

TEST(WriteSame, LengthAboveMaximumIsInvalidField) {
  Fixture f(named("big"), 70000);
  uint32_t max = f.lu->max_write_same_blocks();
  EXPECT_EQ(max, 0xFFFFu);
  expect_invalid_cdb(f.run(ws16(0, max + 1), DataDir::kOut, pattern(512, 0), 512), 10);
  expect_invalid_cdb(f.run(ws16(0, 0), DataDir::kOut, pattern(512, 0), 512), 10);  // to end: too long
}

TEST(WriteSame, CdbChecks) {
  LuConfig c = named("d");
  Fixture f(c);
  auto b = pattern(512, 0);
  expect_invalid_cdb(f.run(ws10(0, 1, 0x20), DataDir::kOut, b, 512), 1, 7);  // WRPROTECT
  expect_invalid_cdb(f.run(ws10(0, 1, 0x10), DataDir::kOut, b, 512), 1, 4);  // ANCHOR
  expect_invalid_cdb(f.run(ws10(0, 1, 0x02), DataDir::kOut, b, 512), 1, 1);  // LBDATA
  expect_invalid_cdb(f.run(ws10(0, 1, 0x08), DataDir::kOut, b, 512), 1, 3);  // UNMAP, not thin
  // Data-Out of anything but one block: the information unit is wrong, not the CDB.
  expect_sense(f.run(ws10(0, 1), DataDir::kOut, pattern(256, 0), 256), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInInformationUnit);  // short data
  expect_sense(f.run(ws16(0, 1), DataDir::kOut, pattern(1024, 0), 1024), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInInformationUnit);  // long data
  expect_sense(f.run(ws16(kBlocks - 1, 2), DataDir::kOut, b, 512), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(WriteSame, ReadOnlyBeatsUnmapSupportCheck) {
  LuConfig c = named("ro");
  c.read_only = true;
  Fixture f(c);
  expect_sense(f.run(ws10(0, 1, 0x08), DataDir::kOut, pattern(512, 0), 512), SenseKey::kDataProtect,
               asc::kWriteProtected);
  expect_sense(f.run(ws16(0, 1), DataDir::kOut, pattern(512, 0), 512), SenseKey::kDataProtect, asc::kWriteProtected);
}

TEST(WriteSame, UnmapOnThinDiscardsWhateverTheData) {
  Fixture f(thin_cfg());
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0xFF);
  expect_good(f.run(ws16(8, 8, 0x08), DataDir::kOut, std::vector<uint8_t>(512, 0xFF), 512));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kDiscard);
  EXPECT_EQ(f.dev->log.back().offset, 8u * 512);
  EXPECT_EQ(f.dev->log.back().len, 8u * 512);
  EXPECT_TRUE(range_is(*f.dev, 8 * 512, 8 * 512, 0));
}

TEST(WriteSame, NdobWritesZerosWithoutDataOut) {
  Fixture f;
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0x11);
  Task t = f.run(ws16(4, 2, 0x01), DataDir::kNone, {}, 0);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 0u);
  EXPECT_TRUE(range_is(*f.dev, 4 * 512, 2 * 512, 0));
}

TEST(WriteSame, ForcedFuaFlushesAfterWriteZeroes) {
  LuConfig c = named("wt");
  c.write_through = true;
  Fixture f(c);
  expect_good(f.run(ws10(0, 2), DataDir::kOut, std::vector<uint8_t>(512, 0), 512));
  ASSERT_GE(f.dev->log.size(), 2u);
  EXPECT_EQ(f.dev->log[f.dev->log.size() - 2].op, IoOp::kWriteZeroes);
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  expect_good(f.run(ws10(0, 2), DataDir::kOut, pattern(512, 1), 512));
  EXPECT_TRUE(f.dev->log.back().fua);
}

TEST(WriteSame, BackendErrorMidway) {
  Fixture f(named("g"), 8192);
  f.dev->deferred = true;
  Task t;
  auto b = pattern(512, 2);
  f.prepare(t, ws16(0, 8192), DataDir::kOut, b);
  execute(*f.nexus, t);  // first 1 MiB chunk submitted, completion deferred
  EXPECT_EQ(f.owner.done, 0);
  f.dev->fail_next(IoOp::kWrite, -EIO);  // the second chunk fails
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 1);
  expect_sense(t, SenseKey::kMediumError, asc::kWriteError);
  EXPECT_TRUE(std::equal(b.begin(), b.end(), f.dev->mem.begin() + 2047 * 512));
  EXPECT_EQ(f.dev->mem[2048 * 512], 0);
  EXPECT_EQ(f.dev->log.size(), 2u);
}

TEST(Unmap, DiscardsEveryDescriptor) {
  Fixture f(thin_cfg());
  std::fill(f.dev->mem.begin(), f.dev->mem.end(), 0xAB);
  auto p = unmap_list({{0, 2}, {10, 0}, {20, 3}});
  Task t = f.run(unmap_cdb(uint16_t(p.size())), DataDir::kOut, p, uint32_t(p.size()));
  expect_good(t);
  EXPECT_EQ(t.out_wanted, p.size());
  EXPECT_TRUE(range_is(*f.dev, 0, 1024, 0));
  EXPECT_TRUE(range_is(*f.dev, 20 * 512, 3 * 512, 0));
  EXPECT_EQ(f.dev->mem[2 * 512], 0xAB);
  EXPECT_EQ(f.dev->mem[10 * 512], 0xAB);
  size_t discards = 0;
  for (auto& op : f.dev->log) discards += op.op == IoOp::kDiscard;
  EXPECT_EQ(discards, 2u);
}

TEST(Unmap, EmptyAndZeroLength) {
  Fixture f(thin_cfg());
  expect_good(f.run(unmap_cdb(0), DataDir::kOut, {}, 0));
  auto p = unmap_list({});
  expect_good(f.run(unmap_cdb(8), DataDir::kOut, p, 8));
  auto q = unmap_list({{kBlocks, 0}});
  expect_good(f.run(unmap_cdb(uint16_t(q.size())), DataDir::kOut, q, uint32_t(q.size())));
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(Unmap, Errors) {
  Fixture f(thin_cfg());
  expect_sense(f.run(unmap_cdb(4), DataDir::kOut, {0, 0, 0, 0}, 4), SenseKey::kIllegalRequest,
               asc::kParameterListLengthError);
  auto oob = unmap_list({{0, 1}, {kBlocks - 1, 2}});
  expect_sense(f.run(unmap_cdb(uint16_t(oob.size())), DataDir::kOut, oob, uint32_t(oob.size())),
               SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  EXPECT_TRUE(f.dev->log.empty()) << "nothing is discarded when a later descriptor is bad";
  std::vector<std::pair<uint64_t, uint32_t>> many(kMaxUnmapDescriptors + 1, {0, 1});
  std::vector<uint8_t> p(8, 0);
  for (auto [lba, n] : many) {
    uint8_t d[16] = {};
    store_be64(d, lba);
    store_be32(d + 8, n);
    p.insert(p.end(), d, d + 16);
  }
  store_be16(&p[2], uint16_t(p.size() - 8));
  Task t = f.run(unmap_cdb(uint16_t(p.size())), DataDir::kOut, p, uint32_t(p.size()));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  expect_invalid_cdb(f.run(unmap_cdb(24, 0x01), DataDir::kOut, unmap_list({{0, 1}}), 24), 1, 0);
}

TEST(Unmap, NotThinLooksUnimplementedButWriteProtectWins) {
  Fixture f;
  auto p = unmap_list({{0, 1}});
  expect_sense(f.run(unmap_cdb(24), DataDir::kOut, p, 24), SenseKey::kIllegalRequest,
               asc::kInvalidCommandOperationCode);
  LuConfig c = named("ro");
  c.read_only = true;
  Fixture ro(c);
  expect_sense(ro.run(unmap_cdb(24), DataDir::kOut, p, 24), SenseKey::kDataProtect, asc::kWriteProtected);
}

TEST(GetLbaStatus, ReportsMappedToEnd) {
  Fixture f(thin_cfg());
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kServiceActionIn16;
  c[1] = op::kSaGetLbaStatus;
  store_be64(&c[2], 100);
  store_be32(&c[10], 24);
  Task t = f.run(c, DataDir::kIn, {}, 24);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 24u);
  EXPECT_EQ(load_be32(t.data.data()), 20u);
  EXPECT_EQ(load_be64(t.data.data() + 8), 100u);
  EXPECT_EQ(load_be32(t.data.data() + 16), kBlocks - 100);
  EXPECT_EQ(t.data.data()[20] & 0x0F, 0);
  store_be64(&c[2], kBlocks);
  expect_sense(f.run(c, DataDir::kIn, {}, 24), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
}

}  // namespace
}  // namespace esan::scsi

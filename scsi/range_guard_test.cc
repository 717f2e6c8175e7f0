// Write ordering between COMPARE AND WRITE / WRITE ATOMIC and plain writes
// from other I_T nexuses (RangeGuard), and WRITE ATOMIC(16).
#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> caw(uint64_t lba, uint8_t n) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kCompareAndWrite;
  store_be64(&c[2], lba);
  c[13] = n;
  return c;
}
std::vector<uint8_t> watomic(uint64_t lba, uint16_t n, uint8_t b1 = 0, uint16_t boundary = 0) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kWriteAtomic16;
  c[1] = b1;
  store_be64(&c[2], lba);
  store_be16(&c[10], boundary);
  store_be16(&c[12], n);
  return c;
}

// A task started with execute() that stays in flight (deferred device).
struct Pending {
  Task t;
  void start(Fixture& f, Nexus& n, const std::vector<uint8_t>& cdb, const std::vector<uint8_t>& out) {
    f.prepare(t, cdb, DataDir::kOut, out, uint32_t(out.size()));
    execute(n, t);
  }
};

struct TwoNexus : Fixture {
  TwoNexus() : Fixture(cfg()) { other = make_nexus(nexus->luns); }
  static LuConfig cfg() {
    LuConfig c = named("d");
    c.thin_provisioned = true;
    return c;
  }
  std::unique_ptr<Nexus> other;
};

TEST(RangeGuard, PlainWritesFromAnotherNexusAreBusyWhileCompareAndWriteHoldsTheRange) {
  TwoNexus f;
  f.dev->deferred = true;
  Pending a;
  a.start(f, *f.nexus, caw(10, 4), std::vector<uint8_t>(4096, 0));  // compare zeros, write zeros
  EXPECT_EQ(f.owner.done, 0);
  EXPECT_EQ(f.lu->ranges().exclusive_held(), 1u);
  f.dev->deferred = false;
  Nexus& b = *f.other;
  EXPECT_EQ(f.run(cdb10(op::kWrite10, 13, 1), DataDir::kOut, pattern(512, 1), 512, &b).status, kBusy);
  EXPECT_EQ(f.run(cdb16(op::kWriteVerify16, 8, 4), DataDir::kOut, pattern(2048, 1), 2048, &b).status, kBusy);
  EXPECT_EQ(f.run(cdb10(op::kWriteSame10, 0, 11), DataDir::kOut, pattern(512, 1), 512, &b).status, kBusy);
  std::vector<uint8_t> list(24, 0);
  store_be16(&list[0], 22);
  store_be16(&list[2], 16);
  store_be64(&list[8], 12);
  store_be32(&list[16], 1);
  std::vector<uint8_t> unmap(10, 0);
  unmap[0] = op::kUnmap;
  store_be16(&unmap[7], 24);
  EXPECT_EQ(f.run(unmap, DataDir::kOut, list, 24, &b).status, kBusy);
  EXPECT_EQ(f.run(watomic(8, 8), DataDir::kOut, pattern(4096, 1), 4096, &b).status, kBusy);
  // Nothing was written by the refused commands.
  for (int i = 0; i < 20 * 512; ++i) ASSERT_EQ(f.dev->mem[i], 0) << i;
  // Disjoint ranges still run (on the locked path).
  expect_good(f.run(cdb10(op::kWrite10, 14, 2), DataDir::kOut, pattern(1024, 2), 1024, &b));
  expect_good(f.run(cdb10(op::kRead10, 10, 4), DataDir::kIn, {}, 2048, &b));  // reads are not ordered
  f.dev->run_pending();
  expect_good(a.t);
  EXPECT_EQ(f.lu->ranges().exclusive_held(), 0u);
  expect_good(f.run(cdb10(op::kWrite10, 13, 1), DataDir::kOut, pattern(512, 1), 512, &b));
  EXPECT_EQ(f.lu->ranges().fast_writes_in_flight(), 0);
}

TEST(RangeGuard, CompareAndWriteWaitsForAWriteAlreadyInFlight) {
  TwoNexus f;
  f.dev->deferred = true;
  Pending w;
  w.start(f, *f.other, cdb10(op::kWrite10, 10, 1), std::vector<uint8_t>(512, 0x77));  // fast path
  EXPECT_EQ(f.lu->ranges().fast_writes_in_flight(), 1);
  Pending a;
  std::vector<uint8_t> data(1024, 0x77);  // expects the WRITE's data, replaces it with 0x11
  std::fill(data.begin() + 512, data.end(), 0x11);
  a.start(f, *f.nexus, caw(10, 1), data);
  // The CAW holds its range but has not read yet: the WRITE must land first.
  ASSERT_EQ(f.dev->log.size(), 1u);
  EXPECT_EQ(f.dev->log[0].op, IoOp::kWrite);
  f.dev->run_pending();  // WRITE completes -> the CAW's resume is posted to its executor
  expect_good(w.t);
  EXPECT_EQ(f.dev->log.size(), 1u) << "resumed on its executor, not inside the WRITE's completion";
  f.settle();  // CAW resumes: read, compare, write
  expect_good(a.t);
  EXPECT_EQ(f.owner.done, 2);
  EXPECT_EQ(f.dev->mem[10 * 512], 0x11);
  EXPECT_EQ(f.lu->ranges().exclusive_held(), 0u);
  EXPECT_EQ(f.lu->ranges().fast_writes_in_flight(), 0);
}

TEST(RangeGuard, ExclusiveCommandIsBusyWhenItOverlapsARegisteredWrite) {
  TwoNexus f;
  f.dev->deferred = true;
  Pending a, w;
  a.start(f, *f.nexus, caw(100, 1), std::vector<uint8_t>(1024, 0));
  w.start(f, *f.other, cdb10(op::kWrite10, 10, 4), pattern(2048, 5));  // disjoint: registered by range
  f.dev->deferred = false;
  EXPECT_EQ(f.run(caw(12, 1), DataDir::kOut, std::vector<uint8_t>(1024, 0), 1024).status, kBusy);
  EXPECT_EQ(f.run(watomic(8, 8), DataDir::kOut, pattern(4096, 1), 4096).status, kBusy);
  f.dev->run_pending();
  expect_good(a.t);
  expect_good(w.t);
  expect_good(f.run(watomic(8, 8), DataDir::kOut, pattern(4096, 1), 4096));
}

TEST(WriteAtomic16, WritesAndReportsLimits) {
  TwoNexus f;  // 512-byte blocks on 4096-byte physical blocks: unit of 8 blocks
  auto data = pattern(16 * 512, 9);
  Task t = f.run(watomic(16, 16, 0x08), DataDir::kOut, data, uint32_t(data.size()));
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 16u * 512);
  EXPECT_TRUE(std::equal(data.begin(), data.end(), f.dev->mem.begin() + 16 * 512));
  ASSERT_FALSE(f.dev->log.empty());
  EXPECT_TRUE(f.dev->log.back().fua);
  EXPECT_EQ(f.dev->log.back().len, 16u * 512);  // one backend write
  expect_good(f.run(watomic(0, 0), DataDir::kOut, {}, 0));

  Task v = f.run({op::kInquiry, 1, 0xB0, 0, 255, 0}, DataDir::kIn, {}, 255);
  expect_good(v);
  const uint8_t* d = v.data.data();
  EXPECT_EQ(load_be32(d + 44), f.lu->max_transfer_blocks());  // MAXIMUM ATOMIC TRANSFER LENGTH
  EXPECT_LE(load_be32(d + 44), load_be32(d + 8));
  EXPECT_EQ(load_be32(d + 48), 8u);  // ATOMIC ALIGNMENT
  EXPECT_EQ(load_be32(d + 52), 8u);  // ATOMIC TRANSFER LENGTH GRANULARITY
  EXPECT_EQ(load_be32(d + 56), 0u);
  EXPECT_EQ(load_be32(d + 60), 0u);
}

TEST(WriteAtomic16, Refusals) {
  TwoNexus f;
  auto data = pattern(8 * 512, 1);
  auto n = uint32_t(data.size());
  for (uint8_t wp = 1; wp < 8; ++wp) expect_invalid_cdb(f.run(watomic(0, 8, uint8_t(wp << 5)), DataDir::kOut, data, n), 1, 7);
  expect_invalid_cdb(f.run(watomic(0, 8, 0, 8), DataDir::kOut, data, n), 10);  // ATOMIC BOUNDARY
  expect_invalid_cdb(f.run(watomic(1, 8), DataDir::kOut, data, n), 2);         // misaligned
  expect_invalid_cdb(f.run(watomic(0, 1), DataDir::kOut, data, 512), 12);      // granularity
  uint32_t too_many = f.lu->max_atomic_blocks() + 8;
  expect_invalid_cdb(f.run(watomic(0, uint16_t(too_many)), DataDir::kOut, {}, 0), 12);
  expect_sense(f.run(watomic(0, 16), DataDir::kOut, data, n), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInInformationUnit);  // short Data-Out: never partial
  uint64_t nb = f.lu->num_blocks();
  expect_sense(f.run(watomic(nb - 8, 16), DataDir::kOut, pattern(16 * 512, 1), 16 * 512),
               SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_sense(f.run(watomic(nb + 8, 0), DataDir::kOut, {}, 0), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_sense(f.run(watomic(~0ull - 7, 8), DataDir::kOut, data, n), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  LuConfig ro = TwoNexus::cfg();
  ro.read_only = true;
  Fixture r(ro);
  expect_sense(r.run(watomic(0, 8), DataDir::kOut, data, n), SenseKey::kDataProtect, asc::kWriteProtected);
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0);
}

TEST(WriteAtomic16, BackendErrorIsReported) {
  TwoNexus f;
  f.dev->fail_next(IoOp::kWrite, -EIO);
  expect_sense(f.run(watomic(0, 8), DataDir::kOut, pattern(4096, 1), 4096), SenseKey::kMediumError,
               asc::kWriteError);
  EXPECT_EQ(f.lu->ranges().exclusive_held(), 0u);
}

}  // namespace
}  // namespace esan::scsi

#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr uint32_t kBlocks = 2048;

Task write10(Fixture& f, uint32_t lba, const std::vector<uint8_t>& data, uint8_t b1 = 0) {
  return f.run(cdb10(op::kWrite10, lba, uint16_t(data.size() / 512), b1), DataDir::kOut, data, uint32_t(data.size()));
}

TEST(SbcIo, WriteThenReadBackAllSizes) {
  Fixture f;
  auto data = pattern(4 * 512, 3);
  expect_good(write10(f, 10, data));
  for (uint8_t opc : {op::kRead10, op::kRead12, op::kRead16}) {
    auto c = opc == op::kRead10 ? cdb10(opc, 10, 4) : opc == op::kRead12 ? cdb12(opc, 10, 4) : cdb16(opc, 10, 4);
    Task t = f.run(c, DataDir::kIn, {}, 2048);
    expect_good(t);
    EXPECT_EQ(bytes_of(t), data) << "opcode " << int(opc);
  }
  Task t6 = f.run(cdb6(op::kRead6, 10, 4), DataDir::kIn, {}, 2048);
  expect_good(t6);
  EXPECT_EQ(bytes_of(t6), data);
  EXPECT_EQ(f.dev->log.back().offset, 10u * 512);
}

TEST(SbcIo, NullLuReadsSendSharedZerosAndVerifyStillCompares) {
  Fixture f;
  auto null = *make_logical_unit(named("null0"), backend::make_null_device(kBlocks * 512));
  auto map = std::make_shared<LunMap>();
  (*map)[1] = LunMapping{null, false};
  auto n = f.make_nexus(map, false);
  null->ua_take(n->id);
  Task t = f.run(cdb10(op::kRead10, 8, 16), DataDir::kIn, {}, 16 * 512, n.get(), 1);
  expect_good(t);
  EXPECT_NE(t.data_in_shared, nullptr) << "a plain READ takes the null device's shared zeros";
  EXPECT_EQ(bytes_of(t), std::vector<uint8_t>(16 * 512, 0));
  // VERIFY (BYTCHK=1) compares Data-Out with the medium in its own buffer:
  // zeros match, anything else is a miscompare.
  expect_good(f.run(cdb10(op::kVerify10, 8, 1, 0x02), DataDir::kOut, std::vector<uint8_t>(512, 0), 512, n.get(), 1));
  expect_sense(f.run(cdb10(op::kVerify10, 8, 1, 0x02), DataDir::kOut, pattern(512, 1), 512, n.get(), 1),
               SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
}

// A backend that lends the buffer it read into (rbd): the task sends from
// it and holds the lease; VERIFY still reads into its own buffer.
TEST(SbcIo, ReadsKeepALentBufferWithTheTask) {
  Fixture f;
  auto data = pattern(8 * 512, 5);
  expect_good(write10(f, 20, data));
  f.dev->lend = true;
  Task t = f.run(cdb10(op::kRead10, 20, 8), DataDir::kIn, {}, 8 * 512);
  expect_good(t);
  ASSERT_NE(t.data_in_lease, nullptr);
  EXPECT_EQ(t.data_in_lease, f.dev->last_lease.lock()) << "the task holds the device's lease";
  EXPECT_NE(t.data_in_shared, t.data.data());
  EXPECT_EQ(bytes_of(t), data);
  t.reset();
  EXPECT_TRUE(f.dev->last_lease.expired()) << "reset() gives the buffer back";
  expect_good(f.run(cdb10(op::kVerify10, 20, 1, 0x02), DataDir::kOut,
                    std::vector<uint8_t>(data.begin(), data.begin() + 512), 512));
  expect_sense(f.run(cdb10(op::kVerify10, 20, 1, 0x02), DataDir::kOut, pattern(512, 9), 512),
               SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
}

// A plain WRITE gives the backend its buffer (IoRequest::give: rbd keeps
// it for librbd instead of copying); writes whose buffer is not only the
// command's data (WRITE SAME, COMPARE AND WRITE) do not.
TEST(SbcIo, OnlyPlainWritesGiveTheirBuffer) {
  Fixture f;
  auto data = pattern(4 * 512, 6);
  expect_good(write10(f, 30, data));
  ASSERT_FALSE(f.dev->log.empty());
  EXPECT_EQ(f.dev->log.back().op, IoOp::kWrite);
  EXPECT_TRUE(f.dev->log.back().given);
  expect_good(f.run(cdb16(op::kWrite16, 40, 1, 0x08), DataDir::kOut, pattern(512, 7), 512));
  EXPECT_TRUE(f.dev->log.back().given) << "FUA too";
  size_t before = f.dev->log.size();
  expect_good(f.run(cdb10(op::kWriteSame10, 50, 4), DataDir::kOut, pattern(512, 8), 512));
  ASSERT_GT(f.dev->log.size(), before);
  for (size_t i = before; i < f.dev->log.size(); ++i) EXPECT_FALSE(f.dev->log[i].given) << "WRITE SAME";
  Task t = f.run(cdb10(op::kRead10, 30, 4), DataDir::kIn, {}, 4 * 512);
  expect_good(t);
  EXPECT_EQ(bytes_of(t), data);
  EXPECT_FALSE(f.dev->log.back().given) << "a READ gives nothing";
}

TEST(SbcIo, Write6Write12Write16Land) {
  Fixture f;
  auto a = pattern(512, 1), b = pattern(1024, 2), c = pattern(512, 3);
  expect_good(f.run(cdb6(op::kWrite6, 1, 1), DataDir::kOut, a, 512));
  expect_good(f.run(cdb12(op::kWrite12, 2, 2), DataDir::kOut, b, 1024));
  expect_good(f.run(cdb16(op::kWrite16, 4, 1), DataDir::kOut, c, 512));
  EXPECT_TRUE(std::equal(a.begin(), a.end(), f.dev->mem.begin() + 512));
  EXPECT_TRUE(std::equal(b.begin(), b.end(), f.dev->mem.begin() + 1024));
  EXPECT_TRUE(std::equal(c.begin(), c.end(), f.dev->mem.begin() + 2048));
}

TEST(SbcIo, WriteSetsOutWanted) {
  Fixture f;
  Task t = write10(f, 0, pattern(3 * 512, 0));
  EXPECT_EQ(t.out_wanted, 3u * 512);
}

TEST(SbcIo, Read6ZeroLengthMeans256Blocks) {
  Fixture f;
  Task t = f.run(cdb6(op::kRead6, 0, 0), DataDir::kIn, {}, 256 * 512);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 256u * 512);
}

TEST(SbcIo, ZeroLengthIsGoodWithoutIo) {
  Fixture f;
  expect_good(f.run(cdb10(op::kRead10, 0, 0), DataDir::kIn, {}, 0));
  expect_good(f.run(cdb16(op::kWrite16, kBlocks, 0), DataDir::kOut, {}, 0));
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(SbcIo, LbaOutOfRangeBeforeAnyTransfer) {
  Fixture f;
  expect_sense(f.run(cdb10(op::kRead10, kBlocks - 1, 2), DataDir::kIn, {}, 1024), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_sense(f.run(cdb10(op::kRead10, kBlocks + 1, 0), DataDir::kIn, {}, 0), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_sense(f.run(cdb16(op::kRead16, ~0ull, 1), DataDir::kIn, {}, 512), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_sense(f.run(cdb16(op::kWrite16, 0x8000000000000000ull, 1), DataDir::kOut, pattern(512, 0), 512),
               SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_sense(f.run(cdb6(op::kRead6, 0x1FFFFF, 1), DataDir::kIn, {}, 512), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  EXPECT_TRUE(f.dev->log.empty());
  // The last block itself is fine.
  expect_good(f.run(cdb10(op::kRead10, kBlocks - 1, 1), DataDir::kIn, {}, 512));
}

TEST(SbcIo, ProtectFieldsRejectedWithFieldPointer) {
  Fixture f;
  for (int p = 1; p < 8; ++p) {
    expect_invalid_cdb(f.run(cdb10(op::kRead10, 0, 1, uint8_t(p << 5)), DataDir::kIn, {}, 512), 1, 7);
    expect_invalid_cdb(f.run(cdb16(op::kWrite16, 0, 1, uint8_t(p << 5)), DataDir::kOut, pattern(512, 0), 512), 1,
                       7);
    expect_invalid_cdb(f.run(cdb12(op::kVerify12, 0, 1, uint8_t(p << 5 | 0x02)), DataDir::kOut, pattern(512, 0), 512),
                       1, 7);
  }
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(SbcIo, TransferLengthAboveMaximumRejected) {
  Fixture f;
  uint32_t max = f.lu->max_transfer_blocks();
  expect_invalid_cdb(f.run(cdb16(op::kRead16, 0, max + 1), DataDir::kIn, {}, 0), 10);
  expect_invalid_cdb(f.run(cdb12(op::kRead12, 0, max + 1), DataDir::kIn, {}, 0), 6);
}

TEST(SbcIo, FuaReachesBackend) {
  Fixture f;
  expect_good(write10(f, 0, pattern(512, 0)));
  EXPECT_FALSE(f.dev->log.back().fua);
  expect_good(write10(f, 0, pattern(512, 0), 0x08));  // FUA
  EXPECT_TRUE(f.dev->log.back().fua);
  expect_good(write10(f, 0, pattern(512, 0), 0x10));  // DPO only
  EXPECT_FALSE(f.dev->log.back().fua);
  f.lu->set_wce(false);
  expect_good(write10(f, 0, pattern(512, 0)));
  EXPECT_TRUE(f.dev->log.back().fua);
}

TEST(SbcIo, WriteThroughForcesFua) {
  LuConfig c = named("wt");
  c.write_through = true;
  Fixture f(c);
  expect_good(write10(f, 0, pattern(512, 0)));
  EXPECT_TRUE(f.dev->log.back().fua);
}

TEST(SbcIo, ReadOnlyLuAndReadOnlyMapping) {
  LuConfig c = named("ro");
  c.read_only = true;
  Fixture ro(c);
  expect_sense(write10(ro, 0, pattern(512, 0)), SenseKey::kDataProtect, asc::kWriteProtected);
  expect_sense(ro.run(cdb16(op::kWriteVerify16, 0, 1, 0x02), DataDir::kOut, pattern(512, 0), 512),
               SenseKey::kDataProtect, asc::kWriteProtected);
  expect_good(ro.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512));

  Fixture map_ro(named("rw"), kBlocks, /*map_read_only=*/true);
  expect_sense(map_ro.run(cdb12(op::kWrite12, 0, 1), DataDir::kOut, pattern(512, 0), 512), SenseKey::kDataProtect,
               asc::kWriteProtected);
  EXPECT_TRUE(map_ro.dev->log.empty());
}

TEST(SbcIo, ShortDataOutWritesOnlyWholeBlocksReceived) {
  Fixture f;
  auto old = pattern(2 * 512, 'a');
  expect_good(write10(f, 0, old));
  auto fresh = pattern(512, 'b');
  Task t = f.run(cdb10(op::kWrite10, 0, 2), DataDir::kOut, fresh, 512);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, 1024u);
  EXPECT_TRUE(std::equal(fresh.begin(), fresh.end(), f.dev->mem.begin()));
  EXPECT_TRUE(std::equal(old.begin() + 512, old.end(), f.dev->mem.begin() + 512));
  // Part of a block cannot be written as sent: refused, nothing written
  // (never GOOD for data not on the medium). No data at all: nothing to
  // write, GOOD, and the transport reports the overflow.
  size_t ops = f.dev->log.size();
  expect_sense(f.run(cdb10(op::kWrite10, 0, 1), DataDir::kOut, pattern(200, 'c'), 200), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInInformationUnit);
  expect_good(f.run(cdb10(op::kWrite10, 0, 1), DataDir::kOut, {}, 0));
  EXPECT_EQ(f.dev->log.size(), ops);
}

TEST(SbcIo, ExtraDataOutBeyondTransferLengthIgnored) {
  Fixture f;
  auto data = pattern(2 * 512, 'x');
  expect_good(f.run(cdb10(op::kWrite10, 0, 1), DataDir::kOut, data, 1024));
  EXPECT_EQ(f.dev->log.back().len, 512u);
  EXPECT_EQ(f.dev->mem[512], 0);
}

TEST(SbcIo, BackendErrorsMapToSense) {
  Fixture f;
  f.dev->fail_next(IoOp::kRead, -EIO);
  Task r = f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512);
  expect_sense(r, SenseKey::kMediumError, asc::kUnrecoveredReadError);
  EXPECT_EQ(r.data.size(), 0u);
  f.dev->fail_next(IoOp::kWrite, -EIO);
  expect_sense(write10(f, 0, pattern(512, 0)), SenseKey::kMediumError, asc::kWriteError);
  f.dev->fail_next(IoOp::kWrite, -ENOSPC);
  expect_sense(write10(f, 0, pattern(512, 0)), SenseKey::kDataProtect, asc::kSpaceAllocationFailedWriteProtect);
  f.dev->fail_next(IoOp::kWrite, -EINVAL);
  expect_sense(write10(f, 0, pattern(512, 0)), SenseKey::kHardwareError, asc::kInternalTargetFailure);
  f.dev->fail_next(IoOp::kFlush, -EIO);
  expect_sense(f.run(cdb10(op::kSyncCache10, 0, 0)), SenseKey::kMediumError, asc::kWriteError);
}

TEST(SbcIo, BackendErrorUsesDescriptorSenseWhenDSense) {
  Fixture f;
  f.lu->set_d_sense(true);
  f.dev->fail_next(IoOp::kRead, -EIO);
  Task t = f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512);
  EXPECT_EQ(t.sense[0], 0x72);
  expect_sense(t, SenseKey::kMediumError, asc::kUnrecoveredReadError);
}

TEST(SbcIo, VerifyBytchk0ReadsRange) {
  Fixture f;
  Task t = f.run(cdb10(op::kVerify10, 5, 3), DataDir::kNone, {}, 0);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 0u);
  ASSERT_FALSE(f.dev->log.empty());
  EXPECT_EQ(f.dev->log.back().op, IoOp::kRead);
  EXPECT_EQ(f.dev->log.back().len, 3u * 512);
  f.dev->fail_next(IoOp::kRead, -EIO);
  expect_sense(f.run(cdb10(op::kVerify10, 5, 3)), SenseKey::kMediumError, asc::kUnrecoveredReadError);
}

TEST(SbcIo, VerifyBytchk1ComparesAndReportsOffset) {
  Fixture f;
  auto data = pattern(3 * 512, 9);
  expect_good(write10(f, 7, data));
  for (uint8_t opc : {op::kVerify10, op::kVerify12, op::kVerify16}) {
    auto c = opc == op::kVerify10 ? cdb10(opc, 7, 3, 0x02) : opc == op::kVerify12 ? cdb12(opc, 7, 3, 0x02)
                                                                                    : cdb16(opc, 7, 3, 0x02);
    Task ok = f.run(c, DataDir::kOut, data, 1536);
    expect_good(ok);
    EXPECT_EQ(ok.out_wanted, 1536u);
    auto bad = data;
    bad[1000] ^= 0x58;
    Task mis = f.run(c, DataDir::kOut, bad, 1536);
    expect_sense(mis, SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
    ParsedSense s = sense_of(mis);
    EXPECT_TRUE(s.info_valid);
    EXPECT_EQ(s.information, 1000u);
  }
}

TEST(SbcIo, VerifyReservedBytchkAndRange) {
  Fixture f;
  expect_invalid_cdb(f.run(cdb10(op::kVerify10, 0, 1, 0x04), DataDir::kOut, pattern(512, 0), 512), 1, 2);
  expect_sense(f.run(cdb16(op::kVerify16, kBlocks, 1, 0x02), DataDir::kOut, pattern(512, 0), 512),
               SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_sense(f.run(cdb10(op::kVerify10, kBlocks + 1, 0)), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_good(f.run(cdb10(op::kVerify10, 0, 1, 0x10)));  // DPO accepted
}

TEST(SbcIo, WriteAndVerifyWritesWithFua) {
  Fixture f;
  auto data = pattern(2 * 512, 4);
  for (uint8_t opc : {op::kWriteVerify10, op::kWriteVerify12, op::kWriteVerify16}) {
    auto c = opc == op::kWriteVerify10 ? cdb10(opc, 20, 2, 0x02)
             : opc == op::kWriteVerify12 ? cdb12(opc, 20, 2, 0x02)
                                         : cdb16(opc, 20, 2, 0x12);
    expect_good(f.run(c, DataDir::kOut, data, 1024));
    EXPECT_TRUE(f.dev->log.back().fua);
    EXPECT_EQ(f.dev->log.back().op, IoOp::kWrite);
    EXPECT_TRUE(std::equal(data.begin(), data.end(), f.dev->mem.begin() + 20 * 512));
  }
  expect_invalid_cdb(f.run(cdb10(op::kWriteVerify10, 0, 1, 0x04), DataDir::kOut, pattern(512, 0), 512), 1, 2);
  expect_good(f.run(cdb10(op::kWriteVerify10, 0, 0), DataDir::kOut, {}, 0));
}

TEST(SbcIo, SyncCacheFlushesAndChecksRange) {
  Fixture f;
  expect_good(f.run(cdb10(op::kSyncCache10, 0, 0, 0x02)));  // IMMED accepted
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  expect_good(f.run(cdb16(op::kSyncCache16, 100, 10)));
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  size_t n = f.dev->log.size();
  expect_sense(f.run(cdb16(op::kSyncCache16, kBlocks, 1)), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  EXPECT_EQ(f.dev->log.size(), n);
}

TEST(SbcIo, PrefetchRangeCheckedNoIo) {
  Fixture f;
  expect_good(f.run(cdb10(op::kPrefetch10, 0, 1)));
  expect_good(f.run(cdb10(op::kPrefetch10, kBlocks - 256, 256, 0x02)));
  expect_good(f.run(cdb16(op::kPrefetch16, 0, 0)));
  expect_sense(f.run(cdb10(op::kPrefetch10, kBlocks + 1, 0)), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  expect_sense(f.run(cdb16(op::kPrefetch16, kBlocks - 1, 2)), SenseKey::kIllegalRequest, asc::kLbaOutOfRange);
  EXPECT_TRUE(f.dev->log.empty());
}

TEST(SbcIo, BlockSize4096) {
  LuConfig c = named("big");
  c.block_size = 4096;
  Fixture f(c, 64);
  auto data = pattern(4096 * 2, 5);
  expect_good(f.run(cdb10(op::kWrite10, 62, 2), DataDir::kOut, data, 8192));
  EXPECT_EQ(f.dev->log.back().offset, 62u * 4096);
  Task t = f.run(cdb10(op::kRead10, 62, 2), DataDir::kIn, {}, 8192);
  EXPECT_EQ(bytes_of(t), data);
  expect_sense(f.run(cdb10(op::kRead10, 63, 2), DataDir::kIn, {}, 8192), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
}

TEST(SbcIo, ReadBufferIsTaskDataNoCopy) {
  Fixture f;
  f.dev->deferred = true;
  Task t;
  f.prepare(t, cdb10(op::kRead10, 0, 1), DataDir::kIn);
  execute(*f.nexus, t);
  ASSERT_EQ(f.dev->pending.size(), 1u);
  EXPECT_EQ(f.dev->pending.front().first->buf, t.data.data());
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 1);
}

}  // namespace
}  // namespace esan::scsi

// SANITIZE: parameter checks, OVERWRITE/BLOCK ERASE results, the state other
// commands see while it runs or after it failed, and task management.
#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/sanitize.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr uint64_t kBlocks = 64;
const std::vector<uint8_t> kTur = {op::kTestUnitReady, 0, 0, 0, 0, 0};

std::vector<uint8_t> sanitize(uint8_t sa, uint16_t plen, bool immed = false, bool ause = false) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kSanitize;
  c[1] = uint8_t((immed ? 0x80 : 0) | (ause ? 0x20 : 0) | sa);
  store_be16(&c[7], plen);
  return c;
}
std::vector<uint8_t> overwrite_list(std::vector<uint8_t> pattern, uint8_t count = 1, bool invert = false) {
  std::vector<uint8_t> p(4, 0);
  p[0] = uint8_t((invert ? 0x80 : 0) | count);
  store_be16(&p[2], uint16_t(pattern.size()));
  p.insert(p.end(), pattern.begin(), pattern.end());
  return p;
}
LuConfig thin() {
  LuConfig c = named("s");
  c.thin_provisioned = true;
  return c;
}
Task run_overwrite(Fixture& f, const std::vector<uint8_t>& list, bool immed = false, bool ause = false) {
  return f.run(sanitize(0x01, uint16_t(list.size()), immed, ause), DataDir::kOut, list, uint32_t(list.size()));
}

TEST(Sanitize, OverwriteRepeatsThePatternInEveryBlockAndFlushes) {
  Fixture f(thin(), kBlocks);
  f.dev->mem.assign(f.dev->mem.size(), 'a');
  expect_good(run_overwrite(f, overwrite_list({1, 2, 3})));
  for (size_t i = 0; i < f.dev->mem.size(); ++i) ASSERT_EQ(f.dev->mem[i], 1 + (i % 512) % 3) << i;
  ASSERT_FALSE(f.dev->log.empty());
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kIdle);
  expect_good(f.run(kTur));
}

TEST(Sanitize, OverwriteInvertsBetweenPasses) {
  Fixture f(thin(), kBlocks);
  expect_good(run_overwrite(f, overwrite_list(std::vector<uint8_t>(512, 0x0F), 2, true)));
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0xF0);
  size_t writes = 0;
  for (auto& op : f.dev->log) writes += op.op == IoOp::kWrite ? op.len : 0;
  EXPECT_EQ(writes, 2 * kBlocks * 512);  // two passes over the LU
  expect_good(run_overwrite(f, overwrite_list(std::vector<uint8_t>(256, 0x0F), 3, true)));
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0x0F);
}

TEST(Sanitize, BlockEraseDiscardsThinLusOnly) {
  Fixture f(thin(), kBlocks);
  f.dev->mem.assign(f.dev->mem.size(), 'a');
  expect_good(f.run(sanitize(0x02, 0)));
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0);
  uint64_t discarded = 0;
  for (auto& op : f.dev->log) discarded += op.op == IoOp::kDiscard ? op.len : 0;
  EXPECT_EQ(discarded, kBlocks * 512);
  expect_invalid_cdb(f.run(sanitize(0x02, 8), DataDir::kOut, std::vector<uint8_t>(8, 0), 8), 7);
  Fixture full(named("full"), kBlocks);
  expect_invalid_cdb(full.run(sanitize(0x02, 0)), 1, 4);
}

TEST(Sanitize, RefusedServiceActionsAndReservedFields) {
  Fixture f(thin(), kBlocks);
  for (uint8_t sa = 0; sa <= 0x1F; ++sa) {
    if (sa == 1 || sa == 2 || sa == 0x1F) continue;
    expect_invalid_cdb(f.run(sanitize(sa, 0)), 1, 4);  // CRYPTOGRAPHIC ERASE (3) included
  }
  auto c = sanitize(0x02, 0);
  c[1] |= 0x40;
  expect_invalid_cdb(f.run(c), 1, 6);
  for (uint16_t i = 2; i <= 6; ++i) {
    auto r = sanitize(0x02, 0);
    r[i] = 1;
    expect_invalid_cdb(f.run(r), i);
  }
  expect_invalid_cdb(f.run(sanitize(0x1F, 8), DataDir::kOut, std::vector<uint8_t>(8, 0), 8), 7);
  expect_good(f.run(sanitize(0x1F, 0)));  // not in failure mode: nothing to exit
}

TEST(Sanitize, OverwriteParameterChecks) {
  Fixture f(thin(), kBlocks);
  auto good = overwrite_list(std::vector<uint8_t>(512, 0xAA));
  for (uint16_t n = 0; n < 5; ++n)
    expect_invalid_cdb(f.run(sanitize(0x01, n), DataDir::kOut, good, n), 7);
  std::vector<uint8_t> big(512 + 8, 0);
  expect_invalid_cdb(f.run(sanitize(0x01, 512 + 5), DataDir::kOut, big, 517), 7);
  auto zero_count = good;
  zero_count[0] = 0;
  expect_sense(run_overwrite(f, zero_count), SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  auto zero_ip = good;
  store_be16(&zero_ip[2], 0);
  expect_sense(run_overwrite(f, zero_ip), SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  auto long_ip = good;
  store_be16(&long_ip[2], 516);
  expect_sense(run_overwrite(f, long_ip), SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  auto test_bits = good;
  test_bits[0] |= 0x20;
  expect_sense(run_overwrite(f, test_bits), SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  std::vector<uint8_t> partial(good.begin(), good.begin() + 300);
  expect_sense(f.run(sanitize(0x01, 516), DataDir::kOut, partial, 300), SenseKey::kIllegalRequest,
               asc::kInvalidFieldInInformationUnit);  // fewer bytes than announced
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0);  // nothing was written
}

TEST(Sanitize, WriteProtectedLu) {
  LuConfig c = thin();
  c.read_only = true;
  Fixture f(c, kBlocks);
  expect_sense(run_overwrite(f, overwrite_list({1})), SenseKey::kDataProtect, asc::kWriteProtected);
  expect_sense(f.run(sanitize(0x02, 0)), SenseKey::kDataProtect, asc::kWriteProtected);
  Fixture m(thin(), kBlocks, /*map_read_only=*/true);
  expect_sense(m.run(sanitize(0x02, 0)), SenseKey::kDataProtect, asc::kWriteProtected);
}

TEST(Sanitize, WhileRunningOtherCommandsAreNotReadyAndResetsDoNotStopIt) {
  Fixture f(thin(), kBlocks);
  auto other = f.make_nexus(f.nexus->luns);
  f.dev->deferred = true;
  expect_good(run_overwrite(f, overwrite_list({0x5A}), /*immed=*/true));
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kRunning);
  f.dev->deferred = false;
  Task tur = f.run(kTur);
  expect_sense(tur, SenseKey::kNotReady, asc::kSanitizeInProgress);
  EXPECT_TRUE(sense_of(tur).sksv);  // progress indication
  expect_sense(f.run(cdb16(op::kRead16, 0, 1), DataDir::kIn, {}, 512, other.get()), SenseKey::kNotReady,
               asc::kSanitizeInProgress);
  expect_sense(f.run(sanitize(0x02, 0)), SenseKey::kNotReady, asc::kSanitizeInProgress);
  expect_good(f.run({op::kInquiry, 0, 0, 0, 96, 0}, DataDir::kIn, {}, 96));
  Task rs = f.run({op::kRequestSense, 0, 0, 0, 252, 0}, DataDir::kIn, {}, 252);
  expect_good(rs);
  ParsedSense p = parse_sense(rs.data.data(), rs.data.size());
  EXPECT_EQ(int(p.key), int(SenseKey::kNotReady));
  EXPECT_EQ(p.asc, asc::kSanitizeInProgress);
  f.reset_lun(*other, 0);  // queues a UA and must not stop the sanitize
  f.reset_target(*f.nexus, false);
  expect_sense(f.run(kTur), SenseKey::kNotReady, asc::kSanitizeInProgress);
  f.settle();  // the operation resumes: every chunk, then the flush
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kIdle);
  for (uint8_t b : f.dev->mem) ASSERT_EQ(b, 0x5A);
  // The unit attention waited behind the sanitize.
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kBusDeviceResetFunctionOccurred);
  expect_good(f.run(kTur));
}

TEST(Sanitize, OverwriteIsPacedByTheExecutorsTicks) {
  // 40 MiB: the first second's budget (kSanitizeBytesPerSecond) covers 32.
  constexpr uint64_t kBig = (40ull << 20) / 512;
  static_assert(kBig * 512 > kSanitizeBytesPerSecond && kBig * 512 < 2 * kSanitizeBytesPerSecond);
  Fixture f(thin(), kBig);
  auto written = [&] {
    uint64_t n = 0;
    for (auto& op : f.dev->log) n += op.op == IoOp::kWrite ? op.len : 0;
    return n;
  };
  expect_good(run_overwrite(f, overwrite_list({0x3C}), /*immed=*/true));
  EXPECT_EQ(written(), kSanitizeBytesPerSecond) << "one second's budget, then it waits for a tick";
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kRunning);
  f.exec.tick();
  EXPECT_EQ(written(), kBig * 512);
  EXPECT_EQ(f.dev->log.back().op, IoOp::kFlush);
  f.exec.drain();
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kIdle);
  EXPECT_TRUE(f.exec.ticks.empty()) << "its tick is cancelled when it ends";
  expect_good(f.run(kTur));
}

TEST(Sanitize, ResetDetachesTheWaitingCommandOfItsNexus) {
  Fixture f(thin(), kBlocks);
  f.dev->deferred = true;
  Task t;
  auto cdb = sanitize(0x02, 0);
  std::copy(cdb.begin(), cdb.end(), t.cdb);
  t.cdb_len = 10;
  t.owner = &f.owner;
  t.executor = &f.exec;
  execute(*f.nexus, t);
  f.exec.drain();
  EXPECT_EQ(f.owner.done, 0);  // IMMED=0: waits for the operation
  auto other = f.make_nexus(f.nexus->luns);
  f.reset_lun(*other, 0);  // another nexus' reset leaves it waiting
  EXPECT_EQ(f.owner.done, 0);
  bool reset = false;
  lun_reset(*f.nexus, 0, f.exec, [&] { reset = true; });
  EXPECT_EQ(f.owner.done, 0) << "completed on its executor, not inside the reset";
  f.settle([&] { return reset; });
  EXPECT_EQ(f.owner.done, 1);
  EXPECT_EQ(t.status, kTaskAborted);
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kRunning);
  f.settle();
  EXPECT_EQ(f.owner.done, 1);  // not completed twice
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kIdle);
}

TEST(Sanitize, FailureModeAndExit) {
  Fixture f(thin(), kBlocks);
  f.dev->fail_next(IoOp::kWrite, -EIO);
  expect_sense(run_overwrite(f, overwrite_list({7})), SenseKey::kMediumError, asc::kSanitizeCommandFailed);
  EXPECT_EQ(f.lu->sanitize().phase(), SanitizeState::kFailed);
  expect_sense(f.run(kTur), SenseKey::kMediumError, asc::kSanitizeCommandFailed);
  expect_good(f.run({op::kInquiry, 0, 0, 0, 96, 0}, DataDir::kIn, {}, 96));
  expect_invalid_cdb(f.run(sanitize(0x1F, 0)), 1, 4);  // the failed one had AUSE=0
  f.dev->fail_next(IoOp::kDiscard, -EIO);
  expect_sense(f.run(sanitize(0x02, 0, false, /*ause=*/true)), SenseKey::kMediumError,
               asc::kSanitizeCommandFailed);
  expect_good(f.run(sanitize(0x1F, 0)));
  expect_good(f.run(kTur));
  // A successful sanitize also ends failure mode.
  f.dev->fail_next(IoOp::kWrite, -EIO);
  expect_sense(run_overwrite(f, overwrite_list({7})), SenseKey::kMediumError, asc::kSanitizeCommandFailed);
  expect_good(run_overwrite(f, overwrite_list({7})));
  expect_good(f.run(kTur));
}

TEST(Sanitize, ListedInReportSupportedOpcodesByServiceAction) {
  Fixture f(thin(), kBlocks);
  auto rsoc = [&](Fixture& x, uint8_t sa) {
    std::vector<uint8_t> c(12, 0);
    c[0] = op::kMaintenanceIn;
    c[1] = op::kSaReportSupportedOpcodes;
    c[2] = 2;
    c[3] = op::kSanitize;
    store_be16(&c[4], sa);
    store_be32(&c[6], 512);
    return x.run(c, DataDir::kIn, {}, 512).data.data()[1] & 0x07;
  };
  EXPECT_EQ(rsoc(f, 0x01), 3);
  EXPECT_EQ(rsoc(f, 0x02), 3);
  EXPECT_EQ(rsoc(f, 0x03), 1);  // CRYPTOGRAPHIC ERASE: not supported
  EXPECT_EQ(rsoc(f, 0x1F), 3);
  Fixture full(named("full"), kBlocks);
  EXPECT_EQ(rsoc(full, 0x02), 1);
  Task b1 = f.run({op::kInquiry, 1, 0xB1, 0, 64, 0}, DataDir::kIn, {}, 64);
  EXPECT_EQ(b1.data.data()[7] >> 4, 0x4);  // WABEREQ 01b, WACEREQ 00b
}

}  // namespace
}  // namespace esan::scsi

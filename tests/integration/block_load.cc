#include "tests/integration/block_load.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/integration/iscsi_client.h"

namespace esan::it {

void MakeBlock(uint8_t* b, uint64_t seq, uint64_t lba) {
  std::memcpy(b, "ESANCRSH", 8);
  std::memcpy(b + 8, &seq, 8);
  std::memcpy(b + 16, &lba, 8);
  FillTestData(b + 24, kCheckBlock - 28, seq * 31 + lba);
  uint32_t crc = Crc32(b, kCheckBlock - 4);
  std::memcpy(b + kCheckBlock - 4, &crc, 4);
}

std::optional<uint64_t> ParseBlock(const uint8_t* b, uint64_t lba) {
  bool zero = true;
  for (int i = 0; i < kCheckBlock && zero; ++i) zero = b[i] == 0;
  if (zero) return 0;
  uint64_t seq, at;
  uint32_t crc;
  std::memcpy(&seq, b + 8, 8);
  std::memcpy(&at, b + 16, 8);
  std::memcpy(&crc, b + kCheckBlock - 4, 4);
  if (std::memcmp(b, "ESANCRSH", 8) != 0 || at != lba || crc != Crc32(b, kCheckBlock - 4)) return std::nullopt;
  return seq;
}

BlockWorker::BlockWorker(const BlockLayout& layout, int session, uint64_t round, std::vector<Expect>* expect,
                         uint64_t seed, int read_percent, bool fua, std::atomic<uint64_t>* acked)
    : layout_(layout), session_(session), round_(round), expect_(expect), rng_(seed),
      read_percent_(read_percent), fua_(fua), acked_(acked), io_(layout.qd), failed_(layout.qd, false) {}

PumpResult BlockWorker::Run(Context ctx, const std::atomic<bool>* stop) {
  ctx_ = ctx.get();
  return Pump(std::move(ctx), layout_.qd,
              [this](int s, iscsi_command_cb cb, void* p) { return Issue(s, cb, p); },
              [this](int s, int st, scsi_task* t) { Complete(s, st, t); }, stop);
}

scsi_task* BlockWorker::Issue(int slot, iscsi_command_cb cb, void* priv) {
  if (failed_[slot]) return nullptr;
  uint64_t base = uint64_t(session_ * layout_.qd + slot) * layout_.slot_blocks;
  uint64_t end = base + uint64_t(layout_.slot_blocks);
  Io& io = io_[slot];
  io.write = int(rng_() % 100) >= read_percent_;
  io.lba = base + rng_() % uint64_t(layout_.slot_blocks);
  io.n = 1 + uint32_t(rng_() % std::min<uint64_t>(8, end - io.lba));
  if (!io.write)
    return iscsi_read16_task(ctx_, 0, io.lba, io.n * kCheckBlock, kCheckBlock, 0, 0, 0, 0, 0, cb, priv);
  uint64_t seq = (round_ << 40) | (uint64_t(session_) << 32) | ++counter_;
  io.buf.resize(size_t(io.n) * kCheckBlock);
  for (uint32_t i = 0; i < io.n; ++i) {
    MakeBlock(io.buf.data() + size_t(i) * kCheckBlock, seq, io.lba + i);
    (*expect_)[io.lba + i].pending = seq;
  }
  return iscsi_write16_task(ctx_, 0, io.lba, io.buf.data(), io.n * kCheckBlock, kCheckBlock, 0, 0, fua_ ? 1 : 0, 0,
                            0, cb, priv);
}

void BlockWorker::Complete(int slot, int status, scsi_task* task) {
  Io& io = io_[slot];
  if (status != SCSI_STATUS_GOOD) {
    // Not acknowledged: a write's blocks stay "old or new"; the slot stops.
    failed_[slot] = true;
    if (status < SCSI_STATUS_CANCELLED) ++bad_status_;
    return;
  }
  if (io.write) {
    for (uint32_t i = 0; i < io.n; ++i) {
      Expect& e = (*expect_)[io.lba + i];
      e.acked = e.pending;
      e.pending = 0;
    }
    acked_->fetch_add(1);
    return;
  }
  ++reads_checked_;
  for (uint32_t i = 0; i < io.n; ++i) {
    const uint8_t* b = task && task->datain.size >= int((i + 1) * kCheckBlock)
                           ? task->datain.data + size_t(i) * kCheckBlock
                           : nullptr;
    auto got = b ? ParseBlock(b, io.lba + i) : std::nullopt;
    uint64_t want = (*expect_)[io.lba + i].acked;
    if (got && *got == want) continue;
    ++read_errors_;
    if (first_error_.empty()) {
      first_error_ = "read of block " + std::to_string(io.lba + i) + " returned " +
                     (got ? "sequence " + std::to_string(*got) : std::string("torn/garbage data")) +
                     ", acknowledged " + std::to_string(want);
    }
  }
}

VerifyCounts VerifyBlocks(const std::vector<uint8_t>& data, std::vector<Expect>* expect, const std::string& label) {
  VerifyCounts c;
  for (uint64_t lba = 0; lba < expect->size(); ++lba) {
    Expect& e = (*expect)[lba];
    c.pending += e.pending != 0;
    auto got = (lba + 1) * kCheckBlock <= data.size() ? ParseBlock(data.data() + lba * kCheckBlock, lba)
                                                      : std::nullopt;
    if (!got) {
      if (++c.torn <= 5) ADD_FAILURE() << label << ": block " << lba << " is torn or garbage";
      continue;
    }
    if (e.pending != 0 && *got == e.pending) {
      ++c.landed;
    } else if (*got != e.acked && ++c.lost <= 5) {
      ADD_FAILURE() << label << ": block " << lba << " holds sequence 0x" << std::hex << *got
                    << ", acknowledged 0x" << e.acked << ", in flight 0x" << e.pending;
    }
    e = Expect{*got, 0};
  }
  return c;
}

}  // namespace esan::it

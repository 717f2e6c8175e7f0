// Checkable block I/O for the crash-consistency and graceful-stop tests.
//
// Every block written is self-describing: magic "ESANCRSH", a sequence
// number, its LBA, filler derived from both, and a CRC-32 of the rest, so
// a block read back is either intact (and names the write that put it
// there) or torn/garbage. A BlockWorker drives one session through Pump:
// slot s of session k owns the blocks [(k * qd + s) * slot_blocks,
// +slot_blocks) and runs one command at a time there (a write of 1..8
// blocks, or a read when read_percent says so), so each block has at most
// one write in flight and its expected content is known exactly:
// Expect::acked (the last write acknowledged with GOOD; 0 = never written,
// zeros) or Expect::pending (the write in flight, not yet acknowledged).
// A read answered GOOD must return exactly the acknowledged content.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/async_pump.h"

namespace esan::it {

constexpr int kCheckBlock = 512;

struct Expect {
  uint64_t acked = 0;
  uint64_t pending = 0;
};

void MakeBlock(uint8_t* b, uint64_t seq, uint64_t lba);
// The sequence number the block holds (0 for zeros), or nothing when it is
// torn, garbage or belongs to another LBA.
std::optional<uint64_t> ParseBlock(const uint8_t* b, uint64_t lba);

struct BlockLayout {
  int sessions = 4, qd = 8, slot_blocks = 32;
  int blocks() const { return sessions * qd * slot_blocks; }
};

class BlockWorker {
 public:
  // expect has layout.blocks() entries shared by all workers (each touches
  // its own slots only); acked counts writes acknowledged by any worker.
  BlockWorker(const BlockLayout& layout, int session, uint64_t round, std::vector<Expect>* expect,
              uint64_t seed, int read_percent, bool fua, std::atomic<uint64_t>* acked);

  // Runs the session until it fails or *stop is set (see Pump).
  PumpResult Run(Context ctx, const std::atomic<bool>* stop = nullptr);

  uint64_t bad_status() const { return bad_status_; }    // SCSI errors (not transport)
  uint64_t reads_checked() const { return reads_checked_; }
  uint64_t read_errors() const { return read_errors_; }  // blocks read back wrong
  const std::string& first_error() const { return first_error_; }

 private:
  scsi_task* Issue(int slot, iscsi_command_cb cb, void* priv);
  void Complete(int slot, int status, scsi_task* task);

  struct Io {
    bool write = false;
    uint64_t lba = 0;
    uint32_t n = 0;
    std::vector<uint8_t> buf;
  };
  BlockLayout layout_;
  int session_;
  uint64_t round_;
  std::vector<Expect>* expect_;
  std::mt19937_64 rng_;
  int read_percent_;
  bool fua_;
  std::atomic<uint64_t>* acked_;
  iscsi_context* ctx_ = nullptr;
  std::vector<Io> io_;
  std::vector<bool> failed_;
  uint64_t counter_ = 0, bad_status_ = 0, reads_checked_ = 0, read_errors_ = 0;
  std::string first_error_;
};

// Checks data (blocks [0, expect.size()) as read back) against expect:
// counts torn/garbage blocks, blocks older than their acknowledged write
// (lost) and in-flight writes that landed; adds a test failure for the
// first few problems (prefixed with label); then makes expect the content
// found (acked = what is there, nothing pending).
struct VerifyCounts {
  uint64_t torn = 0, lost = 0, landed = 0, pending = 0;
};
VerifyCounts VerifyBlocks(const std::vector<uint8_t>& data, std::vector<Expect>* expect, const std::string& label);

}  // namespace esan::it

// SANITIZE hooks for the dispatcher and REQUEST SENSE (the command itself is
// cmd_sanitize in command.h; behaviour documented in sanitize.cc).
#pragma once

#include <cstdint>

#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {

// Overwrite chunk (one write in flight) and its pacing; BLOCK ERASE discard
// chunk (not paced: discarding is cheap).
inline constexpr uint32_t kSanitizeChunkBytes = 1u << 20;
inline constexpr uint64_t kSanitizeBytesPerSecond = 32ull << 20;
inline constexpr uint32_t kSanitizeEraseChunkBytes = 64u << 20;

// True (and the command failed) when a running or failed sanitize operation
// forbids this command.
bool sanitize_blocks(Cmd& c);
// The sense a blocked command gets (REQUEST SENSE reports it as data).
Sense sanitize_sense(const LogicalUnit& lu);
// Task management on `nexus_id`: completes that nexus' waiting SANITIZE
// command (status TASK ABORTED); the operation continues.
void sanitize_detach(LogicalUnit& lu, uint64_t nexus_id);

}  // namespace esan::scsi

// Drives many SCSI commands at once over one libiscsi session (the async
// API), from the calling thread: the load generator of the crash
// consistency and graceful-stop tests.
//
// Pump keeps up to qd commands in flight. For every idle slot it calls
// issue(slot, cb, priv), which submits one command with iscsi_*_task(...,
// cb, priv) and returns the task (null: nothing more for this slot now).
// When the command ends, complete(slot, status, task) sees its outcome:
// GOOD, CHECK CONDITION..., or libiscsi's CANCELLED/ERROR/TIMEOUT when the
// connection died (task may then be null). The pump frees every task. It
// returns when no slot has work and nothing is in flight, when *stop is
// set, or when the connection fails; commands still in flight then end
// with SCSI_STATUS_CANCELLED. The context is destroyed before it returns,
// so no callback can run later.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "tests/integration/iscsi_client.h"

namespace esan::it {

using IssueFn = std::function<scsi_task*(int slot, iscsi_command_cb cb, void* priv)>;
using CompleteFn = std::function<void(int slot, int status, scsi_task* task)>;

struct PumpResult {
  uint64_t completed = 0;      // commands that got a response (any status)
  uint64_t good = 0;           // ... with status GOOD
  uint64_t unanswered = 0;     // ended without a response (connection lost, stopped)
  bool connection_failed = false;
  std::string error;           // libiscsi's error text when it failed
};

PumpResult Pump(Context ctx, int qd, const IssueFn& issue, const CompleteFn& complete,
                const std::atomic<bool>* stop = nullptr);

// CRC-32 (IEEE, reflected) of n bytes.
uint32_t Crc32(const uint8_t* p, size_t n);

}  // namespace esan::it

// Task: one SCSI command as the transport hands it to the SCSI layer.
//
// Flow: the transport fills the "in" fields (and, for writes, `data` with the
// Data-Out bytes it received), then calls scsi::execute() (dispatcher.h). The SCSI
// layer sets the "out" fields and calls owner->task_done(task) exactly once,
// inline or later, always on the thread that called execute().
// The transport owns the Task and must keep it alive until task_done().
#pragma once

#include <cstdint>
#include <memory>

#include "backend/block_device.h"
#include "common/buffer.h"
#include "reactor/executor.h"
#include "scsi/command_state.h"

namespace esan::scsi {

enum class DataDir : uint8_t { kNone, kIn /* target -> initiator */, kOut /* initiator -> target */ };

// SAM status codes.
enum SamStatus : uint8_t {
  kGood = 0x00,
  kCheckCondition = 0x02,
  kConditionMet = 0x04,
  kBusy = 0x08,
  kReservationConflict = 0x18,
  kTaskSetFull = 0x28,
  kTaskAborted = 0x40,
};

class Task;
class LogicalUnit;

// What a task holds in its LU's RangeGuard (scsi/range_guard.h); SCSI-layer
// state.
struct RangeHold {
  enum Kind : uint8_t { kNone, kFast, kShared, kExclusive };
  Kind kind = kNone;
  uint8_t shard = 0;
  uint64_t lba = 0, blocks = 0;
};

class TaskOwner {
 public:
  virtual void task_done(Task& task) = 0;
  // Called on the task's thread before a READ goes to a backend that can
  // splice (backend::BlockDevice::splices_reads()): the transport may set
  // task.data_in_pipe / data_in_pipe_room to a pipe it can send from.
  // Default: no pipe.
  virtual void want_pipe(Task& task) { (void)task; }

 protected:
  ~TaskOwner() = default;
};

class Task {
 public:
  // ---- in: set by the transport before execute() ----
  uint8_t cdb[32] = {};
  uint8_t cdb_len = 0;
  uint64_t lun = 0;           // LUN number (0..16383, flat/peripheral addressing decoded)
  uint32_t expected_len = 0;  // iSCSI Expected Data Transfer Length, bytes
  DataDir dir = DataDir::kNone;
  uint8_t task_attr = 0;      // SAM task attribute (0 untagged/simple ... )
  uint64_t tag = 0;           // transport task tag, for logs
  TaskOwner* owner = nullptr;
  // Where work that finishes elsewhere (a committed shared-state change, a
  // persistence thread's fsync) continues: the submitting reactor. Never
  // null in production; task_done() runs on this executor's thread.
  reactor::Executor* executor = nullptr;
  void* transport_ctx = nullptr;  // for the transport; untouched by the SCSI layer
  // Set by the transport when a task management function or the end of
  // its connection terminates the task (no response will be sent). Work
  // under way runs to its end; a command the SCSI layer holds (redirect
  // gate, scsi/redirect.h) ends without running again.
  bool aborted = false;
  // kOut: the Data-Out bytes received (data.size() <= expected_len).
  // kIn : filled by the SCSI layer; data.size() is the length the command
  //       produced, which may exceed expected_len (the transport sends
  //       expected_len bytes and reports the overflow residual).
  AlignedBuffer data;
  // kIn: when set, the command's data.size() bytes are here (a backend's
  // read-only shared copy, IoRequest::shared) instead of in data.
  const uint8_t* data_in_shared = nullptr;
  // kIn: what keeps data_in_shared's bytes valid when a backend lent them
  // (backend::IoRequest::lease); the transport drops it once it has sent
  // them (reset() drops it too).
  std::shared_ptr<const void> data_in_lease;
  const uint8_t* data_in() const { return data_in_shared ? data_in_shared : data.data(); }
  // kIn, in: the write end of an empty pipe with room for data_in_pipe_room
  // bytes, which the transport offers for a READ's data
  // (backend::IoRequest::splice_to; -1: none). Out: data_in_spliced when the
  // command's data.size() bytes are in that pipe instead of in data (data_in()
  // is then not to be read); without it the pipe may still hold bytes of a
  // failed splice.
  int data_in_pipe = -1;
  uint32_t data_in_pipe_room = 0;
  bool data_in_spliced = false;

  // ---- out: set by the SCSI layer before task_done() ----
  uint8_t status = kGood;
  uint8_t sense[96] = {};
  uint8_t sense_len = 0;
  // kOut: bytes of Data-Out the command's CDB asked for (transfer length x
  // block size); the transport compares it with expected_len for residuals.
  uint32_t out_wanted = 0;

  // ---- SCSI-layer state; the transport must not touch these ----
  backend::IoRequest io;
  StepRun steps;  // while run_steps() drives the command (scsi/io_steps.h)
  RangeHold hold;  // released by the scsi layer before task_done()
  uint64_t start_ns = 0;  // when execute() began (LuStats latency)
  // A command held by the redirect gate (scsi/redirect.h, Hold): when its
  // hold ends (steady clock ns); 0 while it has never been held.
  uint64_t hold_until_ns = 0;
  // Set for commands of a trusted nexus (the HA peer's forwarder, which
  // reads responses with libiscsi): a status other than GOOD, CHECK
  // CONDITION and RESERVATION CONFLICT is sent as CHECK CONDITION carrying
  // it (scsi/redirect.h, status_sense()), since libiscsi drops the
  // connection on a SCSI Response with BUSY or TASK SET FULL.
  bool status_as_sense = false;
  // Keeps the logical unit (and its BlockDevice) alive while the command is
  // in flight, even if the LUN map is swapped meanwhile. Released before
  // task_done() for commands that complete synchronously; after backend I/O
  // it is kept until the task is reset or reused (never dropped inside a
  // backend completion callback).
  std::shared_ptr<LogicalUnit> lu_hold;

  // The command family's own state across async I/O (scsi/command_state.h):
  // start_state() begins a T (value `init`), state() is that T.
  template <class T>
  T& start_state(const T& init = T{}) { return state_.start<T>(init); }
  template <class T>
  T& state() { return state_.get<T>(); }

  // Resets every field to its initial state, keeping data's storage.
  void reset() {
    AlignedBuffer keep = std::move(data);
    *this = Task();
    data = std::move(keep);
    data.clear();
  }
  Task() = default;
  Task(Task&&) = default;
  Task& operator=(Task&&) = default;

 private:
  CommandState state_;
};

}  // namespace esan::scsi

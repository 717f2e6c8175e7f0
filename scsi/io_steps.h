// Multi-request commands: a command that needs several backend requests one
// after another (WRITE SAME chunks, UNMAP descriptors, COMPARE AND WRITE's
// read-compare-write) drives them through run_steps().
//
// Contract:
//  - `next(t, result)` is called first with result 0 (no I/O yet), then with
//    the result of each finished request (bytes transferred, or -errno; a
//    short transfer is turned into -EIO before next() sees it). It either
//    fills t.io (op, offset, len, buf, fua) and returns Step::kIssue, or sets
//    the final status/sense and returns Step::kDone.
//  - run_steps() completes the task (task_done) exactly once, after next()
//    returns kDone. Backends completing inline do not recurse: the loop keeps
//    issuing on the same stack frame.
//  - next() keeps its own state in the task's CommandState
//    (t.state<T>(), scsi/command_state.h); run_steps owns t.steps. The LU is
//    t.lu_hold.
#pragma once

#include "scsi/task.h"

namespace esan::scsi {

enum class Step : uint8_t { kIssue, kDone };  // declared in command_state.h
using StepFn = Step (*)(Task& t, int result);  // StepRun::next

void run_steps(Task& t, StepFn next);

// Fills t.io for one request (the completion hook is set by run_steps).
void set_io(Task& t, backend::IoOp op, uint64_t offset, uint32_t len, uint8_t* buf, bool fua);

}  // namespace esan::scsi

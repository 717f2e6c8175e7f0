#include "scsi/io_steps.h"

#include <cerrno>

#include "scsi/command.h"

namespace esan::scsi {
namespace {

constexpr int kInSubmit = 5, kInlineDone = 6, kResult = 7;

StepFn step_fn(Task& t) { return reinterpret_cast<StepFn>(t.scratch_ptr); }

void drive(Task& t, int result) {
  for (;;) {
    if (step_fn(t)(t, result) == Step::kDone) {
      complete(t);
      return;
    }
    t.io.on_done = [](backend::IoRequest& req, int res) {
      Task& task = *static_cast<Task*>(req.user);
      if (res >= 0 && req.op != backend::IoOp::kFlush && uint32_t(res) != req.len) res = -EIO;
      if (task.scratch[kInSubmit]) {  // completed inside submit(): let drive() continue
        task.scratch[kInlineDone] = 1;
        task.scratch[kResult] = uint32_t(res);
        return;
      }
      drive(task, res);
    };
    t.io.user = &t;
    t.scratch[kInSubmit] = 1;
    t.scratch[kInlineDone] = 0;
    submit_io(t, t.lu_hold->device());
    t.scratch[kInSubmit] = 0;
    if (!t.scratch[kInlineDone]) return;  // the completion will call drive()
    result = int(t.scratch[kResult]);
  }
}

}  // namespace

void set_io(Task& t, backend::IoOp op, uint64_t offset, uint32_t len, uint8_t* buf, bool fua) {
  t.io = backend::IoRequest{};
  t.io.op = op;
  t.io.offset = offset;
  t.io.len = len;
  t.io.buf = buf;
  t.io.fua = fua;
}

void run_steps(Task& t, StepFn next) {
  t.scratch_ptr = reinterpret_cast<void*>(next);
  drive(t, 0);
}

}  // namespace esan::scsi

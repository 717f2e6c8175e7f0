#include "scsi/io_steps.h"

#include <cerrno>

#include "scsi/command.h"

namespace esan::scsi {
namespace {

void drive(Task& t, int result) {
  for (;;) {
    if (t.steps.next(t, result) == Step::kDone) {
      complete(t);
      return;
    }
    t.io.on_done = [](backend::IoRequest& req, int res) {
      Task& task = *static_cast<Task*>(req.user);
      if (res >= 0 && req.op != backend::IoOp::kFlush && uint32_t(res) != req.len) res = -EIO;
      if (task.steps.in_submit) {  // completed inside submit(): let drive() continue
        task.steps.inline_done = true;
        task.steps.inline_result = res;
        return;
      }
      drive(task, res);
    };
    t.io.user = &t;
    t.steps.in_submit = true;
    t.steps.inline_done = false;
    submit_io(t, t.lu_hold->device());
    t.steps.in_submit = false;
    if (!t.steps.inline_done) return;  // the completion will call drive()
    result = t.steps.inline_result;
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
  t.steps = StepRun{.next = next};
  drive(t, 0);
}

}  // namespace esan::scsi

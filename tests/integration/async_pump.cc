#include "tests/integration/async_pump.h"

#include <poll.h>

#include <array>
#include <memory>
#include <vector>

namespace esan::it {

namespace {

struct Slot;

struct PumpState {
  const CompleteFn* complete = nullptr;
  PumpResult* result = nullptr;
  std::vector<Slot>* slots = nullptr;
  int busy = 0;
};

struct Slot {
  PumpState* state = nullptr;
  int index = 0;
  scsi_task* task = nullptr;  // non-null while in flight
};

// Ends slot's command: reports it, frees the task (libiscsi passes a null
// command_data for cancelled commands, so the slot's own pointer is used).
void Finish(Slot& s, int status) {
  scsi_task* t = s.task;
  s.task = nullptr;
  --s.state->busy;
  (*s.state->complete)(s.index, status, t);
  if (t) scsi_free_scsi_task(t);
}

void OnDone(iscsi_context*, int status, void*, void* priv) {
  auto* s = static_cast<Slot*>(priv);
  if (s->task == nullptr) return;  // already finished
  if (status == SCSI_STATUS_CANCELLED || status == SCSI_STATUS_ERROR || status == SCSI_STATUS_TIMEOUT) {
    ++s->state->result->unanswered;
  } else {
    ++s->state->result->completed;
    if (status == SCSI_STATUS_GOOD) ++s->state->result->good;
  }
  Finish(*s, status);
}

}  // namespace

PumpResult Pump(Context ctx, int qd, const IssueFn& issue, const CompleteFn& complete,
                const std::atomic<bool>* stop) {
  PumpResult result;
  std::vector<Slot> slots(qd);
  PumpState state{&complete, &result, &slots, 0};
  for (int i = 0; i < qd; ++i) slots[i] = Slot{&state, i, nullptr};
  std::vector<bool> drained(qd, false);

  for (;;) {
    if (stop && stop->load()) break;
    for (int i = 0; i < qd; ++i) {
      if (slots[i].task || drained[i]) continue;
      scsi_task* t = issue(i, OnDone, &slots[i]);
      if (t == nullptr) {
        drained[i] = true;
        continue;
      }
      slots[i].task = t;
      ++state.busy;
    }
    if (state.busy == 0) break;
    pollfd pfd{iscsi_get_fd(ctx.get()), static_cast<short>(iscsi_which_events(ctx.get())), 0};
    if (::poll(&pfd, 1, 50) < 0) continue;
    if (iscsi_service(ctx.get(), pfd.revents) < 0) {
      result.connection_failed = true;
      result.error = iscsi_get_error(ctx.get());
      break;
    }
  }
  ctx.reset();  // cancels what is still queued (callbacks may run now)
  for (auto& s : slots) {
    if (s.task) {
      ++result.unanswered;
      Finish(s, SCSI_STATUS_CANCELLED);
    }
  }
  return result;
}

uint32_t Crc32(const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace esan::it

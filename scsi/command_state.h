// The SCSI layer's per-command state inside a Task, kept across asynchronous
// backend I/O: CommandState (what one command family remembers: WRITE
// SAME's next LBA, COMPARE AND WRITE's stage, EXTENDED COPY's job, ...) and
// StepRun (run_steps()' own, scsi/io_steps.h). The transport never touches
// either.
//
// Contract (CommandState, used through Task::start_state<T>() and
// Task::state<T>()):
//  - Each family defines its own small struct T, private to its .cc file
//    (VerifyState in sbc_io.cc, WriteSameState and UnmapState in
//    sbc_provisioning.cc, RmwState and AtomicState in sbc_atomic.cc,
//    CopyState in xcopy.cc, EjectState in spc_commands.cc). start_state<T>(init) begins it when the
//    command goes asynchronous; state<T>() reads and updates it until the
//    command completes. Only the family that started a state reads it.
//  - T must fit kBytes, need at most 8-byte alignment, and be trivially
//    copyable and trivially destructible (static_asserts): moving a Task
//    copies the bytes and reset() zeroes them without running T's code.
//    State that owns a resource keeps a pointer here and frees it itself
//    before completing the task (xcopy's CopyJob, the one allocation, made
//    by EXTENDED COPY for its parsed segment list, not by this storage).
//  - Task::reset() zeroes the storage; a command starts with no state.
//
// Why fixed storage with a typed accessor rather than a std::variant of the
// families' structs:
//  - a variant would make task.h, the transport's contract, name every
//    family's private state: each new command family would edit the
//    transport's header and rebuild it. Here a family's state stays in its
//    own file; the static_asserts below are the only coupling.
//  - no discriminator, no visitation: the storage is as large as the
//    largest state (WRITE SAME's, 24 bytes), so the Task is no bigger than
//    with the uint32 slots this replaces, and nothing is allocated (SPDK's
//    per-module context size, inside the Task instead of beside it).
//  What a variant would check at run time -- that the state read is the one
//  started -- holds by construction: a family reads its state only from the
//  completion callbacks and step functions it installed itself.
//  READ and WRITE keep no state here (their completion needs only the Task).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>

namespace esan::scsi {

class Task;
enum class Step : uint8_t;  // scsi/io_steps.h

class CommandState {
 public:
  static constexpr size_t kBytes = 24;

  template <class T>
  T& start(const T& init) {
    check<T>();
    return *std::construct_at(reinterpret_cast<T*>(bytes_), init);
  }
  template <class T>
  T& get() {
    check<T>();
    return *std::launder(reinterpret_cast<T*>(bytes_));
  }

 private:
  template <class T>
  static constexpr void check() {
    static_assert(sizeof(T) <= kBytes, "per-command state larger than CommandState::kBytes");
    static_assert(alignof(T) <= 8, "per-command state needs more than 8-byte alignment");
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                  "per-command state is moved and dropped as bytes");
  }

  alignas(8) std::byte bytes_[kBytes] = {};
};

// run_steps()' driver state (scsi/io_steps.cc): the family's step function
// and how the last request completed when the backend finished it inside
// submit().
struct StepRun {
  Step (*next)(Task& t, int result) = nullptr;
  int inline_result = 0;
  bool in_submit = false;
  bool inline_done = false;
};

}  // namespace esan::scsi

// The initiator guest of the HA tests (issue 14): a qemu virtual machine
// (TCG: this machine has no KVM) running Debian's kernel with the real Linux
// initiator stack -- open-iscsi (iscsi_tcp), dm-multipath with the ALUA
// device handler, fio, sg3-utils -- driven by a bash script the test writes.
//
// The image (tests/ha/guest/build-image.sh, cached under
// /var/cache/esan-guest by a hash of its inputs) holds the packages and a
// small PID 1 (`init`); what the guest does is put into a shared directory
// on every boot: `boot.sh` (modules, network, udev, iscsid, multipathd),
// `lib.sh` (functions for scripts), `etc/iscsid.conf`, `etc/multipath.conf`
// and `etc/modprobe.conf` (the settings tests/ha/README.md recommends), `env`
// (Options::env, exported) and `run.sh` (Options::script). The guest mounts
// the directory as /lab (virtio 9p), runs /lab/run.sh, writes its exit
// status to /lab/exit-status and powers off.
//
// Networking is qemu's user mode (slirp): the guest is 10.0.2.15 behind a
// NAT whose outgoing connections are made by qemu, a process of the test, in
// the test's network namespace; so the guest reaches every address the test
// process reaches -- the HA lab's node front addresses included -- and
// nothing reaches the guest. No tap device, bridge or root is needed for it.
//
// Host and guest talk through files in the shared directory: the guest's
// `mark NAME [TEXT]` (lib.sh) creates /lab/NAME for WaitFile; the host's
// Mark(NAME) creates one the guest's `wait_host NAME` waits for. Both
// appear at once and complete (written aside, then renamed).
//
// Start() returns once qemu runs; the test acts while the guest works and
// then Wait()s for the power-off. Every failure (a timeout, the guest ending
// early, a non-zero exit status) says what happened and carries the tails of
// the guest's output (guest.log: boot.sh and run.sh) and serial console
// (kernel messages included). The destructor kills qemu if it still runs,
// prints the whole guest log if the test has failed, and removes the work
// directory (ESAN_GUEST_KEEP=1 keeps it and says where).
//
// Each boot starts from the clean image (a qcow2 overlay in the work
// directory takes the guest's writes). From Start to run.sh takes 8-14 s
// on the 2-core machine.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace esan::ha {

struct GuestImage {
  std::string dir;  // vmlinuz, initrd.img, root.img
  bool built = false;  // built now (false: found in the cache)
  std::chrono::milliseconds took{0};
};

// Runs build-image.sh (cache directory: $ESAN_GUEST_CACHE, default
// /var/cache/esan-guest): finds the cached image for the current inputs or
// builds it (minutes, needs the Debian mirror). Fails with the script's
// output.
::testing::AssertionResult PrepareGuestImage(GuestImage* image,
                                             std::chrono::milliseconds timeout = std::chrono::minutes(30));

class Guest {
 public:
  struct Options {
    std::string image_dir;  // GuestImage::dir
    std::string script;     // bash, run as /lab/run.sh (after `boot.sh` is done)
    // Exported to the script (/lab/env); GUEST_INITIATOR sets the initiator
    // name (default iqn.2026-12.org.esan.test:guest).
    std::vector<std::pair<std::string, std::string>> env;
    int memory_mb = 1024;
    int cpus = 2;
    // The whole run, from Start(): qemu is killed after it.
    std::chrono::milliseconds timeout = std::chrono::minutes(15);
  };

  explicit Guest(Options opts);
  ~Guest();
  Guest(const Guest&) = delete;
  Guest& operator=(const Guest&) = delete;

  // Writes the shared directory, creates the overlay and starts qemu;
  // returns at once (the guest boots meanwhile). Fails, starting nothing, on
  // an empty script, cpus outside 1..8, memory_mb below 256, a timeout that
  // is not positive, an env name that is not a shell variable name, an
  // image directory without the image, or a second call; and on qemu-img or
  // qemu errors (qemu exiting at once).
  ::testing::AssertionResult Start();

  // The work directory (overlay, console.log, qemu.log) and the shared
  // directory in it (the guest's /lab).
  const std::string& work_dir() const { return work_; }
  std::string shared_dir() const { return work_ + "/lab"; }
  std::string Path(const std::string& name) const { return shared_dir() + "/" + name; }

  // Names are plain file names in the shared directory (no '/', not
  // starting with '.'); others fail.
  // Waits until the guest created /lab/NAME (lib.sh `mark`). Fails when
  // timeout passes or the guest powers off first.
  ::testing::AssertionResult WaitFile(const std::string& name, std::chrono::milliseconds timeout);
  // The content of /lab/NAME ("" if absent).
  std::string File(const std::string& name) const;
  // Creates /lab/NAME with text, for the guest's `wait_host NAME`.
  ::testing::AssertionResult Mark(const std::string& name, const std::string& text = "");

  // Waits until the guest powered off (qemu exited). Success when run.sh
  // exited 0; otherwise says with which status, or that it never finished.
  ::testing::AssertionResult Wait(std::chrono::milliseconds timeout);
  // qemu is running (reaps it when it has exited).
  bool Running();
  // run.sh's exit status once the guest wrote it, else -1.
  int exit_status() const;

  // guest.log (boot.sh and run.sh output), the serial console, and their
  // last lines for failure messages.
  std::string Log() const;
  std::string Console() const;
  std::string Describe() const;

 private:
  void Kill();
  std::string QemuOutput() const;

  Options opts_;
  std::string work_;
  pid_t qemu_ = -1;
  int qemu_status_ = -1;  // wait status once reaped
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace esan::ha

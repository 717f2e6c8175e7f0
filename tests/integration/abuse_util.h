// Helpers for the hostile-input tests (abuse_test.cc, limits_test.cc):
// esand's resident memory and descriptors from /proc, a health check run
// after every abusive case, and a raw full-feature session that sends
// arbitrary PDUs with correct sequence numbers.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/raw_iscsi.h"

namespace esan::it::abuse {

constexpr long kRssLimitKib = 200 * 1024;  // generous bound on esand's VmRSS

long VmRssKib(pid_t pid);        // /proc/PID/status VmRSS, -1 if unreadable
int OpenFds(pid_t pid);          // entries of /proc/PID/fd
int OpenSockets(pid_t pid);      // of which sockets (kListeningSockets at rest)

// The sockets of an idle esand: its portal and its management API socket.
constexpr int kListeningSockets = 2;

// Waits until esand holds no connection socket (just its listeners);
// returns false on timeout.
bool WaitIdle(pid_t pid, std::chrono::milliseconds timeout);

// The descriptor count of an idle esand (after WaitIdle).
int IdleFds(const EsandProcess& e);

// After an abusive case: esand is running, serves a new libiscsi session
// on iqn LUN 0 (64 KiB write + read back), its VmRSS is below
// kRssLimitKib, and once the session is gone its descriptors are back to
// baseline_fds (more is a leak). Prints "[abuse] label: VmRSS ... fds ...".
::testing::AssertionResult Healthy(EsandProcess& e, const std::string& iqn, int baseline_fds,
                                   const std::string& label);

// A raw session in full feature phase. Build*() make PDUs stamped with the
// next ITT/CmdSN/ExpStatSN; Send() sends one; Next() reads one (skipping
// nothing). The login uses Session::Login (ImmediateData/InitialR2T Yes).
class RawSession {
 public:
  ::testing::AssertionResult Login(int port, const std::string& iqn, uint8_t isid_tail = 1,
                                   const std::string& initiator = "iqn.2026-11.org.esan.test:raw");
  raw::Conn* conn() { return s_.conn(); }
  // SCSI Command: READ16/WRITE16 of `blocks` at lba 0 with the given EDTL,
  // no immediate data. immediate=true sets the I bit (CmdSN not advanced).
  raw::Pdu Command(bool write, uint32_t blocks, uint32_t edtl, bool immediate = false);
  raw::Pdu NopOut();  // ping with an ITT: the target answers NOP-In
  bool Send(const raw::Pdu& p) { return conn()->SendPdu(p); }
  raw::Conn::Recv Next(raw::Pdu* out, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a NOP-Out and reads until its NOP-In (true), collecting the PDUs
  // read before it in *before (if given).
  ::testing::AssertionResult Ping(std::vector<raw::Pdu>* before = nullptr);
  // Reads until the answer to the command with this ITT: its SCSI
  // Response, its status-carrying Data-In, or a Reject of it.
  ::testing::AssertionResult Await(uint32_t itt, raw::Pdu* answer);
  uint32_t cmdsn() const { return cmdsn_; }
  void set_cmdsn(uint32_t sn) { cmdsn_ = sn; }
  uint32_t next_itt() { return itt_++; }

 private:
  raw::Session s_;
  uint32_t cmdsn_ = 0;
  uint32_t itt_ = 0x1000;
  uint32_t expstatsn_ = 0;
};

}  // namespace esan::it::abuse

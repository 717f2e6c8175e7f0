// Helpers for the hostile-input tests; see abuse_util.h.
#include "tests/integration/abuse_util.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "tests/integration/iscsi_client.h"

namespace esan::it::abuse {

using namespace std::chrono_literals;

long VmRssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

namespace {
// (all descriptors, sockets among them)
std::pair<int, int> CountFds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return {-1, -1};
  int all = 0, sockets = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ++all;
    char target[128] = {};
    std::string link = dir + "/" + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0 && std::string(target, size_t(n)).rfind("socket:", 0) == 0) ++sockets;
  }
  ::closedir(d);
  return {all, sockets};
}
}  // namespace

int OpenFds(pid_t pid) { return CountFds(pid).first; }

namespace {
// "3 -> /dev/null, 4 -> anon_inode:[io_uring], ..." for failure messages.
std::string ListFds(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd", out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char target[256] = {};
    std::string link = dir + "/" + e->d_name;
    ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    out += std::string(e->d_name) + " -> " + (n > 0 ? std::string(target, size_t(n)) : "?") + "\n";
  }
  ::closedir(d);
  return out;
}
}  // namespace
int OpenSockets(pid_t pid) { return CountFds(pid).second; }

bool WaitIdle(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (OpenSockets(pid) != kListeningSockets) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

int IdleFds(const EsandProcess& e) {
  // The portal accepts before the reactors (io_uring, eventfd) exist: count
  // once esand says it is ready.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (e.Output().find(" ready: ") == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "esand did not report ready";
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(WaitIdle(e.pid(), 10s)) << "esand still holds connections";
  // The smallest of a few samples: a descriptor open for a moment at start
  // (state files, the log) must not become part of the baseline.
  int fds = OpenFds(e.pid());
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(20ms);
    fds = std::min(fds, OpenFds(e.pid()));
  }
  return fds;
}

::testing::AssertionResult Healthy(EsandProcess& e, const std::string& iqn, int baseline_fds,
                                   const std::string& label) {
  if (!e.Running()) return ::testing::AssertionFailure() << label << ": esand is not running";
  long rss_busy = VmRssKib(e.pid());
  {
    SessionOptions o;
    o.initiator = "iqn.2026-11.org.esan.test:health";
    std::string err;
    Context ctx = Login(e.portal(), iqn, 0, o, &err);
    if (!ctx) return ::testing::AssertionFailure() << label << ": login failed: " << err;
    std::vector<uint8_t> buf = TestData(64 * 1024, 4242), back;
    if (auto r = Write16(ctx.get(), 0, 256, buf.data(), buf.size()); !r) return r << " (" << label << ")";
    if (auto r = Read16(ctx.get(), 0, 256, buf.size(), &back); !r) return r << " (" << label << ")";
    if (back != buf) return ::testing::AssertionFailure() << label << ": read-back mismatch";
  }
  bool idle = WaitIdle(e.pid(), 15s);
  // Leaks show as descriptors above the idle baseline; give a closing
  // descriptor a moment before judging.
  int fds = OpenFds(e.pid());
  for (int i = 0; i < 50 && fds > baseline_fds; ++i) {
    std::this_thread::sleep_for(20ms);
    fds = OpenFds(e.pid());
  }
  long rss = VmRssKib(e.pid());
  std::printf("[abuse] %-28s VmRSS %ld KiB (during abuse %ld KiB), fds %d (baseline %d)\n",
              label.c_str(), rss, rss_busy, fds, baseline_fds);
  std::fflush(stdout);
  if (!idle) return ::testing::AssertionFailure() << label << ": connections still open after 15 s";
  if (fds > baseline_fds)
    return ::testing::AssertionFailure() << label << ": " << fds << " fds open, baseline " << baseline_fds
                                         << ":\n" << ListFds(e.pid());
  if (rss < 0 || rss > kRssLimitKib || rss_busy > kRssLimitKib)
    return ::testing::AssertionFailure() << label << ": VmRSS " << rss << " KiB (" << rss_busy
                                         << " during abuse), limit " << kRssLimitKib;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RawSession::Login(int port, const std::string& iqn, uint8_t isid_tail,
                                             const std::string& initiator) {
  raw::Session::Params p;
  p.target = iqn;
  p.initiator = initiator;
  p.isid[5] = isid_tail;
  auto r = s_.Login(port, p);
  if (!r) return r;
  cmdsn_ = s_.cmdsn();
  expstatsn_ = s_.expstatsn();
  return ::testing::AssertionSuccess();
}

raw::Pdu RawSession::Command(bool write, uint32_t blocks, uint32_t edtl, bool immediate) {
  raw::Pdu cmd;
  cmd.bhs[0] = raw::kScsiCommand | (immediate ? 0x40 : 0);
  cmd.bhs[1] = 0x80 | (write ? 0x20 : 0x40) | 0x01;  // F, W or R, simple
  cmd.Set32(16, itt_++);
  cmd.Set32(20, edtl);
  cmd.Set32(24, immediate ? cmdsn_ : cmdsn_++);
  cmd.Set32(28, expstatsn_);
  auto cdb = raw::Cdb16(write ? 0x8a : 0x88, 0, blocks);
  std::copy(cdb.begin(), cdb.end(), cmd.bhs.begin() + 32);
  return cmd;
}

raw::Pdu RawSession::NopOut() {
  raw::Pdu nop;
  nop.bhs[0] = 0x40 | raw::kNopOut;  // immediate
  nop.bhs[1] = 0x80;
  nop.Set32(16, itt_++);
  nop.Set32(20, 0xffffffff);
  nop.Set32(24, cmdsn_);
  nop.Set32(28, expstatsn_);
  return nop;
}

raw::Conn::Recv RawSession::Next(raw::Pdu* out, std::chrono::milliseconds timeout) {
  std::string why;
  auto r = conn()->ReadPdu(out, timeout, &why);
  if (r == raw::Conn::Recv::kOk && out->opcode() != raw::kDataIn && out->opcode() != raw::kR2T)
    expstatsn_ = out->Get32(24) + 1;
  return r;
}

::testing::AssertionResult RawSession::Await(uint32_t itt, raw::Pdu* answer) {
  for (int i = 0; i < 100000; ++i) {
    auto r = Next(answer);
    if (r != raw::Conn::Recv::kOk)
      return ::testing::AssertionFailure() << "no answer to ITT " << itt << " ("
                                           << (r == raw::Conn::Recv::kClosed ? "closed" : "timeout") << ")";
    uint8_t op = answer->opcode();
    bool mine = answer->Get32(16) == itt;
    if (op == raw::kScsiResponse && mine) return ::testing::AssertionSuccess();
    if (op == raw::kDataIn && mine && (answer->flags() & 0x01)) return ::testing::AssertionSuccess();
    if (op == raw::kReject && answer->data.size() >= 20) {
      const uint8_t* h = answer->data.data();
      uint32_t rejected = uint32_t(h[16]) << 24 | uint32_t(h[17]) << 16 | uint32_t(h[18]) << 8 | h[19];
      if (rejected == itt) return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no answer to ITT " << itt << " among 100000 PDUs";
}

::testing::AssertionResult RawSession::Ping(std::vector<raw::Pdu>* before) {
  raw::Pdu nop = NopOut();
  uint32_t itt = nop.Get32(16);
  if (!Send(nop)) return ::testing::AssertionFailure() << "cannot send NOP-Out";
  for (int i = 0; i < 100000; ++i) {
    raw::Pdu in;
    auto r = Next(&in);
    if (r != raw::Conn::Recv::kOk)
      return ::testing::AssertionFailure() << "no NOP-In ("
                                           << (r == raw::Conn::Recv::kClosed ? "closed" : "timeout") << ")";
    if (in.opcode() == raw::kNopIn && in.Get32(16) == itt) return ::testing::AssertionSuccess();
    if (before) before->push_back(in);
  }
  return ::testing::AssertionFailure() << "no NOP-In among 100000 PDUs";
}

}  // namespace esan::it::abuse

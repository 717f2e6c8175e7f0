// The HA lab itself (tests/ha/lab.h): a 3-node corosync cluster in network
// namespaces forms with both knet links up, loses and regains a node when
// its links are cut and restored or its corosync is killed and restarted, a
// CPG client started inside a node finds that node's corosync, and today's
// esand (no esan_cluster_group) serves one shared disk from two nodes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "tests/ha/ha_util.h"
#include "tests/ha/lab.h"

#ifndef CPG_PROBE_PATH
#error "CPG_PROBE_PATH must be defined (path of the cpg_probe binary)"
#endif

namespace esan::ha {
namespace {

using namespace std::chrono_literals;

// A TCP connection attempt to address (port 9, where nothing listens) is
// answered, by a reset, within 2 s.
::testing::AssertionResult Reachable(const std::string& address) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(9);
  if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return ::testing::AssertionFailure() << address;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  int err = rc == 0 ? 0 : errno;
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    socklen_t len = sizeof err;
    err = ::poll(&p, 1, 2000) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 ? err : ETIMEDOUT;
  }
  ::close(fd);
  if (err == 0 || err == ECONNREFUSED) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << address << " unreachable: " << std::strerror(err);
}

// Options a Lab cannot honour are refused before anything is built.
TEST(HaLab, BadOptionsAreRefused) {
  Lab::Options relative;
  relative.private_dirs = {"var/lib/x"};
  ::testing::AssertionResult r = Lab(relative).Start();
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("'var/lib/x' is not an absolute directory"), std::string::npos) << r.message();
  Lab::Options missing;
  missing.overlays = {{"/usr/sbin", {{"fence_x", "/nonexistent/fence_x"}}}};
  r = Lab(missing).Start();
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("/nonexistent/fence_x is not an executable file"), std::string::npos)
      << r.message();
  Lab::Options escaping;
  escaping.overlays = {{"/usr/sbin", {{"../bin/x", "/bin/true"}}}};
  r = Lab(escaping).Start();
  EXPECT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("'../bin/x' is not a relative path"), std::string::npos) << r.message();
}

TEST(HaLab, LabForms) {
  Lab lab;
  ASSERT_TRUE(lab.Start());
  for (int n = 1; n <= 3; ++n) {
    QuorumView q = lab.Quorum(n);
    EXPECT_TRUE(q.quorate) << q.raw;
    EXPECT_EQ(q.total_votes, 3) << q.raw;
    EXPECT_EQ(q.members, (std::vector<int>{1, 2, 3})) << q.raw;
    EXPECT_TRUE(lab.WaitLinksConnected(n, 15s));
    // Each node is a host of its own.
    ExecResult h = lab.Exec(n, {"hostname"});
    EXPECT_EQ(h.output, lab.NodeName(n) + "\n");
  }
  // The test process reaches every node's front address (the nodes reach
  // each other on both links: the links are connected).
  for (int n = 1; n <= 3; ++n) EXPECT_TRUE(Reachable(lab.FrontAddress(n)));
}

TEST(HaLab, NodeCutOffLosesQuorumAndRejoins) {
  Lab lab;
  ASSERT_TRUE(lab.Start());
  // One link down: corosync fails over to the other, nobody leaves.
  ASSERT_TRUE(lab.CutLink(1, 0));
  EXPECT_TRUE(Eventually(15s, [&]() -> ::testing::AssertionResult {
    auto links = lab.Links(1);
    if (links[0][2] == "disconnected" && links[1][2] == "connected") return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "node1 to node2: link 0 " << links[0][2] << ", link 1 " << links[1][2];
  }));
  ASSERT_TRUE(lab.WaitQuorate(1, 5s, {1, 2, 3}));
  ASSERT_TRUE(lab.CutLink(1, 1));
  ASSERT_TRUE(lab.WaitNotQuorate(1, 20s));
  EXPECT_TRUE(lab.WaitQuorate(2, 20s, {2, 3}));
  EXPECT_TRUE(lab.WaitQuorate(3, 20s, {2, 3}));
  QuorumView alone = lab.Quorum(1);
  EXPECT_EQ(alone.members, std::vector<int>{1}) << alone.raw;
  // The front network is apart from the links: node1 is still reachable.
  EXPECT_TRUE(Reachable(lab.FrontAddress(1)));
  ASSERT_TRUE(lab.RestoreLink(1, 0));
  ASSERT_TRUE(lab.RestoreLink(1, 1));
  for (int n = 1; n <= 3; ++n) EXPECT_TRUE(lab.WaitQuorate(n, 30s, {1, 2, 3}));
  EXPECT_TRUE(lab.WaitLinksConnected(1, 15s));
}

TEST(HaLab, KilledCorosyncRestartsAndRejoins) {
  Lab lab;
  ASSERT_TRUE(lab.Start());
  lab.KillCorosync(1);
  EXPECT_FALSE(lab.CorosyncRunning(1));
  EXPECT_TRUE(lab.WaitQuorate(2, 20s, {2, 3}));
  EXPECT_FALSE(lab.Quorum(1).answered) << "nothing answers on node1";
  ASSERT_TRUE(lab.RestartCorosync(1));
  for (int n = 1; n <= 3; ++n) EXPECT_TRUE(lab.WaitQuorate(n, 30s, {1, 2, 3}));
}

// A test process that dies (SIGKILL) with its lab up takes every process of
// the lab with it (PR_SET_PDEATHSIG); the namespaces, the host veth and the
// lab directory it leaves are removed by the next Lab::Start
// (CleanupLeftovers).
TEST(HaLab, CrashedLabIsCleanedUpByTheNext) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[0]);
    Lab crashing;
    bool ok = crashing.Start();
    std::string note = ok ? std::to_string(crashing.slot()) + " " + crashing.dir() + " " +
                                std::to_string(crashing.CorosyncPid(1))
                          : std::string("failed");
    (void)!::write(p[1], note.data(), note.size());
    ::close(p[1]);
    ::raise(SIGKILL);
  }
  ::close(p[1]);
  std::string note;
  char buf[512];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) note.append(buf, size_t(n));
  ::close(p[0]);
  int st = 0;
  ASSERT_EQ(::waitpid(child, &st, 0), child);
  ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  int slot = -1;
  char dir[400] = {};
  int corosync = -1;
  ASSERT_EQ(std::sscanf(note.c_str(), "%d %399s %d", &slot, dir, &corosync), 3) << note;
  const std::string hub = "/run/netns/esha" + std::to_string(slot) + "-hub";
  struct stat before{};
  ASSERT_EQ(::stat(hub.c_str(), &before), 0) << "the crashed lab left its namespaces";
  EXPECT_TRUE(std::filesystem::exists(dir));
  // Its corosync died with it (it may still be a zombie of init's for a moment).
  EXPECT_TRUE(Eventually(5s, [&]() -> ::testing::AssertionResult {
    std::string stat = it::ReadFile("/proc/" + std::to_string(corosync) + "/stat");
    if (stat.empty() || stat.find(") Z") != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "corosync " << corosync << " still runs";
  }));

  Lab next;
  ASSERT_TRUE(next.Start());
  struct stat after{};
  // Gone, unless the next lab took the same slot and made its own.
  if (::stat(hub.c_str(), &after) == 0) {
    EXPECT_NE(after.st_ino, before.st_ino) << hub << " left behind";
  }
  for (int n = 1; n <= 3; ++n) {
    std::string ns = "/run/netns/esha" + std::to_string(slot) + "-n" + std::to_string(n);
    if (next.slot() != slot) {
      EXPECT_FALSE(std::filesystem::exists(ns)) << ns << " left behind";
    }
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir << " left behind";
}

// What esand's coordinator does, in miniature: a CPG client on node1 and one
// on node2 find their node's corosync, see each other in one group and
// exchange a message; votequorum says quorate.
TEST(HaLab, CpgClientsInNodesSeeEachOther) {
  Lab lab;
  ASSERT_TRUE(lab.Start());
  auto on1 = std::async(std::launch::async, [&] { return lab.Exec(1, {CPG_PROBE_PATH, "esan-probe", "2", "15000"}, 20s); });
  ExecResult r2 = lab.Exec(2, {CPG_PROBE_PATH, "esan-probe", "2", "15000"}, 20s);
  ExecResult r1 = on1.get();
  EXPECT_EQ(r1.exit_code, 0) << r1.output;
  EXPECT_EQ(r2.exit_code, 0) << r2.output;
  EXPECT_NE(r1.output.find("local 1\n"), std::string::npos) << r1.output;
  EXPECT_NE(r2.output.find("local 2\n"), std::string::npos) << r2.output;
  for (const auto* r : {&r1, &r2}) {
    EXPECT_NE(r->output.find("quorate 1\n"), std::string::npos) << r->output;
    EXPECT_NE(r->output.find("members 1 2\n"), std::string::npos) << r->output;
    EXPECT_NE(r->output.find("heard 1 2\n"), std::string::npos) << r->output;
  }
}

// Page 83h LU designators (association 0: NAA, T10 vendor ID) as bytes.
std::vector<std::vector<uint8_t>> LuDesignators(iscsi_context* ctx) {
  Task t(iscsi_inquiry_sync(ctx, 0, 1, 0x83, 1024));
  EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << it::Describe(ctx, t.get());
  std::vector<std::vector<uint8_t>> out;
  if (!t || t->status != SCSI_STATUS_GOOD) return out;
  const uint8_t* d = t->datain.data;
  size_t end = std::min<size_t>(4 + (size_t(d[2]) << 8 | d[3]), size_t(t->datain.size));
  for (size_t off = 4; off + 4 <= end; off += 4 + d[off + 3])
    if (((d[off + 1] >> 4) & 3) == 0) out.emplace_back(d + off, d + std::min(end, off + 4 + d[off + 3]));
  return out;
}

TEST(HaLab, EsandRunsInNodes) {
  Lab lab;
  ASSERT_TRUE(lab.Start());
  EsandNodes esands(lab, /*cluster=*/false);
  ASSERT_TRUE(esands.StartAll());
  EXPECT_EQ(esands.esand(1).address(), lab.FrontAddress(1));
  // esand runs in node1's namespaces, not in the test's.
  ExecResult host = RunProgram({"readlink", "/proc/" + std::to_string(esands.esand(1).pid()) + "/ns/net"});
  ExecResult anchor = RunProgram({"readlink", "/proc/" + std::to_string(lab.Anchor(1)) + "/ns/net"});
  EXPECT_EQ(host.output, anchor.output);
  Context a = esands.Session(1, "iqn.2026-12.org.esan.test:host-a", 1);
  Context b = esands.Session(2, "iqn.2026-12.org.esan.test:host-a", 1);
  ASSERT_TRUE(a && b);
  // One LU: the same identifiers through either node.
  auto ids1 = LuDesignators(a.get());
  EXPECT_EQ(ids1.size(), 2u);
  EXPECT_EQ(LuDesignators(b.get()), ids1);
  std::vector<uint8_t> data = it::TestData(64 * 1024, 13);
  ASSERT_TRUE(it::Write16(a.get(), 0, 2048, data.data(), data.size()));
  std::vector<uint8_t> back;
  ASSERT_TRUE(it::Read16(b.get(), 0, 2048, data.size(), &back));
  EXPECT_EQ(it::FirstDifference(back, data), std::string::npos);
  // And back the other way.
  std::vector<uint8_t> data2 = it::TestData(4096, 14);
  ASSERT_TRUE(it::Write16(b.get(), 0, 4096, data2.data(), data2.size()));
  ASSERT_TRUE(it::Read16(a.get(), 0, 4096, data2.size(), &back));
  EXPECT_EQ(back, data2);
  a.reset();
  b.reset();
  EXPECT_TRUE(esands.Stop(1));
  EXPECT_TRUE(esands.Stop(2));
}

}  // namespace
}  // namespace esan::ha

// cpg_probe: a minimal Corosync CPG + quorum client for the HA lab tests.
// Run inside a lab node (Lab::Exec), it shows that a process started there
// finds that node's corosync (libqb IPC: an abstract unix socket of the
// node's network namespace, ring buffers in its private /dev/shm), as esand
// will.
//
//   cpg_probe GROUP MEMBERS TIMEOUT_MS
//
// Joins GROUP, waits until the group has MEMBERS members, multicasts one
// message naming its node id and waits until it has received one from every
// member (its own included), then leaves.
// Prints "local N", "quorate Q", "members A B ..." (the group when it sent),
// "heard A B ...".
// Exit 0 on success, 1 on timeout, 2 on a corosync error.
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

extern "C" {
#include <corosync/cpg.h>
#include <corosync/quorum.h>
}

namespace {

std::set<unsigned> g_members;
std::set<unsigned> g_heard;

void Deliver(cpg_handle_t, const cpg_name*, uint32_t nodeid, uint32_t, void* msg, size_t len) {
  std::string text(static_cast<const char*>(msg), len);
  if (text.rfind("hello ", 0) == 0) g_heard.insert(nodeid);
}

void Confchg(cpg_handle_t, const cpg_name*, const cpg_address* members, size_t n, const cpg_address*, size_t,
             const cpg_address*, size_t) {
  g_members.clear();
  for (size_t i = 0; i < n; ++i) g_members.insert(members[i].nodeid);
}

std::string List(const std::set<unsigned>& s) {
  std::string out;
  for (unsigned v : s) out += " " + std::to_string(v);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: cpg_probe GROUP MEMBERS TIMEOUT_MS\n");
    return 2;
  }
  const std::string group = argv[1];
  const size_t want = std::strtoul(argv[2], nullptr, 10);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atol(argv[3]));

  quorum_handle_t qh;
  quorum_callbacks_t qcb{};
  uint32_t qtype = 0;
  if (quorum_initialize(&qh, &qcb, &qtype) != CS_OK) {
    std::printf("quorum_initialize failed\n");
    return 2;
  }
  int quorate = 0;
  quorum_getquorate(qh, &quorate);
  std::printf("quorate %d\n", quorate);
  quorum_finalize(qh);

  cpg_handle_t h;
  cpg_callbacks_t cb{};
  cb.cpg_deliver_fn = Deliver;
  cb.cpg_confchg_fn = Confchg;
  if (cpg_initialize(&h, &cb) != CS_OK) {
    std::printf("cpg_initialize failed\n");
    return 2;
  }
  unsigned local = 0;
  cpg_local_get(h, &local);
  std::printf("local %u\n", local);
  cpg_name name{};
  name.length = uint32_t(group.size());
  std::memcpy(name.value, group.data(), group.size());
  if (cpg_join(h, &name) != CS_OK) {
    std::printf("cpg_join failed\n");
    return 2;
  }
  int fd = -1;
  cpg_fd_get(h, &fd);
  bool sent = false, ok = false;
  // The group as it was when our hello went out: a peer that has heard
  // everyone may leave before we print, and its leave must not rewrite what
  // we saw.
  std::set<unsigned> members_at_send;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0 && cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK) {
      std::printf("cpg_dispatch failed\n");
      return 2;
    }
    if (!sent && g_members.size() >= want) {
      std::string msg = "hello " + std::to_string(local);
      iovec iov{msg.data(), msg.size()};
      if (cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1) == CS_OK) {
        sent = true;
        members_at_send = g_members;
      }
    }
    if (sent && g_heard.size() >= want) {
      // Our message was sent in a configuration every peer is in: virtual
      // synchrony delivers it to them before our leave.
      ok = true;
      std::printf("members%s\nheard%s\n", List(members_at_send).c_str(), List(g_heard).c_str());
      break;
    }
  }
  if (!ok) std::printf("timeout: members%s heard%s\n", List(g_members).c_str(), List(g_heard).c_str());
  cpg_leave(h, &name);
  cpg_finalize(h);
  return ok ? 0 : 1;
}
